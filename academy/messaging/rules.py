"""The rules of the messaging layer, with no database: which channels a
message takes, quiet hours, how long an SMS is, what a reply means, which
delivery status wins. Pinned by boundary tests and mutation testing."""

import datetime
import unicodedata
import zoneinfo
from collections.abc import Collection

from academy.messaging.models import CHANNEL_ORDER, PHONE_CHANNELS, Channel, DeliveryStatus

# ---------------------------------------------------------------- channels


def channel_chain(
    *,
    allowed: Collection[str],
    accepted: Collection[str],
    reachable: Collection[str],
    stoppable: bool,
) -> list[str]:
    """The channels a message takes, in fallback order (WhatsApp, SMS, e-mail).

    ``allowed``: what its kind may take and the platform has configured;
    ``accepted``: what the person accepts for its kind; ``reachable``: where
    the person can be reached (a verified number not stopped, an address).
    A kind the person may not stop keeps e-mail as the last resort even
    when they did not accept it, so it always reaches them when it can."""
    chain = [
        channel
        for channel in CHANNEL_ORDER
        if channel in allowed and channel in accepted and channel in reachable
    ]
    if (
        not stoppable
        and Channel.EMAIL not in chain
        and Channel.EMAIL in allowed
        and Channel.EMAIL in reachable
    ):
        chain.append(Channel.EMAIL)
    return chain


def next_channel(chain: list[str], failed: str) -> str | None:
    """The channel after ``failed`` in ``chain`` (None at the end or off it)."""
    if failed not in chain:
        return None
    index = chain.index(failed) + 1
    return chain[index] if index < len(chain) else None


# ---------------------------------------------------------------- quiet hours


def quiet_until(
    *,
    now: datetime.datetime,
    tz: zoneinfo.ZoneInfo,
    start: datetime.time | None,
    end: datetime.time | None,
    deadline: datetime.datetime | None = None,
) -> datetime.datetime | None:
    """When a phone message due at ``now`` may leave, if quiet hours hold it
    (None: send now), in the person's zone. Quiet hours run from ``start`` (included) to ``end``
    (excluded) in the person's zone and may span midnight; equal or missing
    bounds mean none. A message whose event (``deadline``) starts before the
    quiet hours end is sent now: later it would be useless."""
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        quiet = start <= clock < end
        end_day = local.date()
    else:  # spans midnight, e.g. 21:00 → 07:00
        quiet = clock >= start or clock < end
        end_day = local.date() + datetime.timedelta(days=1) if clock >= start else local.date()
    if not quiet:
        return None
    until = datetime.datetime.combine(end_day, end, tzinfo=tz)
    if deadline is not None and deadline <= until:
        return None
    return until


# ---------------------------------------------------------------- SMS length

# GSM 03.38: the basic set (one septet each) and the extension table (two:
# an escape and the character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
# Characters per message: alone, and per part of a split message (the rest
# of each part carries the header that joins them).
SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}

# French letters outside GSM-7, and typographic marks, replaced by their
# nearest GSM-7 form so a French SMS stays at 160 characters a part, not 70.
_NEAREST = str.maketrans(
    {
        "â": "a",
        "ê": "e",
        "ë": "e",
        "î": "i",
        "ï": "i",
        "ô": "o",
        "û": "u",
        "ÿ": "y",
        "ç": "c",
        "À": "A",
        "Â": "A",
        "È": "E",
        "Ê": "E",
        "Ë": "E",
        "Î": "I",
        "Ï": "I",
        "Ô": "O",
        "Ù": "U",
        "Û": "U",
        "Ÿ": "Y",
        "œ": "oe",
        "Œ": "OE",
        "’": "'",
        "‘": "'",
        "«": '"',
        "»": '"',
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "…": "...",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


def sms_text(text: str) -> str:
    """``text`` for an SMS: whitespace runs made one space, French letters and
    typographic marks outside GSM-7 replaced by their nearest GSM-7 form;
    anything else (other scripts) is kept, and the message is then UCS-2."""
    flat = " ".join(text.split())  # no-break spaces are whitespace too
    # « mot » (French spacing inside the marks) becomes "mot".
    flat = flat.replace("« ", "«").replace(" »", "»")
    return unicodedata.normalize("NFC", flat).translate(_NEAREST)


def sms_encoding(text: str) -> str:
    return GSM7 if all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text) else UCS2


def sms_length(text: str) -> int:
    """Length in the units the encoding counts (GSM-7 extension characters
    take two septets; UCS-2 counts UTF-16 code units)."""
    if sms_encoding(text) == GSM7:
        return sum(2 if char in GSM7_EXTENDED else 1 for char in text)
    return len(text.encode("utf-16-le")) // 2


def sms_segments(text: str) -> int:
    """How many SMS ``text`` is sent as (what the gateway bills)."""
    encoding = sms_encoding(text)
    length = sms_length(text)
    if length <= SINGLE[encoding]:
        return 1
    return -(-length // PART[encoding])


# ---------------------------------------------------------------- replies

YES = "yes"
NO = "no"
STOP = "stop"
START = "start"

_WORDS = {
    "1": YES,
    "OUI": YES,
    "YES": YES,
    "O": YES,
    "2": NO,
    "NON": NO,
    "NO": NO,
    "N": NO,
    "STOP": STOP,
    "ARRET": STOP,
    "STOPSMS": STOP,
    "UNSUBSCRIBE": STOP,
    "DESABONNER": STOP,
    "START": START,
    "REPRENDRE": START,
}


def reply_intent(text: str) -> str | None:
    """What a reply means: ``yes`` ("1", "oui", "Oui !"), ``no`` ("2",
    "non"), ``stop`` ("STOP", "arrêt"), ``start`` (resume) — or None for
    anything else, which a person reads. Case, accents, spaces and
    punctuation around the word do not matter; a sentence is not a word."""
    folded = unicodedata.normalize("NFKD", text.strip().upper())
    letters = "".join(char for char in folded if char.isalnum())
    return _WORDS.get(letters)


# ---------------------------------------------------------------- delivery

_RANK: dict[str, int] = {
    DeliveryStatus.NONE: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
}
FAILURES = frozenset({DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED})


def status_advances(current: str, reported: str) -> bool:
    """Whether a reported status replaces the row's. Statuses only move
    forward (sent → delivered → read) whatever order the webhooks arrive
    in; a failure replaces sent but not delivered or read (a late failure
    report of a message that was read changes nothing), and nothing
    replaces a failure."""
    if current in FAILURES:
        return False
    if reported in FAILURES:
        return _RANK[current] <= _RANK[DeliveryStatus.SENT]
    return _RANK[reported] > _RANK[current]


def is_phone_channel(channel: str) -> bool:
    return channel in PHONE_CHANNELS
