"""Teaching as engagement measures it: what was assigned to each
distributor and how far its people got, who was certified on a given day,
who started a course.

These read every distributor at once and as of any day, each in a fixed
number of queries, because the engagement scores are computed for the whole
network in one pass. They take no acting user: callers scope what they show.
A day ends at midnight in ``tz`` (default: the current time zone)."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from courses.models import Assignee, Assignment, Certificate, LessonProgress, PathCourse

# People (or courses) given by their ids, or by a query selecting one column of ids.
Ids = Iterable[int] | QuerySet[Any, Any]


def _day_end(day: datetime.date, tz: datetime.tzinfo | None) -> datetime.datetime:
    return datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz or timezone.get_current_timezone()
    )


@dataclass(frozen=True)
class AssignmentStanding:
    """A distributor's assignees on a day: how many, how many done, how many overdue."""

    assigned: int
    done: int
    overdue: int


@dataclass(frozen=True)
class AssignmentCompletion:
    """A person's assignments: how many, how many done."""

    assigned: int
    done: int


@dataclass(frozen=True)
class AssignmentStatus:
    """One person's assignments today: ``done``, ``overdue`` (open, past the
    due date) and ``due`` (open, due later or without a date)."""

    done: int
    overdue: int
    due: int


def path_course_ids(*, path_slugs: Iterable[str]) -> set[int]:
    """The courses of the learning paths with these slugs (one query)."""
    return set(PathCourse.objects.filter(path__slug__in=list(path_slugs)).values_list("course_id", flat=True))


def certificate_holders(
    *, day: datetime.date, course_ids: set[int], user_ids: Ids, tz: datetime.tzinfo | None = None
) -> set[tuple[int, int]]:
    """The (person, course) pairs, among ``user_ids`` and ``course_ids``,
    where the person held a certificate of the course valid on ``day``
    (``Certificate.objects.valid_on``). One query; none without courses."""
    if not course_ids:
        return set()
    return set(
        Certificate.objects.valid_on(day, tz=tz)
        .filter(course_id__in=course_ids, user_id__in=user_ids)
        .values_list("user_id", "course_id")
        .distinct()
    )


def certificates_expiring_among(
    *, user_ids: Ids, today: datetime.date, days: int = 60
) -> QuerySet[Certificate]:
    """Certificates of these people valid ``today`` that expire within
    ``days`` days, soonest first."""
    return (
        Certificate.objects.valid_on(today)
        .filter(user_id__in=user_ids, expires_on__lte=today + datetime.timedelta(days=days))
        .order_by("expires_on")
    )


