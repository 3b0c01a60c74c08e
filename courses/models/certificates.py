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


class CertificateQuerySet(models.QuerySet["Certificate"]):
    def valid_on(self, day: datetime.date, *, tz: datetime.tzinfo | None = None) -> "CertificateQuerySet":
        """Certificates that were (or are) valid on ``day``: issued on or
        before it, not expired before it (a certificate is still valid on its
        expiry day), not past the end of a recertification grace period (it
        is still valid on its ``recertify_by`` day), and not revoked,
        superseded or replaced before the end of it. ``day`` ends at midnight
        in ``tz`` (default: the current time zone); a certificate whose status
        changed later was still valid then.
        This is the one definition of validity that every query uses."""
        day_end = datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz or timezone.get_current_timezone()
        )
        still_valid = models.Q(status=CertificateStatus.VALID)
        if day_end <= timezone.now():
            # A status changed after the day: the certificate was valid then.
            # (For today or later no change can have happened yet.)
            still_valid |= models.Q(status_changed_at__gt=day_end)
        return self.filter(
            still_valid,
            models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=day),
            models.Q(recertify_by__isnull=True) | models.Q(recertify_by__gte=day),
            issued_on__lte=day,
        )


class Certificate(BaseModel):
    """Proof that a person completed a course or a learning path.

    ``code`` is random and unguessable: it is what the public verification
    page is looked up by. The holder's name and the title are copied at
    issue so the certificate reads the same later. Expiry is a date; whether
    a certificate is expired is computed against a day (see ``state``, and
    ``Certificate.objects.valid_on`` for queries).

    ``recertify_by`` is set when a new version of the course requires
    recertification: the certificate stays valid until the end of that day
    (the grace period), and is superseded from the day after.
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
    recertify_by = models.DateField(_("recertify by"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_reason = models.TextField(_("reason"), blank=True)

    objects = CertificateQuerySet.as_manager()

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
            models.Index(fields=["status", "recertify_by"]),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.holder_name}"

    def state(self, today: datetime.date | None = None) -> str:
        """``valid``, ``expired``, ``superseded``, ``replaced`` or ``revoked``
        on ``today``. Past its ``recertify_by`` day a certificate is
        superseded, even before the periodic run records it."""
        if self.status != CertificateStatus.VALID:
            return self.status
        today = today or timezone.localdate()
        if self.recertify_by is not None and self.recertify_by < today:
            return CertificateStatus.SUPERSEDED.value
        if self.expires_on is not None and self.expires_on < today:
            return "expired"
        return "valid"

    @property
    def is_valid(self) -> bool:
        return self.state() == "valid"

    def recertification_due(self, today: datetime.date | None = None) -> datetime.date | None:
        """The last day of the grace period while the certificate is valid
        in it, else None."""
        if self.recertify_by is None or self.state(today) != "valid":
            return None
        return self.recertify_by
