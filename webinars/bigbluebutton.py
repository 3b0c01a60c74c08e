"""A small client of the BigBlueButton API.

Every call is ``GET {BBB_URL}/api/{call}?{query}&checksum={checksum}`` where
the checksum is the hex SHA-1 (or SHA-256, per ``BBB_CHECKSUM_ALGORITHM``) of
``call + query + shared secret``, the query string being exactly the one sent.
Responses are XML with a ``returncode`` of SUCCESS or FAILED (then
``messageKey`` and ``message`` say why); failures and network errors raise
``BigBlueButtonError`` with a message a trainer can act on.
"""

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

MODERATOR = "MODERATOR"
VIEWER = "VIEWER"


class BigBlueButtonError(Exception):
    """The API refused a call or could not be reached; ``message`` is for a person."""

    def __init__(self, message: str, *, key: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.key = key


@dataclass(frozen=True)
class Attendee:
    """One person in a running meeting, as ``getMeetingInfo`` lists them:
    ``user_id`` is the ``userID`` given when they joined (ours: the account's
    primary key), else BigBlueButton's internal one."""

    user_id: str
    full_name: str
    role: str


@dataclass(frozen=True)
class MeetingInfo:
    running: bool
    attendees: list[Attendee]


@dataclass(frozen=True)
class Recording:
    record_id: str
    meeting_id: str
    published: bool
    playback_url: str
    start_ms: int
    end_ms: int


def api_base(url: str) -> str:
    """``https://host/bigbluebutton/`` and ``https://host/bigbluebutton/api`` both give the API root."""
    url = url.strip().rstrip("/")
    return url if url.endswith("/api") else f"{url}/api"


class BigBlueButton:
    def __init__(
        self,
        *,
        url: str,
        secret: str,
        algorithm: str = "sha1",
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if algorithm not in {"sha1", "sha256", "sha384", "sha512"}:
            raise ValueError(f"Unsupported BigBlueButton checksum algorithm: {algorithm}")
        self.base = api_base(url)
        self.secret = secret
        self.algorithm = algorithm
        self.timeout = timeout
        self.transport = transport

    @classmethod
    def from_settings(cls) -> "BigBlueButton":
        if not settings.BBB_URL or not settings.BBB_SECRET:
            raise BigBlueButtonError(
                _("BigBlueButton is not configured (BBB_URL and BBB_SECRET). Use an external link instead."),
                key="notConfigured",
            )
        return cls(
            url=settings.BBB_URL,
            secret=settings.BBB_SECRET,
            algorithm=settings.BBB_CHECKSUM_ALGORITHM,
            timeout=settings.BBB_TIMEOUT_SECONDS,
        )

    # ------------------------------------------------------------ URLs
    def checksum(self, call: str, query: str) -> str:
        return hashlib.new(self.algorithm, f"{call}{query}{self.secret}".encode()).hexdigest()

    def url(self, call: str, params: dict[str, str | int | bool]) -> str:
        """The signed URL of ``call`` with ``params`` (in the given order)."""
        query = urlencode({key: _text(value) for key, value in params.items()})
        checksum = self.checksum(call, query)
        return (
            f"{self.base}/{call}?{query}&checksum={checksum}"
            if query
            else f"{self.base}/{call}?checksum={checksum}"
        )

    # ------------------------------------------------------------ calls
    def _call(self, call: str, params: dict[str, str | int | bool]) -> ET.Element:
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as client:
                response = client.get(self.url(call, params))
        except httpx.HTTPError as error:
            raise BigBlueButtonError(
                _("The BigBlueButton server could not be reached (%(error)s).")
                % {"error": type(error).__name__},
                key="unreachable",
            ) from error
        if response.status_code != 200:
            raise BigBlueButtonError(
                _("The BigBlueButton server answered with HTTP status %(status)s.")
                % {"status": response.status_code},
                key="httpError",
            )
        return parse_response(response.content)

    def create(
        self,
        *,
        meeting_id: str,
        name: str,
        moderator_password: str,
        attendee_password: str,
        duration_minutes: int = 0,
        record: bool = True,
        welcome: str = "",
        logout_url: str = "",
    ) -> ET.Element:
        """Create the meeting (BigBlueButton answers SUCCESS again for an existing one)."""
        params: dict[str, str | int | bool] = {
            "name": name,
            "meetingID": meeting_id,
            "attendeePW": attendee_password,
            "moderatorPW": moderator_password,
            "record": record,
            "autoStartRecording": False,
            "allowStartStopRecording": True,
        }
        if duration_minutes:
            params["duration"] = duration_minutes
        if welcome:
            params["welcome"] = welcome
        if logout_url:
            params["logoutURL"] = logout_url
        return self._call("create", params)

    def join_url(
        self, *, meeting_id: str, full_name: str, role: str, password: str, user_id: str = ""
    ) -> str:
        """The signed join URL for one person (no request is made: the browser opens it)."""
        params: dict[str, str | int | bool] = {
            "fullName": full_name,
            "meetingID": meeting_id,
            "role": role,
            # Servers before 2.4 ignore ``role`` and decide by password.
            "password": password,
            "redirect": True,
        }
        if user_id:
            params["userID"] = user_id
        return self.url("join", params)

    def end(self, *, meeting_id: str, moderator_password: str) -> None:
        """End the meeting; a meeting that is not running is already ended."""
        try:
            self._call("end", {"meetingID": meeting_id, "password": moderator_password})
        except BigBlueButtonError as error:
            if error.key not in {"notFound", "invalidMeetingIdentifier"}:
                raise

    def meeting_info(self, *, meeting_id: str) -> MeetingInfo:
        """Who is in the meeting now; a meeting that is not running (never
        created, or ended) has nobody in it."""
        try:
            root = self._call("getMeetingInfo", {"meetingID": meeting_id})
        except BigBlueButtonError as error:
            if error.key in {"notFound", "invalidMeetingIdentifier"}:
                return MeetingInfo(running=False, attendees=[])
            raise
        return parse_meeting_info(root)

    def hooks_create(self, *, callback_url: str, meeting_id: str) -> None:
        """Ask bbb-webhooks to send this meeting's events to ``callback_url``
        (idempotent: the same hook registered again is a warning, not an error)."""
        self._call("hooks/create", {"callbackURL": callback_url, "meetingID": meeting_id})

    def recordings(self, *, meeting_id: str) -> list[Recording]:
        root = self._call("getRecordings", {"meetingID": meeting_id})
        return parse_recordings(root)


def _text(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_response(content: bytes) -> ET.Element:
    """The XML root of a response; ``BigBlueButtonError`` unless its returncode is SUCCESS."""
    try:
        root = ET.fromstring(content)  # noqa: S314 (trusted, configured server)
    except ET.ParseError as error:
        raise BigBlueButtonError(
            _("The BigBlueButton server sent an unreadable answer."), key="badResponse"
        ) from error
    if root.findtext("returncode") != "SUCCESS":
        key = root.findtext("messageKey") or "failed"
        detail = root.findtext("message") or key
        raise BigBlueButtonError(
            _("BigBlueButton refused the request: %(detail)s") % {"detail": detail}, key=key
        )
    return root


def parse_meeting_info(root: ET.Element) -> MeetingInfo:
    attendees = [
        Attendee(
            user_id=(item.findtext("userID") or "").strip(),
            full_name=item.findtext("fullName") or "",
            role=item.findtext("role") or "",
        )
        for item in root.iterfind("attendees/attendee")
    ]
    return MeetingInfo(running=(root.findtext("running") or "").lower() == "true", attendees=attendees)


def webhook_checksum(*, callback_url: str, body: str, secret: str, algorithm: str = "sha1") -> str:
    """The checksum bbb-webhooks puts on a callback: the hex digest of the
    registered callback URL, the form-encoded body exactly as sent, and the
    shared secret, one after the other."""
    if algorithm not in {"sha1", "sha256", "sha384", "sha512"}:
        raise ValueError(f"Unsupported BigBlueButton checksum algorithm: {algorithm}")
    return hashlib.new(algorithm, f"{callback_url}{body}{secret}".encode()).hexdigest()


def parse_recordings(root: ET.Element) -> list[Recording]:
    result: list[Recording] = []
    for item in root.iterfind("recordings/recording"):
        url = ""
        for playback in item.iterfind("playback/format"):
            url = playback.findtext("url") or ""
            if playback.findtext("type") == "presentation" and url:
                break
        result.append(
            Recording(
                record_id=item.findtext("recordID") or "",
                meeting_id=item.findtext("meetingID") or "",
                published=(item.findtext("published") or "").lower() == "true",
                playback_url=url,
                start_ms=int(item.findtext("startTime") or 0),
                end_ms=int(item.findtext("endTime") or 0),
            )
        )
    return result