def people_started(*, course_ids: set[int], user_ids: Ids) -> set[int]:
    """Those of ``user_ids`` who started one of the courses (opened a
    lesson of it) or hold a certificate of it, whatever its state. Two queries."""
    opened = set(
        LessonProgress.objects.filter(enrollment__course_id__in=course_ids, enrollment__user_id__in=user_ids)
        .values_list("enrollment__user_id", flat=True)
        .distinct()
    )
    certified = set(
        Certificate.objects.filter(course_id__in=course_ids, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    return opened | certified


def assignment_status_by_person(
    *, distributor_id: int, user_ids: Ids, today: datetime.date
) -> dict[int, AssignmentStatus]:
    """Today's status of the assignments of the distributor (not cancelled,
    the person not released) for each of these people. People without
    assignments are left out. One query."""
    rows = (
        Assignee.objects.filter(
            user_id__in=user_ids,
            assignment__distributor_id=distributor_id,
            assignment__cancelled_at__isnull=True,
            released_at__isnull=True,
        )
        .values("user_id")
        .annotate(
            done=Count("id", filter=Q(completed_at__isnull=False)),
            overdue=Count("id", filter=Q(completed_at__isnull=True, due_on__lt=today)),
            due=Count(
                "id", filter=Q(completed_at__isnull=True) & (Q(due_on__gte=today) | Q(due_on__isnull=True))
            ),
        )
        .order_by()
    )
    return {row["user_id"]: AssignmentStatus(row["done"], row["overdue"], row["due"]) for row in rows}


# What counts in a score: an assignment counts from its due date, not from the
# day it was made, so assigning a course does not lower anyone's figures until
# the people have had the time they were given. ``due_on`` on or before ``day``.


def _due_by(day: datetime.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}due_on__lte": day})


def courses_assigned_due_on(
    *, day: datetime.date, tz: datetime.tzinfo | None = None
) -> dict[int, dict[int, bool]]:
    """The courses assigned to each distributor at the end of ``day``,
    directly or through an assigned learning path, each with whether someone
    was due to complete it by then (an assignee's due date on or before
    ``day``): ``{distributor id: {course id: due}}``. An assignment counts if
    it was made by then and not cancelled by then. One query, two when
    learning paths are assigned."""
    day_end = _day_end(day, tz)
    active = Q(cancelled_at__isnull=True) | Q(cancelled_at__gte=day_end)
    rows = list(
        Assignment.objects.filter(active, created_at__lt=day_end)
        .values("distributor_id", "course_id", "path_id")
        .annotate(first_due=Min("assignees__due_on"))
        .values_list("distributor_id", "course_id", "path_id", "first_due")
        .order_by()
    )
    paths = {path_id for _d, _c, path_id, _due in rows if path_id}
    path_courses: dict[int, list[int]] = defaultdict(list)
    if paths:
        for path_id, course_id in PathCourse.objects.filter(path_id__in=paths).values_list(
            "path_id", "course_id"
        ):
            path_courses[path_id].append(course_id)
    result: dict[int, dict[int, bool]] = defaultdict(dict)
    for distributor_id, course_id, path_id, first_due in rows:
        due = first_due is not None and first_due <= day
        courses = result[distributor_id]
        for pk in [course_id] if course_id else path_courses.get(path_id, ()):
            courses[pk] = courses.get(pk, False) or due
    return result


def assignment_due_by_distributor(
    *, day: datetime.date, tz: datetime.tzinfo | None = None
) -> dict[int, AssignmentStanding]:
    """Assignees of each distributor as they stood at the end of ``day``:
    ``assigned`` and ``done`` count the assignees due by ``day`` (included),
    ``overdue`` those still open after the day and due before it. An
    assignment cancelled or a person released after that day still counts,
    and so does a released person who had completed it by then.
    Distributors without assignees are left out. One query."""
    day_end = _day_end(day, tz)
    due = _due_by(day)
    rows = (
        Assignee.objects.filter(
            Q(assignment__cancelled_at__isnull=True) | Q(assignment__cancelled_at__gte=day_end),
            Q(released_at__isnull=True) | Q(released_at__gte=day_end) | Q(completed_at__lt=day_end),
            created_at__lt=day_end,
        )
        .values("assignment__distributor_id")
        .annotate(
            total=Count("id", filter=due),
            done=Count("id", filter=due & Q(completed_at__lt=day_end)),
            overdue=Count(
                "id",
                filter=(Q(completed_at__isnull=True) | Q(completed_at__gte=day_end))
                & Q(due_on__lt=day)
                & (Q(released_at__isnull=True) | Q(released_at__gte=day_end)),
            ),
        )
        .order_by()
    )
    return {
        row["assignment__distributor_id"]: AssignmentStanding(row["total"], row["done"], row["overdue"])
        for row in rows
    }


def assignment_due_by_person(
    *, user_ids: Ids, day: datetime.date, tz: datetime.tzinfo | None = None
) -> dict[int, AssignmentCompletion]:
    """The current assignments of each of these people (not cancelled, the
    person not released) due by ``day`` (included): how many, and how many
    were done by the end of ``day``. People without such assignments are
    left out. One query."""
    day_end = _day_end(day, tz)
    rows = (
        Assignee.objects.filter(
            _due_by(day),
            assignment__cancelled_at__isnull=True,
            released_at__isnull=True,
            user_id__in=user_ids,
        )
        .values("user_id")
        .annotate(total=Count("id"), done=Count("id", filter=Q(completed_at__lt=day_end)))
        .order_by()
    )
    return {row["user_id"]: AssignmentCompletion(row["total"], row["done"]) for row in rows}
