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

from django.test import override_settings

from academy.messaging.providers import Provider, Sent

_ids = itertools.count(1)


class RecordingProvider(Provider):
    """Accepts every message and remembers it (class-wide, cleared per use)."""

    sent: ClassVar[list[object]] = []

    def is_configured(self) -> bool:
        return True

    def send(self, text: object) -> Sent:
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


@contextlib.contextmanager
def phone_channels() -> Iterator[list[object]]:
    """WhatsApp and SMS configured, with what they send recorded."""
    RecordingProvider.sent.clear()
    with override_settings(MESSAGING_PROVIDERS=PROVIDERS, SMS_GATEWAYS=[RecordingSms.name]):
        yield RecordingProvider.sent
