"""Certificates: issue and revoke; which ones a person holds, and when they may renew them."""

import datetime
import secrets
from collections.abc import Sequence

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.i18n import in_language_of
from academy.models import User, Verb
from academy.permissions import require
from academy.services import notification_create
from courses.models import (
    Certificate,
    CertificateStatus,
    Course,
    Enrollment,
    LearningPath,
    PathEnrollment,
)
from courses.services._common import event, moment
from courses.services.reminder_schedule import reminders_cancel, reminders_schedule_certificate

# Unambiguous letters and digits (no 0/O, 1/I/L): codes are read aloud and typed.
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
RECERTIFICATION_WINDOW_DAYS = 60


def certificate_code() -> str:
    """A random verification code, e.g. ``K7QF-92MD-XWPA-3TRB`` (about 79 bits)."""
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def certificate_valid(
    *, user: User, course: Course | None = None, path: LearningPath | None = None
) -> Certificate | None:
    """The person's valid certificate for the course or path (latest expiry first), if any."""
    queryset = Certificate.objects.valid_on(timezone.localdate()).filter(user=user)
    queryset = queryset.filter(course=course) if course is not None else queryset.filter(path=path)
    return queryset.order_by("-expires_on", "-issued_on").first()


def courses_held(*, user: User, courses: Sequence[Course]) -> set[int]:
    """Ids of the ``courses`` the person holds a valid certificate for."""
    return set(
        Certificate.objects.valid_on(timezone.localdate())
        .filter(user=user, course__in=courses)
        .values_list("course_id", flat=True)
    )


def recertification_open(certificate: Certificate, today: datetime.date | None = None) -> bool:
    """Whether the holder may (or must) take the course again: the
    certificate is no longer valid, is in a recertification grace period, or
    expires within 60 days."""
    today = today or timezone.localdate()
    if certificate.state(today) != "valid" or certificate.recertify_by is not None:
        return True
    return (
        certificate.expires_on is not None
        and (certificate.expires_on - today).days <= RECERTIFICATION_WINDOW_DAYS
    )


def certificate_issue(
    *,
    enrollment: Enrollment | None = None,
    path_enrollment: PathEnrollment | None = None,
    at: datetime.datetime | None = None,
) -> Certificate:
    """Issue the certificate of a completed enrolment (course or path).

    It expires ``validity_months`` after the issue date (never when empty);
    earlier valid certificates of the same person for the same course or path
    are marked replaced. Expiry reminders are scheduled and the holder is
    notified in their language.
    """
    now = moment(at)
    issued_on = timezone.localdate(now)
    if enrollment is not None:
        user, item = enrollment.user, enrollment.course
        same = Q(course=item)
        version = enrollment.course_version
    elif path_enrollment is not None:
        user, item = path_enrollment.user, path_enrollment.path  # type: ignore[assignment]
        same = Q(path=item)
        version = 1
    else:
        raise ValueError("certificate_issue needs an enrolment")
    for previous in Certificate.objects.select_for_update().filter(
        same, user=user, status=CertificateStatus.VALID
    ):
        previous.status = CertificateStatus.REPLACED
        previous.status_changed_at = now
        previous.save(update_fields=["status", "status_changed_at", "updated_at"])
        reminders_cancel(certificate=previous)
    validity = item.validity_months
    code = certificate_code()
    while Certificate.objects.filter(code=code).exists():  # pragma: no cover - 79 random bits
        code = certificate_code()
    certificate = Certificate.objects.create(
        user=user,
        course=item if isinstance(item, Course) else None,
        path=item if isinstance(item, LearningPath) else None,
        enrollment=enrollment,
        path_enrollment=path_enrollment,
        code=code,
        holder_name=(user.get_full_name() or user.email)[:300],
        title=item.title[:200],
        course_version=version,
        issued_on=issued_on,
        expires_on=issued_on + relativedelta(months=validity) if validity else None,
    )
    event(actor=user, verb=Verb.CERTIFICATE_ISSUED, obj=item, at=now, context={"certificate": code})
    reminders_schedule_certificate(certificate=certificate, now=timezone.now())
    with in_language_of(user):
        notification_create(
            user=user,
            kind="courses.certificate_issued",
            title=_("Certificate earned: %(title)s") % {"title": certificate.title},
            body=_("Congratulations! Your certificate can be downloaded and checked online."),
            url=reverse("courses:certificate", args=[certificate.code]),
        )
    return certificate


@transaction.atomic
def certificate_revoke(*, actor: User, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a certificate (an admin, or a trainer of its course). The
    public verification page then shows it as revoked."""
    require(actor, "courses.revoke_certificate", certificate)
    if not reason.strip():
        message = _("Give the reason for revoking the certificate.")
        raise ApplicationError(message, fields={"reason": [message]})
    if certificate.status == CertificateStatus.REVOKED:
        raise ApplicationError(_("This certificate is already revoked."), code="already_revoked")
    certificate.status = CertificateStatus.REVOKED
    certificate.status_changed_at = timezone.now()
    certificate.status_reason = reason.strip()
    certificate.save(update_fields=["status", "status_changed_at", "status_reason", "updated_at"])
    reminders_cancel(certificate=certificate)
    return certificate
