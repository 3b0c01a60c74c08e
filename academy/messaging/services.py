"""Sending a message on the right channel, falling back, and what comes back.

:func:`message_send` is how every app tells a person something. In the
caller's transaction it:

1. picks the channels (``rules.channel_chain``): those the kind may take and
   the platform has configured, that the person accepts for this kind and
   can be reached on (a verified number not stopped; an address);
2. renders the message once per channel of that chain, in the person's
   language and time zone — e-mail: ``<template>_subject.txt``,
   ``_body.txt`` and optionally ``_body.html``; SMS and WhatsApp session
   text: ``<template>_short.txt``; WhatsApp template parameters, one per
   line: ``<template>_whatsapp.txt`` — a channel whose template is missing
   is left out of the chain;
3. writes the ``Message`` and one outbox row for the first channel
   (``OutgoingEmail`` or ``TextMessage``), and wakes the dispatcher once the
   transaction commits.

The text outbox sends WhatsApp and SMS rows: held during the person's quiet
hours (unless the event is sooner), counted against the cost centre's daily
cap (over it, the message falls back to e-mail), sent by the provider with
the row's idempotency key where the API takes one. A row the provider
refuses (4xx), one that runs out of attempts, or one a webhook reports
failed or undelivered falls back **once** to the next channel of its chain.
"""

import base64
import datetime
import decimal
import logging
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from academy import email_preferences
from academy.i18n import in_language_of
from academy.messaging import rules
from academy.messaging.kinds import (  # noqa: F401  (the kernel's own kinds, for its callers)
    ACCOUNT_KIND,
    PHONE_CODE_KIND,
    REPLY_ACK_KIND,
    MessageKind,
    cost_centers,
    message_kind_get,
    reply_handler_for,
)
from academy.messaging.models import (
    CHANNEL_ORDER,
    PHONE_CHANNELS,
    Channel,
    DeliveryReceipt,
    InboundMessage,
    Message,
    MessageSpend,
    ReplyOutcome,
    ShortLink,
    TextMessage,
)
from academy.messaging.providers import (
    ProviderRejected,
    channel_configured,
    provider_for,
)
from academy.models import OutgoingEmail, User
from academy.outbox import (
    DrainReport,
    Outbox,
    OutboxCancel,
    OutboxDefer,
    OutboxReject,
    OutboxStatus,
    outbox_drain,
    outbox_wake,
)

logger = logging.getLogger(__name__)

# How long after a message a reply is taken as answering it.
REPLY_WINDOW = datetime.timedelta(days=7)
# WhatsApp: inside this window after the person last wrote, a free-form
# ("session") message may be sent instead of an approved template.
WHATSAPP_SESSION_WINDOW = datetime.timedelta(hours=24)


# ---------------------------------------------------------------- channels


def accepted_channels(user: User, kind: MessageKind) -> set[str]:
    """The channels ``user`` accepts for ``kind``: the phone channels they
    chose for it (its ``phone_defaults`` until they choose), and e-mail
    unless they stopped this kind by e-mail."""
    chosen = (user.message_channels or {}).get(kind.code)
    phone = set(chosen if isinstance(chosen, list) else kind.phone_defaults) & PHONE_CHANNELS
    if email_preferences.email_wanted(user=user, kind=kind.code):
        phone.add(Channel.EMAIL)
    return phone


def phone_usable(user: User) -> bool:
    return bool(user.phone) and user.phone_verified_at is not None


def reachable_channels(user: User) -> set[str]:
    """Where ``user`` can be reached: e-mail with an address, WhatsApp and
    SMS with a verified number they have not stopped on that channel."""
    if not user.is_active or user.erased_at is not None:
        return set()
    reachable: set[str] = set()
    if user.email:
        reachable.add(Channel.EMAIL)
    if phone_usable(user):
        reachable.update(PHONE_CHANNELS - set(user.phone_opt_outs or []))
    return reachable


def offered_channels(kind: MessageKind) -> set[str]:
    """The channels of ``kind`` the platform can send on (a provider configured)."""
    return {c for c in kind.channels if c == Channel.EMAIL or channel_configured(c)}


