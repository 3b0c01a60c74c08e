"""Attendance from the sources other than the live room and imports.

* **The video link** (external providers: Zoom, Teams…): opening it through
  the academy opens a "join" interval, closed when the session ends. It is
  the weakest evidence: once an imported report covers the person, their
  "join" intervals no longer count (see ``attendance_recompute``).
* **The check-in code**: a short code per session the trainer reads aloud or
  shows, for people on the phone; valid only while the session is live, once
  per person, counted from the check-in to the end.
* **BigBlueButton**: the webhooks of bbb-webhooks (user-joined, user-left,
  meeting-ended), each applied once; ``getMeetingInfo`` polled every minute
  while a session is live, as a fallback; and the attendee list read once
  more when the session ends. People are matched by the ``userID`` given in
  their join link (the account's primary key).
"""

import datetime
import json
import logging
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User
from webinars.bigbluebutton import BigBlueButton, BigBlueButtonError, webhook_checksum
from webinars.models import (
    AttendanceInterval,
    AttendanceSource,
    RegistrationStatus,
    Session,
    SessionStatus,
    VideoEvent,
    VideoProvider,
)
from webinars.services.attendance import (
    attendance_for,
    attendance_interval_close,
    attendance_interval_open,
    attendance_recompute,
)

logger = logging.getLogger(__name__)

CHECKIN_CODE_LENGTH = 6


# ---------------------------------------------------------------- video link


def attendance_join_record(
    *, session: Session, user: User, at: datetime.datetime | None = None
) -> AttendanceInterval | None:
    """A person opened the session's external video link: present from now
    until the session ends (idempotent while open). BigBlueButton sessions
    are left to BigBlueButton's own reports."""
    if session.video_provider != VideoProvider.EXTERNAL:
        return None
    return attendance_interval_open(session=session, user=user, at=at, source=AttendanceSource.JOIN)


# ---------------------------------------------------------------- check-in code


def checkin_code_ensure(*, session: Session) -> str:
    """The session's check-in code, drawn once (digits, easy to say and to type on a phone)."""
    if session.checkin_code:
        return session.checkin_code
    code = "".join(secrets.choice("0123456789") for _ in range(CHECKIN_CODE_LENGTH))
    Session.objects.filter(pk=session.pk, checkin_code="").update(checkin_code=code)
    session.checkin_code = Session.objects.values_list("checkin_code", flat=True).get(pk=session.pk)
    return session.checkin_code


def _code_error(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, fields={"code": [message]})


@transaction.atomic
def attendance_checkin(
    *, user: User, session: Session, code: str, at: datetime.datetime | None = None
) -> AttendanceInterval:
    """Check ``user`` in with the code the trainer gave: a "checkin" interval
    from now to the end of the session. Refused with a field error (``code``)
    outside the live session, for someone not registered, for a wrong code
    (``code`` ``wrong_code``: the caller counts these against a rate) and for a
    second check-in of the same person."""
    session = Session.objects.select_for_update().get(pk=session.pk)
    entered = "".join(ch for ch in code if ch.isalnum())
    if session.status != SessionStatus.LIVE or not session.checkin_code:
        raise _code_error(_("Check-in is only open while the web-conference is live."), "checkin_closed")
    registered = session.registrations.filter(user=user, status=RegistrationStatus.CONFIRMED).exists()
    if not registered:
        raise _code_error(_("Only registered people can check in to this web-conference."), "not_registered")
    if not entered:
        raise _code_error(_("Enter the code the trainer gave."), "required")
    if not secrets.compare_digest(entered.encode(), session.checkin_code.encode()):
        raise _code_error(_("This is not the code of this web-conference."), "wrong_code")
    attendance = attendance_for(session=session, user=user)
    if attendance.intervals.filter(source=AttendanceSource.CHECKIN).exists():
        raise _code_error(_("You have already checked in to this web-conference."), "already_checked_in")
    interval = AttendanceInterval.objects.create(
        attendance=attendance, joined_at=at or timezone.now(), source=AttendanceSource.CHECKIN
    )
    attendance_recompute(attendance=attendance, now=interval.joined_at)
    return interval


