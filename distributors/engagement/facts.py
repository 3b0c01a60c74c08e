"""What the score and the at-risk rules are computed from, for every
distributor at once and as of any day, in a fixed number of queries.

Sources: the daily rollups (activity, quizzes, last activity), memberships
(staff on the day), course assignments and certificates, web-conference
sessions of the monthly series and attendances. The other apps answer
through the selectors they keep for measuring (``measures`` in each of
courses, webinars and distributors), which read the whole network at once
as of any day; engagement days are UTC days.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncWeek

from courses.selectors import (
    assignment_due_by_distributor,
    assignment_due_by_person,
    certificate_holders,
    courses_assigned_due_on,
    path_course_ids,
    people_started,
)
from distributors.engagement.models import DistributorDay, PersonDay
from distributors.selectors import distributor_ids, membership_open_on
from webinars.selectors import (
    sessions_attended_by_distributor,
    sessions_attended_by_person,
    sessions_held,
)


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


@dataclass
class Window:
    """The rolling window of a score: ``start`` … ``as_of`` (both included)."""

    as_of: datetime.date
    days: int

    @property
    def start(self) -> datetime.date:
        return self.as_of - datetime.timedelta(days=self.days - 1)


@dataclass
class CourseHeadcount:
    course_id: int
    staff: int
    certified: int
    certified_before: int = 0
    # Someone was due to complete it by the day: it counts in the score.
    due: bool = True


@dataclass
class DistributorFacts:
    distributor_id: int
    staff: int = 0
    active_staff: int = 0
    assigned: int = 0
    assigned_done: int = 0
    overdue: int = 0
    quizzes_passed: int = 0
    quizzes_failed: int = 0
    monthly_sessions: int = 0
    sessions_attended: int = 0
    # Whether anyone attended each of the last monthly sessions, newest first.
    last_sessions_attended: list[bool] = field(default_factory=list)
    last_activity_on: datetime.date | None = None
    events: int = 0
    minutes_learned: int = 0
    webinars_attended: int = 0
    headcounts: list[CourseHeadcount] = field(default_factory=list)
    # New staff who have not started the onboarding path: (name, joined_on).
    onboarding_late: list[tuple[str, datetime.date]] = field(default_factory=list)


def monthly_sessions(*, until: datetime.date, since: datetime.date | None = None) -> list[Any]:
    """Ended sessions of the monthly series (``ENGAGEMENT_MONTHLY_SERIES_RRULE``,
    repeating every month) up to ``until`` (and from ``since``), newest first."""
    sessions = sessions_held(
        end=_midnight(until + datetime.timedelta(days=1)),
        start=_midnight(since) if since is not None else None,
        series_rule=settings.ENGAGEMENT_MONTHLY_SERIES_RRULE,
    )
    return list(sessions.only("id", "starts_at"))


def certified_pairs(*, day: datetime.date, course_ids: set[int], user_ids: QuerySet) -> set[tuple[int, int]]:
    """(person, course) pairs where the person held a valid certificate on
    ``day`` (a UTC day), among the people of ``user_ids`` (a query of user ids)."""
    return certificate_holders(day=day, course_ids=course_ids, user_ids=user_ids, tz=datetime.UTC)


def assigned_courses(*, day: datetime.date) -> dict[int, dict[int, bool]]:
    """Courses assigned to each distributor on ``day`` (directly or through a
    path), each with whether someone was due to complete it by then: a
    course counts in the certified component from its due date, not from
    the day it was assigned."""
    return courses_assigned_due_on(day=day, tz=datetime.UTC)


def onboarding_course_ids() -> set[int]:
    return path_course_ids(path_slugs=settings.ENGAGEMENT_ONBOARDING_PATH_SLUGS)


def distributor_facts(
    *, as_of: datetime.date, window_days: int | None = None, with_risk_facts: bool = False
) -> dict[int, DistributorFacts]:
    """The facts of every distributor as of ``as_of`` over the rolling window.

    ``with_risk_facts`` adds what only the current at-risk rules need (the
    last monthly sessions, late onboarding, certificates before the window).
    About ten queries whatever the number of distributors and events."""
    window = Window(as_of, window_days or settings.ENGAGEMENT_SCORE_WINDOW_DAYS)
    facts = {pk: DistributorFacts(pk) for pk in distributor_ids()}

    memberships = list(
        membership_open_on(day=as_of).values_list(
            "distributor_id", "user_id", "joined_on", "user__first_name", "user__last_name"
        )
    )
    staff_by_distributor: dict[int, set[int]] = defaultdict(set)
    for distributor_id, user_id, *_rest in memberships:
        staff_by_distributor[distributor_id].add(user_id)
    staff_ids = membership_open_on(day=as_of).values("user_id")
    _staff_facts(facts, staff_by_distributor, staff_ids=staff_ids, window=window)
    _rollup_facts(facts, window)
    _assignment_facts(facts, as_of)
    _monthly_session_facts(facts, window, with_risk_facts=with_risk_facts)
    _headcount_facts(
        facts, staff_by_distributor, staff_ids=staff_ids, as_of=as_of, with_risk_facts=with_risk_facts
    )
    if with_risk_facts:
        _onboarding_facts(facts, memberships, as_of)
    return facts


def _staff_facts(
    facts: dict[int, DistributorFacts],
    staff_by_distributor: dict[int, set[int]],
    *,
    staff_ids: QuerySet,
    window: Window,
) -> None:
    """Staff on the day, and how many of them did something in the window."""
    active_people = set(
        PersonDay.objects.filter(
            day__gte=window.start, day__lte=window.as_of, actions__gt=0, user_id__in=staff_ids
        )
        .values_list("user_id", flat=True)
        .distinct()
    )
    for distributor_id, people in staff_by_distributor.items():
        if distributor_id in facts:
            facts[distributor_id].staff = len(people)
            facts[distributor_id].active_staff = len(people & active_people)


def _rollup_facts(facts: dict[int, DistributorFacts], window: Window) -> None:
    """From the daily rollups: the last active day (however long ago, for
    recency) and the window's quizzes, events, minutes and attendances."""
    in_window = Q(day__gte=window.start)
    for row in (
        DistributorDay.objects.filter(day__lte=window.as_of, actions__gt=0)
        .values("distributor_id")
        .annotate(
            last=Max("day"),
            passed=Coalesce(Sum("quizzes_passed", filter=in_window), 0),
            failed=Coalesce(Sum("quizzes_failed", filter=in_window), 0),
            events=Coalesce(Sum("events", filter=in_window), 0),
            minutes=Coalesce(Sum("minutes_learned", filter=in_window), 0),
            attended=Coalesce(Sum("webinars_attended", filter=in_window), 0),
        )
        .order_by()
    ):
        item = facts.get(row["distributor_id"])
        if item is not None:
            item.last_activity_on = row["last"]
            item.quizzes_passed, item.quizzes_failed = row["passed"], row["failed"]
            item.events, item.minutes_learned, item.webinars_attended = (
                row["events"],
                row["minutes"],
                row["attended"],
            )