def message_chain(user: User, kind: MessageKind) -> list[str]:
    return rules.channel_chain(
        allowed=offered_channels(kind),
        accepted=accepted_channels(user, kind),
        reachable=reachable_channels(user) if user.pk else ({Channel.EMAIL} if user.email else set()),
        stoppable=kind.stoppable,
    )


# ---------------------------------------------------------------- rendering


def short_link(url: str) -> str:
    """A short absolute address for ``url`` (``SITE_URL/s/<code>``), made once per link."""
    existing = ShortLink.objects.filter(url=url).values_list("code", flat=True).first()
    if existing is None:
        for _attempt in range(5):
            code = secrets.token_urlsafe(6)[:8]
            try:
                with transaction.atomic():
                    ShortLink.objects.create(code=code, url=url)
            except IntegrityError:  # the same code, or the same link made meanwhile
                existing = ShortLink.objects.filter(url=url).values_list("code", flat=True).first()
                if existing is not None:
                    break
                continue
            existing = code
            break
    return settings.SITE_URL + reverse("academy:short_link", args=[existing])


def _render_optional(name: str, context: dict[str, Any]) -> str | None:
    try:
        return render_to_string(name, context)
    except TemplateDoesNotExist:
        return None


def whatsapp_template_name(template: str) -> str:
    """The approved template's name for ``template``: its app and last part
    (``webinars/emails/reminder`` → ``webinars_reminder``)."""
    parts = template.strip("/").split("/")
    return f"{parts[0]}_{parts[-1]}".lower()


def _render(
    *,
    user: User,
    kind: MessageKind,
    chain: list[str],
    template: str,
    context: dict[str, Any],
    reply_to: str,
    calendar: tuple[str, bytes] | None,
    attachments: Sequence[tuple[str, bytes | str, str]],
) -> dict[str, Any]:
    from academy.services import email_render

    rendered: dict[str, Any] = {}
    with in_language_of(user):
        ctx = {"user": user, "site_url": settings.SITE_URL, **context}
        if Channel.EMAIL in chain:
            email = email_render(
                user=user, template=template, context=context, kind=kind.code, reply_to=reply_to
            )
            rendered[Channel.EMAIL] = {
                "subject": email.subject,
                "body": email.body,
                "html": email.html,
                "headers": email.headers,
                "calendar": _calendar_json(calendar),
                "attachments": [_attachment_json(a) for a in attachments],
            }
        short = _render_optional(f"{template}_short.txt", ctx) if PHONE_CHANNELS & set(chain) else None
        if short is not None:
            text = rules.sms_text(short)
            if Channel.SMS in chain:
                rendered[Channel.SMS] = {"text": text, "segments": rules.sms_segments(text)}
            params = _render_optional(f"{template}_whatsapp.txt", ctx) if Channel.WHATSAPP in chain else None
            if params is not None:
                rendered[Channel.WHATSAPP] = {
                    "text": " ".join(short.split()),
                    "template": whatsapp_template_name(template),
                    "params": [line.strip() for line in params.splitlines() if line.strip()],
                    "language": settings.WHATSAPP_LANGUAGES.get(user.language, user.language),
                    "calendar": _calendar_json(calendar),
                }
    return rendered


def _calendar_json(calendar: tuple[str, bytes] | None) -> dict[str, str] | None:
    if calendar is None:
        return None
    method, ics = calendar
    return {"method": method, "ics": ics.decode() if isinstance(ics, bytes) else ics}


def _attachment_json(attachment: tuple[str, bytes | str, str]) -> dict[str, str]:
    name, content, mimetype = attachment
    data = content.encode() if isinstance(content, str) else content
    return {"name": name, "mimetype": mimetype, "content": base64.b64encode(data).decode()}


# ---------------------------------------------------------------- sending


