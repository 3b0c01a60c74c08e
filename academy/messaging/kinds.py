"""The registries the apps fill: kinds of message, what a reply does, who pays.

The kernel does not know what the apps send. Each app registers, from its
``ready()``:

* every **kind** of message it sends (:func:`message_kind_register`): its
  label on the preferences page, the channels it may take, whether a person
  may stop it;
* for kinds a person can answer, a **reply handler**
  (:func:`reply_handler_register`): what "1"/"OUI" and "2"/"NON" do to the
  thing the message is about (a registration);
* once, the **cost centres** (:func:`cost_centers_register`): who pays a
  person's WhatsApp and SMS messages and how many a day they allow.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from academy.messaging.models import Channel

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise  # the stubs' name for "a str or a lazy one"

    from academy.messaging.models import InboundMessage, Message
    from academy.models import User

ALL_CHANNELS: tuple[str, ...] = (Channel.WHATSAPP, Channel.SMS, Channel.EMAIL)

# The kernel's own kinds (registered in academy.apps).
ACCOUNT_KIND = "academy.account"  # password reset, erasure: e-mail, never stopped
REPLY_ACK_KIND = "academy.reply"  # the answer to a reply, on its channel
PHONE_CODE_KIND = "academy.phone_code"  # the one-time code that proves a number


@dataclass(frozen=True)
class MessageKind:
    """A kind of message.

    ``code`` is stored on messages and on the person's choices; ``label`` is
    its line on the preferences page; ``roles``, when given, limits that line
    to the people who receive it (the digest goes to managers).
    ``channels`` are those it may take (a digest is a table: e-mail only).
    ``stoppable``: a person may stop it (a reminder) or not (a registration
    confirmation, a password reset: e-mail is then always the last resort).
    ``phone_defaults``: the phone channels a person accepts until they choose.
    ``quiet``: held during the person's quiet hours (a one-time code is not).
    ``proves_number``: sent to a number not verified yet (the one-time code
    that verifies it); every other kind goes to verified numbers only."""

    code: str
    label: "_StrOrPromise"
    roles: tuple[str, ...] = ()
    order: int = 100
    channels: tuple[str, ...] = ALL_CHANNELS
    stoppable: bool = True
    phone_defaults: tuple[str, ...] = ()
    quiet: bool = True
    proves_number: bool = False
    # Shown on the preferences page (a kind a person neither stops nor chooses
    # channels for, such as a password reset, is not).
    listed: bool = True


_kinds: dict[str, MessageKind] = {}


def message_kind_register(kind: MessageKind) -> None:
    """Add (or replace) a kind; called from the app's ``ready()``."""
    _kinds[kind.code] = kind


def message_kind_get(code: str) -> MessageKind | None:
    return _kinds.get(code)


def message_kinds() -> list[MessageKind]:
    return sorted(_kinds.values(), key=lambda kind: (kind.order, kind.code))


def message_kinds_for(user: "User") -> list[MessageKind]:
    """The kinds listed on ``user``'s preferences page, in display order."""
    return [kind for kind in message_kinds() if kind.listed and (not kind.roles or user.role in kind.roles)]


# ---------------------------------------------------------------- replies


class ReplyIntent:
    YES = "yes"
    NO = "no"


class ReplyHandler(Protocol):
    def __call__(self, *, message: "Message", intent: str, reply: "InboundMessage") -> "_StrOrPromise | None":
        """Act on ``intent`` (``ReplyIntent``) for ``message.reply_ref``; return
        the acknowledgement to send back (in the person's language), or None
        when there is nothing to act on (the reply is then kept for a person)."""
        ...


_reply_handlers: dict[str, ReplyHandler] = {}


def reply_handler_register(ref_type: str, handler: ReplyHandler) -> None:
    """``handler`` acts on replies to messages whose ``reply_ref`` is
    ``<ref_type>:<id>`` (e.g. ``webinars.registration``)."""
    _reply_handlers[ref_type] = handler


def reply_handler_for(reply_ref: str) -> ReplyHandler | None:
    ref_type, _sep, _id = reply_ref.rpartition(":")
    return _reply_handlers.get(ref_type) if ref_type else None


# ---------------------------------------------------------------- cost centres


@dataclass(frozen=True)
class CostCenters:
    """Who pays. ``key_for(user)``: the person's cost centre key
    (``distributor:3``) or ``""``; ``daily_cap(key)``: how many paid messages
    it allows per day (None: no cap beyond ``MESSAGING_DAILY_CAP``);
    ``label(key)``: its name for the administrators."""

    key_for: Callable[["User"], str]
    daily_cap: Callable[[str], int | None]
    label: Callable[[str], str]


_cost_centers: list[CostCenters] = []


def cost_centers_register(centers: CostCenters) -> None:
    _cost_centers[:] = [centers]


def cost_centers() -> CostCenters | None:
    return _cost_centers[0] if _cost_centers else None
