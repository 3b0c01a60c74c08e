"""Attendance: presence intervals (the live room calls these), marking by
hand, importing a video provider's participants report, and recording
attendance in the engagement log."""

import csv
import datetime
import io
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User, Verb
from academy.permissions import require
from academy.services import activity_record
from distributors.selectors import membership_current
from webinars.models import (
    Attendance,
    AttendanceInterval,
    AttendanceSource,
    Registration,
    RegistrationStatus,
    Session,
    SessionStatus,
)


def session_actual_minutes(session: Session) -> float:
    """How long the session really ran (from its start to its end), or its
    planned duration while either is unknown."""
    if session.started_at is not None and session.ended_at is not None:
        return max(0.0, (session.ended_at - session.started_at).total_seconds() / 60)
    return float(session.duration_minutes)


def attendance_threshold_minutes(session: Session) -> float:
    """Minutes of presence from which a person counts as having attended: a
    share of the session's actual duration (so ending early does not make
    everyone absent), of the planned one while it is unknown."""
    return session_actual_minutes(session) * settings.WEBINAR_ATTENDANCE_MIN_SHARE


def attendance_final_at(session: Session) -> datetime.datetime | None:
    """When the session's attendance is final: its end plus
    ``WEBINAR_ATTENDANCE_SETTLE_MINUTES`` (None while it has not ended)."""
    if session.status != SessionStatus.ENDED or session.ended_at is None:
        return None
    return session.ended_at + datetime.timedelta(minutes=settings.WEBINAR_ATTENDANCE_SETTLE_MINUTES)


