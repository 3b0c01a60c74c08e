"""Rendering text for someone other than the current visitor."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone, translation

from academy.models import User


@contextmanager
def in_language_of(user: User) -> Iterator[None]:
    """Within the block, translations and local times follow ``user``'s
    language and time zone (e-mails, notifications, calendar files)."""
    with translation.override(user.language or settings.LANGUAGE_CODE), timezone.override(user.tzinfo):
        yield
