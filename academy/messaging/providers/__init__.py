"""The providers that carry WhatsApp and SMS messages, and how one is written.

A provider is a small adapter over httpx written against the provider's
published HTTP API. It is configured by environment variables (read into
settings); a provider with no credentials is not configured, and a channel
with no configured provider is not offered to anyone.

The contract of :class:`Provider`:

* ``send(text)`` sends one ``TextMessage`` and returns :class:`Sent` (the
  provider's message id, and the price when the provider says it). It raises
  :class:`ProviderRejected` when the provider refused the message for good
  (a 4xx other than 429: bad number, template not approved…): the row fails
  at once with the provider's message and falls back to the next channel.
  Any other exception — :class:`ProviderUnavailable` for 429 and 5xx,
  network errors — is a failed attempt, retried with backoff.
* ``webhook(request)`` (in ``academy.messaging.webhooks``) checks the
  provider's signature, then hands statuses to ``receipt_record`` and
  replies to ``inbound_receive``.

Providers are listed in ``MESSAGING_PROVIDERS`` (name → dotted path); the
SMS channel uses the first configured gateway of ``SMS_GATEWAYS`` that
serves the number's country (``SMS_ROUTES``).
"""

import decimal
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, ClassVar

import phonenumbers
from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from academy.messaging.models import TextMessage


class ProviderRejected(Exception):
    """The provider refused this message for good (it would refuse it again)."""


class ProviderUnavailable(Exception):
    """The provider could not take the message now (429, 5xx): retried later."""


@dataclass(frozen=True)
class Sent:
    """What the provider answered: its id for the message, and the price when
    it says it, in ``currency`` (ISO 4217; empty: the platform's). A price in
    another currency than ``MESSAGING_CURRENCY`` is not added to the spend:
    the configured unit cost is, so the spend never mixes currencies."""

    provider_message_id: str
    cost: decimal.Decimal | None = None
    currency: str = ""


class Provider(ABC):
    """One provider. ``name`` is stored on the rows it sends (``twilio``);
    ``channel`` is the channel it carries (``sms`` or ``whatsapp``)."""

    name: ClassVar[str] = ""
    channel: ClassVar[str] = ""

    @abstractmethod
    def is_configured(self) -> bool:
        """Whether its credentials are set (else its channel is not offered)."""

    def serves(self, number: phonenumbers.PhoneNumber) -> bool:
        """Whether it can reach ``number`` (by default, every country)."""
        return True

    @abstractmethod
    def send(self, text: "TextMessage") -> Sent:
        """Send ``text``; raise ProviderRejected or ProviderUnavailable (module docstring)."""


@cache
def _providers() -> dict[str, Provider]:
    return {name: import_string(path)() for name, path in settings.MESSAGING_PROVIDERS.items()}


def provider_get(name: str) -> Provider | None:
    provider = _providers().get(name)
    return provider if provider is not None and provider.is_configured() else None


def providers_for(channel: str) -> list[Provider]:
    """The configured providers of ``channel``; for SMS in ``SMS_GATEWAYS`` order."""
    configured = [p for p in _providers().values() if p.channel == channel and p.is_configured()]
    order = {name: index for index, name in enumerate(settings.SMS_GATEWAYS)}
    return sorted(configured, key=lambda p: order.get(p.name, len(order)))


def channel_configured(channel: str) -> bool:
    return bool(providers_for(channel))


def provider_for(channel: str, number: str) -> Provider | None:
    """The provider that sends on ``channel`` to ``number`` (E.164): the
    first configured one that serves its country, or None."""
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return None
    for provider in providers_for(channel):
        if provider.serves(parsed):
            return provider
    return None


def _settings_changed(*, setting: str, **kwargs: object) -> None:
    if setting in ("MESSAGING_PROVIDERS",):
        _providers.cache_clear()


setting_changed.connect(_settings_changed)