def message_send(
    *,
    key: str,
    kind: str,
    user: User,
    template: str,
    context: dict[str, Any] | None = None,
    topic: str = "",
    reply_to: str = "",
    reply_ref: str = "",
    deadline: datetime.datetime | None = None,
    calendar: tuple[str, bytes] | None = None,
    attachments: Sequence[tuple[str, bytes | str, str]] = (),
    sensitive: bool = False,
    channels: Sequence[str] | None = None,
    to_phone: str = "",
) -> Message | None:
    """Queue one message to ``user`` in the current transaction; it leaves
    once the transaction commits. Returns None when nothing is queued: the
    same ``key`` was queued before (idempotent), or the person accepts no
    channel the kind may take (they stopped it).

    ``user`` may be an unsaved stand-in carrying an address, name and
    language (an invitation): it is then reached by e-mail only.
    ``reply_ref`` (``<type>:<id>``) names what replies act on
    (``reply_handler_register``); ``deadline`` is when the event announced
    starts (quiet hours never hold a reminder past it); ``calendar`` is an
    invitation ``(iTIP method, ics)`` sent the way mail programs act on it;
    ``sensitive`` marks a text that carries a secret (a code, a link that
    signs in): emptied once sent. ``channels`` narrows the kind's channels
    for this one message. ``to_phone`` (E.164), for a kind that proves a
    number only (``proves_number``), is the number being proved: the
    message goes there on its phone channels the platform can send on,
    whatever the person's choices and current number."""
    message_kind = message_kind_get(kind)
    if message_kind is None:
        raise ValueError(f"Unknown kind of message: {kind!r}")
    if to_phone and not message_kind.proves_number:
        raise ValueError(f"Kind {kind!r} goes to verified numbers only")
    key = key[:200]
    if Message.objects.filter(key=key).exists():
        return None
    if to_phone:
        offered = offered_channels(message_kind)
        chain = [channel for channel in CHANNEL_ORDER if channel in PHONE_CHANNELS and channel in offered]
    else:
        chain = message_chain(user, message_kind)
    if channels is not None:
        chain = [channel for channel in chain if channel in channels]
    if not chain:
        return None
    rendered = _render(
        user=user,
        kind=message_kind,
        chain=chain,
        template=template,
        context=context or {},
        reply_to=reply_to,
        calendar=calendar,
        attachments=attachments,
    )
    chain = [channel for channel in chain if channel in rendered]
    if not chain:
        logger.warning("message %s (%s): no template for any of its channels", key, template)
        return None
    with transaction.atomic():
        message, created = Message.objects.get_or_create(
            key=key,
            defaults={
                "kind": kind,
                "topic": topic or kind,
                "user": user if user.pk else None,
                "chain": chain,
                "rendered": rendered,
                "deadline": deadline,
                "reply_ref": reply_ref,
                "cost_center": _cost_center(user) if user.pk else "",
                "sensitive": sensitive,
            },
        )
        if not created:
            return None
        _row_create(message, chain[0], to_email=user.email, to_phone=to_phone or str(user.phone or ""))
    outbox_wake()
    return message


def _cost_center(user: User) -> str:
    centers = cost_centers()
    return centers.key_for(user) if centers is not None else ""


def _row_create(message: Message, channel: str, *, to_email: str = "", to_phone: str = "") -> None:
    """The outbox row that carries ``message`` on ``channel``."""
    content = message.rendered[channel]
    if channel == Channel.EMAIL:
        OutgoingEmail.objects.get_or_create(
            key=message.key,
            defaults={
                "message": message,
                "topic": message.topic,
                "user": message.user,
                "to": to_email or (message.user.email if message.user else ""),
                "subject": content["subject"][:300],
                "body": content["body"],
                "html": content["html"],
                "headers": content["headers"],
                "calendar": content.get("calendar"),
                "attachments": content.get("attachments") or [],
                "sensitive": message.sensitive,
            },
        )
        return
    TextMessage.objects.get_or_create(
        message=message,
        channel=channel,
        defaults={
            "to": to_phone or (str(message.user.phone) if message.user else ""),
            "text": content["text"],
            "template": content.get("template", ""),
            "params": content.get("params", []),
            "language": content.get("language", ""),
            "segments": content.get("segments", 1),
        },
    )


