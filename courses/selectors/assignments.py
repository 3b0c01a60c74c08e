"""Assignments and team training figures, scoped to who asks.

These are the reads other teams use for engagement dashboards:
``certified_headcount``, ``assignee_status_list``, ``completion_list`` and
``recertification_due_list``.
Every one takes the acting user and only returns distributors they may see:
admins all, managers the distributors of their territories, a team lead
their own distributor, anyone else nothing.
"""

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from academy.models import User
from courses.models import (
    Assignee,
    Assignment,
    Certificate,
    CertificateStatus,
    Course,
    Enrollment,
    EnrollmentStatus,
    PathCourse,
)
from courses.selectors.learning import assignee_status_annotation
from distributors import scoping
from distributors.selectors import team_current, teams_current

if TYPE_CHECKING:  # annotations only: the network is read through its selectors
    from distributors.models import Distributor, Membership


def assignable_distributors(*, user: User) -> "QuerySet[Distributor]":
    """Distributors ``user`` may assign to and follow: admins all, managers
    their territories' distributors, a lead their own; nobody else."""
    return scoping.visible_distributors(user, staff=scoping.Staff.LEADS)


def assignment_list(
    *, user: User, distributor: "Distributor | None" = None, include_cancelled: bool = False
) -> QuerySet[Assignment]:
    """Assignments of the distributors ``user`` follows, newest first, each
    with ``n_people`` (concerned, not released), ``n_done`` and ``n_overdue``."""
    today = timezone.localdate()
    queryset = Assignment.objects.filter(distributor__in=assignable_distributors(user=user))
    if distributor is not None:
        queryset = queryset.filter(distributor=distributor)
    if not include_cancelled:
        queryset = queryset.filter(cancelled_at__isnull=True)
    concerned = Q(assignees__released_at__isnull=True)
    return (
        queryset.select_related("distributor", "course", "path", "created_by")
        .annotate(
            n_people=Count("assignees", filter=concerned | Q(assignees__completed_at__isnull=False)),
            n_done=Count("assignees", filter=Q(assignees__completed_at__isnull=False)),
            n_overdue=Count(
                "assignees",
                filter=concerned & Q(assignees__completed_at__isnull=True, assignees__due_on__lt=today),
            ),
        )
        .order_by("-created_at", "-id")
    )


def assignee_status_list(
    *,
    user: User,
    distributor: "Distributor | None" = None,
    assignment: Assignment | None = None,
    include_released: bool = False,
) -> QuerySet[Assignee]:
    """Assignment status per person: each row is one person and one
    assignment, annotated ``status`` = ``due`` / ``overdue`` / ``done``
    (``released`` when asked for), with the person, the distributor and the
    course or path. Overdue first, then by due date."""
    today = timezone.localdate()
    queryset = Assignee.objects.filter(
        assignment__distributor__in=assignable_distributors(user=user), assignment__cancelled_at__isnull=True
    )
    if distributor is not None:
        queryset = queryset.filter(assignment__distributor=distributor)
    if assignment is not None:
        queryset = queryset.filter(assignment=assignment)
    if not include_released:
        queryset = queryset.filter(Q(released_at__isnull=True) | Q(completed_at__isnull=False))
    return (
        queryset.select_related(
            "user", "assignment__distributor", "assignment__course", "assignment__path", "enrollment"
        )
        .annotate(status=assignee_status_annotation(today))
        .order_by("completed_at", "due_on", "user__last_name", "user__first_name", "id")
    )


@dataclass
class HeadcountRow:
    """One assigned course of a distributor: how many of the current staff
    hold a valid certificate for it."""

    course: Course
    staff: int
    certified: int

    @property
    def percent(self) -> int:
        return round(100 * self.certified / self.staff) if self.staff else 0


def certified_headcount(
    *, user: User, distributor: "Distributor", today: datetime.date | None = None
) -> list[HeadcountRow]:
    """For each course assigned to ``distributor`` (directly or through an
    assigned learning path, assignments not cancelled): the number of its
    current staff and how many of them hold a valid certificate today.
    Empty when ``user`` may not follow the distributor. Three queries."""
    if not assignable_distributors(user=user).filter(pk=distributor.pk).exists():
        return []
    today = today or timezone.localdate()
    active = Assignment.objects.filter(distributor=distributor, cancelled_at__isnull=True)
    courses = list(
        Course.objects.filter(
            Q(pk__in=active.filter(course__isnull=False).values("course"))
            | Q(pk__in=PathCourse.objects.filter(path__in=active.values("path")).values("course"))
        ).order_by("title")
    )
    if not courses:
        return []
    current = team_current(distributor=distributor)
    staff = current.count()
    certified = dict(
        Certificate.objects.valid_on(today)
        .filter(course__in=courses, user__in=current.values("user"))
        .values("course")
        .annotate(n=Count("user", distinct=True))
        .values_list("course", "n")
    )
    return [
        HeadcountRow(course=course, staff=staff, certified=certified.get(course.pk, 0)) for course in courses
    ]


def recertification_due_list(
    *, user: User, distributor: "Distributor", today: datetime.date | None = None
) -> QuerySet[Certificate]:
    """Certificates of the distributor's current staff that are in a
    recertification grace period today (still valid, ``recertify_by`` today
    or later), soonest due first, with holder and course. Empty when
    ``user`` may not follow the distributor (a lead: only their own; a
    manager: their territories' distributors). Two queries."""
    if not assignable_distributors(user=user).filter(pk=distributor.pk).exists():
        return Certificate.objects.none()
    today = today or timezone.localdate()
    return (
        Certificate.objects.valid_on(today)
        .filter(
            status=CertificateStatus.VALID,
            recertify_by__gte=today,
            user__in=team_current(distributor=distributor).values("user"),
        )
        .select_related("user", "course")
        .order_by("recertify_by", "user__last_name", "user__first_name", "id")
    )


def recertification_due_overview(*, user: User, today: datetime.date | None = None) -> QuerySet[Certificate]:
    """Certificates in a recertification grace period today, across every
    distributor ``user`` follows (admins: all; a manager: their territories;
    a lead: their own team; nobody else), soonest due first, each with holder,
    course and ``distributor_name`` (the holder's current distributor). One query."""
    today = today or timezone.localdate()
    teams = teams_current(distributors=assignable_distributors(user=user))
    return (
        Certificate.objects.valid_on(today)
        .filter(status=CertificateStatus.VALID, recertify_by__gte=today, user__in=teams.values("user"))
        .annotate(
            distributor_name=Subquery(teams.filter(user=OuterRef("user")).values("distributor__name")[:1])
        )
        .select_related("user", "course")
        .order_by("recertify_by", "user__last_name", "user__first_name", "id")
    )


def completion_list(
    *, user: User, distributor: "Distributor | None" = None, since: datetime.datetime | None = None
) -> QuerySet[Enrollment]:
    """Course completions of the people of the distributors ``user``
    follows (by their distributor at enrolment), newest first, with person,
    course and distributor."""
    queryset = Enrollment.objects.filter(
        status=EnrollmentStatus.COMPLETED, distributor__in=assignable_distributors(user=user)
    )
    if distributor is not None:
        queryset = queryset.filter(distributor=distributor)
    if since is not None:
        queryset = queryset.filter(completed_at__gte=since)
    return queryset.select_related("user", "course", "distributor").order_by("-completed_at", "-id")


def team_members(*, distributor: "Distributor") -> "QuerySet[Membership]":
    """Current members of a distributor, with their people, by name (for
    choosing named people)."""
    return team_current(distributor=distributor).order_by("user__last_name", "user__first_name")
