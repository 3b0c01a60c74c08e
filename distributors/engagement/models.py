"""Engagement measurement: daily rollups of the event log, score snapshots,
weekly digests and nudges.

The rollups are derived data: ``manage.py engagement_rebuild`` recomputes them
from ``EngagementEvent`` at any time, and the periodic task keeps them up to
date from a cursor on the event id (see ``distributors.engagement.rollups``).
Days are UTC calendar days.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from academy.models import BaseModel

__all__ = [
    "MEASURES",
    "CertifiedHeadcount",
    "DistributorDay",
    "DistributorScore",
    "DistributorVerbDay",
    "EngagementDigest",
    "Nudge",
    "NudgeAudience",
    "PersonDay",
    "PersonScore",
    "RollupCursor",
    "SnapshotKind",
]

# The measures of a day, shared by the person and the distributor rollups.
# Each one is an integer column so dashboards sum and filter them in SQL.
MEASURES: tuple[str, ...] = (
    "events",
    "actions",
    "logins",
    "lessons_completed",
    "courses_completed",
    "quizzes_passed",
    "quizzes_failed",
    "certificates_issued",
    "webinars_registered",
    "webinars_attended",
    "replays_watched",
    "field_reports",
    "minutes_learned",
    "minutes_attended",
)


class DayMeasures(models.Model):
    day = models.DateField(_("day"))
    events = models.PositiveIntegerField(_("events"), default=0)
    # Events the person chose to do (see rollups.ACTION_VERBS): what makes a day active.
    actions = models.PositiveIntegerField(_("actions"), default=0)
    logins = models.PositiveIntegerField(_("sign-ins"), default=0)
    lessons_completed = models.PositiveIntegerField(_("lessons completed"), default=0)
    courses_completed = models.PositiveIntegerField(_("courses completed"), default=0)
    quizzes_passed = models.PositiveIntegerField(_("quizzes passed"), default=0)
    quizzes_failed = models.PositiveIntegerField(_("quizzes failed"), default=0)
    certificates_issued = models.PositiveIntegerField(_("certificates earned"), default=0)
    webinars_registered = models.PositiveIntegerField(_("web-conference registrations"), default=0)
    webinars_attended = models.PositiveIntegerField(_("web-conferences attended"), default=0)
    replays_watched = models.PositiveIntegerField(_("replays watched"), default=0)
    field_reports = models.PositiveIntegerField(_("field reports"), default=0)
    minutes_learned = models.PositiveIntegerField(_("minutes learned"), default=0)
    minutes_attended = models.PositiveIntegerField(_("minutes attended"), default=0)

    class Meta:
        abstract = True


class PersonDay(DayMeasures):
    """What one person did on one day (every distributor they acted for)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )

    class Meta:
        db_table = "distributors_personday"
        verbose_name = _("daily activity of a person")
        verbose_name_plural = _("daily activity of people")
        ordering = ["-day", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="person_day_unique")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"


class DistributorDay(DayMeasures):
    """What a distributor's people did on one day (events attached to it)."""

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+", verbose_name=_("distributor")
    )
    active_people = models.PositiveIntegerField(_("active people"), default=0)

    class Meta:
        db_table = "distributors_distributorday"
        verbose_name = _("daily activity of a distributor")
        verbose_name_plural = _("daily activity of distributors")
        ordering = ["-day", "distributor"]
        constraints = [models.UniqueConstraint(fields=["distributor", "day"], name="distributor_day_unique")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.day}"


class DistributorVerbDay(models.Model):
    """Events of each verb for a distributor on one day (the full breakdown)."""

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+", verbose_name=_("distributor")
    )
    day = models.DateField(_("day"))
    verb = models.CharField(_("verb"), max_length=32)
    events = models.PositiveIntegerField(_("events"), default=0)

    class Meta:
        db_table = "distributors_distributorverbday"
        verbose_name = _("daily events by verb")
        verbose_name_plural = _("daily events by verb")
        ordering = ["-day", "distributor", "verb"]
        constraints = [
            models.UniqueConstraint(fields=["distributor", "day", "verb"], name="distributor_verb_day_unique")
        ]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.day} {self.verb}"


