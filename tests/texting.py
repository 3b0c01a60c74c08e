"""Sending and answering WhatsApp/SMS messages in tests, with no provider.

The ``texting`` fixture configures the recording SMS provider of
``tests.messaging_provider`` (the faithful provider fakes live in
``tests/fakes``) and a template (``tests/note``) that
renders on every channel, so ``message_send`` takes SMS for a person who
accepts it. :func:`person_with_phone` gives a person a verified number."""

import itertools

import pytest
from django.utils import timezone

from academy.models import User
from tests.messaging_provider import SMS_ONLY, RecordingSms

_numbers = itertools.count(1)


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
    settings.MESSAGING_PROVIDERS = SMS_ONLY
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    RecordingSms.sent.clear()
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
