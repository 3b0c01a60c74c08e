"""Reads of engagement measurement for pages, exports and the API.

Dashboards read precomputed rows (score snapshots, rollups, certified
headcounts): each selector runs a fixed number of queries whatever the
number of distributors, people and events. Scoping: managers see their
territories' distributors, admins all, a lead their own distributor, a
learner themselves.

The other apps' rows (distributors, memberships, certificates, assignments,
sessions, registrations) come from their selectors and are typed ``Any``
here: naming their classes would mean importing their models."""

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import (
    Avg,
    BigIntegerField,
    Count,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from academy.models import EngagementEvent, User, Verb
from courses.selectors import (
    assignment_status_by_person,
    certificates_expiring_among,
    my_assignments,
    my_certificates,
)
from distributors import scoping
from distributors.audience import audience_filter
from distributors.engagement.facts import monthly_sessions
from distributors.engagement.models import (
    CertifiedHeadcount,
    DistributorDay,
    DistributorScore,
    DistributorVerbDay,
    Nudge,
    PersonDay,
    PersonScore,
    SnapshotKind,
)
from distributors.engagement.scores import COMPONENTS
from distributors.selectors import distributor_followed_queryset, team_current
from webinars.selectors import (
    attendance_count_by_person,
    registration_list_confirmed,
    sessions_scheduled,
)

CURRENT_FIELDS = (
    "score",
    *COMPONENTS,
    "last_activity_on",
    "risks",
    "is_at_risk",
    "staff",
    "active_staff",
    "score_month_ago",
    "score_change",
    "events",
    "active_people",
    "minutes_learned",
    "webinars_attended",
)


def months_back(today: datetime.date, count: int = 12) -> list[datetime.date]:
    """First days of the ``count`` latest months, oldest first."""
    first = today.replace(day=1)
    return [first - relativedelta(months=back) for back in range(count - 1, -1, -1)]


def engagement_distributors(*, user: User) -> QuerySet[Any]:
    """Distributors whose engagement the user follows (managers: territory,
    admins: all, a lead: their own), each annotated with its current
    snapshot (``score``, the components, ``risks``, ``last_activity_on`` …;
    None before the first refresh)."""
    qs = distributor_followed_queryset(user=user)
    return qs.annotate(
        current=FilteredRelation(
            "engagement_scores", condition=Q(engagement_scores__kind=SnapshotKind.CURRENT)
        )
    ).annotate(**{f"e_{name}": F(f"current__{name}") for name in CURRENT_FIELDS})


def engagement_table(
    *, user: User, country: str = "", status: str = "", risk: str = "", ordering: str = "score"
) -> QuerySet[Any]:
    """The territory table: visible distributors, filtered, with their
    current snapshot and territory; weakest score first by default."""
    qs = engagement_distributors(user=user).select_related("territory")
    if country:
        qs = qs.filter(country=country)
    if status:
        qs = qs.filter(status=status)
    if risk == "any":
        qs = qs.filter(e_is_at_risk=True)  # type: ignore[misc]
    elif risk == "none":
        qs = qs.filter(Q(e_is_at_risk=False) | Q(e_is_at_risk__isnull=True))
    elif risk:
        qs = qs.filter(current__risk_codes__contains=f",{risk},")  # type: ignore[misc]
    orderings = {
        "score": (F("e_score").asc(nulls_first=True), "name"),
        "-score": (F("e_score").desc(nulls_last=True), "name"),
        "name": ("name",),
        "activity": (F("e_last_activity_on").asc(nulls_first=True), "name"),
    }
    return qs.order_by(*orderings.get(ordering, orderings["score"]))


def monthly_rows(
    *, distributor_ids: list[int], months: list[datetime.date]
) -> dict[int, dict[datetime.date, DistributorScore]]:
    """Monthly snapshots of the given distributors, by distributor then month (one query)."""
    result: dict[int, dict[datetime.date, DistributorScore]] = defaultdict(dict)
    for row in DistributorScore.objects.filter(
        kind=SnapshotKind.MONTH, distributor_id__in=distributor_ids, period__gte=months[0]
    ):
        result[row.distributor_id][row.period] = row
    return result


def engagement_countries(*, user: User) -> list[str]:
    """Codes of the countries of the distributors the user follows, each once
    (the dashboard's country filter offers only these)."""
    return list(engagement_distributors(user=user).order_by().values_list("country", flat=True).distinct())


@dataclass
class MonthlyHistory:
    """A distributor's figures for each month asked for, oldest first. A
    month without a snapshot has no score and no attendance."""

    scores: list[int | None]
    webinars_attended: list[int]


def monthly_history(*, distributor_ids: list[int], months: list[datetime.date]) -> dict[int, MonthlyHistory]:
    """The score and web-conference attendances of each given distributor for
    each of ``months`` (one query)."""
    rows: dict[int, dict[datetime.date, tuple[int, int]]] = defaultdict(dict)
    for distributor_id, period, score, attended in (
        DistributorScore.objects.filter(
            kind=SnapshotKind.MONTH, distributor_id__in=distributor_ids, period__gte=months[0]
        )
        .order_by()
        .values_list("distributor_id", "period", "score", "webinars_attended")
    ):
        rows[distributor_id][period] = (score, attended)
    result: dict[int, MonthlyHistory] = {}
    for distributor_id in distributor_ids:
        history = rows.get(distributor_id, {})
        result[distributor_id] = MonthlyHistory(
            scores=[history[m][0] if m in history else None for m in months],
            webinars_attended=[history[m][1] if m in history else 0 for m in months],
        )
    return result


@dataclass
class TerritoryOverview:
    months: list[datetime.date]
    trend: list[dict[str, Any]]
    # The ``HEADCOUNT_TOP`` courses with the most staff; ``more_courses`` when there are others.
    courses: list[dict[str, Any]]
    countries: list[dict[str, Any]]
    totals: dict[str, Any]
    more_courses: bool = False


# Courses the dashboard summarises; the others are on the headcount page.
HEADCOUNT_TOP = 10


def course_headcounts(*, distributors: QuerySet[Any]) -> QuerySet[Any]:
    """Certified headcount per course assigned to the given (filtered,
    already scoped) distributors: ``course_id``, ``course__title``,
    ``distributors``, ``staff`` and ``certified``, the courses with the most
    staff first (then by title). One query however it is sliced; rows get
    their ``percent`` from :func:`headcount_percent`."""
    ids = distributors.order_by().values("pk")
    return (
        CertifiedHeadcount.objects.filter(distributor__in=ids)
        .values("course_id", "course__title")
        .annotate(
            distributors=Count("distributor", distinct=True),
            staff=Coalesce(Sum("staff"), 0),
            certified=Coalesce(Sum("certified"), 0),
        )
        .order_by("-staff", "course__title", "course_id")
    )


def headcount_percent(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of :func:`course_headcounts` with the certified share of staff (0–100)."""
    return [
        {**row, "percent": round(100 * row["certified"] / row["staff"]) if row["staff"] else 0}
        for row in rows
    ]


def territory_overview(
    *, distributors: QuerySet[Any], today: datetime.date | None = None
) -> TerritoryOverview:
    """Figures over a (filtered) set of distributors: per month the average
    score, events, active people and web-conference attendances; certified
    headcount of the ``HEADCOUNT_TOP`` assigned courses with the most staff
    (the page size does not grow with the courses); per country the distributors, average
    score, at-risk count and active staff. Three queries."""
    today = today or timezone.localdate()
    months = months_back(today)
    ids = distributors.order_by().values("pk")
    by_month: dict[datetime.date, dict[str, Any]] = {
        row["period"]: dict(row)
        for row in DistributorScore.objects.filter(
            kind=SnapshotKind.MONTH, period__gte=months[0], distributor__in=ids
        )
        .values("period")
        .annotate(
            score=Avg("score"),
            events=Coalesce(Sum("events"), 0),
            people=Coalesce(Sum("active_people"), 0),
            attended=Coalesce(Sum("webinars_attended"), 0),
        )
        .order_by()
    }
    trend = [
        {
            "month": month,
            "score": round(by_month[month]["score"])
            if month in by_month and by_month[month]["score"] is not None
            else None,
            "events": by_month.get(month, {}).get("events", 0),
            "people": by_month.get(month, {}).get("people", 0),
            "attended": by_month.get(month, {}).get("attended", 0),
        }
        for month in months
    ]
    courses = headcount_percent(course_headcounts(distributors=distributors)[: HEADCOUNT_TOP + 1])
    countries: list[dict[str, Any]] = [
        dict(row)
        for row in distributors.order_by()
        .values("country")
        .annotate(
            distributors=Count("pk"),
            score=Avg("e_score"),
            at_risk=Count("pk", filter=Q(e_is_at_risk=True)),
            staff=Coalesce(Sum("e_staff"), 0),
            active=Coalesce(Sum("e_active_staff"), 0),
        )
        .order_by("country")
    ]
    from django_countries import countries as country_names

    for row in countries:
        row["name"] = country_names.name(row["country"]) or row["country"]
        row["score"] = round(row["score"]) if row["score"] is not None else None
    totals = {
        "distributors": sum(row["distributors"] for row in countries),
        "at_risk": sum(row["at_risk"] for row in countries),
        "staff": sum(row["staff"] for row in countries),
        "active": sum(row["active"] for row in countries),
    }
    return TerritoryOverview(
        months, trend, courses[:HEADCOUNT_TOP], countries, totals, more_courses=len(courses) > HEADCOUNT_TOP
    )


@dataclass
class DistributorEngagement:
    distributor: Any
    current: DistributorScore | None
    months: list[datetime.date]
    monthly: list[DistributorScore | None]
    headcounts: list[CertifiedHeadcount]
    verbs: list[dict[str, Any]]
    weeks: list[dict[str, Any]]
    events: list[EngagementEvent]
    nudges: list["NudgeEffect"] = field(default_factory=list)


@dataclass
class NudgeEffect:
    nudge: Nudge
    recipients: list[User]
    before_days: int
    after_days: int
    before_events: int
    after_events: int
    complete: bool

    @property
    def change(self) -> int:
        return self.after_days - self.before_days


def nudge_effects(nudges: list[Nudge], *, today: datetime.date | None = None) -> list[NudgeEffect]:
    """For each nudge: its recipients' active days and events in the
    ``ENGAGEMENT_NUDGE_EFFECT_DAYS`` (14) days before and after it
    (``complete`` once that many days have passed). Two queries."""
    today = today or timezone.localdate()
    span = datetime.timedelta(days=settings.ENGAGEMENT_NUDGE_EFFECT_DAYS)
    if not nudges:
        return []
    recipients: dict[int, list[User]] = defaultdict(list)
    through = Nudge.recipients.through
    for link in through.objects.filter(nudge_id__in=[n.pk for n in nudges]).select_related("user"):
        recipients[link.nudge_id].append(link.user)
    days = [n.sent_at.astimezone(datetime.UTC).date() for n in nudges]
    user_ids = {u.pk for users in recipients.values() for u in users}
    activity: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
    for user_id, day, events in PersonDay.objects.filter(
        user_id__in=user_ids, day__gte=min(days) - span, day__lt=max(days) + span
    ).values_list("user_id", "day", "events"):
        activity[user_id].append((day, events))
    result = []
    for nudge, sent in zip(nudges, days, strict=True):
        people = recipients.get(nudge.pk, [])
        before = [(d, e) for u in people for d, e in activity.get(u.pk, []) if sent - span <= d < sent]
        after = [(d, e) for u in people for d, e in activity.get(u.pk, []) if sent <= d < sent + span]
        result.append(
            NudgeEffect(
                nudge=nudge,
                recipients=sorted(people, key=lambda u: (u.last_name, u.first_name)),
                before_days=len(before),
                after_days=len(after),
                before_events=sum(e for _d, e in before),
                after_events=sum(e for _d, e in after),
                complete=today >= sent + span,
            )
        )
    return result


def distributor_engagement(*, distributor: Any, today: datetime.date | None = None) -> DistributorEngagement:
    """Everything the distributor's engagement page shows: current snapshot,
    12 monthly ones, certified headcount per course, events by verb over the
    window, activity per week (12 weeks), recent events and nudges with
    their effect. The caller checks access. Nine queries."""
    today = today or timezone.localdate()
    months = months_back(today)
    current = DistributorScore.objects.filter(distributor=distributor, kind=SnapshotKind.CURRENT).first()
    by_month = monthly_rows(distributor_ids=[distributor.pk], months=months).get(distributor.pk, {})
    window_start = today - datetime.timedelta(days=settings.ENGAGEMENT_SCORE_WINDOW_DAYS - 1)
    labels = dict(Verb.choices)
    verbs = [
        {"verb": row["verb"], "label": labels.get(row["verb"], row["verb"]), "events": row["n"]}
        for row in DistributorVerbDay.objects.filter(distributor=distributor, day__gte=window_start)
        .values("verb")
        .annotate(n=Sum("events"))
        .order_by("-n", "verb")
    ]
    first_monday = today - datetime.timedelta(days=today.weekday(), weeks=11)
    weekly: dict[datetime.date, dict[str, int]] = defaultdict(
        lambda: {"events": 0, "people": 0, "minutes": 0}
    )
    for row in DistributorDay.objects.filter(distributor=distributor, day__gte=first_monday).values(
        "day", "events", "active_people", "minutes_learned", "minutes_attended"
    ):
        week = row["day"] - datetime.timedelta(days=row["day"].weekday())
        weekly[week]["events"] += row["events"]
        weekly[week]["people"] = max(weekly[week]["people"], row["active_people"])
        weekly[week]["minutes"] += row["minutes_learned"] + row["minutes_attended"]
    weeks = [
        {
            "week": first_monday + datetime.timedelta(weeks=n),
            **weekly[first_monday + datetime.timedelta(weeks=n)],
        }
        for n in range(12)
    ]
    events = list(
        EngagementEvent.objects.filter(distributor=distributor)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:20]
    )
    nudges = list(
        Nudge.objects.filter(distributor=distributor)
        .select_related("sender")
        .order_by("-sent_at", "-id")[:10]
    )
    return DistributorEngagement(
        distributor=distributor,
        current=current,
        months=months,
        monthly=[by_month.get(month) for month in months],
        headcounts=list(
            CertifiedHeadcount.objects.filter(distributor=distributor)
            .select_related("course")
            .order_by("course__title")
        ),
        verbs=verbs,
        weeks=weeks,
        events=events,
        nudges=nudge_effects(nudges, today=today),
    )


@dataclass
class TeamMember:
    membership: Any
    score: PersonScore | None
    due: int = 0
    overdue: int = 0
    done: int = 0
    expiring: list[Any] = field(default_factory=list)
    sessions_attended: int = 0


@dataclass
class TeamEngagement:
    distributor: Any
    current: DistributorScore | None
    members: list[TeamMember]
    monthly_sessions: int


def team_engagement(*, distributor: Any, today: datetime.date | None = None) -> TeamEngagement:
    """A team's progress for its lead (or a manager): per current member the
    person score and its components, assignments due / overdue / done,
    certificates expiring within 60 days and monthly web-conferences
    attended in the window; the distributor's score. Six queries. The
    caller checks ``distributors.view_engagement``."""
    today = today or timezone.localdate()
    memberships = list(team_current(distributor=distributor).select_related("user__engagement_score"))
    members = {
        m.user_id: TeamMember(membership=m, score=getattr(m.user, "engagement_score", None))
        for m in memberships
    }
    user_ids = list(members)
    for user_id, status in assignment_status_by_person(
        distributor_id=distributor.pk, user_ids=user_ids, today=today
    ).items():
        member = members[user_id]
        member.done, member.overdue, member.due = status.done, status.overdue, status.due
    for certificate in certificates_expiring_among(user_ids=user_ids, today=today, days=60):
        members[certificate.user_id].expiring.append(certificate)
    window_start = today - datetime.timedelta(days=settings.ENGAGEMENT_SCORE_WINDOW_DAYS - 1)
    sessions = monthly_sessions(until=today, since=window_start)
    for user_id, attended in attendance_count_by_person(
        session_ids=[s.pk for s in sessions], user_ids=user_ids
    ).items():
        members[user_id].sessions_attended = attended
    current = DistributorScore.objects.filter(distributor=distributor, kind=SnapshotKind.CURRENT).first()
    return TeamEngagement(distributor, current, list(members.values()), len(sessions))


@dataclass
class MyProgress:
    score: PersonScore | None
    assignments: list[Any]
    certificates: list[Any]
    upcoming: list[Any]
    streak: int
    active_this_week: bool
    weeks: list[dict[str, Any]]


LEARNING_MEASURES = (
    "lessons_completed",
    "courses_completed",
    "quizzes_passed",
    "quizzes_failed",
    "minutes_learned",
    "webinars_attended",
    "replays_watched",
)


def learning_weeks(*, user: User, today: datetime.date, weeks: int = 52) -> dict[datetime.date, int]:
    """Minutes learned and attended per week (its Monday), for the weeks with
    learning activity among the last ``weeks`` (one query)."""
    first = today - datetime.timedelta(days=today.weekday(), weeks=weeks - 1)
    learning = Q()
    for name in LEARNING_MEASURES:
        learning |= Q(**{f"{name}__gt": 0})
    result: dict[datetime.date, int] = defaultdict(int)
    for day, minutes in PersonDay.objects.filter(learning, user=user, day__gte=first).values_list(
        "day", F("minutes_learned") + F("minutes_attended")
    ):
        result[day - datetime.timedelta(days=day.weekday())] += minutes or 0
    return result


def streak_weeks(
    active: set[datetime.date] | dict[datetime.date, int], today: datetime.date
) -> tuple[int, bool]:
    """Consecutive weeks with learning activity up to this week; the week in
    progress does not break the streak before it is over. Returns (weeks, active this week)."""
    monday = today - datetime.timedelta(days=today.weekday())
    this_week = monday in active
    week = monday if this_week else monday - datetime.timedelta(weeks=1)
    count = 0
    while week in active:
        count += 1
        week -= datetime.timedelta(weeks=1)
    return count, this_week


def my_progress(*, user: User, today: datetime.date | None = None) -> MyProgress:
    """A learner's own progress: person score, assignments with due dates,
    certificates and expiry, upcoming web-conferences they registered for,
    the streak of weeks with learning and minutes per week (12 weeks). Five queries."""
    today = today or timezone.localdate()
    weeks = learning_weeks(user=user, today=today)
    streak, this_week = streak_weeks(weeks, today)
    monday = today - datetime.timedelta(days=today.weekday())
    last12 = [monday - datetime.timedelta(weeks=n) for n in range(11, -1, -1)]
    upcoming = list(
        registration_list_confirmed(user=user, since=timezone.now() - datetime.timedelta(hours=2))[:5]
    )
    return MyProgress(
        score=PersonScore.objects.filter(user=user).first(),
        assignments=list(my_assignments(user=user)[:50]),
        certificates=list(my_certificates(user=user)[:50]),
        upcoming=upcoming,
        streak=streak,
        active_this_week=this_week,
        weeks=[{"week": week, "minutes": weeks.get(week, 0)} for week in last12],
    )


def upcoming_monthly_sessions(*, user: User, limit: int = 3) -> list[Any]:
    """The next sessions of the monthly series whose audience includes ``user`` (one query)."""
    sessions = sessions_scheduled(since=timezone.now(), series_rule=settings.ENGAGEMENT_MONTHLY_SERIES_RRULE)
    return list(audience_filter(sessions, user=user)[:limit])


@dataclass(frozen=True)
class StatementQuery:
    """What a reader of the xAPI statements asks for (already validated).

    ``actor_ids`` / ``actor_email``: the Agent filter resolved to people (an
    empty tuple matches nobody); ``verbs``: verb codes; ``activity``: the
    (object type, object id) of one activity; ``registration``: the
    (session id, person id) of one web-conference registration; ``nothing``:
    a filter matched nothing of ours (the answer is empty). ``since`` is
    exclusive, ``until`` inclusive, both on the time the platform recorded the
    event. ``after`` is the (recorded at, id) of the last statement already
    read, in the order asked for."""

    statement_id: Any = None
    actor_email: str | None = None
    actor_ids: tuple[int, ...] | None = None
    verbs: tuple[str, ...] | None = None
    activity: tuple[str, str] | None = None
    registration: tuple[int, int] | None = None
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None
    ascending: bool = False
    after: tuple[datetime.datetime, int] | None = None
    nothing: bool = False


def statement_events(*, user: User, query: StatementQuery | None = None) -> QuerySet[EngagementEvent]:
    """Events exported as xAPI statements, newest recorded first (oldest
    with ``query.ascending``), with actor and distributor, filtered by
    ``query``: all for admins, their territories' distributors for managers,
    none for anyone else.

    The distributor filter goes through an expression on purpose: the
    database then walks the log in recorded order (the ``activity_recorded``
    index, the pagination order) and stops after a page, instead of
    collecting every event of the territory through the distributor index
    and sorting them (seconds on SQLite at 2 million events)."""
    query = query or StatementQuery()
    order = ["recorded_at", "id"] if query.ascending else ["-recorded_at", "-id"]
    events = EngagementEvent.objects.select_related("actor", "distributor").order_by(*order)
    if query.nothing:
        return events.none()
    filters = Q()
    if query.statement_id is not None:
        filters &= Q(statement_id=query.statement_id)
    if query.actor_email is not None:
        filters &= Q(actor__email__iexact=query.actor_email)
    if query.actor_ids is not None:
        filters &= Q(actor_id__in=query.actor_ids)
    if query.verbs is not None:
        filters &= Q(verb__in=query.verbs)
    if query.activity is not None:
        object_type, object_id = query.activity
        ids = [object_id, ""] if object_id == "0" else [object_id]
        filters &= Q(object_type=object_type, object_id__in=ids)
    if query.registration is not None:
        session_id, actor_id = query.registration
        filters &= Q(object_type="webinars.session", object_id=str(session_id), actor_id=actor_id)
    if query.since is not None:
        filters &= Q(recorded_at__gt=query.since)
    if query.until is not None:
        filters &= Q(recorded_at__lte=query.until)
    if query.after is not None:
        # Past (recorded at, id) in the order asked for; the first condition alone is an index range.
        moment, pk = query.after
        past = "gt" if query.ascending else "lt"
        filters &= Q(**{f"recorded_at__{past}e": moment}) & (
            Q(**{f"recorded_at__{past}": moment}) | Q(**{f"id__{past}": pk})
        )
    scope = ExpressionWrapper(F("distributor_id") + 0, output_field=BigIntegerField())
    return scoping.visible(
        events.filter(filters).alias(scope=scope), user, distributor_path="scope", staff=scoping.Staff.NOBODY
    )


def statement_agents_by_sha1(*, mbox_sha1sum: str) -> tuple[int, ...]:
    """The people whose ``mailto:`` address hashes to ``mbox_sha1sum`` (the
    xAPI ``mbox_sha1sum`` of their statements' actor). One query over the
    e-mail addresses: a hash cannot be looked up by an index."""
    wanted = mbox_sha1sum.lower()
    return tuple(
        pk
        for pk, email in User.objects.values_list("pk", "email").iterator(chunk_size=5000)
        if hashlib.sha1(f"mailto:{email}".encode(), usedforsecurity=False).hexdigest() == wanted
    )
