"""Writes of learners on learning paths: enrolment and completion."""

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User, Verb
from courses.models import (
    Course,
    EnrollmentSource,
    EnrollmentStatus,
    LearningPath,
    PathEnrollment,
)
from courses.services._common import distributor_at, event, moment
from distributors.audience import audience_includes


@transaction.atomic
def path_enroll(
    *,
    user: User,
    path: LearningPath,
    source: str = EnrollmentSource.SELF,
    at: datetime.datetime | None = None,
) -> PathEnrollment:
    """Enrol ``user`` in a learning path and in each of its courses they do
    not already hold a valid certificate for. Idempotent (returns the path
    enrolment in progress). Self-enrolment needs a published path whose
    audience includes the person."""
    from courses.services import certificates, learning

    existing = PathEnrollment.objects.filter(user=user, path=path, status=EnrollmentStatus.ACTIVE).first()
    if existing is not None:
        return existing
    if source == EnrollmentSource.SELF and (not path.is_published or not audience_includes(path, user=user)):
        raise ApplicationError(
            _("This learning path is not open to you."), code="not_in_audience", status=403
        )
    if source == EnrollmentSource.SELF:
        holding = certificates.certificate_valid(user=user, path=path)
        if holding is not None and not certificates.recertification_open(holding):
            raise ApplicationError(
                _("You already hold a valid certificate for this learning path."), code="already_certified"
            )
    now = moment(at)
    enrollment = PathEnrollment(
        user=user,
        path=path,
        source=source,
        distributor=distributor_at(user, now),
        enrolled_at=now,
    )
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError:
        return PathEnrollment.objects.get(user=user, path=path, status=EnrollmentStatus.ACTIVE)
    event(actor=user, verb=Verb.ENROLLED, obj=path, at=now, context={"source": source})
    held = certificates.courses_held(user=user, courses=list(path.courses.all()))
    for course in path.courses.order_by("path_links__position"):
        if course.pk not in held:
            learning.enrollment_create(user=user, course=course, source=EnrollmentSource.PATH, at=now)
    _path_complete_if_done(enrollment=enrollment, at=now)
    return enrollment


def paths_check_completion(*, user: User, course: Course, at: datetime.datetime) -> None:
    """After ``user`` completed ``course``: complete their paths in progress
    that contain it and whose every course they now hold."""
    for enrollment in PathEnrollment.objects.select_for_update().filter(
        user=user, status=EnrollmentStatus.ACTIVE, path__path_courses__course=course
    ):
        _path_complete_if_done(enrollment=enrollment, at=at)


def _path_complete_if_done(*, enrollment: PathEnrollment, at: datetime.datetime) -> None:
    from courses.services import assignments, certificates

    courses = list(enrollment.path.courses.all())
    if not courses or len(certificates.courses_held(user=enrollment.user, courses=courses)) < len(courses):
        return
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = at
    enrollment.save(update_fields=["status", "completed_at", "updated_at"])
    event(actor=enrollment.user, verb=Verb.PATH_COMPLETED, obj=enrollment.path, at=at)
    certificates.certificate_issue(path_enrollment=enrollment, at=at)
    assignments.assignees_complete(user=enrollment.user, path=enrollment.path, at=at)
