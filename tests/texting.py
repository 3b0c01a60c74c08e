"""Sending and answering WhatsApp/SMS messages in tests, with no provider.

:class:`RecordingSms` is a minimal ``Provider`` that keeps what it is asked
to send (the faithful provider fakes live in ``tests/fakes``); the
``texting`` fixture configures it and a template (``tests/note``) that
renders on every channel, so ``message_send`` takes SMS for a person who
accepts it. :func:`person_with_phone` gives a person a verified number."""

import itertools
from typing import ClassVar

import pytest
from django.utils import timezone

from academy.messaging.models import TextMessage
from academy.messaging.providers import Provider, Sent
from academy.models import User

_ids = itertools.count(1)
_numbers = itertools.count(1)


class RecordingSms(Provider):
    name = "recording_sms"
    channel = "sms"
    sent: ClassVar[list[TextMessage]] = []

    def is_configured(self) -> bool:
        return True

    def send(self, text: TextMessage) -> Sent:
        RecordingSms.sent.append(text)
        return Sent(provider_message_id=f"rec-{next(_ids)}")


TEMPLATES = {
    "note_subject.txt": "{{ subject|default:'Note' }}",
    "note_body.txt": "Body for {{ user.first_name }}",
    "note_short.txt": "Reply 1 or 2",
    "note_whatsapp.txt": "{{ user.first_name }}",
}


@pytest.fixture
def texting(settings, tmp_path):
    """SMS through :class:`RecordingSms`, the ``tests/note`` templates, no quiet hours."""
    folder = tmp_path / "tests"
    folder.mkdir()
    for name, text in TEMPLATES.items():
        (folder / name).write_text(text)
    settings.MESSAGING_PROVIDERS = {"recording_sms": "tests.texting.RecordingSms"}
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    RecordingSms.sent = []
    return RecordingSms


def person_with_phone(user: User, *, kind: str, channels: tuple[str, ...] = ("sms",)) -> User:
    """Give ``user`` a verified number, no quiet hours, and ``channels`` for ``kind``."""
    number = f"+22177{next(_numbers):07d}"
    User.objects.filter(pk=user.pk).update(
        phone=number,
        phone_verified_at=timezone.now(),
        quiet_hours_start=None,
        quiet_hours_end=None,
        message_channels={kind: list(channels)},
    )
    user.refresh_from_db()
    return user
