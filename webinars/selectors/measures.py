"""Web-conferences as engagement measures them: sessions held or coming in
a period (optionally only those of series repeating at a given frequency),
who attended them, per person and per distributor, and a person's upcoming
registrations.

The lists cover every session and distributor at once (the engagement
scores are computed for the whole network in one pass); callers scope what
they show. Each runs one query."""

import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from academy.models import User
from webinars.models import Attendance, Registration, RegistrationStatus, Session, SessionStatus

# Sessions, people or distributors given by their ids, or by a query selecting one column of ids.
Ids = Iterable[int] | QuerySet[Any, Any]


def series_repeating_q(rule: str) -> Q:
    """Sessions of a series whose recurrence rule contains ``rule`` (such as
    ``FREQ=MONTHLY``) and repeats at every period of it: every month, not
    every 2, 3… months."""
    return Q(series__rrule__icontains=rule) & ~Q(series__rrule__iregex=r"INTERVAL=0*([2-9]|[1-9][0-9]+)")


def sessions_held(
    *, end: datetime.datetime, start: datetime.datetime | None = None, series_rule: str | None = None
) -> QuerySet[Session]:
    """Ended sessions that started before ``end`` (and at or after
    ``start``), newest first; with ``series_rule``, only those of a series
    repeating at that frequency (:func:`series_repeating_q`)."""
    qs = Session.objects.all()
    if series_rule is not None:
        qs = qs.filter(series_repeating_q(series_rule))
    qs = qs.filter(status=SessionStatus.ENDED, starts_at__lt=end)
    if start is not None:
        qs = qs.filter(starts_at__gte=start)
    return qs.order_by("-starts_at", "-id")


def sessions_scheduled(*, since: datetime.datetime, series_rule: str | None = None) -> QuerySet[Session]:
    """Sessions still scheduled (neither live, ended nor cancelled) that start
    at or after ``since``, soonest first; with ``series_rule``, only those of
    a series repeating at that frequency."""
    qs = Session.objects.all()
    if series_rule is not None:
        qs = qs.filter(series_repeating_q(series_rule))
    return qs.filter(status=SessionStatus.SCHEDULED, starts_at__gte=since).order_by("starts_at")


def sessions_attended_by_distributor(*, session_ids: Ids) -> set[tuple[int, int]]:
    """The (distributor, session) pairs, among these sessions, where someone
    attended for the distributor (attendances without a distributor are
    left out)."""
    return set(
        Attendance.objects.filter(session_id__in=session_ids, attended=True, distributor__isnull=False)
        .values_list("distributor_id", "session_id")
        .distinct()
    )


def sessions_attended_by_person(*, session_ids: Ids) -> set[tuple[int, int]]:
    """The (person, session) pairs, among these sessions, where the person attended."""
    return set(
        Attendance.objects.filter(session_id__in=session_ids, attended=True).values_list(
            "user_id", "session_id"
        )
    )


def attendance_count_by_person(*, session_ids: Ids, user_ids: Ids) -> dict[int, int]:
    """How many of these sessions each of these people attended (people who
    attended none are left out)."""
    return {
        row["user_id"]: row["n"]
        for row in Attendance.objects.filter(session__in=session_ids, attended=True, user_id__in=user_ids)
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by()
    }


def attendance_list(*, distributor_ids: Ids, since: datetime.datetime) -> QuerySet[Attendance]:
    """Attendances (attended or not) for these distributors at the ended
    sessions that started at or after ``since``, with session, person and
    distributor: latest session first, then by distributor and last name."""
    return (
        Attendance.objects.filter(
            distributor__in=distributor_ids,
            session__status=SessionStatus.ENDED,
            session__starts_at__gte=since,
        )
        .select_related("session", "user", "distributor")
        .order_by("-session__starts_at", "distributor__name", "user__last_name", "id")
    )


def registration_list_confirmed(*, user: User, since: datetime.datetime) -> QuerySet[Registration]:
    """The person's confirmed registrations to sessions scheduled or live
    that start at or after ``since``, soonest first, with the session."""
    return (
        Registration.objects.filter(
            user=user,
            status=RegistrationStatus.CONFIRMED,
            session__status__in=[SessionStatus.SCHEDULED, SessionStatus.LIVE],
            session__starts_at__gte=since,
        )
        .select_related("session")
        .order_by("session__starts_at")
    )
