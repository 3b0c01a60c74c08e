"""Sessions: create, edit (reschedule), cancel, start, end, join, recordings, materials."""

import datetime
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import Role, User
from academy.permissions import can, require
from webinars.bigbluebutton import MODERATOR, VIEWER, BigBlueButton, BigBlueButtonError
from webinars.materials import material_check
from webinars.models import (
    Material,
    Registration,
    RegistrationStatus,
    ReminderKind,
    Series,
    Session,
    SessionStatus,
    VideoProvider,
)
from webinars.selectors import TRAINER_EARLY, join_is_open
from webinars.services import attendance as attendance_services
from webinars.services import attendance_sources, reminders, room, room_polls
from webinars.services._common import full_clean
from webinars.services.registrations import waitlist_promote

logger = logging.getLogger(__name__)

AUDIENCE_FLAGS = ("audience_everyone", "audience_leads", "audience_staff", "audience_customers")
AUDIENCE_M2M = ("audience_territories", "audience_distributors")
SESSION_FIELDS = (
    "title",
    "agenda",
    "language",
    "starts_at",
    "duration_minutes",
    "time_zone",
    "capacity",
    "video_provider",
    "video_url",
    "recording_url",
)


def audience_apply(obj: Series | Session, audience: dict[str, Any] | None) -> None:
    """Set the audience flags now; the many-to-many parts after saving (see ``audience_apply_m2m``)."""
    for flag in AUDIENCE_FLAGS:
        if audience and flag in audience:
            setattr(obj, flag, bool(audience[flag]))


def audience_apply_m2m(obj: Series | Session, audience: dict[str, Any] | None) -> None:
    for name in AUDIENCE_M2M:
        if audience and name in audience:
            getattr(obj, name).set(audience[name])


def audience_copy(source: Series | Session, target: Session) -> None:
    for flag in AUDIENCE_FLAGS:
        setattr(target, flag, getattr(source, flag))


def trainers_check(trainers: Sequence[User]) -> None:
    wrong = [str(user) for user in trainers if user.role not in (Role.TRAINER, Role.ADMIN)]
    if wrong:
        message = _("Only trainers can host a web-conference: %(people)s") % {"people": ", ".join(wrong)}
        raise ApplicationError(message, fields={"trainers": [message]})


def _bbb_prepare(session: Session) -> None:
    if session.video_provider == VideoProvider.BIGBLUEBUTTON and not session.bbb_meeting_id:
        session.bbb_meeting_id = f"academy-{session.ical_uid}"
        session.bbb_moderator_password = secrets.token_urlsafe(12)
        session.bbb_attendee_password = secrets.token_urlsafe(12)


@transaction.atomic
def session_create(
    *,
    actor: User | None,
    title: str,
    starts_at: datetime.datetime,
    time_zone: str,
    duration_minutes: int = 60,
    agenda: str = "",
    language: str = "fr",
    capacity: int | None = None,
    video_provider: str = VideoProvider.EXTERNAL,
    video_url: str = "",
    recording_url: str = "",
    trainers: Sequence[User] = (),
    audience: dict[str, Any] | None = None,
    series: Series | None = None,
    occurrence_start: datetime.datetime | None = None,
) -> Session:
    """Create a session (one-off, or for a series' occurrence when ``series``
    is given). ``actor`` None is the system generating a series' sessions."""
    if actor is not None:
        require(actor, "webinars.create_session")
    trainers = list(trainers) or ([actor] if actor is not None and actor.role == Role.TRAINER else [])
    trainers_check(trainers)
    session = Session(
        series=series,
        occurrence_start=occurrence_start,
        title=title.strip(),
        agenda=agenda.strip(),
        language=language,
        starts_at=starts_at,
        duration_minutes=duration_minutes,
        time_zone=time_zone,
        capacity=capacity,
        video_provider=video_provider,
        video_url=video_url.strip(),
        recording_url=recording_url.strip(),
    )
    audience_apply(session, audience)
    _bbb_prepare(session)
    full_clean(session)
    session.save()
    session.trainers.set(trainers)
    audience_apply_m2m(session, audience)
    return session


def _rescheduled(session: Session, changes: dict[str, Any]) -> bool:
    return any(
        name in changes and changes[name] != getattr(session, name)
        for name in ("starts_at", "duration_minutes")
    )


