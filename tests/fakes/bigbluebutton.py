"""A BigBlueButton server for tests, written from its public API documentation,
and bbb-webhooks' way of signing its callbacks.

The server answers through an ``httpx`` transport (no network). Like
BigBlueButton it checks every call's checksum — the hex digest of the call
name, the query string without ``checksum`` and the shared secret — and
answers ``checksumError`` when it is wrong. It keeps its meetings: ``create``
(idempotent), the browser opening a signed ``join`` URL (``open_join_url``:
the person appears among the attendees with the ``userID`` of the link),
``getMeetingInfo`` (the documented XML with its ``attendees``), ``end`` and
``hooks/create``.

``webhook_request`` builds a callback as bbb-webhooks sends it: a form body
``domain=…&event=[{…}]&timestamp=…`` (keys in that order) posted to the
registered URL with ``checksum`` = digest of URL + body + shared secret.
"""

import dataclasses
import hashlib
import itertools
import json
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.sax.saxutils import escape

import httpx

from webinars.bigbluebutton import BigBlueButton

SECRET = "8cd8ef52e8e101574e400365b55e11a6"
URL = "https://bbb.test/bigbluebutton/"
DOMAIN = "bbb.test"


@dataclasses.dataclass
class FakeAttendee:
    internal_id: str
    user_id: str
    full_name: str
    role: str


@dataclasses.dataclass
class FakeMeeting:
    meeting_id: str
    name: str
    attendee_pw: str
    moderator_pw: str
    internal_id: str
    create_time: int
    attendees: list[FakeAttendee] = dataclasses.field(default_factory=list)
    running: bool = False


def _failed(key: str, message: str) -> httpx.Response:
    body = (
        "<response><returncode>FAILED</returncode>"
        f"<messageKey>{key}</messageKey><message>{escape(message)}</message></response>"
    )
    return httpx.Response(200, content=body.encode(), headers={"Content-Type": "text/xml"})


def _ok(inner: str) -> httpx.Response:
    body = f"<response><returncode>SUCCESS</returncode>{inner}</response>"
    return httpx.Response(200, content=body.encode(), headers={"Content-Type": "text/xml"})