def _assignment_facts(facts: dict[int, DistributorFacts], as_of: datetime.date) -> None:
    """Assignees as they stood at the end of ``as_of``: how many were due by
    then (an assignment counts from its due date), how many of those done,
    how many overdue. An assignment cancelled or a person released after
    that day still counts, and so does a released person who had completed
    it by then."""
    for distributor_id, counts in assignment_due_by_distributor(day=as_of, tz=datetime.UTC).items():
        item = facts.get(distributor_id)
        if item is not None:
            item.assigned, item.assigned_done, item.overdue = counts.assigned, counts.done, counts.overdue


def _monthly_session_facts(
    facts: dict[int, DistributorFacts], window: Window, *, with_risk_facts: bool
) -> None:
    """Monthly sessions held in the window and those someone of the
    distributor attended; with the risk facts, whether anyone attended each
    of the last ones (looked for over a longer period, as they may be older
    than the window)."""
    lookback = max(window.days, 400) if with_risk_facts else window.days
    sessions = monthly_sessions(until=window.as_of, since=window.as_of - datetime.timedelta(days=lookback))
    in_window_ids = {s.pk for s in sessions if s.starts_at.date() >= window.start}
    attended_pairs = sessions_attended_by_distributor(session_ids=[s.pk for s in sessions])
    last = sessions[: settings.ENGAGEMENT_RISK_MISSED_WEBINARS]
    for item in facts.values():
        item.monthly_sessions = len(in_window_ids)
        item.sessions_attended = sum(1 for pk in in_window_ids if (item.distributor_id, pk) in attended_pairs)
        item.last_sessions_attended = [(item.distributor_id, s.pk) in attended_pairs for s in last]


