import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.models import BaseModel
from courses.models.content import Course
from courses.models.learning import Enrollment
from courses.models.paths import LearningPath, PathEnrollment


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    SUPERSEDED = "superseded", _("Recertification required")
    REPLACED = "replaced", _("Replaced by a newer certificate")
    REVOKED = "revoked", _("Revoked")


class Certificate(BaseModel):
    """Proof that a person completed a course or a learning path.

    ``code`` is random and unguessable: it is what the public verification
    page is looked up by. The holder's name and the title are copied at
    issue so the certificate reads the same later. Expiry is a date; whether
    a certificate is expired is computed against today (see ``state``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="certificates",
        verbose_name=_("holder"),
    )
    course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("course"),
    )
    path = models.ForeignKey(
        LearningPath,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("learning path"),
    )
    enrollment = models.OneToOneField(
        Enrollment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificate",
        verbose_name=_("enrolment"),
    )
    path_enrollment = models.OneToOneField(
        PathEnrollment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificate",
        verbose_name=_("path enrolment"),
    )
    code = models.CharField(_("verification code"), max_length=32, unique=True)
    holder_name = models.CharField(_("holder name"), max_length=300)
    title = models.CharField(_("title"), max_length=200)
    course_version = models.PositiveIntegerField(_("course version"), default=1)
    issued_on = models.DateField(_("issued on"), default=timezone.localdate)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(course__isnull=False) & models.Q(path__isnull=True))
                | (models.Q(course__isnull=True) & models.Q(path__isnull=False)),
                name="certificate_course_or_path",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=models.F("issued_on")),
                name="certificate_expires_after_issue",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "status", "expires_on"]),
            models.Index(fields=["path", "status", "expires_on"]),
            models.Index(fields=["user", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.holder_name}"

    def state(self, today: datetime.date | None = None) -> str:
        """``valid``, ``expired``, ``superseded``, ``replaced`` or ``revoked`` on ``today``."""
        if self.status != CertificateStatus.VALID:
            return self.status
        today = today or timezone.localdate()
        if self.expires_on is not None and self.expires_on < today:
            return "expired"
        return "valid"

    @property
    def is_valid(self) -> bool:
        return self.state() == "valid"
