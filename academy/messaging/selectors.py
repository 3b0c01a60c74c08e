"""Reads of the messaging layer: the replies people wrote back.

The kernel does not know who may read which reply: the apps scope them (a
trainer reads the replies about their session's registrations, a manager
those of their territory's people) and read them through these selectors,
which own the joins so a page runs a fixed number of queries."""

from collections.abc import Sequence

from django.db.models import QuerySet

from academy.messaging.models import InboundMessage, ReplyOutcome


def reply_list() -> QuerySet[InboundMessage]:
    """Every reply, newest first, with its person and the message it answers."""
    return InboundMessage.objects.select_related("user", "in_reply_to").order_by("-received_at", "-id")


def replies_for_refs(refs: Sequence[str]) -> QuerySet[InboundMessage]:
    """The replies to messages whose ``reply_ref`` is one of ``refs``
    (``webinars.registration:12``), newest first."""
    if not refs:
        return InboundMessage.objects.none()
    return reply_list().filter(in_reply_to__reply_ref__in=list(refs))


def replies_unread_count(refs: Sequence[str]) -> int:
    """How many of the replies to ``refs`` nobody has marked as read."""
    if not refs:
        return 0
    return InboundMessage.objects.filter(in_reply_to__reply_ref__in=list(refs), read_at__isnull=True).count()


def replies_kept(*, unknown_senders: bool = False) -> QuerySet[InboundMessage]:
    """The replies kept for a person to read (nothing acted on them), newest
    first; with ``unknown_senders``, also those from numbers nobody has."""
    outcomes = [ReplyOutcome.STORED]
    if unknown_senders:
        outcomes.append(ReplyOutcome.UNKNOWN_SENDER)
    return reply_list().filter(outcome__in=outcomes)
