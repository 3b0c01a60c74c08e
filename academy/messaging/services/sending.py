"""Queueing a message (:func:`message_send`) and falling back once."""

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from academy.messaging import rules
from academy.messaging.kinds import (
    cost_centers,
    message_kind_get,
)
from academy.messaging.models import (
    CHANNEL_ORDER,
    PHONE_CHANNELS,
    Channel,
    Message,
    TextMessage,
)
from academy.messaging.services.chain import message_chain, offered_channels
from academy.messaging.services.rendering import _render
from academy.models import OutgoingEmail, User
from academy.outbox import (
    outbox_wake,
)

logger = logging.getLogger(__name__)


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