def _certified_before(
    *, as_of: datetime.date, course_ids: set[int]
) -> tuple[dict[int, set[int]], set[tuple[int, int]]]:
    """The staff of each distributor at the start of the certified lookback
    and the (person, course) certificates they held then, to compare the
    certified headcount with its earlier level."""
    before = as_of - datetime.timedelta(days=settings.ENGAGEMENT_RISK_CERTIFIED_LOOKBACK_DAYS)
    before_staff: dict[int, set[int]] = defaultdict(set)
    for distributor_id, user_id in membership_open_on(day=before).values_list("distributor_id", "user_id"):
        before_staff[distributor_id].add(user_id)
    before_pairs = certified_pairs(
        day=before,
        course_ids=course_ids,
        user_ids=membership_open_on(day=before).values("user_id"),
    )
    return before_staff, before_pairs


def _headcount_facts(
    facts: dict[int, DistributorFacts],
    staff_by_distributor: dict[int, set[int]],
    *,
    staff_ids: QuerySet,
    as_of: datetime.date,
    with_risk_facts: bool,
) -> None:
    """For each course assigned to a distributor: its staff and how many of
    them are certified (and, with the risk facts, were certified at the
    start of the lookback)."""
    courses = assigned_courses(day=as_of)
    course_ids = set().union(*courses.values()) if courses else set()
    now_pairs = certified_pairs(day=as_of, course_ids=course_ids, user_ids=staff_ids)
    before_pairs: set[tuple[int, int]] = set()
    before_staff: dict[int, set[int]] = defaultdict(set)
    if with_risk_facts and course_ids:
        before_staff, before_pairs = _certified_before(as_of=as_of, course_ids=course_ids)
    for distributor_id, assigned in courses.items():
        item = facts.get(distributor_id)
        if item is None:
            continue
        people = staff_by_distributor.get(distributor_id, set())
        earlier = before_staff.get(distributor_id, set())
        item.headcounts = [
            CourseHeadcount(
                course_id=course_id,
                staff=len(people),
                certified=sum(1 for user_id in people if (user_id, course_id) in now_pairs),
                certified_before=sum(1 for user_id in earlier if (user_id, course_id) in before_pairs),
                due=assigned[course_id],
            )
            for course_id in sorted(assigned)
        ]


def _onboarding_facts(
    facts: dict[int, DistributorFacts], memberships: list[tuple], as_of: datetime.date
) -> None:
    late = as_of - datetime.timedelta(days=settings.ENGAGEMENT_RISK_ONBOARDING_DAYS)
    recent = as_of - datetime.timedelta(days=settings.ENGAGEMENT_RISK_NEW_STAFF_DAYS)
    newcomers = [row for row in memberships if recent <= row[2] <= late]
    course_ids = onboarding_course_ids()
    if not newcomers or not course_ids:
        return
    user_ids = {row[1] for row in newcomers}
    started = people_started(course_ids=course_ids, user_ids=user_ids)
    for distributor_id, user_id, joined_on, first_name, last_name in newcomers:
        if user_id not in started and distributor_id in facts:
            facts[distributor_id].onboarding_late.append((f"{first_name} {last_name}".strip(), joined_on))


