"""Who pays a person's WhatsApp and SMS messages: their current distributor.

Registered with the messaging layer (``academy.messaging.kinds.
cost_centers_register``) from the app's ``ready()``. A distributor's cost
centre key is ``distributor:<pk>``; company staff (no current membership)
have none (``""``) and count against the platform's limit only. A
distributor's daily cap is its ``message_daily_cap``, or the platform's
``MESSAGING_DAILY_CAP`` when empty; past it, its people get e-mail."""

from academy.messaging.kinds import CostCenters
from academy.models import User
from distributors import selectors
from distributors.models import Distributor

PREFIX = "distributor:"


def key_for(user: User) -> str:
    """The cost centre of ``user``: their current distributor's key, or ``""``."""
    distributor = selectors.membership_distributor(user)
    return f"{PREFIX}{distributor.pk}" if distributor is not None else ""


def _distributor_id(key: str) -> int | None:
    if not key.startswith(PREFIX):
        return None
    rest = key.removeprefix(PREFIX)
    return int(rest) if rest.isdigit() else None


def daily_cap(key: str) -> int | None:
    """The distributor's own cap, or None (the platform's applies)."""
    pk = _distributor_id(key)
    if pk is None:
        return None
    return Distributor.objects.filter(pk=pk).values_list("message_daily_cap", flat=True).first()


def label(key: str) -> str:
    """The distributor's name (the key itself when it names none)."""
    pk = _distributor_id(key)
    name = Distributor.objects.filter(pk=pk).values_list("name", flat=True).first() if pk else None
    return name or key


COST_CENTERS = CostCenters(key_for=key_for, daily_cap=daily_cap, label=label)