# ---------------------------------------------------------------- BigBlueButton


def _account(external_user_id: str) -> User | None:
    """The account behind a BigBlueButton ``userID`` (ours are primary keys)."""
    if not external_user_id.isdigit():
        return None
    return User.objects.filter(pk=int(external_user_id)).first()


def bbb_webhook_url() -> str:
    """The callback URL registered with bbb-webhooks (also the one its checksum covers)."""
    return settings.SITE_URL + reverse("webinars:bbb_webhook")


def bbb_webhook_register(*, client: BigBlueButton, session: Session) -> None:
    """Ask bbb-webhooks for the meeting's events; a server without it (or
    refusing) leaves the poll and the list at the end to do the work."""
    try:
        client.hooks_create(callback_url=bbb_webhook_url(), meeting_id=session.bbb_meeting_id)
    except BigBlueButtonError as error:
        logger.warning("BigBlueButton webhook not registered for session %s: %s", session.pk, error.message)


@dataclass
class WebhookReport:
    applied: int = 0
    duplicates: int = 0
    ignored: int = 0


def _webhook_events(body: str) -> list[dict[str, Any]]:
    """The events of a callback: a form with ``event`` holding a JSON list."""
    fields = parse_qs(body, keep_blank_values=True)
    raw = (fields.get("event") or [""])[0]
    try:
        events = json.loads(raw)
    except ValueError:
        events = None
    if isinstance(events, dict):
        events = [events]
    if not isinstance(events, list) or not all(isinstance(event, dict) for event in events):
        raise ApplicationError(_("The callback has no readable events."), code="bad_payload")
    return events


def _event_time(data: dict[str, Any]) -> datetime.datetime:
    event = data.get("event")
    ts = event.get("ts") if isinstance(event, dict) else None
    if isinstance(ts, int | float) and ts > 0:
        return datetime.datetime.fromtimestamp(ts / 1000, tz=datetime.UTC)
    return timezone.now()


def _event_apply(session: Session, kind: str, attributes: dict[str, Any], at: datetime.datetime) -> None:
    person = attributes.get("user") if isinstance(attributes.get("user"), dict) else {}
    assert isinstance(person, dict)
    connection = str(person.get("internal-user-id") or "")
    if kind == "meeting-ended":
        for interval in AttendanceInterval.objects.filter(
            attendance__session=session, source=AttendanceSource.BIGBLUEBUTTON, left_at__isnull=True
        ).select_related("attendance__user"):
            attendance_interval_close(
                session=session, user=interval.attendance.user, at=at, source=AttendanceSource.BIGBLUEBUTTON
            )
        return
    user = _account(str(person.get("external-user-id") or ""))
    if user is None:
        return
    if kind == "user-joined":
        attendance_interval_open(
            session=session, user=user, at=at, source=AttendanceSource.BIGBLUEBUTTON, external_key=connection
        )
    elif kind == "user-left":
        attendance_interval_close(
            session=session, user=user, at=at, source=AttendanceSource.BIGBLUEBUTTON, external_key=connection
        )


WEBHOOK_EVENTS = ("user-joined", "user-left", "meeting-ended")


def _event_receive(event: dict[str, Any], report: WebhookReport) -> None:
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    assert isinstance(data, dict)
    kind = str(data.get("id") or "")
    attributes = data.get("attributes") if isinstance(data.get("attributes"), dict) else {}
    assert isinstance(attributes, dict)
    meeting = attributes.get("meeting") if isinstance(attributes.get("meeting"), dict) else {}
    assert isinstance(meeting, dict)
    meeting_id = str(meeting.get("external-meeting-id") or "")
    session = Session.objects.filter(
        bbb_meeting_id=meeting_id,
        video_provider=VideoProvider.BIGBLUEBUTTON,
        status__in=[SessionStatus.SCHEDULED, SessionStatus.LIVE],
    ).first()
    if kind not in WEBHOOK_EVENTS or not meeting_id or session is None:
        report.ignored += 1
        return
    at = _event_time(data)
    person = attributes.get("user") if isinstance(attributes.get("user"), dict) else {}
    assert isinstance(person, dict)
    key = f"{meeting_id}|{kind}|{person.get('internal-user-id') or ''}|{at.isoformat()}"[:255]
    try:
        with transaction.atomic():
            VideoEvent.objects.create(session=session, key=key, kind=kind, occurred_at=at)
            _event_apply(session, kind, attributes, at)
    except IntegrityError:
        report.duplicates += 1
        return
    report.applied += 1