@dataclass
class PersonFacts:
    user_id: int
    distributor_id: int
    joined_on: datetime.date
    active_weeks: int = 0
    lessons_completed: int = 0
    courses_completed: int = 0
    quizzes_passed: int = 0
    quizzes_failed: int = 0
    minutes_learned: int = 0
    webinars_attended: int = 0
    last_activity_on: datetime.date | None = None
    assigned: int = 0
    assigned_done: int = 0
    monthly_sessions: int = 0
    sessions_attended: int = 0
    assigned_courses: int = 0
    certified_courses: int = 0


def person_facts(*, as_of: datetime.date, window_days: int | None = None) -> dict[int, PersonFacts]:
    """The facts of every current staff member as of ``as_of`` (six queries)."""
    window = Window(as_of, window_days or settings.ENGAGEMENT_SCORE_WINDOW_DAYS)
    people = {
        user_id: PersonFacts(user_id, distributor_id, joined_on)
        for user_id, distributor_id, joined_on in membership_open_on(day=as_of).values_list(
            "user_id", "distributor_id", "joined_on"
        )
    }
    if not people:
        return people
    staff_ids = membership_open_on(day=as_of).values("user_id")
    since = as_of - datetime.timedelta(days=max(window.days, settings.ENGAGEMENT_RECENCY_ZERO_DAYS))
    in_window = Q(day__gte=window.start)
    for row in (
        PersonDay.objects.filter(day__gte=since, day__lte=as_of, actions__gt=0, user_id__in=staff_ids)
        .values("user_id")
        .annotate(
            last=Max("day"),
            weeks=Count(TruncWeek("day"), filter=in_window, distinct=True),
            lessons=Coalesce(Sum("lessons_completed", filter=in_window), 0),
            courses=Coalesce(Sum("courses_completed", filter=in_window), 0),
            passed=Coalesce(Sum("quizzes_passed", filter=in_window), 0),
            failed=Coalesce(Sum("quizzes_failed", filter=in_window), 0),
            minutes=Coalesce(Sum("minutes_learned", filter=in_window), 0),
            attended=Coalesce(Sum("webinars_attended", filter=in_window), 0),
        )
        .order_by()
    ):
        item = people.get(row["user_id"])
        if item is None:
            continue
        item.last_activity_on = row["last"]
        item.active_weeks, item.lessons_completed, item.courses_completed = (
            row["weeks"],
            row["lessons"],
            row["courses"],
        )
        item.quizzes_passed, item.quizzes_failed = row["passed"], row["failed"]
        item.minutes_learned, item.webinars_attended = row["minutes"], row["attended"]

    for user_id, completion in assignment_due_by_person(
        user_ids=staff_ids, day=as_of, tz=datetime.UTC
    ).items():
        people[user_id].assigned, people[user_id].assigned_done = completion.assigned, completion.done

    sessions = monthly_sessions(until=as_of, since=window.start)
    attended = sessions_attended_by_person(session_ids=[s.pk for s in sessions])
    for item in people.values():
        held = [s for s in sessions if s.starts_at.date() >= item.joined_on]
        item.monthly_sessions = len(held)
        item.sessions_attended = sum(1 for s in held if (item.user_id, s.pk) in attended)

    courses = assigned_courses(day=as_of)
    course_ids = set().union(*courses.values()) if courses else set()
    pairs = certified_pairs(day=as_of, course_ids=course_ids, user_ids=staff_ids)
    for item in people.values():
        assigned = [pk for pk, due in courses.get(item.distributor_id, {}).items() if due]
        item.assigned_courses = len(assigned)
        item.certified_courses = sum(1 for course_id in assigned if (item.user_id, course_id) in pairs)
    return people


__all__ = [
    "CourseHeadcount",
    "DistributorFacts",
    "PersonFacts",
    "Window",
    "distributor_facts",
    "monthly_sessions",
    "person_facts",
]
