"""What people write back: intents, handlers, STOP/START, acknowledgements."""

import datetime
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.i18n import in_language_of
from academy.messaging import rules
from academy.messaging.kinds import (
    REPLY_ACK_KIND,
    reply_handler_for,
)
from academy.messaging.models import (
    InboundMessage,
    Message,
    ReplyOutcome,
    TextMessage,
)
from academy.messaging.services.sending import _cost_center
from academy.models import User
from academy.outbox import (
    outbox_wake,
)

logger = logging.getLogger(__name__)


# How long after a message a reply is taken as answering it.
REPLY_WINDOW = datetime.timedelta(days=7)


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