def bbb_webhook_receive(*, body: str, checksum: str, callback_url: str | None = None) -> WebhookReport:
    """Apply a bbb-webhooks callback. Its checksum (the digest of the
    registered callback URL, the body as sent and the shared secret) must
    match, else ``ApplicationError`` 401 and nothing is stored. Each event is
    applied once: a replayed event (same meeting, event, connection and
    time) is counted as a duplicate and changes nothing. Events of unknown
    meetings, of sessions no longer running and of other kinds are ignored."""
    expected = (
        webhook_checksum(
            callback_url=callback_url or bbb_webhook_url(),
            body=body,
            secret=settings.BBB_SECRET,
            algorithm=settings.BBB_WEBHOOK_CHECKSUM_ALGORITHM,
        )
        if settings.BBB_SECRET
        else ""
    )
    if not expected or not secrets.compare_digest(expected, checksum.strip().lower()):
        raise ApplicationError(_("The callback's checksum is wrong."), code="bad_checksum", status=401)
    report = WebhookReport()
    for event in _webhook_events(body):
        _event_receive(event, report)
    return report


def bbb_attendance_sync(
    *, session: Session, client: BigBlueButton, at: datetime.datetime | None = None
) -> int:
    """Align BigBlueButton intervals with the meeting's attendee list:
    open one for each person listed who has none open, close those of people
    no longer listed. Returns how many people are in the meeting."""
    at = at or timezone.now()
    info = client.meeting_info(meeting_id=session.bbb_meeting_id)
    users = {
        user.pk: user
        for user in User.objects.filter(
            pk__in=[int(a.user_id) for a in info.attendees if a.user_id.isdigit()]
        )
    }
    with transaction.atomic():
        still_open = AttendanceInterval.objects.filter(
            attendance__session=session, source=AttendanceSource.BIGBLUEBUTTON, left_at__isnull=True
        )
        # People already counted cost nothing: only those who just joined are opened.
        present = set(still_open.values_list("attendance__user_id", flat=True))
        for user in users.values():
            if user.pk not in present:
                attendance_interval_open(
                    session=session, user=user, at=at, source=AttendanceSource.BIGBLUEBUTTON
                )
        gone = still_open.exclude(attendance__user_id__in=users).select_related("attendance__user")
        for interval in gone:
            attendance_interval_close(
                session=session, user=interval.attendance.user, at=at, source=AttendanceSource.BIGBLUEBUTTON
            )
    return len(users)


def bbb_attendance_poll(*, now: datetime.datetime | None = None) -> int:
    """Every minute: sync the attendance of each live BigBlueButton session
    (a server that cannot be reached is skipped until the next run)."""
    sessions = list(
        Session.objects.filter(status=SessionStatus.LIVE, video_provider=VideoProvider.BIGBLUEBUTTON)
    )
    if not sessions:
        return 0
    try:
        client = BigBlueButton.from_settings()
    except BigBlueButtonError as error:
        logger.warning("BigBlueButton attendance not polled: %s", error.message)
        return 0
    synced = 0
    for session in sessions:
        try:
            bbb_attendance_sync(session=session, client=client, at=now)
        except BigBlueButtonError as error:
            logger.warning("BigBlueButton attendance of session %s not polled: %s", session.pk, error.message)
            continue
        synced += 1
    return synced
