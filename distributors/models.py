import datetime
import hashlib
import uuid
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from academy.models import BaseModel

# The choices live in their own module (other apps import them from there);
# this app's modules keep reading them from here.
from distributors.choices import (
    DistributorStatus,
    FieldReportKind,
    FieldReportStatus,
    FieldReportUrgency,
    InvitationStatus,
    MembershipRole,
)


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


# The lifecycle of a partnership: where each status may go next. An ended
# partnership can only start again from the beginning (prospect).
STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    DistributorStatus.PROSPECT: (DistributorStatus.ONBOARDING, DistributorStatus.ENDED),
    DistributorStatus.ONBOARDING: (
        DistributorStatus.ACTIVE,
        DistributorStatus.SUSPENDED,
        DistributorStatus.ENDED,
    ),
    DistributorStatus.ACTIVE: (DistributorStatus.SUSPENDED, DistributorStatus.ENDED),
    DistributorStatus.SUSPENDED: (DistributorStatus.ACTIVE, DistributorStatus.ENDED),
    DistributorStatus.ENDED: (DistributorStatus.PROSPECT,),
}


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
    message_daily_cap = models.PositiveIntegerField(
        _("paid messages a day"),
        null=True,
        blank=True,
        help_text=_(
            "WhatsApp and SMS messages its people may be sent each day; past it they get e-mail. "
            "Empty: the platform's limit."
        ),
    )

    class Meta:
        verbose_name = _("distributor")
        verbose_name_plural = _("distributors")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["territory", "status"]),
            models.Index(fields=["country"]),
            models.Index(fields=["status"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return STATUS_TRANSITIONS.get(self.status, ())


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
        indexes = [models.Index(fields=["distributor", "created_at"])]

    def __str__(self) -> str:
        return f"{self.distributor}: {self.from_status or '-'} → {self.to_status}"


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


class ScorecardReview(BaseModel):
    """A dated review of how well a distributor fits the company's selection
    criteria. Reviews are kept, so the trend shows from one to the next."""

    CRITERIA: tuple[tuple[str, Any], ...] = (
        ("payment_reliability", _("Payment reliability")),
        ("established_network", _("Established network")),
        ("technical_competence", _("Technical competence")),
        ("commitment", _("Commitment")),
    )

    distributor = models.ForeignKey(
        Distributor,
        on_delete=models.CASCADE,
        related_name="scorecard_reviews",
        verbose_name=_("distributor"),
    )
    reviewed_on = models.DateField(_("review date"), default=timezone.localdate)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    payment_reliability = models.PositiveSmallIntegerField(
        _("payment reliability"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    payment_reliability_notes = models.TextField(_("notes on payment reliability"), blank=True)
    established_network = models.PositiveSmallIntegerField(
        _("established network"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    established_network_notes = models.TextField(_("notes on the established network"), blank=True)
    technical_competence = models.PositiveSmallIntegerField(
        _("technical competence"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    technical_competence_notes = models.TextField(_("notes on technical competence"), blank=True)
    commitment = models.PositiveSmallIntegerField(
        _("commitment"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    commitment_notes = models.TextField(_("notes on commitment"), blank=True)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        verbose_name = _("scorecard review")
        verbose_name_plural = _("scorecard reviews")
        ordering = ["-reviewed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                name=f"scorecard_{name}_1_to_5",
            )
            for name in ("payment_reliability", "established_network", "technical_competence", "commitment")
        ]
        indexes = [models.Index(fields=["distributor", "reviewed_on"])]

    def __str__(self) -> str:
        return f"{self.distributor} — {self.reviewed_on}"

    @property
    def ratings(self) -> dict[str, int]:
        return {name: getattr(self, name) for name, _label in self.CRITERIA}

    @property
    def average(self) -> float:
        values = list(self.ratings.values())
        return round(sum(values) / len(values), 2)


INVITATION_VALIDITY = datetime.timedelta(days=14)


def invitation_token_digest(token: str) -> str:
    """The stored form of an invitation token (SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(BaseModel):
    """An invitation to join a distributor's team, sent by e-mail.

    The link carries a random token; only its SHA-256 digest is stored, so the
    link cannot be rebuilt from the database. Resending issues a new token (the
    previous link stops working). The status follows from the dates: accepted,
    revoked, expired (``expires_at`` passed) or pending. At most one invitation
    per address and distributor is open (neither accepted nor revoked).
    """

    distributor = models.ForeignKey(
        Distributor, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("distributor")
    )
    email = models.EmailField(_("e-mail address"))
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    role = models.CharField(
        _("role"), max_length=8, choices=MembershipRole.choices, default=MembershipRole.STAFF
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    token_hash = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(_("times sent"), default=0)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )
    membership = models.ForeignKey(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("membership"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    # The raw token, set only on the instance returned when it is issued.
    token: str = ""

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["distributor", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_address",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="invitation_not_accepted_and_revoked",
            ),
        ]
        indexes = [
            models.Index(fields=["distributor", "accepted_at", "revoked_at", "expires_at"]),
            models.Index(fields=["email"]),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.distributor}"

    def status_at(self, moment: datetime.datetime) -> str:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= moment:
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    @property
    def status(self) -> str:
        return self.status_at(timezone.now())

    def get_status_display(self) -> str:
        return str(InvitationStatus(self.status).label)

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None


# Triage moves forward (steps may be skipped); a closed report may be reopened.
FIELD_REPORT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    FieldReportStatus.NEW: (
        FieldReportStatus.ACKNOWLEDGED,
        FieldReportStatus.IN_PROGRESS,
        FieldReportStatus.CLOSED,
    ),
    FieldReportStatus.ACKNOWLEDGED: (FieldReportStatus.IN_PROGRESS, FieldReportStatus.CLOSED),
    FieldReportStatus.IN_PROGRESS: (FieldReportStatus.CLOSED,),
    FieldReportStatus.CLOSED: (FieldReportStatus.IN_PROGRESS,),
}


def private_storage() -> Storage:
    """Files only served through permission-checked views (never under MEDIA_URL)."""
    return storages["private"]


def field_report_attachment_path(instance: "FieldReport", filename: str) -> str:
    # A random name: the original one is kept in ``attachment_name`` and never
    # reaches the file system.
    suffix = PurePosixPath(filename).suffix.lower()
    today = timezone.now()
    return f"field-reports/{today:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class FieldReport(BaseModel):
    """What a distributor's staff heard in the field: customer feedback, a
    product issue, a local opportunity or news of a competitor. Managers of the
    territory triage it and reply; the sender sees the replies."""

    distributor = models.ForeignKey(
        Distributor, on_delete=models.PROTECT, related_name="field_reports", verbose_name=_("distributor")
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="field_reports",
        verbose_name=_("sender"),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=FieldReportKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    country = CountryField(_("country"))
    product = models.CharField(_("product or area"), max_length=200, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=FieldReportUrgency.choices, default=FieldReportUrgency.NORMAL
    )
    attachment = models.FileField(
        _("attachment"),
        upload_to=field_report_attachment_path,
        storage=private_storage,
        max_length=255,
        blank=True,
    )
    attachment_name = models.CharField(_("attachment name"), max_length=255, blank=True)
    attachment_size = models.PositiveIntegerField(_("attachment size"), default=0)
    attachment_content_type = models.CharField(_("attachment type"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=FieldReportStatus.choices, default=FieldReportStatus.NEW
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("field report")
        verbose_name_plural = _("field reports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["distributor", "status", "created_at"]),
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["kind", "created_at"]),
            models.Index(fields=["country", "created_at"]),
            models.Index(fields=["sender", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def next_statuses(self) -> tuple[str, ...]:
        return FIELD_REPORT_TRANSITIONS.get(self.status, ())


class FieldReportReply(BaseModel):
    """A manager's answer to a field report, possibly with a change of status.

    The sender sees every reply on the report and is notified of it."""

    report = models.ForeignKey(
        FieldReport, on_delete=models.CASCADE, related_name="replies", verbose_name=_("field report")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("reply"), blank=True)
    status_from = models.CharField(_("from"), max_length=16, choices=FieldReportStatus.choices, blank=True)
    status_to = models.CharField(_("to"), max_length=16, choices=FieldReportStatus.choices, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("field report reply")
        verbose_name_plural = _("field report replies")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(body="") | ~models.Q(status_to=""),
                name="field_report_reply_says_something",
            ),
        ]
        indexes = [models.Index(fields=["report", "created_at"])]

    def __str__(self) -> str:
        return f"{self.report} — {self.created_at:%Y-%m-%d}"