def _known_fields_check(changes: dict[str, Any]) -> None:
    """Only the fields a trainer edits; the rest (status, series, BigBlueButton
    secrets…) follow from the session's life."""
    unknown = set(changes) - set(SESSION_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )


def _edit_check(session: Session, changes: dict[str, Any], *, rescheduled: bool) -> None:
    """What the session's state allows: after it, only the recording link;
    a new time only before it starts, and in the future."""
    if session.status in (SessionStatus.CANCELLED, SessionStatus.ENDED) and set(changes) - {"recording_url"}:
        raise ApplicationError(
            _("This web-conference is over; only its recording link can be changed."), code="session_closed"
        )
    if rescheduled and session.status != SessionStatus.SCHEDULED:
        raise ApplicationError(
            _("A web-conference that has started cannot be rescheduled."), code="session_live"
        )
    if rescheduled and changes.get("starts_at", session.starts_at) <= timezone.now():
        message = _("Choose a start in the future.")
        raise ApplicationError(message, fields={"starts_at": [message]})


def _capacity_check(session: Session, changes: dict[str, Any]) -> None:
    """A capacity may not drop below the places already confirmed: nobody
    loses the place they were given."""
    new_capacity = changes.get("capacity", session.capacity)
    if new_capacity is not None:
        confirmed = session.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
        if new_capacity < confirmed:
            message = _("%(count)s people already have a place; the capacity cannot be lower.") % {
                "count": confirmed
            }
            raise ApplicationError(message, fields={"capacity": [message]})


def _changes_apply(session: Session, changes: dict[str, Any]) -> bool:
    """Set the changed fields (text trimmed); whether any value differed,
    so an unchanged save does not mark a series' session customised."""
    changed = False
    for name, value in changes.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(session, name) != value:
            setattr(session, name, value)
            changed = True
    return changed


def _registrants_reinvite(session: Session) -> None:
    """After a reschedule: unsent reminders move to the new time and every
    registrant is sent the invitation's new revision."""
    reminders.reminders_reschedule(session=session)
    for registration in session.registrations.exclude(status=RegistrationStatus.CANCELLED).select_related(
        "user"
    ):
        reminders.notice_create(
            registration=registration, kind=ReminderKind.UPDATE, revision=session.sequence
        )


@transaction.atomic
def session_update(
    *,
    actor: User | None,
    session: Session,
    trainers: Sequence[User] | None = None,
    audience: dict[str, Any] | None = None,
    mark_customised: bool = True,
    **changes: Any,
) -> Session:
    """Edit a session. A new time or duration is a reschedule: the invitation
    revision goes up, unsent reminders move, registrants get the updated
    invitation. A larger capacity promotes people from the waiting list; a
    capacity below the confirmed places is refused. Hand edits of a series'
    session mark it customised, so later rule changes leave it alone."""
    if actor is not None:
        require(actor, "webinars.manage_session", session)
    _known_fields_check(changes)
    session = Session.objects.select_for_update().get(pk=session.pk)
    rescheduled = _rescheduled(session, changes)
    _edit_check(session, changes, rescheduled=rescheduled)
    _capacity_check(session, changes)
    changed = _changes_apply(session, changes)
    audience_apply(session, audience)
    _bbb_prepare(session)
    if rescheduled:
        session.sequence += 1
    if session.series_id and mark_customised and (changed or trainers is not None or audience):
        session.is_customised = True
    full_clean(session)
    session.save()
    if trainers is not None:
        trainers_check(trainers)
        session.trainers.set(trainers)
    audience_apply_m2m(session, audience)
    if rescheduled:
        _registrants_reinvite(session)
    waitlist_promote(session=session)
    return session


@transaction.atomic
def session_cancel(*, actor: User | None, session: Session, reason: str = "") -> Session:
    """Cancel a session that has not ended: every registration is cancelled,
    unsent reminders are withdrawn and each registrant is sent the
    cancellation (``METHOD:CANCEL``)."""
    if actor is not None:
        require(actor, "webinars.manage_session", session)
    session = Session.objects.select_for_update().get(pk=session.pk)
    if session.status in (SessionStatus.CANCELLED, SessionStatus.ENDED):
        raise ApplicationError(_("This web-conference is already over."), code="session_closed")
    session.status = SessionStatus.CANCELLED
    session.cancel_reason = reason.strip()
    session.sequence += 1
    session.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
    room.room_status_changed(session=session)
    active = list(session.registrations.exclude(status=RegistrationStatus.CANCELLED).select_related("user"))
    reminders.reminders_cancel_pending(registrations=active)
    now = timezone.now()
    Registration.objects.filter(pk__in=[r.pk for r in active]).update(
        status=RegistrationStatus.CANCELLED, cancelled_at=now
    )
    for registration in active:
        registration.status = RegistrationStatus.CANCELLED
        reminders.notice_create(registration=registration, kind=ReminderKind.CANCELLATION, now=now)
    return session


