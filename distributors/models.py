from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from academy.models import BaseModel


class Territory(BaseModel):
    """A set of countries and the company managers in charge of them."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    countries = CountryField(_("countries"), multiple=True, blank=True)
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="managed_territories",
        blank=True,
        verbose_name=_("managers"),
        limit_choices_to={"role": "manager"},
    )

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DistributorStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    ENDED = "ended", _("Ended")


class Distributor(BaseModel):
    """An independent distributor organisation and its partnership with the company."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="distributors", verbose_name=_("territory")
    )
    country = CountryField(_("country"))
    city = models.CharField(_("city"), max_length=120, blank=True)
    address = models.TextField(_("address"), blank=True)
    contact_name = models.CharField(_("contact name"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_distributors",
        verbose_name=_("account manager"),
        limit_choices_to={"role": "manager"},
    )
    partnership_started_on = models.DateField(_("partnership start"), null=True, blank=True)
    is_exclusive = models.BooleanField(_("exclusive"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=DistributorStatus.choices,
        default=DistributorStatus.PROSPECT,
    )

    class Meta:
        verbose_name = _("distributor")
        verbose_name_plural = _("distributors")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["territory", "status"]),
            models.Index(fields=["country"]),
        ]

    def __str__(self) -> str:
        return self.name


class DistributorStatusChange(BaseModel):
    """One step of a distributor's lifecycle: who changed it, when and why."""

    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("distributor")
    )
    from_status = models.CharField(_("from"), max_length=16, choices=DistributorStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=DistributorStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.distributor}: {self.from_status or '-'} → {self.to_status}"


class MembershipRole(models.TextChoices):
    LEAD = "lead", _("Team lead")
    STAFF = "staff", _("Staff")


