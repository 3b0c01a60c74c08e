"""Which channels a message takes for a person: what the kind allows and the
platform has configured, what the person accepts and where they can be reached."""

import logging

from academy import email_preferences
from academy.messaging import rules
from academy.messaging.kinds import (
    MessageKind,
)
from academy.messaging.models import (
    PHONE_CHANNELS,
    Channel,
)
from academy.messaging.providers import (
    channel_configured,
)
from academy.models import User

logger = logging.getLogger(__name__)


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