def attendance_for(*, session: Session, user: User) -> Attendance:
    """The person's attendance row for the session (created on first use,
    linked to their registration and distributor)."""
    attendance = Attendance.objects.filter(session=session, user=user).first()
    if attendance is not None:
        return attendance
    registration = (
        Registration.objects.filter(session=session, user=user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )
    membership = membership_current(user=user)
    distributor = (
        registration.distributor if registration else (membership.distributor if membership else None)
    )
    attendance, _created = Attendance.objects.get_or_create(
        session=session,
        user=user,
        defaults={"registration": registration, "distributor": distributor},
    )
    return attendance


def _window(session: Session, now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    start = min(session.started_at or session.starts_at, session.starts_at)
    end = session.ended_at or max(now, start)
    return start, end


def attendance_recompute(*, attendance: Attendance, now: datetime.datetime | None = None) -> Attendance:
    """Minutes = the union of the person's intervals inside the session,
    whatever their sources (an open interval counts until now; overlaps count
    once). Opening the video link ("join") is the weakest evidence: once an
    imported report covers the person, it no longer counts. ``attended``
    follows the threshold unless a trainer marked it by hand."""
    attendance_minutes_count(attendance=attendance, now=now)
    attendance.save(update_fields=["minutes_attended", "attended", "source", "updated_at"])
    return attendance


def attendance_minutes_count(
    *,
    attendance: Attendance,
    now: datetime.datetime | None = None,
    intervals: Sequence[AttendanceInterval] | None = None,
) -> None:
    """What :func:`attendance_recompute` sets on ``attendance``, not saved
    (``intervals``: the person's intervals when already read)."""
    now = now or timezone.now()
    session = attendance.session
    start, end = _window(session, now)
    intervals = list(attendance.intervals.all()) if intervals is None else list(intervals)
    if any(i.source == AttendanceSource.IMPORT for i in intervals):
        intervals = [i for i in intervals if i.source != AttendanceSource.JOIN]
    spans = sorted((max(i.joined_at, start), min(i.left_at or now, end)) for i in intervals)
    total = datetime.timedelta()
    current_start: datetime.datetime | None = None
    current_end: datetime.datetime | None = None
    for joined, left in spans:
        if left <= joined:
            continue
        if current_end is None or joined > current_end:
            if current_start is not None and current_end is not None:
                total += current_end - current_start
            current_start, current_end = joined, left
        else:
            current_end = max(current_end, left)
    if current_start is not None and current_end is not None:
        total += current_end - current_start
    attendance.minutes_attended = round(total.total_seconds() / 60)
    if attendance.source != AttendanceSource.MANUAL:
        attendance.attended = attendance.minutes_attended >= attendance_threshold_minutes(session)


@transaction.atomic
def attendance_interval_open(
    *,
    session: Session,
    user: User,
    at: datetime.datetime | None = None,
    source: str = AttendanceSource.PRESENCE,
    external_key: str = "",
) -> AttendanceInterval:
    """Record that ``user`` is present from ``at`` according to ``source``
    (idempotent while an interval of that source, and connection
    ``external_key`` when given, is open)."""
    attendance = attendance_for(session=session, user=user)
    open_intervals = attendance.intervals.filter(left_at__isnull=True, source=source)
    if external_key:
        open_intervals = open_intervals.filter(external_key=external_key)
    open_interval = open_intervals.first()
    if open_interval is not None:
        return open_interval
    return AttendanceInterval.objects.create(
        attendance=attendance, joined_at=at or timezone.now(), source=source, external_key=external_key
    )


@transaction.atomic
def attendance_interval_close(
    *,
    session: Session,
    user: User,
    at: datetime.datetime | None = None,
    source: str = AttendanceSource.PRESENCE,
    external_key: str = "",
) -> Attendance | None:
    """Record that ``user`` is no longer present according to ``source``
    (only that connection when ``external_key`` is given) and update their
    minutes; what other sources report stays open."""
    attendance = Attendance.objects.filter(session=session, user=user).first()
    if attendance is None:
        return None
    at = at or timezone.now()
    open_intervals = attendance.intervals.filter(left_at__isnull=True, source=source)
    if external_key:
        open_intervals = open_intervals.filter(external_key=external_key)
    for interval in open_intervals:
        interval.left_at = max(at, interval.joined_at)
        interval.save(update_fields=["left_at"])
    return attendance_recompute(attendance=attendance, now=at)


def attendance_intervals_open(
    *, sessions: dict[int, Session], first_at: dict[tuple[int, int], datetime.datetime]
) -> None:
    """Open the live-room presence interval of many people at once (``first_at``:
    (session id, user id) → when they arrived), unless one is open already:
    what :func:`attendance_interval_open` does for each, in a few queries
    (the room's batched arrivals). Attendance rows are made from the
    registration, one by one for people without one (:func:`attendance_for`)."""
    if not first_at:
        return
    attendances = _attendances(first_at)
    missing = [key for key in first_at if key not in attendances]
    if missing:
        registrations = {
            (r.session_id, r.user_id): r
            for r in Registration.objects.filter(
                session_id__in={s for s, _u in missing}, user_id__in={u for _s, u in missing}
            ).exclude(status=RegistrationStatus.CANCELLED)
        }
        Attendance.objects.bulk_create(
            [
                Attendance(
                    session_id=key[0],
                    user_id=key[1],
                    registration=registrations[key],
                    distributor_id=registrations[key].distributor_id,
                )
                for key in missing
                if key in registrations
            ],
            ignore_conflicts=True,
        )
        for key in missing:
            if key not in registrations:
                attendance_for(session=sessions[key[0]], user=User.objects.get(pk=key[1]))
        attendances = _attendances(first_at)
    already = set(
        AttendanceInterval.objects.filter(
            attendance__in=attendances.values(), left_at__isnull=True, source=AttendanceSource.PRESENCE
        ).values_list("attendance_id", flat=True)
    )
    AttendanceInterval.objects.bulk_create(
        AttendanceInterval(attendance=attendance, joined_at=first_at[key], source=AttendanceSource.PRESENCE)
        for key, attendance in attendances.items()
        if attendance.pk not in already
    )


def attendance_intervals_close(last_at: dict[tuple[int, int], datetime.datetime]) -> None:
    """Close the live-room presence interval of many people at once
    (``last_at``: (session id, user id) → when they left) and count their
    minutes again: what :func:`attendance_interval_close` does for each, in
    a few queries (the room's batched departures)."""
    if not last_at:
        return
    attendances = _attendances(last_at, related=True)
    now = timezone.now()
    intervals_changed = []
    for key, attendance in attendances.items():
        at = last_at[key]
        intervals = list(attendance.intervals.all())
        for interval in intervals:
            if interval.left_at is None and interval.source == AttendanceSource.PRESENCE:
                interval.left_at = max(at, interval.joined_at)
                intervals_changed.append(interval)
        attendance_minutes_count(attendance=attendance, now=at, intervals=intervals)
        attendance.updated_at = now
    AttendanceInterval.objects.bulk_update(intervals_changed, ["left_at"])
    Attendance.objects.bulk_update(list(attendances.values()), ["minutes_attended", "attended", "updated_at"])


def _attendances(
    keys: dict[tuple[int, int], Any], *, related: bool = False
) -> dict[tuple[int, int], Attendance]:
    """Attendance rows of (session id, user id) pairs, by pair."""
    rows = Attendance.objects.filter(session_id__in={s for s, _u in keys}, user_id__in={u for _s, u in keys})
    if related:
        rows = rows.select_related("session").prefetch_related("intervals")
    return {(a.session_id, a.user_id): a for a in rows if (a.session_id, a.user_id) in keys}


def attendance_engagement_record(attendance: Attendance) -> None:
    """Record an attendance in the engagement log, once, when it counts as attended."""
    if not attendance.attended or attendance.recorded_at is not None:
        return
    session = attendance.session
    activity_record(
        actor=attendance.user,
        verb=Verb.WEBINAR_ATTENDED,
        obj=session,
        minutes=attendance.minutes_attended,
        distributor=attendance.distributor,
        occurred_at=session.ended_at or session.ends_at,
    )
    attendance.recorded_at = timezone.now()
    attendance.save(update_fields=["recorded_at"])


def attendance_finalise(*, session: Session) -> None:
    """At the end of a session: close open intervals, compute everyone's
    minutes and record each attendance once in the engagement log."""
    end = session.ended_at or timezone.now()
    still_open = AttendanceInterval.objects.filter(attendance__session=session, left_at__isnull=True)
    # Every source's open interval ends with the session (a "join" click is not presence for ever).
    still_open.filter(joined_at__lte=end).update(left_at=end)
    still_open.update(left_at=F("joined_at"))
    for attendance in session.attendances.select_related("session", "user").prefetch_related("intervals"):
        attendance_recompute(attendance=attendance, now=end)
        attendance_engagement_record(attendance)


def attendance_require_started(session: Session) -> None:
    """Attendance is written only for a session that is live or has ended."""
    if session.status not in (SessionStatus.LIVE, SessionStatus.ENDED):
        raise ApplicationError(
            _("Attendance can be recorded once the web-conference has started."), code="bad_status"
        )


@transaction.atomic
def attendance_mark(
    *, actor: User, session: Session, user: User, attended: bool, minutes: int | None = None
) -> Attendance:
    """A trainer states whether someone attended (and for how long). The
    hand-made mark wins over presence tracking."""
    require(actor, "webinars.manage_session", session)
    session = Session.objects.get(pk=session.pk)
    attendance_require_started(session)
    if minutes is not None and not 0 <= minutes <= 24 * 60:
        message = _("Enter a number of minutes between 0 and 1440.")
        raise ApplicationError(message, fields={"minutes": [message]})
    attendance = attendance_for(session=session, user=user)
    attendance.source = AttendanceSource.MANUAL
    attendance.attended = attended
    if minutes is not None:
        attendance.minutes_attended = minutes
    elif attended and not attendance.minutes_attended:
        attendance.minutes_attended = session.duration_minutes
    attendance.save()
    if session.status == SessionStatus.ENDED:
        attendance_engagement_record(attendance)
    return attendance


# ---------------------------------------------------------------- CSV import

_EMAIL = {
    "email",
    "e-mail",
    "user email",
    "email address",
    "e-mail address",
    "adresse e-mail",
    "courriel",
    "mail",
}
_JOIN = {
    "join time",
    "joined at",
    "joined",
    "join",
    "first join",
    "heure d'arrivée",
    "heure d’arrivée",
    "arrivée",
}
_LEAVE = {"leave time", "left at", "left", "leave", "last leave", "heure de départ", "départ"}
_DURATION = {
    "duration",
    "duration (minutes)",
    "duration (min)",
    "minutes",
    "time in session (minutes)",
    "durée",
    "durée (minutes)",
}
_TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
)
MAX_IMPORT_ROWS = 5000


@dataclass
class ImportReport:
    people: int = 0
    intervals: int = 0
    attended: int = 0
    skipped: list[str] = field(default_factory=list)


def _column(headers: Sequence[str], names: set[str]) -> str | None:
    for header in headers:
        if header.strip().lower() in names:
            return header
    return None


def _parse_time(value: str, *, zone: zoneinfo.ZoneInfo, day: datetime.date) -> datetime.datetime:
    value = value.strip()
    parsed: datetime.datetime | None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in _TIME_FORMATS:
            try:
                parsed = datetime.datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
        if parsed is None:
            try:
                parsed = datetime.datetime.combine(day, datetime.time.fromisoformat(value))
            except ValueError as error:
                raise ValueError(value) from error
    assert parsed is not None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


ATTENDANCE_IMPORT_MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class _ReportColumns:
    """The headers of the report that hold each fact (join, leave and
    duration may be absent: a report has either times or durations)."""

    email: str
    join: str | None
    leave: str | None
    duration: str | None


@dataclass(frozen=True)
class _Connection:
    """One line of the report: who, and either when they were there or for how long."""

    email: str
    joined: datetime.datetime | None = None
    left: datetime.datetime | None = None
    minutes: int | None = None


class _MalformedLine(Exception):
    """A line of the report that refuses the whole import; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _import_refused(messages: list[str]) -> ApplicationError:
    """The one refusal of an import: every problem listed under ``file``."""
    return ApplicationError(
        _("The file could not be imported: %(count)s problem(s).") % {"count": len(messages)},
        fields={"file": messages},
    )


def _report_reader(text: str) -> "csv.DictReader[str]":
    """Rows of the report by header. Providers export with commas, semicolons
    or tabs depending on the locale; the first line tells which."""
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    return csv.DictReader(io.StringIO(text), dialect=dialect)


def _report_columns(headers: Sequence[str]) -> _ReportColumns:
    """Find the columns by their names in the providers' languages; a report
    without an e-mail and either both times or a duration cannot be read."""
    email = _column(headers, _EMAIL)
    join, leave = _column(headers, _JOIN), _column(headers, _LEAVE)
    duration = _column(headers, _DURATION)
    if email is None or not ((join and leave) or duration):
        raise _import_refused(
            [_("The file needs an e-mail column and either join and leave times or a duration in minutes.")]
        )
    return _ReportColumns(email=email, join=join, leave=leave, duration=duration)


def _line_times(
    row: dict[str, Any], line: int, *, join: str, leave: str, zone: zoneinfo.ZoneInfo, day: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """The join and leave times of a line, leave not before join."""
    try:
        joined = _parse_time(row.get(join) or "", zone=zone, day=day)
        left = _parse_time(row.get(leave) or "", zone=zone, day=day)
    except ValueError as error:
        raise _MalformedLine(
            _("Line %(line)s: “%(value)s” is not a date and time.") % {"line": line, "value": error}
        ) from error
    if left < joined:
        raise _MalformedLine(_("Line %(line)s: the leave time is before the join time.") % {"line": line})
    return joined, left


def _line_minutes(row: dict[str, Any], line: int, *, duration: str | None) -> int:
    """The duration of a line in whole minutes (a decimal comma is accepted), at most a day."""
    raw = (row.get(duration or "") or "").strip().replace(",", ".")
    try:
        minutes = round(float(raw))
    except ValueError:
        raise _MalformedLine(
            _("Line %(line)s: “%(value)s” is not a number of minutes.") % {"line": line, "value": raw}
        ) from None
    if not 0 <= minutes <= 24 * 60:
        raise _MalformedLine(
            _("Line %(line)s: the duration must be between 0 and 1440 minutes.") % {"line": line}
        )
    return minutes


def _line_connection(
    row: dict[str, Any],
    line: int,
    *,
    columns: _ReportColumns,
    zone: zoneinfo.ZoneInfo,
    day: datetime.date,
) -> _Connection | None:
    """The connection on one line (None for a blank line). A line with a join
    time is read by its times, any other by its duration."""
    email = (row.get(columns.email) or "").strip().lower()
    if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
        return None
    if not email or "@" not in email:
        raise _MalformedLine(_("Line %(line)s: the e-mail address is missing or invalid.") % {"line": line})
    if columns.join and columns.leave and (row.get(columns.join) or "").strip():
        joined, left = _line_times(row, line, join=columns.join, leave=columns.leave, zone=zone, day=day)
        return _Connection(email=email, joined=joined, left=left)
    return _Connection(email=email, minutes=_line_minutes(row, line, duration=columns.duration))


def _report_connections(
    reader: "csv.DictReader[str]", columns: _ReportColumns, *, zone: zoneinfo.ZoneInfo, day: datetime.date
) -> list[_Connection]:
    """Every connection of the report, read before anything is written: a
    file with malformed lines is refused with one message per line."""
    connections: list[_Connection] = []
    errors: list[str] = []
    for line, row in enumerate(reader, start=2):
        if line > MAX_IMPORT_ROWS + 1:
            errors.append(_("The file has more than %(count)s rows.") % {"count": MAX_IMPORT_ROWS})
            break
        try:
            connection = _line_connection(row, line, columns=columns, zone=zone, day=day)
        except _MalformedLine as error:
            errors.append(error.message)
            continue
        if connection is not None:
            connections.append(connection)
    if errors:
        raise _import_refused(errors)
    return connections


def _attendance_reimported(*, session: Session, user: User) -> Attendance:
    """The person's attendance with what an earlier import brought removed,
    so importing the same report again replaces it. A trainer's hand-made
    mark keeps its source."""
    attendance = attendance_for(session=session, user=user)
    attendance.intervals.filter(source=AttendanceSource.IMPORT).delete()
    if attendance.source != AttendanceSource.MANUAL:
        attendance.source = AttendanceSource.IMPORT
    return attendance


def _import_intervals(
    *, session: Session, connections: list[_Connection], report: ImportReport
) -> list[Attendance]:
    """One imported interval per connection of a known address (unknown ones
    are listed as skipped); the attendances touched, in report order."""
    users = {user.email: user for user in User.objects.filter(email__in={c.email for c in connections})}
    touched: dict[int, Attendance] = {}
    offsets: dict[int, datetime.datetime] = {}
    for connection in connections:
        user = users.get(connection.email)
        if user is None:
            if connection.email not in report.skipped:
                report.skipped.append(connection.email)
            continue
        attendance = touched.get(user.pk)
        if attendance is None:
            attendance = touched[user.pk] = _attendance_reimported(session=session, user=user)
        joined, left = connection.joined, connection.left
        if connection.minutes is not None:
            # A report with durations only: stretches are laid end to end from the start.
            joined = offsets.get(user.pk, session.started_at or session.starts_at)
            left = joined + datetime.timedelta(minutes=connection.minutes)
            offsets[user.pk] = left
        assert joined is not None and left is not None
        AttendanceInterval.objects.create(
            attendance=attendance, joined_at=joined, left_at=left, source=AttendanceSource.IMPORT
        )
        report.intervals += 1
    return list(touched.values())


@transaction.atomic
def attendance_import(
    *, actor: User, session: Session, content: bytes | str, time_zone: str = ""
) -> ImportReport:
    """Import a participants report (Zoom, BigBlueButton, Teams…): one row per
    connection with an e-mail and either join and leave times or a duration
    in minutes. Times without an offset are read in ``time_zone`` (the
    session's by default).

    The whole file is checked first: any malformed row refuses the import
    with one message per line (field ``file``) and nothing is written.
    Addresses without an account are skipped and listed in the report.
    Importing the same report again replaces what it imported before."""
    require(actor, "webinars.manage_session", session)
    if len(content) > ATTENDANCE_IMPORT_MAX_BYTES:
        message = _("The file is too large (2 MB at most).")
        raise ApplicationError(message, fields={"file": [message]})
    session = Session.objects.get(pk=session.pk)
    attendance_require_started(session)
    zone = zoneinfo.ZoneInfo(time_zone or session.time_zone)
    reader = _report_reader(_decode(content))
    columns = _report_columns(reader.fieldnames or [])
    day = session.starts_at.astimezone(zone).date()
    connections = _report_connections(reader, columns, zone=zone, day=day)

    report = ImportReport()
    attendances = _import_intervals(session=session, connections=connections, report=report)
    for attendance in attendances:
        attendance_recompute(attendance=attendance)
        if session.status == SessionStatus.ENDED:
            attendance_engagement_record(attendance)
        report.attended += int(attendance.attended)
    report.people = len(attendances)
    return report
