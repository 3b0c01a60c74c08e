"""Renewing a certificate: its holder is enrolled again in the course or path
(from the certificate page, or when an expiry reminder goes out); and
recertification required by a new course version, with notice and a grace
period before the old certificates are superseded."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User
from courses.models import (
    Certificate,
    CertificateStatus,
    Course,
    Enrollment,
    EnrollmentSource,
    PathEnrollment,
    PublicationStatus,
)
from courses.services.certificates import recertification_open
from courses.services.learning import enrollment_create
from courses.services.paths import path_enroll
from courses.services.reminder_schedule import reminders_cancel, reminders_schedule_recertification


@transaction.atomic
def certificate_recertify(
    *, user: User, certificate: Certificate, at: datetime.datetime | None = None
) -> Enrollment | PathEnrollment:
    """Enrol the holder again to renew ``certificate`` (theirs): allowed once
    it is expired, needs recertification, or expires within 60 days."""
    if certificate.user_id != user.pk:
        raise ApplicationError(_("This certificate is not yours."), code="not_yours", status=403)
    if certificate.status == CertificateStatus.REVOKED or not recertification_open(certificate):
        raise ApplicationError(_("This certificate cannot be renewed yet."), code="not_renewable")
    item = certificate.course or certificate.path
    if item is None or item.status != PublicationStatus.PUBLISHED:
        raise ApplicationError(_("This course is no longer offered."), code="not_offered")
    if certificate.course is not None:
        return enrollment_create(
            user=user, course=certificate.course, source=EnrollmentSource.RECERTIFICATION, at=at
        )
    assert certificate.path is not None
    return path_enroll(user=user, path=certificate.path, source=EnrollmentSource.RECERTIFICATION, at=at)


def _supersede(certificate: Certificate, *, at: datetime.datetime, reason: str) -> None:
    certificate.status = CertificateStatus.SUPERSEDED
    certificate.status_changed_at = at
    if reason:
        certificate.status_reason = reason
    certificate.save(update_fields=["status", "status_changed_at", "status_reason", "updated_at"])
    reminders_cancel(certificate=certificate)


@transaction.atomic
def recertification_require(*, course: Course, at: datetime.datetime | None = None) -> int:
    """A new version of ``course`` requires recertification: every holder of
    a valid certificate of an older version is given notice (e-mail through
    the reminder outbox, then an in-site notification, in their language)
    and a grace period of ``COURSES_RECERTIFICATION_GRACE_DAYS``: the
    certificate stays valid until ``recertify_by`` included, with reminders
    before that day, and is superseded the day after
    (:func:`recertification_close_due`). The holder is enrolled in the new
    version at once (an enrolment in progress is kept). Certificates already in a grace period keep their due
    date and get no second notice; those no longer valid are superseded at
    once. Returns the number of certificates given notice."""
    now = at or timezone.now()
    today = timezone.localdate(now)
    recertify_by = today + datetime.timedelta(days=settings.COURSES_RECERTIFICATION_GRACE_DAYS)
    reason = _("Version %(version)s of the course was published.") % {"version": course.version}
    noticed = 0
    stale = (
        Certificate.objects.select_for_update()
        .filter(course=course, status=CertificateStatus.VALID, course_version__lt=course.version)
        .select_related("user", "course")
    )
    for certificate in stale:
        if certificate.recertify_by is not None and certificate.state(today) == "valid":
            continue  # already in its grace period: same due date, no second notice
        if certificate.state(today) != "valid":
            _supersede(certificate, at=now, reason=reason)
        else:
            certificate.recertify_by = recertify_by
            certificate.status_reason = reason
            certificate.save(update_fields=["recertify_by", "status_reason", "updated_at"])
            reminders_schedule_recertification(certificate=certificate, now=now)
            noticed += 1
        enrollment_create(
            user=certificate.user, course=course, source=EnrollmentSource.RECERTIFICATION, at=now
        )
    return noticed


@transaction.atomic
def recertification_close_due(*, now: datetime.datetime | None = None) -> int:
    """Supersede the certificates whose grace period is over (``recertify_by``
    before today) and cancel their pending reminders. Their state already
    reads superseded from that day (``Certificate.state``); this records it.
    Safe to run repeatedly and concurrently. Returns how many changed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Certificate.objects.select_for_update().filter(
        status=CertificateStatus.VALID, recertify_by__lt=today
    )
    changed = 0
    for certificate in due:
        _supersede(certificate, at=now, reason="")
        changed += 1
    return changed
