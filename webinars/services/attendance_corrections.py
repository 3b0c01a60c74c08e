"""A trainer's corrections of presence intervals: set an interval's times,
add one (source "manual"), delete one. Each records who corrected it and
when; minutes and the attended mark are recomputed at once.

A correction after the follow-ups went out sends nothing: the follow-up is
sent once, from the attendance final ``WEBINAR_ATTENDANCE_SETTLE_MINUTES``
after the end. A later correction updates the minutes, the attended mark
and the engagement log (an attendance that comes to count is recorded
then; one already recorded stays in the log), never a second message.
"""

import datetime
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User
from academy.permissions import require
from webinars.models import Attendance, AttendanceInterval, AttendanceSource, Session, SessionStatus
from webinars.services._common import not_found
from webinars.services.attendance import (
    attendance_engagement_record,
    attendance_for,
    attendance_recompute,
    attendance_require_started,
)

logger = logging.getLogger(__name__)

MAX_INTERVAL = datetime.timedelta(hours=24)


def _times_check(joined_at: datetime.datetime | None, left_at: datetime.datetime | None) -> None:
    fields: dict[str, list[str]] = {}
    if joined_at is None:
        fields["joined_at"] = [_("Enter when the person joined.")]
    if left_at is None:
        fields["left_at"] = [_("Enter when the person left.")]
    if joined_at is not None and left_at is not None:
        if left_at <= joined_at:
            fields["left_at"] = [_("The leaving time must be after the joining time.")]
        elif left_at - joined_at > MAX_INTERVAL:
            fields["left_at"] = [_("An interval cannot be longer than 24 hours.")]
    if fields:
        raise ApplicationError(next(iter(fields.values()))[0], fields=fields)


def _merge_overlapping(interval: AttendanceInterval) -> None:
    """Fold the person's other intervals of the same source that overlap (or
    touch) this one into it, so the list shows one stretch, not several."""
    assert interval.left_at is not None
    overlapping = list(
        AttendanceInterval.objects.filter(attendance_id=interval.attendance_id, source=interval.source)
        .exclude(pk=interval.pk)
        .filter(joined_at__lte=interval.left_at)
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=interval.joined_at))
    )
    if not overlapping:
        return
    interval.joined_at = min([interval.joined_at, *(other.joined_at for other in overlapping)])
    lefts = [other.left_at for other in overlapping]
    interval.left_at = None if None in lefts else max([interval.left_at, *(x for x in lefts if x)])
    AttendanceInterval.objects.filter(pk__in=[other.pk for other in overlapping]).delete()


def _after_correction(session: Session, attendance: Attendance) -> Attendance:
    attendance = Attendance.objects.select_related("session", "user").get(pk=attendance.pk)
    attendance_recompute(attendance=attendance)
    if session.status == SessionStatus.ENDED:
        attendance_engagement_record(attendance)
    return attendance


def _hosted_session(actor: User, session: Session) -> Session:
    require(actor, "webinars.manage_session", session)
    session = Session.objects.get(pk=session.pk)
    attendance_require_started(session)
    return session


def _interval_of(session: Session, interval_id: int) -> AttendanceInterval:
    interval = (
        AttendanceInterval.objects.select_for_update()
        .filter(pk=interval_id, attendance__session=session)
        .first()
    )
    if interval is None:
        raise not_found(_("This interval does not exist (any more)."))
    return interval


@transaction.atomic
def attendance_interval_add(
    *,
    actor: User,
    session: Session,
    user: User,
    joined_at: datetime.datetime | None,
    left_at: datetime.datetime | None,
) -> AttendanceInterval:
    """Add a stretch of presence by hand (source "manual"); one that overlaps
    another manual stretch of the person is merged with it. Leaving before
    (or when) joining is a field error (``left_at``)."""
    session = _hosted_session(actor, session)
    _times_check(joined_at, left_at)
    assert joined_at is not None and left_at is not None
    attendance = attendance_for(session=session, user=user)
    interval = AttendanceInterval(
        attendance=attendance,
        joined_at=joined_at,
        left_at=left_at,
        source=AttendanceSource.MANUAL,
        corrected_by=actor,
        corrected_at=timezone.now(),
    )
    _merge_overlapping(interval)
    interval.save()
    _after_correction(session, attendance)
    return interval


@transaction.atomic
def attendance_interval_update(
    *,
    actor: User,
    session: Session,
    interval_id: int,
    joined_at: datetime.datetime | None,
    left_at: datetime.datetime | None,
) -> AttendanceInterval:
    """Set an interval's times by hand (its source stays, the trainer and
    the time are recorded); overlapping intervals of the same source merge
    into it. Minutes come from the union of all intervals, so an overlap
    with other sources is counted once and minutes are never negative."""
    session = _hosted_session(actor, session)
    _times_check(joined_at, left_at)
    assert joined_at is not None and left_at is not None
    interval = _interval_of(session, interval_id)
    interval.joined_at, interval.left_at = joined_at, left_at
    interval.corrected_by, interval.corrected_at = actor, timezone.now()
    _merge_overlapping(interval)
    interval.save()
    _after_correction(session, interval.attendance)
    return interval


@transaction.atomic
def attendance_interval_delete(*, actor: User, session: Session, interval_id: int) -> Attendance:
    """Remove an interval (a wrong report); the person's minutes are recomputed."""
    session = _hosted_session(actor, session)
    interval = _interval_of(session, interval_id)
    attendance = interval.attendance
    logger.info(
        "Attendance interval %s (%s, %s–%s) of attendance %s deleted by user %s",
        interval.pk,
        interval.source,
        interval.joined_at.isoformat(),
        interval.left_at.isoformat() if interval.left_at else "open",
        attendance.pk,
        actor.pk,
    )
    interval.delete()
    return _after_correction(session, attendance)
