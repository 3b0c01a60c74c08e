"""Renewing a certificate: its holder is enrolled again in the course or path
(from the certificate page, or when an expiry reminder goes out)."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User
from courses.models import (
    Certificate,
    CertificateStatus,
    Enrollment,
    EnrollmentSource,
    PathEnrollment,
    PublicationStatus,
)
from courses.services.certificates import recertification_open
from courses.services.learning import enrollment_create
from courses.services.paths import path_enroll


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
