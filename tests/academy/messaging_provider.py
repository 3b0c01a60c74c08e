"""A provider for tests of what people do with their number: it records each
send (no HTTP). The faithful fakes of real providers are in tests/fakes/."""

from typing import ClassVar

import phonenumbers

from academy.messaging.models import TextMessage
from academy.messaging.providers import Provider, Sent


class RecordingProvider(Provider):
    name: ClassVar[str] = "recording_sms"
    channel: ClassVar[str] = "sms"
    sent: ClassVar[list[tuple[str, str, str]]] = []  # (channel, to, text)
    # Country codes it serves (empty: all).
    countries: ClassVar[tuple[int, ...]] = ()

    def is_configured(self) -> bool:
        return True

    def serves(self, number: phonenumbers.PhoneNumber) -> bool:
        return not self.countries or number.country_code in self.countries

    def send(self, text: TextMessage) -> Sent:
        RecordingProvider.sent.append((text.channel, text.to, text.text or " ".join(text.params)))
        return Sent(provider_message_id=f"rec-{len(RecordingProvider.sent)}")


class RecordingWhatsApp(RecordingProvider):
    name: ClassVar[str] = "recording_whatsapp"
    channel: ClassVar[str] = "whatsapp"


BOTH = {
    "recording_sms": "tests.academy.messaging_provider.RecordingProvider",
    "recording_whatsapp": "tests.academy.messaging_provider.RecordingWhatsApp",
}
SMS_ONLY = {"recording_sms": "tests.academy.messaging_provider.RecordingProvider"}