def message_fall_back(
    *, message: Message, failed: str, reason: str = "", free_only: bool = False
) -> str | None:
    """Send ``message`` on the channel after ``failed`` in its chain, once:
    a second failure (or a second report of the same one) sends nothing
    more. ``free_only`` skips the paid channels (the daily cap is reached:
    straight to e-mail). Returns the channel it fell back to, or None."""
    chain = list(message.chain)
    if free_only:
        chain = [channel for channel in chain if channel == failed or channel not in PHONE_CHANNELS]
    following = rules.next_channel(chain, failed)
    if following is None:
        return None
    with transaction.atomic():
        won = Message.objects.filter(pk=message.pk, fallback_channel="").update(fallback_channel=following)
        if not won:
            return None
        message.fallback_channel = following
        user = message.user
        _row_create(
            message,
            following,
            to_email=user.email if user else "",
            to_phone=str(user.phone or "") if user else "",
        )
    logger.info("message %s fell back from %s to %s: %s", message.key, failed, following, reason)
    outbox_wake()
    return following


# ---------------------------------------------------------------- the text outbox


def whatsapp_session_open(number: str, now: datetime.datetime) -> bool:
    """Whether ``number`` wrote to us on WhatsApp in the last 24 hours (a
    free-form message may then be sent instead of a template)."""
    return InboundMessage.objects.filter(
        channel=Channel.WHATSAPP, from_number=number, received_at__gt=now - WHATSAPP_SESSION_WINDOW
    ).exists()


def _daily_cap(cost_center: str) -> int | None:
    centers = cost_centers()
    own = centers.daily_cap(cost_center) if centers is not None and cost_center else None
    return own if own is not None else settings.MESSAGING_DAILY_CAP


def _spend_reserve(text: TextMessage, now: datetime.datetime) -> bool:
    """Count ``text`` against its cost centre's cap for today (once per row);
    False when the cap is reached."""
    if text.spend_day is not None:
        return True
    center = text.message.cost_center
    day = now.astimezone(datetime.UTC).date()
    cap = _daily_cap(center)
    with transaction.atomic():
        MessageSpend.objects.get_or_create(cost_center=center, day=day, channel=text.channel)
        # Every channel of the centre counts towards one cap: its rows of the
        # day are locked in one order (PostgreSQL; SQLite's transactions take
        # the write lock when they begin), so two dispatchers never both see
        # the last place free.
        rows = list(
            MessageSpend.objects.select_for_update().filter(cost_center=center, day=day).order_by("pk")
        )
        if cap is not None and sum(row.count for row in rows) >= cap:
            return False
        MessageSpend.objects.filter(cost_center=center, day=day, channel=text.channel).update(
            count=F("count") + 1
        )
        TextMessage.objects.filter(pk=text.pk).update(spend_day=day)
    text.spend_day = day
    return True


def _unit_cost(text: TextMessage) -> decimal.Decimal:
    if text.channel == Channel.SMS:
        return decimal.Decimal(settings.MESSAGING_SMS_COST) * text.segments
    return decimal.Decimal(settings.MESSAGING_WHATSAPP_COST)


def _cost_record(text: TextMessage, cost: decimal.Decimal) -> None:
    if text.spend_day is None:
        return
    TextMessage.objects.filter(pk=text.pk).update(cost=cost)
    MessageSpend.objects.filter(
        cost_center=text.message.cost_center, day=text.spend_day, channel=text.channel
    ).update(cost=F("cost") + cost)


def _text_deliver(text: TextMessage, now: datetime.datetime) -> None:
    message = text.message
    user = message.user
    kind = message_kind_get(message.kind)
    if user is not None and (not user.is_active or user.erased_at is not None):
        raise OutboxCancel
    proving = kind is not None and kind.proves_number  # a one-time code goes to the number being proved
    # The answer to "STOP" still goes out on the channel just stopped.
    stopped = (
        user is not None and text.channel in (user.phone_opt_outs or []) and message.kind != REPLY_ACK_KIND
    )
    if (
        user is not None
        and not proving
        and (str(user.phone or "") != text.to or not phone_usable(user) or stopped)
    ):
        raise OutboxReject(_("The number is no longer verified or this channel was stopped."))
    if user is not None and (kind is None or kind.quiet):
        until = rules.quiet_until(
            now=now,
            tz=user.tzinfo,
            start=user.quiet_hours_start,
            end=user.quiet_hours_end,
            deadline=message.deadline,
        )
        if until is not None:
            raise OutboxDefer(until)
    provider = provider_for(text.channel, text.to)
    if provider is None:
        raise OutboxReject(_("No provider serves this number on this channel."))
    if not _spend_reserve(text, now):
        # Another paid channel would be over the cap too: straight to e-mail.
        message_fall_back(message=message, failed=text.channel, reason="daily cap", free_only=True)
        raise OutboxReject(_("The daily limit of paid messages is reached."))
    session = text.channel == Channel.WHATSAPP and whatsapp_session_open(text.to, now)
    text.provider = provider.name
    text.session = session
    try:
        sent = provider.send(text)
    except ProviderRejected as error:
        raise OutboxReject(str(error)) from error
    changes: dict[str, Any] = {
        "provider": provider.name,
        "provider_message_id": sent.provider_message_id,
        "session": session,
    }
    if message.sensitive:
        changes.update(text="", params=[])
    TextMessage.objects.filter(pk=text.pk).update(**changes)
    text.provider_message_id = sent.provider_message_id
    same_currency = not sent.currency or sent.currency.upper() == settings.MESSAGING_CURRENCY
    _cost_record(text, sent.cost if sent.cost is not None and same_currency else _unit_cost(text))
    # Statuses the provider reported before we knew its id.
    for receipt in DeliveryReceipt.objects.filter(
        provider=provider.name, provider_message_id=sent.provider_message_id, applied_at__isnull=True
    ):
        _receipt_apply(receipt)


