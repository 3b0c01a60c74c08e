"""The records of the messaging layer (``academy.messaging``).

Imported at the end of ``academy.models`` so they belong to the kernel app.

* ``Message``: one thing to tell one person (a reminder, a nudge, a code),
  with its kind, its idempotency key, what it says on each channel it may
  take (rendered once, in the person's language) and the order of channels
  it falls back along.
* One outbox row per (message, channel): ``OutgoingEmail`` for e-mail (in
  ``academy.models``), ``TextMessage`` for WhatsApp and SMS.
* ``DeliveryReceipt``: every status a provider reported, stored before it is
  applied, so a status that arrives before the send is recorded, or twice,
  changes the row once.
* ``InboundMessage``: what people wrote back.
* ``PhoneVerification``: the one-time codes that prove a number.
* ``MessageSpend``: paid messages per cost centre (a distributor) and day.
* ``ShortLink``: the short links of SMS texts.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from academy.models import OutboxRow


class Channel(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", pgettext_lazy("channel", "SMS")
    EMAIL = "email", _("E-mail")


# The order a message falls back along: the first channel a person accepts is
# tried first, the next one once if it fails.
CHANNEL_ORDER: tuple[str, ...] = (Channel.WHATSAPP, Channel.SMS, Channel.EMAIL)
PHONE_CHANNELS: frozenset[str] = frozenset({Channel.WHATSAPP, Channel.SMS})


class DeliveryStatus(models.TextChoices):
    """What the provider says became of a sent message (its webhooks)."""

    NONE = "", _("Not reported")
    SENT = "sent", pgettext_lazy("delivery", "Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", pgettext_lazy("delivery", "Failed")
    UNDELIVERED = "undelivered", _("Undelivered")


class Message(models.Model):
    """One message to one person, whatever the channel that carries it.

    ``key`` makes it idempotent: the same cause queues it once. ``chain`` is
    the channels it may take, in order; the first is tried, the next one
    once when that fails (``fallback_channel`` records it). ``rendered``
    holds what it says on each channel of the chain (rendered when queued,
    in the recipient's language), so a fallback needs no context.
    ``reply_ref`` names what a reply acts on (``webinars.registration:12``).
    ``cost_center`` is who pays its WhatsApp and SMS (``distributor:3``)."""

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=64)
    topic = models.CharField(_("topic"), max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("recipient"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    chain = models.JSONField(_("channels, in order"), default=list)
    rendered = models.JSONField(_("content by channel"), default=dict, blank=True)
    # When the event a message announces starts: a reminder that quiet hours
    # would hold past it is sent at once instead.
    deadline = models.DateTimeField(_("event starts at"), null=True, blank=True)
    reply_ref = models.CharField(_("replies act on"), max_length=100, blank=True)
    cost_center = models.CharField(_("cost centre"), max_length=64, blank=True)
    fallback_channel = models.CharField(_("fell back to"), max_length=16, blank=True)
    sensitive = models.BooleanField(_("holds a secret"), default=False)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="message_user_recent"),
            models.Index(fields=["reply_ref"], name="message_reply_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.user or '?'}"


class TextMessage(OutboxRow):
    """One WhatsApp or SMS message in the outbox (``academy.outbox``).

    ``text`` is what an SMS (or a WhatsApp session message) says;
    ``template`` and ``params`` the approved WhatsApp template a
    business-initiated message must use. ``provider_message_id`` is the
    provider's id, by which its webhooks name the message."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="texts", verbose_name=_("message")
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=[c for c in Channel.choices if c[0] != "email"]
    )
    provider = models.CharField(_("provider"), max_length=32, blank=True)
    to = models.CharField(pgettext_lazy("message", "to"), max_length=20)
    text = models.TextField(_("text"), blank=True)
    template = models.CharField(_("WhatsApp template"), max_length=100, blank=True)
    params = models.JSONField(_("template parameters"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    segments = models.PositiveSmallIntegerField(_("SMS parts"), default=1)
    # WhatsApp: sent free-form inside the 24-hour window the person opened by writing.
    session = models.BooleanField(_("free-form reply"), default=False)
    provider_message_id = models.CharField(_("provider's id"), max_length=100, blank=True)
    delivery_status = models.CharField(
        _("delivery"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.NONE, blank=True
    )
    delivery_status_at = models.DateTimeField(_("delivery reported at"), null=True, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=10, decimal_places=4, null=True, blank=True)
    # The day its cost was counted against the cost centre's cap (counted once).
    spend_day = models.DateField(_("counted on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["message", "channel"], name="text_message_once_per_channel"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="text_message_due"),
            models.Index(fields=["provider", "provider_message_id"], name="text_message_provider_id"),
            models.Index(fields=["to", "-created_at"], name="text_message_to_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.to}"


class DeliveryReceipt(models.Model):
    """One status a provider reported for one of its message ids. Unique per
    (provider, id, status): a replayed webhook adds nothing."""

    provider = models.CharField(_("provider"), max_length=32)
    provider_message_id = models.CharField(_("provider's id"), max_length=100)
    status = models.CharField(_("status"), max_length=16, choices=DeliveryStatus.choices)
    error = models.TextField(_("provider's message"), blank=True)
    cost = models.DecimalField(_("cost"), max_digits=10, decimal_places=4, null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery receipt")
        verbose_name_plural = _("delivery receipts")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id", "status"], name="delivery_receipt_once"
            ),
        ]
        indexes = [models.Index(fields=["provider", "provider_message_id"], name="delivery_receipt_message")]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_message_id}: {self.status}"


class ReplyOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    STOPPED = "stopped", _("Stopped this channel")
    RESUMED = "resumed", _("Resumed this channel")
    STORED = "stored", _("Kept for a person to read")
    UNKNOWN_SENDER = "unknown_sender", _("Unknown number")


class InboundMessage(models.Model):
    """What a person wrote back on WhatsApp or by SMS. Unique per (provider,
    provider's id): a replayed webhook is stored and acted on once."""

    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    provider = models.CharField(_("provider"), max_length=32)
    provider_message_id = models.CharField(_("provider's id"), max_length=100)
    from_number = models.CharField(_("from"), max_length=20)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    text = models.TextField(_("text"), blank=True)
    in_reply_to = models.ForeignKey(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("in reply to"),
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReplyOutcome.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_message_id"], name="inbound_message_once"),
        ]
        indexes = [
            models.Index(fields=["from_number", "-received_at"], name="inbound_from_recent"),
            models.Index(fields=["outcome", "-received_at"], name="inbound_outcome_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.from_number}: {self.text[:40]}"


class PhoneVerification(models.Model):
    """A one-time code sent to a number to prove it is the person's. Only a
    hash of the code is kept; it expires, and a few wrong tries void it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    phone = models.CharField(_("phone"), max_length=20)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    code_hash = models.CharField(_("code (hashed)"), max_length=128)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("tries"), default=0)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("phone verification")
        verbose_name_plural = _("phone verifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="phone_verification_recent")]

    def __str__(self) -> str:
        return f"{self.user} {self.phone}"


class MessageSpend(models.Model):
    """The paid messages of one cost centre on one day (UTC), by channel."""

    cost_center = models.CharField(_("cost centre"), max_length=64)
    day = models.DateField(_("day"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    count = models.PositiveIntegerField(_("messages"), default=0)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=4, default=0)

    class Meta:
        verbose_name = _("message spend")
        verbose_name_plural = _("message spend")
        ordering = ["-day", "cost_center", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["cost_center", "day", "channel"], name="message_spend_once"),
        ]

    def __str__(self) -> str:
        return f"{self.cost_center} {self.day} {self.channel}: {self.count}"


class ShortLink(models.Model):
    """A short address (``/s/<code>``) for a long link in an SMS."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    url = models.URLField(_("link"), max_length=1000, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("short link")
        verbose_name_plural = _("short links")

    def __str__(self) -> str:
        return f"{self.code} → {self.url}"
