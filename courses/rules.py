"""Permissions of the courses app (django-rules).

Lists are scoped by the selectors (what a person may not see is a 404);
these answer "may this person do this to this object"."""

import rules

from academy.permissions import can
from academy.rules import is_admin, is_lead, is_manager, is_trainer
from distributors.rules import is_lead_of, manages_distributor


@rules.predicate
def is_course_author(user, course) -> bool:
    """Owner or co-author of the course."""
    if course is None or not user.is_authenticated:
        return False
    return course.owner_id == user.pk or course.trainers.filter(pk=user.pk).exists()


@rules.predicate
def is_path_owner(user, path) -> bool:
    return path is not None and user.is_authenticated and path.owner_id == user.pk


@rules.predicate
def is_certificate_course_author(user, certificate) -> bool:
    if certificate is None or certificate.course is None:
        return False
    return is_course_author(user, certificate.course)


@rules.predicate
def manages_assignment_distributor(user, assignment) -> bool:
    return assignment is not None and manages_distributor(user, assignment.distributor)


@rules.predicate
def created_assignment_as_lead(user, assignment) -> bool:
    return (
        assignment is not None
        and assignment.created_by_id == user.pk
        and is_lead_of(user, assignment.distributor)
    )


can_author = is_admin | is_trainer

rules.add_perm("courses.author", can_author)
rules.add_perm("courses.edit_course", is_admin | (is_trainer & is_course_author))
rules.add_perm("courses.view_results", is_admin | (is_trainer & is_course_author))
rules.add_perm("courses.edit_path", is_admin | (is_trainer & is_path_owner))
rules.add_perm("courses.revoke_certificate", is_admin | (is_trainer & is_certificate_course_author))
# Object: a distributor.
rules.add_perm("courses.assign", manages_distributor | is_lead_of)
rules.add_perm("courses.view_assignments", is_admin | is_manager | is_lead)
# Object: an assignment. A lead may cancel only what they assigned themselves.
rules.add_perm("courses.cancel_assignment", manages_assignment_distributor | created_assignment_as_lead)


def lessons_open(user, course, *, enrolled: bool) -> bool:
    """Whether ``user`` may open the lessons of ``course`` and see its
    outline: they are or were enrolled (``enrolled``, which the caller has
    read with the page, so no query repeats it), or they may edit the course
    (authors preview it)."""
    return enrolled or can(user, "courses.edit_course", course)
