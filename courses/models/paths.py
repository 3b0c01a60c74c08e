import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.models import BaseModel
from courses.models.content import Course, Language, PublicationStatus, validate_course_slug
from courses.models.learning import EnrollmentSource, EnrollmentStatus
from distributors.audience import Audience


class LearningPath(BaseModel, Audience):
    """An ordered list of courses (e.g. "New staff onboarding") with its own
    completion and certificate."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("address"), max_length=80, unique=True, validators=[validate_course_slug])
    summary = models.TextField(_("summary"), blank=True)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FRENCH
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PublicationStatus.choices, default=PublicationStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    validity_months = models.PositiveSmallIntegerField(
        _("certificate validity (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Leave empty when the certificate never expires."),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_learning_paths",
        verbose_name=_("owner"),
    )
    courses = models.ManyToManyField(
        Course, through="PathCourse", related_name="learning_paths", verbose_name=_("courses")
    )
    translation_group = models.UUIDField(_("translation group"), default=uuid.uuid4, db_index=True)

    class Meta:
        verbose_name = _("learning path")
        verbose_name_plural = _("learning paths")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["translation_group", "language"], name="path_one_version_per_language"
            ),
        ]
        indexes = [models.Index(fields=["status", "language"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == PublicationStatus.PUBLISHED


class PathCourse(models.Model):
    path = models.ForeignKey(
        LearningPath, on_delete=models.CASCADE, related_name="path_courses", verbose_name=_("learning path")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="path_links", verbose_name=_("course")
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("course of a path")
        verbose_name_plural = _("courses of a path")
        ordering = ["path", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["path", "course"], name="path_course_unique")]

    def __str__(self) -> str:
        return f"{self.path} — {self.course}"


class PathEnrollment(BaseModel):
    """A learner following a learning path. Completed when every course of the
    path is completed; at most one active per person and path."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="path_enrollments",
        verbose_name=_("learner"),
    )
    path = models.ForeignKey(
        LearningPath, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("learning path")
    )
    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="path_enrollments",
        verbose_name=_("distributor"),
    )
    source = models.CharField(
        _("source"), max_length=16, choices=EnrollmentSource.choices, default=EnrollmentSource.SELF
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    enrolled_at = models.DateTimeField(_("enrolled"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("path enrolment")
        verbose_name_plural = _("path enrolments")
        ordering = ["-enrolled_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "path"],
                condition=models.Q(status="active"),
                name="path_enrollment_one_active",
            ),
            models.CheckConstraint(
                condition=(models.Q(status="completed") & models.Q(completed_at__isnull=False))
                | (models.Q(status="active") & models.Q(completed_at__isnull=True)),
                name="path_enrollment_completed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["path", "status"]), models.Index(fields=["user", "status"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.path}"

    @property
    def is_completed(self) -> bool:
        return self.status == EnrollmentStatus.COMPLETED
