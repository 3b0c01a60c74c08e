"""Reads of sessions, series, registrations, attendance and feedback. Every
selector taking the acting user returns only what that user may see; lists
carry their own joins and counts so pages and API run a fixed number of
queries whatever the number of rows."""

import datetime
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from academy import roles
from academy.models import User
from distributors import scoping
from distributors.audience import audience_filter
from distributors.selectors import distributor_visible_queryset
from webinars.models import (
    Attendance,
    AttendanceInterval,
    Feedback,
    Material,
    Registration,
    RegistrationStatus,
    Series,
    Session,
    SessionStatus,
    WebinarPreference,
)
from webinars.rules import REPLAY_WITH_RECORDING

ACTIVE = ~Q(status=RegistrationStatus.CANCELLED)
# Sessions last at most 10 hours: anything that started earlier than this is over.
LONGEST_SESSION = datetime.timedelta(hours=10)


def _count(model: type[Registration] | type[Attendance] | type[Feedback], **filters: object) -> Coalesce:
    rows = (
        model.objects.filter(session=OuterRef("pk"), **filters)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _with_counts(qs: QuerySet[Session]) -> QuerySet[Session]:
    return qs.annotate(
        n_confirmed=_count(Registration, status=RegistrationStatus.CONFIRMED),
        n_waitlisted=_count(Registration, status=RegistrationStatus.WAITLISTED),
    )


def _with_my_registration(qs: QuerySet[Session], user: User) -> QuerySet[Session]:
    mine = Registration.objects.filter(ACTIVE, session=OuterRef("pk"), user=user)
    return qs.annotate(
        my_status=Subquery(mine.values("status")[:1]),
        my_registration_id=Subquery(mine.values("pk")[:1]),
    )


def session_visible_queryset(*, user: User) -> QuerySet[Session]:
    """Sessions whose audience includes the user (company staff: all)."""
    return audience_filter(Session.objects.all(), user=user)


def session_list(*, user: User, when: str = "upcoming", counts: bool = True) -> QuerySet[Session]:
    """Sessions for the person: ``upcoming`` (not over, not cancelled, soonest
    first), ``past`` (ended, latest first) or ``all``. Each carries
    ``my_status`` and ``my_registration_id``, and ``n_confirmed`` and
    ``n_waitlisted`` unless ``counts`` is false (a lighter query)."""
    qs = session_visible_queryset(user=user).select_related("series")
    now = timezone.now()
    if when == "upcoming":
        qs = qs.filter(
            status__in=[SessionStatus.SCHEDULED, SessionStatus.LIVE], starts_at__gt=now - LONGEST_SESSION
        ).order_by("starts_at", "id")
    elif when == "past":
        qs = qs.filter(status=SessionStatus.ENDED).order_by("-starts_at", "-id")
    else:
        qs = qs.order_by("-starts_at", "-id")
    return _with_my_registration(_with_counts(qs) if counts else qs, user)


def session_get(*, user: User, pk: int) -> Session:
    """One session the user may see (with counts and their registration), else 404."""
    session = (
        session_list(user=user, when="all")
        .prefetch_related("trainers", Prefetch("materials", queryset=Material.objects.order_by("id")))
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise Http404(_("This web-conference does not exist."))
    return session


def material_get(*, user: User, pk: int) -> Material:
    """A material of a session the user may see (the session page's rule:
    its audience, company staff all), with its session; else 404."""
    material = (
        Material.objects.select_related("session")
        .filter(pk=pk, session__in=session_visible_queryset(user=user).values("pk"))
        .first()
    )
    if material is None:
        raise Http404(_("This material does not exist."))
    return material


def registration_mine(*, user: User, session: Session) -> Registration | None:
    return Registration.objects.filter(ACTIVE, session=session, user=user).select_related("session").first()


def registration_list_mine(*, user: User, upcoming: bool = True) -> QuerySet[Registration]:
    """The person's own active registrations (upcoming sessions by default)."""
    qs = Registration.objects.filter(ACTIVE, user=user).select_related("session", "session__series")
    if upcoming:
        qs = qs.filter(
            session__status__in=[SessionStatus.SCHEDULED, SessionStatus.LIVE],
            session__starts_at__gt=timezone.now() - LONGEST_SESSION,
        )
    return qs.order_by("session__starts_at", "id")


def attendance_list_mine(*, user: User) -> QuerySet[Registration]:
    """The person's confirmed registrations to ended sessions, latest first,
    with their attendance (``attendance`` may be missing: a no-show) and
    whether they gave feedback (``gave_feedback``)."""
    return (
        Registration.objects.filter(
            user=user, status=RegistrationStatus.CONFIRMED, session__status=SessionStatus.ENDED
        )
        .select_related("session", "attendance")
        .annotate(gave_feedback=Exists(Feedback.objects.filter(session=OuterRef("session"), user=user)))
        .order_by("-session__starts_at", "-id")
    )


def replay_list(*, user: User) -> QuerySet[Session]:
    """Ended sessions in the person's audience that have a recording."""
    return session_visible_queryset(user=user).filter(REPLAY_WITH_RECORDING).order_by("-starts_at", "-id")


def _hosted_by(user: User) -> Q:
    through_session = Session.trainers.through.objects.filter(session_id=OuterRef("pk"), user_id=user.pk)
    through_series = Series.trainers.through.objects.filter(series_id=OuterRef("series_id"), user_id=user.pk)
    return Q(Exists(through_session)) | Q(Exists(through_series))


def session_list_hosted(*, user: User, when: str = "upcoming") -> QuerySet[Session]:
    """Sessions the trainer hosts (admins: all), with registration and
    attendance counts (``n_attended``) and their trainers."""
    qs = Session.objects.all()
    if roles.ADMIN not in roles.user_roles(user):
        if roles.TRAINER not in roles.user_roles(user):
            return qs.none()
        qs = qs.filter(_hosted_by(user))
    now = timezone.now()
    if when == "upcoming":
        qs = qs.filter(
            status__in=[SessionStatus.SCHEDULED, SessionStatus.LIVE], starts_at__gt=now - LONGEST_SESSION
        ).order_by("starts_at", "id")
    elif when == "past":
        qs = qs.filter(
            Q(status__in=[SessionStatus.ENDED, SessionStatus.CANCELLED])
            | Q(starts_at__lte=now - LONGEST_SESSION)
        ).order_by("-starts_at", "-id")
    else:
        qs = qs.order_by("-starts_at", "-id")
    return (
        _with_counts(qs)
        .annotate(n_attended=_count(Attendance, attended=True))
        .select_related("series")
        .prefetch_related("trainers")
    )


def session_get_hosted(*, user: User, pk: int) -> Session:
    """A session the trainer hosts (admins: any), else 404."""
    session = session_list_hosted(user=user, when="all").prefetch_related("materials").filter(pk=pk).first()
    if session is None:
        raise Http404(_("This web-conference does not exist."))
    return session


def series_list(*, user: User) -> QuerySet[Series]:
    """Series the trainer hosts (admins: all), with ``n_upcoming`` sessions."""
    qs = Series.objects.all()
    granted = roles.user_roles(user)
    if roles.ADMIN not in granted:
        if roles.TRAINER not in granted:
            return qs.none()
        qs = qs.filter(
            Exists(Series.trainers.through.objects.filter(series_id=OuterRef("pk"), user_id=user.pk))
        )
    upcoming = (
        Session.objects.filter(
            series=OuterRef("pk"), status=SessionStatus.SCHEDULED, starts_at__gt=timezone.now()
        )
        .order_by()
        .values("series")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        qs.annotate(n_upcoming=Coalesce(Subquery(upcoming, output_field=IntegerField()), Value(0)))
        .prefetch_related("trainers")
        .order_by("title", "id")
    )


def series_get(*, user: User, pk: int) -> Series:
    series = (
        series_list(user=user)
        .prefetch_related("audience_territories", "audience_distributors")
        .filter(pk=pk)
        .first()
    )
    if series is None:
        raise Http404(_("This series does not exist."))
    return series


def registrant_list(*, session: Session, include_cancelled: bool = False) -> QuerySet[Registration]:
    """Registrations of a session for its trainers: person, distributor (when
    they registered), attendance; confirmed first, then the waiting list in
    order. The caller checks ``webinars.manage_session``."""
    qs = Registration.objects.filter(session=session)
    if not include_cancelled:
        qs = qs.filter(ACTIVE)
    return qs.select_related("user", "distributor", "attendance").order_by("status", "created_at", "id")


def attendance_intervals_list(*, session: Session) -> QuerySet[Registration]:
    """The confirmed registrants of a session for its trainers, each with its
    attendance and that attendance's intervals (source, times, who corrected
    them), in three queries. The caller checks ``webinars.manage_session``."""
    intervals = AttendanceInterval.objects.select_related("corrected_by").order_by("joined_at", "id")
    return (
        Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED)
        .select_related("user", "attendance")
        .prefetch_related(Prefetch("attendance__intervals", queryset=intervals))
        .order_by("user__last_name", "user__first_name", "id")
    )


@dataclass
class FeedbackSummary:
    count: int
    average: float | None
    distribution: dict[int, int]


def feedback_summary(*, session: Session) -> FeedbackSummary:
    """Number of answers, average rating and how many gave each rating (one query)."""
    rows = (
        Feedback.objects.filter(session=session).values("rating").annotate(n=Count("pk")).order_by("rating")
    )
    distribution = dict.fromkeys(range(1, 6), 0)
    for row in rows:
        distribution[row["rating"]] = row["n"]
    count = sum(distribution.values())
    average = round(sum(r * n for r, n in distribution.items()) / count, 2) if count else None
    return FeedbackSummary(count=count, average=average, distribution=distribution)


def feedback_list(*, session: Session) -> QuerySet[Feedback]:
    return Feedback.objects.filter(session=session).select_related("user").order_by("-created_at", "-id")


def attendance_by_distributor_month(*, user: User, months: int = 6) -> QuerySet[Any, Any]:
    """For managers (their territories) and admins: per distributor and month
    of ended sessions, confirmed registrations (``registered``), attendances
    (``attended``) and minutes attended in total. Rows are dicts with ``distributor_id``,
    ``distributor__name``, ``month``, ``registered``, ``attended``, ``minutes``."""
    visible = scoping.visible_distributors(user, staff=scoping.Staff.NOBODY)
    since = timezone.localdate().replace(day=1) - relativedelta(months=max(months, 1) - 1)
    since_dt = datetime.datetime.combine(since, datetime.time.min, tzinfo=timezone.get_current_timezone())
    return (
        Registration.objects.filter(
            status=RegistrationStatus.CONFIRMED,
            session__status=SessionStatus.ENDED,
            session__starts_at__gte=since_dt,
            distributor__in=visible,
        )
        .annotate(month=TruncMonth("session__starts_at"))
        .values("distributor_id", "distributor__name", "month")
        .annotate(
            registered=Count("pk"),
            attended=Count("pk", filter=Q(attendance__attended=True)),
            minutes=Coalesce(Sum("attendance__minutes_attended"), 0),
        )
        .order_by("-month", "distributor__name")
    )


def calendar_feed(*, token: str) -> tuple[User, QuerySet[Session]] | None:
    """The owner of a calendar-feed token and their registered sessions (the
    last 90 days and everything ahead), or None for an unknown/revoked token."""
    if not token:
        return None
    preference = WebinarPreference.objects.filter(calendar_token=token).select_related("user").first()
    if preference is None or not preference.user.is_active:
        return None
    user = preference.user
    sessions = (
        Session.objects.filter(
            Exists(
                Registration.objects.filter(
                    session=OuterRef("pk"), user=user, status=RegistrationStatus.CONFIRMED
                )
            ),
            starts_at__gte=timezone.now() - datetime.timedelta(days=90),
        )
        .order_by("starts_at")
        .prefetch_related("trainers")
    )
    return user, sessions


def attendance_last_month(*, user: User) -> dict[str, Any]:
    """Last calendar month's totals over the manager's territories:
    ``registered``, ``attended``, ``rate`` (percent) and ``month`` (one query)."""
    today = timezone.localdate()
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    start = datetime.datetime.combine(month, datetime.time.min, tzinfo=timezone.get_current_timezone())
    end = datetime.datetime.combine(
        today.replace(day=1), datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    totals = Registration.objects.filter(
        status=RegistrationStatus.CONFIRMED,
        session__status=SessionStatus.ENDED,
        session__starts_at__gte=start,
        session__starts_at__lt=end,
        distributor__in=distributor_visible_queryset(user=user),
    ).aggregate(
        registered=Count("pk"),
        attended=Count("pk", filter=Q(attendance__attended=True)),
        distributors=Count("distributor", distinct=True),
    )
    registered = totals["registered"] or 0
    rate = round(100 * totals["attended"] / registered) if registered else None
    return {**totals, "rate": rate, "month": month}