def _text_after_failed(text: TextMessage) -> None:
    message_fall_back(message=text.message, failed=text.channel, reason=text.last_error)


TEXT_OUTBOX: Outbox[TextMessage] = Outbox(
    name="academy.texts",
    rows=lambda: TextMessage.objects.select_related("message__user"),
    deliver=_text_deliver,
    after_failed=_text_after_failed,
)


def texts_dispatch(*, now: datetime.datetime | None = None, time_budget: float | None = None) -> DrainReport:
    return outbox_drain(TEXT_OUTBOX, now=now, time_budget=time_budget)


# ---------------------------------------------------------------- receipts


def receipt_record(
    *,
    provider: str,
    provider_message_id: str,
    status: str,
    reported_at: datetime.datetime | None = None,
    error: str = "",
    cost: decimal.Decimal | None = None,
) -> bool:
    """Record a delivery status a provider reported, and apply it to its row
    when the row is known (else when the send records the provider's id).
    A repeated report changes nothing; returns whether it was new."""
    try:
        with transaction.atomic():
            receipt = DeliveryReceipt.objects.create(
                provider=provider,
                provider_message_id=provider_message_id[:100],
                status=status,
                error=error[:2000],
                cost=cost,
                reported_at=reported_at or timezone.now(),
            )
    except IntegrityError:
        return False
    _receipt_apply(receipt)
    return True


def _receipt_apply(receipt: DeliveryReceipt) -> None:
    with transaction.atomic():
        text = (
            TextMessage.objects.select_for_update()
            .filter(provider=receipt.provider, provider_message_id=receipt.provider_message_id)
            .first()
        )
        if text is None:
            return
        DeliveryReceipt.objects.filter(pk=receipt.pk).update(applied_at=timezone.now())
        if not rules.status_advances(text.delivery_status, receipt.status):
            return
        changes: dict[str, Any] = {
            "delivery_status": receipt.status,
            "delivery_status_at": receipt.reported_at,
        }
        failed = receipt.status in rules.FAILURES
        if failed:
            changes.update(status=OutboxStatus.FAILED, last_error=receipt.error[:2000])
        TextMessage.objects.filter(pk=text.pk).update(**changes)
    if receipt.cost is not None and text.spend_day is not None:
        _cost_record(text, receipt.cost - (text.cost or 0))
    if failed:
        message_fall_back(message=text.message, failed=text.channel, reason=receipt.error)


# ---------------------------------------------------------------- replies


def user_by_number(number: str) -> User | None:
    """The person whose verified number is ``number`` (E.164), if exactly one."""
    people = list(User.objects.filter(phone=number, phone_verified_at__isnull=False, is_active=True)[:2])
    return people[0] if len(people) == 1 else None


