import datetime
import functools
import uuid
import zoneinfo
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField
from phonenumber_field.modelfields import PhoneNumberField

from academy.outbox import OutboxStatus


class BaseModel(models.Model):
    """Creation and last-change times, stored in UTC."""

    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


@functools.cache
def known_time_zones() -> frozenset[str]:
    """IANA zone names (read from disk once per process)."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone."), code="invalid", params={"value": value}
        )


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(known_time_zones())]


class Role(models.TextChoices):
    """Company-level role of an account. Whether a learner leads a distributor
    team is not a role of the account but of their current membership
    (distributors.Membership.role), so it follows staff turnover."""

    LEARNER = "learner", _("Learner")
    MANAGER = "manager", _("Manager")
    TRAINER = "trainer", _("Trainer")
    ADMIN = "admin", _("Administrator")


class CsvSeparator(models.TextChoices):
    """The separator of the CSV files a person downloads (academy.spreadsheets)."""

    AUTO = "auto", _("By language (; in French, , in English)")
    SEMICOLON = "semicolon", _("Semicolon (;)")
    COMMA = "comma", _("Comma (,)")
    TAB = "tab", _("Tab")


# What an anonymised account is called wherever a name is shown.
FORMER_MEMBER = _("Former member")


class UserQuerySet(models.QuerySet["User"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        """Refused: accounts are anonymised, never deleted (see ``academy.erasure``)."""
        raise AccountDeletionRefused


class AccountDeletionRefused(Exception):
    """Raised when code tries to delete an account: deleting would cascade the
    person's history (events, attempts, attendance) away and change the past
    figures of their distributor. ``academy.erasure.user_anonymise`` erases
    the person and keeps the history."""

    def __init__(self) -> None:
        super().__init__("Accounts are not deleted: anonymise them with academy.erasure.user_anonymise.")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> UserQuerySet:
        return UserQuerySet(self.model, using=self._db)

    def _create(self, email: str, password: str | None, **fields: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        fields.pop("is_staff", None)
        fields.pop("is_superuser", None)
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields.setdefault("role", Role.LEARNER)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "User":
        fields["role"] = Role.ADMIN
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(email=(username or "").strip().lower())


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.LEARNER)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    country = CountryField(_("country"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    csv_separator = models.CharField(
        _("CSV separator"), max_length=16, choices=CsvSeparator.choices, default=CsvSeparator.AUTO
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    erased_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    # The kinds of automatic e-mail the person stopped (academy.email_preferences).
    email_opt_outs = models.JSONField(_("e-mails stopped"), default=list, blank=True)
    # When ``phone`` was proved by a one-time code (academy.messaging.phones);
    # changing the number clears it. No WhatsApp or SMS goes to an unproved number.
    phone_verified_at = models.DateTimeField(_("phone verified at"), null=True, blank=True)
    # The phone channels (WhatsApp, SMS) a person accepts for each kind of
    # message, by kind code (academy.messaging.kinds); a kind missing here
    # takes its defaults. E-mail is stopped kind by kind in email_opt_outs.
    message_channels = models.JSONField(_("channels by kind of message"), default=dict, blank=True)
    # Phone channels stopped altogether (a "STOP" reply).
    phone_opt_outs = models.JSONField(_("phone channels stopped"), default=list, blank=True)
    # No WhatsApp or SMS between these times, in the person's time zone.
    quiet_hours_start = models.TimeField(_("quiet from"), null=True, blank=True, default=datetime.time(21, 0))
    quiet_hours_end = models.TimeField(_("quiet until"), null=True, blank=True, default=datetime.time(7, 0))

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            # Addresses are stored in lower case, so exact look-ups find them.
            models.CheckConstraint(condition=models.Q(email=Lower("email")), name="user_email_lowercase"),
        ]
        indexes = [models.Index(fields=["role"])]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        if self.erased_at is not None:
            return str(FORMER_MEMBER)  # in the reader's language
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        if self.erased_at is not None:
            return str(FORMER_MEMBER)
        return self.first_name or self.email

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AccountDeletionRefused

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    # Administrator rights follow the role; they are not separate switches.
    @property
    def is_staff(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_superuser(self) -> bool:  # type: ignore[override]
        return self.role == Role.ADMIN

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


class Notification(BaseModel):
    """A message shown to one person in the site (bell menu and list)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class OutboxRow(models.Model):
    """The fields of a row of an outbox (``academy.outbox.Outbox``)."""

    status = models.CharField(
        _("status"), max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    claim_token = models.UUIDField(_("claim"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True


class OutgoingEmail(BaseModel, OutboxRow):
    """One e-mail in the outbox (see ``academy.outbox``): written with the
    change that causes it, already rendered in the recipient's language,
    sent once by the dispatcher with ``key`` as its ``Message-ID``.

    ``topic`` says what it is about (``distributors.invitation``…), for the
    admin and for withdrawing it (an invitation revoked before it left).
    ``sensitive`` marks a body that carries a secret link (an invitation, a
    password reset): the body is emptied once the e-mail is sent or
    withdrawn, so the link lives in the database only while it waits."""

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    topic = models.CharField(_("topic"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient account"),
    )
    to = models.EmailField(pgettext_lazy("e-mail", "to"))
    subject = models.CharField(pgettext_lazy("e-mail", "subject"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    sensitive = models.BooleanField(_("holds a secret link"), default=False)
    # Sent as they are: Reply-To, Auto-Submitted, List-Unsubscribe(-Post).
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    # The message it carries (academy.messaging), when it came through it.
    message = models.ForeignKey(
        "academy.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emails",
        verbose_name=_("message"),
    )
    # An invitation sent as mail programs act on it: {"method", "ics"}.
    calendar = models.JSONField(_("calendar invitation"), null=True, blank=True)
    # Files: [{"name", "mimetype", "content" (base64)}].
    attachments = models.JSONField(_("attachments"), default=list, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outgoing_email_due"),
            models.Index(fields=["topic", "status"], name="outgoing_email_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


# ---------------------------------------------------------------- activity log


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
    MESSAGE_REPLIED = "message_replied", _("replied to a message")


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
    Verb.MESSAGE_REPLIED: "http://adlnet.gov/expapi/verbs/responded",
}


class EngagementEvent(models.Model):
    """One thing a person did. Append-only: services add rows, and what
    happened is never edited.

    ``distributor`` is the distributor the actor belonged to when it happened
    (empty for company staff), so history stays true after staff turnover.
    ``minutes`` carries time spent where the verb has one (lesson, attendance).
    ``counted`` is bookkeeping, not history: false until the derived measures
    (the engagement rollups) have counted the event. An event becomes visible
    to them when its transaction commits, whatever its id, so a reader that
    asks for the uncounted events misses none, however commits interleave.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="engagement_events",
        verbose_name=_("actor"),
    )
    distributor = models.ForeignKey(
        settings.ACTIVITY_DISTRIBUTOR_MODEL,
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
    # When the platform wrote the row: the xAPI "stored" (readers sync on it).
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # The xAPI statement id; events older than this field keep the id they
    # were exported with (uuid5 of the event id, set by the migration).
    statement_id = models.UUIDField(_("statement id"), default=uuid.uuid4, unique=True)
    counted = models.BooleanField(_("counted"), default=False, db_default=False)

    class Meta:
        db_table = "distributors_engagementevent"
        verbose_name = _("engagement event")
        verbose_name_plural = _("engagement events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["distributor", "occurred_at"]),
            models.Index(fields=["actor", "occurred_at"]),
            models.Index(fields=["verb", "occurred_at"]),
            models.Index(fields=["occurred_at"]),
            # The xAPI statements, newest stored first (since/until and the cursor).
            models.Index(fields=["recorded_at", "id"], name="activity_recorded"),
            # Small: only the events not counted yet (a few minutes' worth).
            models.Index(fields=["id"], condition=models.Q(counted=False), name="activity_uncounted"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.verb} {self.object_type}:{self.object_id}"

    @property
    def xapi_verb(self) -> str:
        return XAPI_VERBS[self.verb]


class StatementForward(OutboxRow):
    """One engagement event to forward to the learning record store as an
    xAPI statement (see ``academy.outbox``), written with the event when
    ``XAPI_LRS_URL`` is set; the engagement app builds and sends the
    statement. The statement id is the event's, so a repeat is harmless."""

    event = models.OneToOneField(
        EngagementEvent, on_delete=models.CASCADE, related_name="+", verbose_name=_("engagement event")
    )

    class Meta:
        verbose_name = _("statement to forward")
        verbose_name_plural = _("statements to forward")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="statement_forward_due")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.status}"


# ---------------------------------------------------------------- erasure


class ErasureStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DONE = "done", pgettext_lazy("erasure request", "Done")
    REFUSED = "refused", pgettext_lazy("erasure request", "Refused")


class ErasureRequest(models.Model):
    """A person's request to have their account erased (anonymised, see
    ``academy.erasure``). An administrator approves it (the account is
    anonymised) or refuses it with a reason; the person is told either way.
    A person has at most one pending request."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="erasure_requests",
        verbose_name=_("person"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("processed by"),
    )
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="pending"),
                name="erasure_request_one_pending_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending") | models.Q(processed_at__isnull=False),
                name="erasure_request_processed_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} {self.requested_at:%Y-%m-%d}"


# ---------------------------------------------------------------- API tokens


class ApiToken(models.Model):
    """A secret an integration (a mobile app, a CRM) sends as
    ``Authorization: Bearer acad_<prefix>_<secret>`` to use the API as its
    owner, limited to its ``scopes`` (``academy.api.scopes``).

    Only a SHA-256 digest of the secret is kept: the token is shown once,
    when it is made, and cannot be read back. ``prefix`` is public: it finds
    the row and names the token on pages. A token made by an administrator
    for another account (``created_by`` is not the owner) is a *service*
    token: the owner is then an account kept for one integration, whose role
    and territory bound what the token can reach. A token stops working when
    revoked, at ``expires_at``, or when its owner's account is deactivated.
    ``last_used_at`` is updated at most once a minute."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("owner"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(_("secret digest"), max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="api_token_owner")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(name=""), name="api_token_has_name"),
            models.CheckConstraint(
                condition=models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=models.F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_service(self) -> bool:
        """Made by an administrator for another account."""
        return self.created_by_id is not None and self.created_by_id != self.owner_id

    def is_expired(self, now: "datetime.datetime | None" = None) -> bool:
        """Expired from ``expires_at`` on (exactly at it included)."""
        return self.expires_at is not None and (now or timezone.now()) >= self.expires_at

    def is_usable(self, now: "datetime.datetime | None" = None) -> bool:
        return self.revoked_at is None and not self.is_expired(now)


# The messaging layer's records (a module of their own, part of this app).
from academy.messaging.models import (  # noqa: E402
    Channel,
    DeliveryReceipt,
    DeliveryStatus,
    InboundMessage,
    Message,
    MessageSpend,
    PhoneVerification,
    ReplyOutcome,
    ShortLink,
    TextMessage,
)

__all__ = [
    "Channel",
    "DeliveryReceipt",
    "DeliveryStatus",
    "InboundMessage",
    "Message",
    "MessageSpend",
    "PhoneVerification",
    "ReplyOutcome",
    "ShortLink",
    "TextMessage",
]
