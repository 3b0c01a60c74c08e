from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from academy.models import BaseModel
from academy.outbox import OutboxStatus
from courses.models.certificates import Certificate
from courses.models.content import Course
from courses.models.learning import Enrollment
from courses.models.paths import LearningPath, PathEnrollment
from distributors.choices import MembershipRole


class AssignmentTarget(models.TextChoices):
    DISTRIBUTOR = "distributor", _("Whole team (current and future staff)")
    ROLE = "role", _("One role in the team (current and future)")
    PEOPLE = "people", _("Named people")


class Assignment(BaseModel):
    """A course or a learning path that a distributor's people must follow.

    The target is the whole team, one role in it, or named people; whole-team
    and role assignments also apply to people who join later. Each person
    concerned gets an ``Assignee`` row with their own due date: ``due_on``
    for people already there, ``due_days`` after joining for newcomers.
    """

    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.PROTECT,
        related_name="course_assignments",
        verbose_name=_("distributor"),
    )
    target = models.CharField(
        _("assigned to"),
        max_length=16,
        choices=AssignmentTarget.choices,
        default=AssignmentTarget.DISTRIBUTOR,
    )
    role = models.CharField(_("role"), max_length=8, choices=MembershipRole.choices, blank=True)
    course = models.ForeignKey(
        Course,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("course"),
    )
    path = models.ForeignKey(
        LearningPath,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("learning path"),
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    due_days = models.PositiveSmallIntegerField(
        _("days to complete after joining"),
        null=True,
        blank=True,
        help_text=_("For people who join the team later (and for everyone when there is no due date)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned by")
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(course__isnull=False) & models.Q(path__isnull=True))
                | (models.Q(course__isnull=True) & models.Q(path__isnull=False)),
                name="assignment_course_or_path",
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__isnull=False) | models.Q(due_days__isnull=False),
                name="assignment_has_due_date",
            ),
            models.CheckConstraint(
                condition=(models.Q(target="role") & ~models.Q(role=""))
                | (~models.Q(target="role") & models.Q(role="")),
                name="assignment_role_iff_role_target",
            ),
        ]
        indexes = [
            models.Index(fields=["distributor", "cancelled_at"]),
            models.Index(fields=["course", "cancelled_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.course or self.path} → {self.distributor}"

    @property
    def item(self) -> Course | LearningPath:
        return self.course or self.path  # type: ignore[return-value]

    @property
    def is_active(self) -> bool:
        return self.cancelled_at is None


class Assignee(BaseModel):
    """One person concerned by an assignment, with their due date.

    ``completed_at`` is set when they complete the course or path (or at once
    if they already held it); ``released_at`` when the assignment no longer
    applies to them (they left the distributor, or it was cancelled).
    """

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="assignees", verbose_name=_("assignment")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="course_assignments",
        verbose_name=_("person"),
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignees",
        verbose_name=_("enrolment"),
    )
    path_enrollment = models.ForeignKey(
        PathEnrollment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignees",
        verbose_name=_("path enrolment"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    released_at = models.DateTimeField(_("no longer concerned"), null=True, blank=True)

    class Meta:
        verbose_name = _("assigned person")
        verbose_name_plural = _("assigned people")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "user"], name="assignee_unique"),
        ]
        indexes = [
            models.Index(fields=["user", "completed_at"]),
            models.Index(fields=["assignment", "completed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.assignment}"

    def state(self, today=None) -> str:
        """``done``, ``released``, ``overdue`` or ``due``."""
        if self.completed_at is not None:
            return "done"
        if self.released_at is not None:
            return "released"
        today = today or timezone.localdate()
        if self.due_on is not None and self.due_on < today:
            return "overdue"
        return "due"


class ReminderKind(models.TextChoices):
    EXPIRY_60 = "expiry_60", _("Certificate expires in 60 days")
    EXPIRY_30 = "expiry_30", _("Certificate expires in 30 days")
    EXPIRY_7 = "expiry_7", _("Certificate expires in 7 days")
    DUE_SOON = "due_soon", _("Assignment due soon")
    OVERDUE = "overdue", _("Assignment overdue")
    RECERTIFICATION_NOTICE = "recert_notice", _("Recertification required: notice")
    RECERTIFICATION_DUE = "recert_due", _("Recertification due soon")


# The statuses every outbox shares.
ReminderStatus = OutboxStatus


class Reminder(BaseModel):
    """One e-mail to send once, at ``send_at``: before a certificate expires,
    when a new course version requires recertification and before its grace
    period ends, or before / after an assignment's due date.

    A row exists before anything is sent, unique per target, kind and
    ``days_before``; the
    outbox dispatcher (``academy.outbox``) claims due rows with a lease
    (``claim_token``/``claimed_at``), sends, then marks them ``sent`` — or
    leaves them ``pending`` with a later ``next_attempt_at`` when sending
    failed, until ``failed`` after too many attempts.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    # Days before the date the reminder is about, for kinds sent several
    # times at configurable offsets (recertification); 0 otherwise.
    days_before = models.PositiveSmallIntegerField(_("days before"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="course_reminders",
        verbose_name=_("recipient"),
    )
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("certificate"),
    )
    assignee = models.ForeignKey(
        Assignee,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        verbose_name=_("assigned person"),
    )
    send_at = models.DateTimeField(_("send at"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    claim_token = models.UUIDField(_("claim"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["send_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "kind", "days_before"],
                condition=models.Q(certificate__isnull=False),
                name="reminder_once_per_certificate_kind",
            ),
            models.UniqueConstraint(
                fields=["assignee", "kind"],
                condition=models.Q(assignee__isnull=False),
                name="reminder_once_per_assignee_kind",
            ),
            models.CheckConstraint(
                condition=(models.Q(certificate__isnull=False) & models.Q(assignee__isnull=True))
                | (models.Q(certificate__isnull=True) & models.Q(assignee__isnull=False)),
                name="reminder_one_target",
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.user}"