def inbound_receive(
    *,
    channel: str,
    provider: str,
    provider_message_id: str,
    from_number: str,
    text: str,
    received_at: datetime.datetime | None = None,
) -> InboundMessage | None:
    """Act on what a person wrote back, once per provider's message id (a
    replayed webhook returns None and does nothing).

    "1"/"OUI" and "2"/"NON" go to the reply handler of the message it
    answers (the last one sent to that number within a week that names
    something to act on); "STOP" stops the channel for that person, "START"
    resumes it; anything else — and a reply from an unknown number — is
    kept for a person to read. The reply is recorded as an engagement
    event, and the person gets an acknowledgement on the same channel."""
    from academy.services import activity_record

    now = received_at or timezone.now()
    user = user_by_number(from_number)
    intent = rules.reply_intent(text)
    answered = None
    if user is not None:
        answered = (
            Message.objects.filter(user=user, texts__to=from_number, created_at__gte=now - REPLY_WINDOW)
            .exclude(reply_ref="")
            .order_by("-created_at", "-id")
            .first()
        )
    try:
        with transaction.atomic():
            reply = InboundMessage.objects.create(
                channel=channel,
                provider=provider,
                provider_message_id=provider_message_id[:100],
                from_number=from_number[:20],
                user=user,
                text=text[:4000],
                in_reply_to=answered,
                outcome=ReplyOutcome.UNKNOWN_SENDER if user is None else ReplyOutcome.STORED,
                received_at=now,
            )
            acknowledgement = None
            if user is not None:
                acknowledgement = _act_on_reply(reply, user=user, intent=intent, answered=answered)
                activity_record(
                    actor=user,
                    verb="message_replied",
                    object_type="academy.inboundmessage",
                    object_id=reply.pk,
                    object_name=reply.get_outcome_display(),
                    context={"channel": channel, "outcome": reply.outcome},
                    occurred_at=now,
                )
            if acknowledgement is not None and user is not None:
                _acknowledge(reply, user=user, text=str(acknowledgement))
    except IntegrityError:
        return None
    return reply


def _act_on_reply(reply: InboundMessage, *, user: User, intent: str | None, answered: Message | None) -> Any:
    with in_language_of(user):
        if intent == rules.STOP:
            stopped = sorted({*(user.phone_opt_outs or []), reply.channel})
            User.objects.filter(pk=user.pk).update(phone_opt_outs=stopped)
            user.phone_opt_outs = stopped
            reply.outcome = ReplyOutcome.STOPPED
            reply.save(update_fields=["outcome"])
            return _("You will get no more messages here. Reply START to get them again.")
        if intent == rules.START:
            resumed = sorted(set(user.phone_opt_outs or []) - {reply.channel})
            User.objects.filter(pk=user.pk).update(phone_opt_outs=resumed)
            user.phone_opt_outs = resumed
            reply.outcome = ReplyOutcome.RESUMED
            reply.save(update_fields=["outcome"])
            return _("Messages here are back on.")
        if intent in (rules.YES, rules.NO) and answered is not None:
            handler = reply_handler_for(answered.reply_ref)
            if handler is not None:
                acknowledgement = handler(message=answered, intent=intent, reply=reply)
                if acknowledgement is not None:
                    reply.outcome = ReplyOutcome.CONFIRMED if intent == rules.YES else ReplyOutcome.DECLINED
                    reply.save(update_fields=["outcome"])
                    return acknowledgement
    return None


def _acknowledge(reply: InboundMessage, *, user: User, text: str) -> None:
    """A short answer on the channel the person wrote on (no template: they
    just wrote, so WhatsApp's session window is open)."""
    channel = reply.channel
    body = rules.sms_text(text)
    message = Message.objects.create(
        key=f"academy.reply-ack.{reply.pk}",
        kind=REPLY_ACK_KIND,
        topic=REPLY_ACK_KIND,
        user=user,
        chain=[channel],
        rendered={channel: {"text": body, "segments": rules.sms_segments(body)}},
        cost_center=_cost_center(user),
    )
    TextMessage.objects.create(
        message=message, channel=channel, to=reply.from_number, text=body, segments=rules.sms_segments(body)
    )
    outbox_wake()


def replies_mark_read(*, replies: "QuerySet[InboundMessage]", now: datetime.datetime | None = None) -> int:
    """Mark ``replies`` (already scoped to what the reader may see) as read;
    those read before keep their time. Returns how many were marked."""
    return replies.filter(read_at__isnull=True).update(read_at=now or timezone.now())
