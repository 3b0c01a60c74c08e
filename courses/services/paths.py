"""Writes of learners on learning paths: enrolment (completion is in ``completion``)."""

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User, Verb
from courses.models import (
    EnrollmentSource,
    EnrollmentStatus,
    LearningPath,
    PathEnrollment,
)
from courses.services._common import distributor_at, event, moment
from courses.services.certificates import certificate_valid, courses_held, recertification_open
from courses.services.completion import path_complete_if_done
from courses.services.learning import enrollment_create
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
    existing = PathEnrollment.objects.filter(user=user, path=path, status=EnrollmentStatus.ACTIVE).first()
    if existing is not None:
        return existing
    if source == EnrollmentSource.SELF and (not path.is_published or not audience_includes(path, user=user)):
        raise ApplicationError(
            _("This learning path is not open to you."), code="not_in_audience", status=403
        )
    if source == EnrollmentSource.SELF:
        holding = certificate_valid(user=user, path=path)
        if holding is not None and not recertification_open(holding):
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
    held = courses_held(user=user, courses=list(path.courses.all()))
    for course in path.courses.order_by("path_links__position"):
        if course.pk not in held:
            enrollment_create(user=user, course=course, source=EnrollmentSource.PATH, at=now)
    path_complete_if_done(enrollment=enrollment, at=now)
    return enrollment