class RollupCursor(models.Model):
    """How far the rollups have read the event log (one row per rollup job)."""

    name = models.CharField(_("name"), max_length=32, unique=True)
    last_event_id = models.BigIntegerField(_("last event read"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        db_table = "distributors_rollupcursor"
        verbose_name = _("rollup cursor")
        verbose_name_plural = _("rollup cursors")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}: {self.last_event_id}"


class SnapshotKind(models.TextChoices):
    MONTH = "month", _("Month")
    CURRENT = "current", _("Current")


class ScoreComponents(models.Model):
    """The engagement score and its components, each 0–100 (empty when it
    does not apply, e.g. no assignment: its weight goes to the others)."""

    score = models.PositiveSmallIntegerField(_("score"), default=0)
    activity = models.PositiveSmallIntegerField(_("active staff"), null=True, blank=True)
    completions = models.PositiveSmallIntegerField(_("assignments completed"), null=True, blank=True)
    quizzes = models.PositiveSmallIntegerField(_("quiz success"), null=True, blank=True)
    webinars = models.PositiveSmallIntegerField(_("web-conference attendance"), null=True, blank=True)
    recency = models.PositiveSmallIntegerField(_("recency"), null=True, blank=True)
    certified = models.PositiveSmallIntegerField(_("certified headcount"), null=True, blank=True)
    last_activity_on = models.DateField(_("last activity"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        abstract = True


class DistributorScore(ScoreComponents):
    """A distributor's score as of ``as_of``: one row per month (as of its
    last day, or today for the month in progress) and one current row."""

    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        related_name="engagement_scores",
        verbose_name=_("distributor"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=SnapshotKind.choices)
    period = models.DateField(_("period"), help_text=_("First day of the month; today for the current row."))
    as_of = models.DateField(_("as of"))
    staff = models.PositiveIntegerField(_("current staff"), default=0)
    active_staff = models.PositiveIntegerField(_("active staff"), default=0)
    # Activity of the month (monthly rows) or of the window (current row).
    events = models.PositiveIntegerField(_("events"), default=0)
    active_people = models.PositiveIntegerField(_("active people"), default=0)
    minutes_learned = models.PositiveIntegerField(_("minutes learned"), default=0)
    webinars_attended = models.PositiveIntegerField(_("web-conferences attended"), default=0)
    # Like for like (``scores.score_change``): the score a month earlier over
    # the components that apply on both days, and the change component by component.
    score_month_ago = models.PositiveSmallIntegerField(_("score a month earlier"), null=True, blank=True)
    score_change = models.JSONField(_("change over a month"), null=True, blank=True)
    risks = models.JSONField(_("at-risk reasons"), default=list, blank=True)
    is_at_risk = models.BooleanField(_("at risk"), default=False)
    # The reason codes as ",code,code," so lists filter on one in SQL.
    risk_codes = models.CharField(_("at-risk reason codes"), max_length=200, blank=True)

    class Meta:
        db_table = "distributors_distributorscore"
        verbose_name = _("distributor engagement score")
        verbose_name_plural = _("distributor engagement scores")
        ordering = ["distributor", "-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["distributor", "kind", "period"], name="distributor_score_unique"
            ),
            models.UniqueConstraint(
                fields=["distributor"],
                condition=models.Q(kind="current"),
                name="distributor_score_one_current",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "period"]),
            models.Index(fields=["kind", "is_at_risk"]),
        ]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.kind} {self.period}: {self.score}"


class PersonScore(ScoreComponents):
    """A person's current score within their current distributor."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="engagement_score",
        verbose_name=_("person"),
    )
    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+", verbose_name=_("distributor")
    )
    as_of = models.DateField(_("as of"))
    active_weeks = models.PositiveSmallIntegerField(_("active weeks"), default=0)
    lessons_completed = models.PositiveIntegerField(_("lessons completed"), default=0)
    courses_completed = models.PositiveIntegerField(_("courses completed"), default=0)
    minutes_learned = models.PositiveIntegerField(_("minutes learned"), default=0)
    webinars_attended = models.PositiveIntegerField(_("web-conferences attended"), default=0)

    class Meta:
        db_table = "distributors_personscore"
        verbose_name = _("person engagement score")
        verbose_name_plural = _("person engagement scores")
        ordering = ["user"]
        indexes = [models.Index(fields=["distributor"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.score}"


class CertifiedHeadcount(models.Model):
    """For each course assigned to a distributor: current staff and how many
    hold a valid certificate, today and at the start of the look-back window."""

    distributor = models.ForeignKey(
        "distributors.Distributor", on_delete=models.CASCADE, related_name="+", verbose_name=_("distributor")
    )
    course = models.ForeignKey(
        "courses.Course", on_delete=models.CASCADE, related_name="+", verbose_name=_("course")
    )
    staff = models.PositiveIntegerField(_("current staff"), default=0)
    certified = models.PositiveIntegerField(_("certified"), default=0)
    certified_before = models.PositiveIntegerField(_("certified at the start of the window"), default=0)
    as_of = models.DateField(_("as of"))

    class Meta:
        db_table = "distributors_certifiedheadcount"
        verbose_name = _("certified headcount")
        verbose_name_plural = _("certified headcounts")
        ordering = ["distributor", "course"]
        constraints = [
            models.UniqueConstraint(fields=["distributor", "course"], name="certified_headcount_unique")
        ]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.course_id}: {self.certified}/{self.staff}"


class EngagementDigest(BaseModel):
    """One weekly digest e-mail to one manager (at most one per week)."""

    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("manager")
    )
    week = models.DateField(_("week"), help_text=_("Monday of the week."))
    distributors = models.PositiveIntegerField(_("distributors at risk"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        db_table = "distributors_engagementdigest"
        verbose_name = _("engagement digest")
        verbose_name_plural = _("engagement digests")
        ordering = ["-week", "manager"]
        constraints = [models.UniqueConstraint(fields=["manager", "week"], name="digest_once_per_week")]

    def __str__(self) -> str:
        return f"{self.manager_id} {self.week}"


class NudgeAudience(models.TextChoices):
    LEAD = "lead", _("The team lead")
    TEAM = "team", _("The whole team")


class Nudge(BaseModel):
    """A re-engagement message a manager sent to a distributor's lead or team.

    ``messages`` holds the text in each language (``{"fr": {"subject": …,
    "body": …}, "en": …}``); each recipient got the version in their language."""

    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        related_name="nudges",
        verbose_name=_("distributor"),
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("sender"),
    )
    audience = models.CharField(_("recipients"), max_length=8, choices=NudgeAudience.choices)
    template = models.CharField(_("template"), max_length=32)
    messages = models.JSONField(_("messages"), default=dict)
    sent_at = models.DateTimeField(_("sent at"))
    delivered_at = models.DateTimeField(_("e-mails sent at"), null=True, blank=True)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("recipients"), blank=True
    )

    class Meta:
        db_table = "distributors_nudge"
        verbose_name = _("nudge")
        verbose_name_plural = _("nudges")
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["distributor", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.distributor_id} {self.sent_at:%Y-%m-%d}"
