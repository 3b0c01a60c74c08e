from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.models import BaseModel
from courses.models.content import Course, Lesson


class EnrollmentSource(models.TextChoices):
    SELF = "self", _("Self-enrolled")
    ASSIGNMENT = "assignment", _("Assigned")
    PATH = "path", _("Learning path")
    RECERTIFICATION = "recertification", _("Recertification")


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    COMPLETED = "completed", _("Completed")


class Enrollment(BaseModel):
    """A learner following a course, from enrolment to completion.

    A person has at most one active enrolment per course; after completing,
    a later one (recertification, new version) starts a new row so the
    history of earlier runs is kept. ``distributor`` is the learner's
    distributor at enrolment (results by distributor stay true after
    turnover). ``progress_percent`` is kept up to date by the services.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="course_enrollments",
        verbose_name=_("learner"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("course")
    )
    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="course_enrollments",
        verbose_name=_("distributor"),
    )
    course_version = models.PositiveIntegerField(_("course version"), default=1)
    source = models.CharField(
        _("source"), max_length=16, choices=EnrollmentSource.choices, default=EnrollmentSource.SELF
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EnrollmentStatus.choices, default=EnrollmentStatus.ACTIVE
    )
    enrolled_at = models.DateTimeField(_("enrolled"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    last_lesson = models.ForeignKey(
        Lesson,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last lesson opened"),
    )
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["-enrolled_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=models.Q(status="active"),
                name="enrollment_one_active_per_course",
            ),
            models.CheckConstraint(
                condition=models.Q(progress_percent__lte=100), name="enrollment_progress_range"
            ),
            models.CheckConstraint(
                condition=(models.Q(status="completed") & models.Q(completed_at__isnull=False))
                | (models.Q(status="active") & models.Q(completed_at__isnull=True)),
                name="enrollment_completed_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["course", "status"]),
            models.Index(fields=["user", "status"]),
            models.Index(fields=["distributor", "course"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.course}"

    @property
    def is_completed(self) -> bool:
        return self.status == EnrollmentStatus.COMPLETED


class LessonProgress(BaseModel):
    """A lesson opened (and maybe completed) within one enrolment."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="lesson_progress", verbose_name=_("enrolment")
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="progress", verbose_name=_("lesson")
    )
    viewed_at = models.DateTimeField(_("first opened"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        ordering = ["enrollment", "lesson"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "lesson"], name="lesson_progress_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} — {self.lesson}"
