"""The WhatsApp and SMS replies nothing acted on ("Replies from the field"),
scoped to the people a manager may see."""

from django.db.models import OuterRef, QuerySet, Subquery

from academy import roles
from academy.messaging import selectors as messaging_selectors
from academy.messaging.models import InboundMessage
from academy.models import User
from distributors import scoping
from distributors.models import Membership


def text_reply_list(*, user: User) -> QuerySet[InboundMessage]:
    """Replies kept for a person to read, newest first, from people ``user``
    may see, each with ``distributor_name`` (the sender's distributor now).

    Managers: replies of the current members of their territories'
    distributors. Admins: every kept reply, and those from numbers no one
    has (``unknown_sender``). Anyone else: none (the company reads them)."""
    current = Membership.objects.filter(user=OuterRef("user"), left_on__isnull=True).order_by("-joined_on")
    replies = (
        messaging_selectors.replies_kept(unknown_senders=roles.ADMIN in roles.user_roles(user))
        .alias(sender_distributor=Subquery(current.values("distributor")[:1]))
        .annotate(distributor_name=Subquery(current.values("distributor__name")[:1]))
    )
    return scoping.visible(replies, user, distributor_path="sender_distributor", staff=scoping.Staff.NOBODY)