class Membership(BaseModel):
    """A period during which a person works for a distributor.

    Leaving sets ``left_on``; the row stays, so the person's history (and the
    distributor they belonged to at the time) is kept. A person has at most
    one open membership.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("person"),
    )
    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("distributor")
    )
    role = models.CharField(
        _("role"), max_length=8, choices=MembershipRole.choices, default=MembershipRole.STAFF
    )
    job_title = models.CharField(_("job title"), max_length=120, blank=True)
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.TextField(_("reason for leaving"), blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["-joined_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(left_on__isnull=True),
                name="membership_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("joined_on")),
                name="membership_left_after_joined",
            ),
        ]
        indexes = [
            models.Index(fields=["distributor", "left_on"]),
            models.Index(fields=["distributor", "joined_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.distributor}"

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    @property
    def is_lead(self) -> bool:
        return self.is_active and self.role == MembershipRole.LEAD


class Verb(models.TextChoices):
    """The fixed vocabulary of the engagement log (see ``XAPI_VERBS``)."""

    LOGGED_IN = "logged_in", _("logged in")
    JOINED_DISTRIBUTOR = "joined_distributor", _("joined a distributor")
    LEFT_DISTRIBUTOR = "left_distributor", _("left a distributor")
    INVITATION_ACCEPTED = "invitation_accepted", _("accepted an invitation")
    ENROLLED = "enrolled", _("enrolled in a course")
    LESSON_VIEWED = "lesson_viewed", _("viewed a lesson")
    LESSON_COMPLETED = "lesson_completed", _("completed a lesson")
    QUIZ_PASSED = "quiz_passed", _("passed a quiz")
    QUIZ_FAILED = "quiz_failed", _("failed a quiz")
    COURSE_COMPLETED = "course_completed", _("completed a course")
    PATH_COMPLETED = "path_completed", _("completed a learning path")
    CERTIFICATE_ISSUED = "certificate_issued", _("earned a certificate")
    WEBINAR_REGISTERED = "webinar_registered", _("registered for a web-conference")
    WEBINAR_UNREGISTERED = "webinar_unregistered", _("cancelled a registration")
    WEBINAR_ATTENDED = "webinar_attended", _("attended a web-conference")
    REPLAY_WATCHED = "replay_watched", _("watched a replay")
    FEEDBACK_GIVEN = "feedback_given", _("gave feedback")
    CHAT_POSTED = "chat_posted", _("posted in a live chat")
    QUESTION_ASKED = "question_asked", _("asked a question")
    POLL_ANSWERED = "poll_answered", _("answered a poll")
    FIELD_REPORT_SENT = "field_report_sent", _("sent a field report")
    NUDGE_SENT = "nudge_sent", _("sent a nudge")


# xAPI 1.0.3 verb IRIs, so the log can be exported as statements.
XAPI_VERBS: dict[str, str] = {
    Verb.LOGGED_IN: "https://w3id.org/xapi/adl/verbs/logged-in",
    Verb.JOINED_DISTRIBUTOR: "http://activitystrea.ms/schema/1.0/join",
    Verb.LEFT_DISTRIBUTOR: "http://activitystrea.ms/schema/1.0/leave",
    Verb.INVITATION_ACCEPTED: "http://activitystrea.ms/schema/1.0/accept",
    Verb.ENROLLED: "http://adlnet.gov/expapi/verbs/registered",
    Verb.LESSON_VIEWED: "http://id.tincanapi.com/verb/viewed",
    Verb.LESSON_COMPLETED: "http://adlnet.gov/expapi/verbs/completed",
    Verb.QUIZ_PASSED: "http://adlnet.gov/expapi/verbs/passed",
    Verb.QUIZ_FAILED: "http://adlnet.gov/expapi/verbs/failed",
    Verb.COURSE_COMPLETED: "http://adlnet.gov/expapi/verbs/completed",
    Verb.PATH_COMPLETED: "http://adlnet.gov/expapi/verbs/completed",
    Verb.CERTIFICATE_ISSUED: "http://id.tincanapi.com/verb/earned",
    Verb.WEBINAR_REGISTERED: "http://adlnet.gov/expapi/verbs/registered",
    Verb.WEBINAR_UNREGISTERED: "http://id.tincanapi.com/verb/unregistered",
    Verb.WEBINAR_ATTENDED: "http://adlnet.gov/expapi/verbs/attended",
    Verb.REPLAY_WATCHED: "http://activitystrea.ms/schema/1.0/watch",
    Verb.FEEDBACK_GIVEN: "http://adlnet.gov/expapi/verbs/responded",
    Verb.CHAT_POSTED: "http://adlnet.gov/expapi/verbs/commented",
    Verb.QUESTION_ASKED: "http://adlnet.gov/expapi/verbs/asked",
    Verb.POLL_ANSWERED: "http://adlnet.gov/expapi/verbs/answered",
    Verb.FIELD_REPORT_SENT: "http://activitystrea.ms/schema/1.0/submit",
    Verb.NUDGE_SENT: "http://activitystrea.ms/schema/1.0/send",
}


class EngagementEvent(models.Model):
    """One thing a person did. Append-only: services add rows, nothing edits them.

    ``distributor`` is the distributor the actor belonged to when it happened
    (empty for company staff), so history stays true after staff turnover.
    ``minutes`` carries time spent where the verb has one (lesson, attendance).
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="engagement_events",
        verbose_name=_("actor"),
    )
    distributor = models.ForeignKey(
        Distributor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="engagement_events",
        verbose_name=_("distributor"),
    )
    verb = models.CharField(_("verb"), max_length=32, choices=Verb.choices)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_name = models.CharField(_("object name"), max_length=255, blank=True)
    minutes = models.PositiveIntegerField(_("minutes"), default=0)
    context = models.JSONField(_("context"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)

    class Meta:
        verbose_name = _("engagement event")
        verbose_name_plural = _("engagement events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["distributor", "occurred_at"]),
            models.Index(fields=["actor", "occurred_at"]),
            models.Index(fields=["verb", "occurred_at"]),
            models.Index(fields=["occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.verb} {self.object_type}:{self.object_id}"

    @property
    def xapi_verb(self) -> str:
        return XAPI_VERBS[self.verb]
