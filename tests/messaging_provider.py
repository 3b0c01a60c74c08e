"""A recording provider that makes the WhatsApp and SMS channels "configured"
in tests of the apps' messages (the faithful fakes of real providers live in
tests/fakes/). Use it with :func:`phone_channels`::

    with phone_channels() as sent:
        ...
"""

import contextlib
import itertools
from collections.abc import Iterator
from typing import ClassVar

import phonenumbers
from django.test import override_settings

from academy.messaging.models import TextMessage
from academy.messaging.providers import Provider, Sent

_ids = itertools.count(1)


class RecordingProvider(Provider):
    """Accepts every message and remembers it (class-wide, cleared per use)."""

    sent: ClassVar[list[TextMessage]] = []
    # Country calling codes it serves (empty: every country).
    countries: ClassVar[tuple[int, ...]] = ()

    def is_configured(self) -> bool:
        return True

    def serves(self, number: phonenumbers.PhoneNumber) -> bool:
        return not self.countries or number.country_code in self.countries

    def send(self, text: TextMessage) -> Sent:
        self.sent.append(text)
        return Sent(provider_message_id=f"{self.name}-{next(_ids)}")


class RecordingWhatsApp(RecordingProvider):
    name = "recording-whatsapp"
    channel = "whatsapp"


class RecordingSms(RecordingProvider):
    name = "recording-sms"
    channel = "sms"


PROVIDERS = {
    RecordingWhatsApp.name: "tests.messaging_provider.RecordingWhatsApp",
    RecordingSms.name: "tests.messaging_provider.RecordingSms",
}
SMS_ONLY = {RecordingSms.name: PROVIDERS[RecordingSms.name]}


@contextlib.contextmanager
def phone_channels() -> Iterator[list[TextMessage]]:
    """WhatsApp and SMS configured, with what they send recorded."""
    RecordingProvider.sent.clear()
    RecordingProvider.countries = ()
    with override_settings(MESSAGING_PROVIDERS=PROVIDERS, SMS_GATEWAYS=[RecordingSms.name]):
        yield RecordingProvider.sent
