"""Assignments: what a distributor's people must follow, and how it follows
staff turnover (newcomers enrolled, leavers released)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User
from academy.permissions import require
from courses.models import (
    Assignee,
    Assignment,
    AssignmentTarget,
    Course,
    EnrollmentSource,
    LearningPath,
    Reminder,
    ReminderStatus,
)
from courses.services._common import field_error, full_clean, moment
from courses.services.certificates import certificate_valid
from courses.services.learning import enrollment_create
from courses.services.paths import path_enroll
from courses.services.reminder_schedule import reminders_schedule_assignee
from distributors.audience import audience_open_to
from distributors.choices import MembershipRole
from distributors.selectors import team_current_by_user

if TYPE_CHECKING:  # annotations only: rows come from distributors' selectors and signals
    from distributors.models import Distributor, Membership


def _matches(assignment: Assignment, membership: Membership) -> bool:
    if assignment.target == AssignmentTarget.DISTRIBUTOR:
        return True
    return assignment.target == AssignmentTarget.ROLE and membership.role == assignment.role


def assignee_add(
    *, assignment: Assignment, user: User, due_on: datetime.date | None, at: datetime.datetime | None = None
) -> Assignee:
    """Make ``user`` concerned by ``assignment`` with their due date, and
    enrol them. Someone who already holds a valid certificate for the course
    or path is done at once. Re-adding a released person (who came back)
    makes them concerned again."""
    now = moment(at)
    assignee, created = Assignee.objects.get_or_create(
        assignment=assignment, user=user, defaults={"due_on": due_on}
    )
    if not created:
        if assignee.completed_at is not None:
            return assignee
        assignee.due_on, assignee.released_at = due_on, None
    holding = certificate_valid(user=user, course=assignment.course, path=assignment.path)
    if holding is not None:
        assignee.completed_at = now
    elif assignment.course is not None:
        assignee.enrollment = enrollment_create(
            user=user, course=assignment.course, source=EnrollmentSource.ASSIGNMENT, at=now
        )
    else:
        assert assignment.path is not None
        assignee.path_enrollment = path_enroll(
            user=user, path=assignment.path, source=EnrollmentSource.ASSIGNMENT, at=now
        )
        if assignee.path_enrollment.completed_at is not None:
            assignee.completed_at = assignee.path_enrollment.completed_at
    assignee.save()
    reminders_schedule_assignee(assignee=assignee, now=max(now, timezone.now()))
    return assignee


def _assigned_item_check(
    *, course: Course | None, path: LearningPath | None, distributor: Distributor
) -> None:
    """Exactly one of a course and a path, a published one (drafts are not
    ready for learners) and one whose audience includes the distributor (a
    course meant for other places is not theirs to follow)."""
    if (course is None) == (path is None):
        raise field_error("course", _("Choose a course or a learning path."))
    item = course or path
    assert item is not None
    if not item.is_published:
        raise field_error(
            "course" if course else "path", _("Only published courses and paths can be assigned.")
        )
    if not audience_open_to(item, distributor=distributor):
        raise field_error(
            "course" if course else "path",
            _("This is not meant for %(distributor)s: its audience does not include them.")
            % {"distributor": distributor.name},
        )


def _due_check(*, due_on: datetime.date | None, due_days: int | None, today: datetime.date) -> None:
    """A due date not in the past, or a number of days (which also dates newcomers)."""
    if due_on is None and due_days is None:
        raise field_error("due_on", _("Give a due date or a number of days."))
    if due_on is not None and due_on < today:
        raise field_error("due_on", _("The due date cannot be in the past."))


def _assigned_role(*, target: str, role: str) -> str:
    """The role an assignment targets: a real role for role assignments,
    none for the others (whatever the form sent)."""
    if target != AssignmentTarget.ROLE:
        return ""
    if role not in MembershipRole.values:
        raise field_error("role", _("Choose a role."))
    return role


def _named_people_check(
    *, people: Sequence[User], team: dict[int, Membership], distributor: Distributor
) -> None:
    """Named people must be current members: an assignment never reaches
    outside the distributor it was made for."""
    if not people:
        raise field_error("people", _("Choose at least one person."))
    strangers = [str(person) for person in people if person.pk not in team]
    if strangers:
        raise field_error(
            "people",
            _("Not current members of %(distributor)s: %(people)s")
            % {"distributor": distributor.name, "people": ", ".join(strangers)},
        )


def _concerned(*, assignment: Assignment, team: dict[int, Membership], people: Sequence[User]) -> list[User]:
    """Who the new assignment concerns today: the named people, or the
    members of the team (or role) it targets."""
    if assignment.target == AssignmentTarget.PEOPLE:
        return [team[person.pk].user for person in people]
    return [m.user for m in team.values() if _matches(assignment, m)]


@transaction.atomic
def assignment_create(
    *,
    actor: User,
    distributor: Distributor,
    course: Course | None = None,
    path: LearningPath | None = None,
    target: str = AssignmentTarget.DISTRIBUTOR,
    role: str = "",
    people: Sequence[User] = (),
    due_on: datetime.date | None = None,
    due_days: int | None = None,
    at: datetime.datetime | None = None,
) -> Assignment:
    """Assign a published course or learning path to a distributor's whole
    team, one role in it, or named current members.

    Managers assign to the distributors of their territories, a team lead to
    their own distributor. People already there are due ``due_on`` (or
    ``due_days`` from today); whole-team and role assignments also enrol
    people who join later, due ``due_days`` after joining.
    """
    require(actor, "courses.assign", distributor)
    now = moment(at)
    today = timezone.localdate(now)
    _assigned_item_check(course=course, path=path, distributor=distributor)
    _due_check(due_on=due_on, due_days=due_days, today=today)
    role = _assigned_role(target=target, role=role)
    team = team_current_by_user(distributor=distributor)
    if target == AssignmentTarget.PEOPLE:
        _named_people_check(people=people, team=team, distributor=distributor)
    assignment = Assignment(
        distributor=distributor,
        target=target,
        role=role,
        course=course,
        path=path,
        due_on=due_on,
        due_days=due_days,
        created_by=actor,
    )
    full_clean(assignment)
    assignment.save()
    due = due_on or today + datetime.timedelta(days=due_days or 0)
    for user in _concerned(assignment=assignment, team=team, people=people):
        assignee_add(assignment=assignment, user=user, due_on=due, at=now)
    return assignment


@transaction.atomic
def assignment_cancel(
    *, actor: User, assignment: Assignment, at: datetime.datetime | None = None
) -> Assignment:
    """Stop an assignment: nobody new is enrolled, people not done are
    released and their reminders cancelled. Enrolments and progress stay."""
    require(actor, "courses.cancel_assignment", assignment)
    if assignment.cancelled_at is not None:
        raise ApplicationError(_("This assignment is already cancelled."), code="already_cancelled")
    now = moment(at)
    assignment.cancelled_at, assignment.cancelled_by = now, actor
    assignment.save(update_fields=["cancelled_at", "cancelled_by", "updated_at"])
    pending = assignment.assignees.filter(completed_at__isnull=True, released_at__isnull=True)
    Reminder.objects.filter(assignee__in=pending, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, updated_at=now
    )
    pending.update(released_at=now, updated_at=now)
    return assignment


def assignments_apply_to_member(*, membership: Membership) -> list[Assignee]:
    """A person joined a distributor: enrol them in what is assigned to the
    whole team or to their role, due ``due_days`` after joining (or the
    assignment's due date when it has no number of days and is still ahead).
    Called from the ``membership_started`` signal, inside its transaction."""
    joined = membership.joined_on
    added = []
    for assignment in Assignment.objects.filter(
        distributor_id=membership.distributor_id,
        cancelled_at__isnull=True,
        target__in=[AssignmentTarget.DISTRIBUTOR, AssignmentTarget.ROLE],
    ).select_related("course", "path"):
        if not _matches(assignment, membership) or not assignment.item.is_published:
            continue
        if assignment.due_days is not None:
            due: datetime.date | None = joined + datetime.timedelta(days=assignment.due_days)
        else:
            due = assignment.due_on if assignment.due_on and assignment.due_on >= joined else None
        added.append(assignee_add(assignment=assignment, user=membership.user, due_on=due))
    return added


def assignments_release_member(*, membership: Membership) -> int:
    """A person left a distributor: the assignments of that distributor no
    longer concern them (their pending reminders are cancelled); what they
    learnt stays theirs. Called from the ``membership_ended`` signal."""
    now = timezone.now()
    pending = Assignee.objects.filter(
        user_id=membership.user_id,
        assignment__distributor_id=membership.distributor_id,
        completed_at__isnull=True,
        released_at__isnull=True,
    )
    Reminder.objects.filter(assignee__in=pending, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, updated_at=now
    )
    return pending.update(released_at=now, updated_at=now)
