"""The WhatsApp and SMS outbox: quiet hours, the daily cap, the provider,
and the delivery statuses providers report."""

import datetime
import decimal
import logging
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.messaging import rules
from academy.messaging.kinds import (
    REPLY_ACK_KIND,
    cost_centers,
    message_kind_get,
)
from academy.messaging.models import (
    Channel,
    DeliveryReceipt,
    InboundMessage,
    MessageSpend,
    TextMessage,
)
from academy.messaging.providers import (
    ProviderRejected,
    provider_for,
)
from academy.messaging.services.chain import phone_usable
from academy.messaging.services.sending import message_fall_back
from academy.outbox import (
    DrainReport,
    Outbox,
    OutboxCancel,
    OutboxDefer,
    OutboxReject,
    OutboxStatus,
    outbox_drain,
)

logger = logging.getLogger(__name__)


# WhatsApp: inside this window after the person last wrote, a free-form
# ("session") message may be sent instead of an approved template.
WHATSAPP_SESSION_WINDOW = datetime.timedelta(hours=24)


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