def _bbb() -> BigBlueButton:
    try:
        return BigBlueButton.from_settings()
    except BigBlueButtonError as error:
        raise ApplicationError(error.message, code="video_unavailable") from error


def _bbb_create(session: Session) -> None:
    try:
        _bbb().create(
            meeting_id=session.bbb_meeting_id,
            name=session.title,
            moderator_password=session.bbb_moderator_password,
            attendee_password=session.bbb_attendee_password,
            duration_minutes=session.duration_minutes + 60,
            logout_url=settings.SITE_URL,
        )
    except BigBlueButtonError as error:
        raise ApplicationError(error.message, code="video_unavailable", status=502) from error


def session_start(*, actor: User, session: Session) -> Session:
    """Open the session (status live). For BigBlueButton the meeting is
    created first; if the server refuses, nothing changes and its message is
    raised for the trainer."""
    require(actor, "webinars.manage_session", session)
    if session.status != SessionStatus.SCHEDULED:
        raise ApplicationError(_("Only a scheduled web-conference can be started."), code="bad_status")
    if timezone.now() < session.starts_at - TRAINER_EARLY:
        raise ApplicationError(
            _("A web-conference can be started at most one hour before its start."), code="too_early"
        )
    if session.video_provider == VideoProvider.BIGBLUEBUTTON:
        _bbb_create(session)
        attendance_sources.bbb_webhook_register(client=_bbb(), session=session)
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.status != SessionStatus.SCHEDULED:
            raise ApplicationError(_("Only a scheduled web-conference can be started."), code="bad_status")
        locked.status = SessionStatus.LIVE
        locked.started_at = timezone.now()
        locked.save(update_fields=["status", "started_at", "updated_at"])
        attendance_sources.checkin_code_ensure(session=locked)
        room.room_status_changed(session=locked)
    return locked


@dataclass
class SessionEndResult:
    session: Session
    # What the video service said when it could not close the meeting (the session is ended anyway).
    video_warning: str = ""


def _bbb_final_attendance(session: Session, at: datetime.datetime) -> str:
    """Read the meeting's attendee list one last time before it closes, so
    whoever is still there counts to the end; a failure is a warning."""
    try:
        attendance_sources.bbb_attendance_sync(session=session, client=BigBlueButton.from_settings(), at=at)
    except BigBlueButtonError as error:
        logger.warning("BigBlueButton attendee list of session %s not read: %s", session.pk, error.message)
        return error.message
    return ""


def session_end(
    *, actor: User | None, session: Session, at: datetime.datetime | None = None
) -> SessionEndResult:
    """End a live (or started) session: presence intervals are closed,
    attendance is computed and recorded in the engagement log, follow-ups
    become due. For BigBlueButton, the attendee list is read one last time
    first (whoever is still there counts to the end); the meeting is then
    closed; a failure there is
    returned as a warning, the session stays ended."""
    if actor is not None:
        require(actor, "webinars.manage_session", session)
    now = at or timezone.now()
    result = SessionEndResult(session=session)
    if session.video_provider == VideoProvider.BIGBLUEBUTTON and session.status == SessionStatus.LIVE:
        result.video_warning = _bbb_final_attendance(session, now)
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.status not in (SessionStatus.LIVE, SessionStatus.SCHEDULED):
            raise ApplicationError(_("This web-conference is not running."), code="bad_status")
        if locked.status == SessionStatus.SCHEDULED and now < locked.starts_at:
            raise ApplicationError(_("This web-conference has not started yet."), code="bad_status")
        locked.status = SessionStatus.ENDED
        locked.started_at = locked.started_at or locked.starts_at
        locked.ended_at = now
        locked.save(update_fields=["status", "started_at", "ended_at", "updated_at"])
        attendance_services.attendance_finalise(session=locked)
        reminders.follow_ups_reschedule(session=locked)
        room_polls.polls_close_open(session=locked)
        room.room_connections_clear(session=locked)
        room.room_status_changed(session=locked)
    result.session = locked
    if locked.video_provider == VideoProvider.BIGBLUEBUTTON:
        try:
            BigBlueButton.from_settings().end(
                meeting_id=locked.bbb_meeting_id, moderator_password=locked.bbb_moderator_password
            )
        except BigBlueButtonError as error:
            result.video_warning = result.video_warning or error.message
            logger.warning("BigBlueButton end failed for session %s: %s", locked.pk, error.message)
    return result