class FakeBigBlueButton:
    def __init__(self, *, secret: str = SECRET, algorithm: str = "sha1", url: str = URL) -> None:
        self.secret = secret
        self.algorithm = algorithm
        self.url = url
        self.meetings: dict[str, FakeMeeting] = {}
        self.hooks: list[tuple[str, str]] = []
        self.calls: list[str] = []
        self.refused: list[str] = []
        self.down = False
        self._ids = itertools.count(1)

    # ------------------------------------------------------------ wiring
    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> BigBlueButton:
        return BigBlueButton(
            url=self.url, secret=self.secret, algorithm=self.algorithm, transport=self.transport
        )

    # ------------------------------------------------------------ checksum
    def _checksum_ok(self, call: str, query: str) -> bool:
        parts = query.split("&") if query else []
        given = [p.split("=", 1)[1] for p in parts if p.startswith("checksum=")]
        rest = "&".join(p for p in parts if not p.startswith("checksum="))
        expected = hashlib.new(self.algorithm, f"{call}{rest}{self.secret}".encode()).hexdigest()
        return len(given) == 1 and given[0] == expected

    def handle(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        base = urlsplit(self.url).path.rstrip("/") + "/api/"
        if request.method != "GET" or not request.url.path.startswith(base):
            return httpx.Response(404)
        call = request.url.path[len(base) :]
        query = request.url.query.decode()
        self.calls.append(call)
        if not self._checksum_ok(call, query):
            self.refused.append(call)
            return _failed("checksumError", "You did not pass the checksum security check")
        params = dict(parse_qsl(query, keep_blank_values=True))
        handler = {
            "create": self._create,
            "getMeetingInfo": self._meeting_info,
            "end": self._end,
            "hooks/create": self._hooks_create,
        }.get(call)
        if handler is None:
            return _failed("unsupportedRequest", "This request is not supported.")
        return handler(params)

    # ------------------------------------------------------------ calls
    def _create(self, params: dict[str, str]) -> httpx.Response:
        meeting_id = params.get("meetingID", "")
        if not meeting_id or not params.get("name"):
            return _failed("missingParamMeetingID", "You must specify a meeting ID for the meeting.")
        meeting = self.meetings.get(meeting_id)
        if meeting is None:
            number = next(self._ids)
            meeting = self.meetings[meeting_id] = FakeMeeting(
                meeting_id=meeting_id,
                name=params["name"],
                attendee_pw=params.get("attendeePW", ""),
                moderator_pw=params.get("moderatorPW", ""),
                internal_id=f"{hashlib.sha1(meeting_id.encode()).hexdigest()}-{number}",  # noqa: S324
                create_time=1_700_000_000_000 + number,
            )
        return _ok(
            f"<meetingID>{escape(meeting.meeting_id)}</meetingID>"
            f"<internalMeetingID>{meeting.internal_id}</internalMeetingID>"
            "<parentMeetingID>bbb-none</parentMeetingID>"
            f"<attendeePW>{escape(meeting.attendee_pw)}</attendeePW>"
            f"<moderatorPW>{escape(meeting.moderator_pw)}</moderatorPW>"
            f"<createTime>{meeting.create_time}</createTime><voiceBridge>70066</voiceBridge>"
            "<dialNumber>613-555-1234</dialNumber><hasUserJoined>false</hasUserJoined>"
            "<duration>0</duration><hasBeenForciblyEnded>false</hasBeenForciblyEnded>"
            "<messageKey></messageKey><message></message>"
        )

    def _meeting_info(self, params: dict[str, str]) -> httpx.Response:
        meeting = self.meetings.get(params.get("meetingID", ""))
        if meeting is None:
            return _failed("notFound", "We could not find a meeting with that meeting ID")
        attendees = "".join(
            "<attendee>"
            f"<userID>{escape(a.user_id)}</userID><fullName>{escape(a.full_name)}</fullName>"
            f"<role>{a.role}</role><isPresenter>false</isPresenter>"
            "<isListeningOnly>false</isListeningOnly><hasJoinedVoice>true</hasJoinedVoice>"
            "<hasVideo>false</hasVideo><clientType>HTML5</clientType>"
            "</attendee>"
            for a in meeting.attendees
        )
        moderators = sum(a.role == "MODERATOR" for a in meeting.attendees)
        return _ok(
            f"<meetingName>{escape(meeting.name)}</meetingName>"
            f"<meetingID>{escape(meeting.meeting_id)}</meetingID>"
            f"<internalMeetingID>{meeting.internal_id}</internalMeetingID>"
            f"<createTime>{meeting.create_time}</createTime>"
            f"<voiceBridge>70066</voiceBridge><dialNumber>613-555-1234</dialNumber>"
            f"<running>{'true' if meeting.running else 'false'}</running><duration>0</duration>"
            f"<hasUserJoined>{'true' if meeting.attendees else 'false'}</hasUserJoined>"
            "<recording>false</recording><hasBeenForciblyEnded>false</hasBeenForciblyEnded>"
            f"<startTime>{meeting.create_time}</startTime><endTime>0</endTime>"
            f"<participantCount>{len(meeting.attendees)}</participantCount><listenerCount>0</listenerCount>"
            f"<voiceParticipantCount>{len(meeting.attendees)}</voiceParticipantCount><videoCount>0</videoCount>"
            f"<maxUsers>0</maxUsers><moderatorCount>{moderators}</moderatorCount>"
            f"<attendees>{attendees}</attendees><metadata/><isBreakout>false</isBreakout>"
        )

    def _end(self, params: dict[str, str]) -> httpx.Response:
        meeting = self.meetings.get(params.get("meetingID", ""))
        if meeting is None:
            return _failed("notFound", "We could not find a meeting with that meeting ID")
        if params.get("password") != meeting.moderator_pw:
            return _failed("invalidPassword", "You must supply the moderator password for this call.")
        del self.meetings[meeting.meeting_id]
        return _ok(
            "<messageKey>sentEndMeetingRequest</messageKey>"
            "<message>A request to end the meeting was sent.</message>"
        )

    def _hooks_create(self, params: dict[str, str]) -> httpx.Response:
        hook = (params.get("callbackURL", ""), params.get("meetingID", ""))
        if not hook[0]:
            return _failed("missingParamCallbackURL", "You must specify a callbackURL in the parameters.")
        if hook in self.hooks:
            return _ok(
                f"<hookID>{self.hooks.index(hook) + 1}</hookID><messageKey>duplicateWarning</messageKey>"
                "<message>There is already a hook for this callback URL.</message>"
            )
        self.hooks.append(hook)
        return _ok(f"<hookID>{len(self.hooks)}</hookID>")

    # ------------------------------------------------------------ people
    def open_join_url(self, url: str) -> FakeAttendee:
        """What the browser opening a signed join link does: checked like any
        call, then the person is in the meeting (which starts running)."""
        parts = urlsplit(url)
        if not self._checksum_ok("join", parts.query):
            raise AssertionError("join URL with a wrong checksum")
        params = dict(parse_qsl(parts.query))
        meeting = self.meetings[params["meetingID"]]
        internal = f"w_{next(self._ids):06d}"
        attendee = FakeAttendee(
            internal_id=internal,
            user_id=params.get("userID") or internal,
            full_name=params["fullName"],
            role=params.get("role", "VIEWER"),
        )
        meeting.attendees.append(attendee)
        meeting.running = True
        return attendee

    def leave(self, meeting_id: str, attendee: FakeAttendee) -> None:
        self.meetings[meeting_id].attendees.remove(attendee)


# ---------------------------------------------------------------- bbb-webhooks


def user_event(
    kind: str, *, meeting_id: str, attendee: FakeAttendee, ts: int, internal_meeting_id: str = "internal-1"
) -> dict:
    """A ``user-joined`` / ``user-left`` event in bbb-webhooks' mapped format."""
    return {
        "data": {
            "type": "event",
            "id": kind,
            "attributes": {
                "meeting": {"internal-meeting-id": internal_meeting_id, "external-meeting-id": meeting_id},
                "user": {
                    "internal-user-id": attendee.internal_id,
                    "external-user-id": attendee.user_id,
                    "name": attendee.full_name,
                    "role": attendee.role,
                    "presenter": False,
                },
            },
            "event": {"ts": ts},
        }
    }


def meeting_ended_event(*, meeting_id: str, ts: int, internal_meeting_id: str = "internal-1") -> dict:
    return {
        "data": {
            "type": "event",
            "id": "meeting-ended",
            "attributes": {
                "meeting": {"internal-meeting-id": internal_meeting_id, "external-meeting-id": meeting_id}
            },
            "event": {"ts": ts},
        }
    }


def webhook_request(
    callback_url: str,
    events: list[dict],
    *,
    secret: str = SECRET,
    algorithm: str = "sha1",
    timestamp: int = 1_700_000_000_000,
) -> tuple[str, str]:
    """The (URL with checksum, form body) of a callback, as bbb-webhooks sends it."""
    body = urlencode(
        {
            "domain": DOMAIN,
            "event": "[" + ",".join(json.dumps(e) for e in events) + "]",
            "timestamp": timestamp,
        }
    )
    checksum = hashlib.new(algorithm, f"{callback_url}{body}{secret}".encode()).hexdigest()
    separator = "&" if "?" in callback_url else "?"
    return f"{callback_url}{separator}checksum={checksum}", body