def session_join_url(*, user: User, session: Session) -> str:
    """The video link for ``user``: trainers of the session (moderators) from
    an hour before; confirmed registrants only while joining is open. An
    external link handed out opens the person's "join" interval. Raises
    ``ApplicationError`` (403) otherwise, and when the video service fails."""
    is_host = can(user, "webinars.manage_session", session)
    now = timezone.now()
    if is_host:
        if (
            session.status in (SessionStatus.CANCELLED, SessionStatus.ENDED)
            or now < session.starts_at - TRAINER_EARLY
        ):
            raise ApplicationError(_("The room is not open."), code="join_closed", status=403)
    else:
        registered = session.registrations.filter(user=user, status=RegistrationStatus.CONFIRMED).exists()
        if not registered:
            raise ApplicationError(
                _("Only registered people can join this web-conference."), code="not_registered", status=403
            )
        if not join_is_open(session, now=now):
            raise ApplicationError(
                _("The link opens %(minutes)s minutes before the start.")
                % {"minutes": settings.WEBINAR_JOIN_OPENS_MINUTES},
                code="join_closed",
                status=403,
            )
    if session.video_provider == VideoProvider.EXTERNAL:
        if not session.video_url:
            raise ApplicationError(
                _("The trainer has not added the video link yet."), code="no_link", status=403
            )
        attendance_sources.attendance_join_record(session=session, user=user, at=now)
        return session.video_url
    # BigBlueButton answers SUCCESS to a repeated create, so the first to join opens the room.
    _bbb_create(session)
    return _bbb().join_url(
        meeting_id=session.bbb_meeting_id,
        full_name=str(user),
        role=MODERATOR if is_host else VIEWER,
        password=session.bbb_moderator_password if is_host else session.bbb_attendee_password,
        user_id=str(user.pk),
    )


def session_recording_fetch(*, actor: User | None, session: Session) -> str:
    """Ask BigBlueButton for the session's published recording and keep its
    link; returns it ("" when there is none yet)."""
    if actor is not None:
        require(actor, "webinars.manage_session", session)
    if session.video_provider != VideoProvider.BIGBLUEBUTTON:
        raise ApplicationError(_("Only BigBlueButton recordings can be fetched."), code="not_bbb")
    try:
        recordings = _bbb().recordings(meeting_id=session.bbb_meeting_id)
    except BigBlueButtonError as error:
        raise ApplicationError(error.message, code="video_unavailable", status=502) from error
    published = [r for r in recordings if r.published and r.playback_url]
    if not published:
        return ""
    url = max(published, key=lambda r: r.start_ms).playback_url
    Session.objects.filter(pk=session.pk).update(recording_url=url, updated_at=timezone.now())
    session.recording_url = url
    return url


def material_add(
    *, actor: User, session: Session, title: str, url: str = "", file: UploadedFile | None = None
) -> Material:
    """Attach a link or a file to a session. A file must pass
    :func:`webinars.materials.material_check` (its content decides its type);
    nothing is stored when it does not."""
    require(actor, "webinars.manage_session", session)
    material = Material(session=session, title=title.strip(), url=url.strip())
    if not material.url and not file:
        message = _("Give a link or a file.")
        raise ApplicationError(message, fields={"url": [message]})
    full_clean(material, exclude=["file"])
    if file is not None:
        material.file_content_type = material_check(file)
        material.file_name = file.name or ""
        material.file_size = file.size or 0
        material.file = file  # type: ignore[assignment]
    material.save()
    return material


def material_remove(*, actor: User, material: Material) -> None:
    require(actor, "webinars.manage_session", material.session)
    if material.file:
        material.file.delete(save=False)
    material.delete()
