"""Delivery channels of the reminder outbox.

A channel turns one ``ReminderMessage`` into one delivery (an e-mail, an SMS,
a WhatsApp message...). Channels are listed in the setting
``WEBINAR_REMINDER_CHANNELS`` (name → dotted path of the class); a person
picks theirs on the web-conference preferences page. To add one, write a
subclass of ``ReminderChannel`` and add it to the setting — see README.

The contract:

* ``send`` delivers or raises ``ChannelError`` (the dispatcher retries with
  backoff, up to ``OUTBOX_MAX_ATTEMPTS``). Any other exception is
  treated the same way.
* ``message.idempotency_key`` is the same on every attempt for the same
  outbox row: pass it to the provider (e-mail ``Message-ID``, an SMS API's
  idempotency key) so a repeat after a crash is recognised as one message.
* ``is_available_for(user)`` says whether the person can be reached (an SMS
  channel needs a phone number); unavailable channels fall back to e-mail.
"""

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from academy.models import User
from academy.services import email_send, message_id


class ChannelError(Exception):
    """A delivery failed; the outbox will try again later."""


@dataclass
class ReminderMessage:
    user: User
    kind: str
    # Template prefix: channels render ``<template>_subject.txt`` /
    # ``_body.txt`` / ``_body.html`` (e-mail) or ``<template>_short.txt`` (SMS-like).
    template: str
    context: dict[str, Any]
    idempotency_key: str
    attachments: list[tuple[str, bytes, str]] = field(default_factory=list)
    # A calendar invitation, ``(iTIP method, ics bytes)``: e-mail sends it as
    # mail programs act on it (``academy.imip``); other channels ignore it.
    calendar: tuple[str, bytes] | None = None
    # The kind of e-mail a person may stop (academy.email_preferences), "" for
    # the ones they cannot (confirmation, cancellation): e-mail carries its
    # List-Unsubscribe link.
    email_kind: str = ""


class ReminderChannel:
    name: str = ""
    label: Any = ""

    def is_available_for(self, user: User) -> bool:
        return True

    def send(self, message: ReminderMessage) -> None:
        raise NotImplementedError


class EmailChannel(ReminderChannel):
    name = "email"
    label = _("E-mail")

    def is_available_for(self, user: User) -> bool:
        return bool(user.email)

    def send(self, message: ReminderMessage) -> None:
        try:
            email_send(
                user=message.user,
                template=message.template,
                context=message.context,
                attachments=message.attachments,
                calendar=message.calendar,
                headers={"Message-ID": message_id(message.idempotency_key)},
                kind=message.email_kind,
            )
        except OSError as error:  # SMTP refused or unreachable
            raise ChannelError(f"{type(error).__name__}: {error}") from error


@cache
def _registry() -> dict[str, ReminderChannel]:
    channels: dict[str, ReminderChannel] = {}
    for name, path in settings.WEBINAR_REMINDER_CHANNELS.items():
        channel = import_string(path)()
        channel.name = name
        channels[name] = channel
    return channels


def channel_registry() -> dict[str, ReminderChannel]:
    """Configured channels by name (e-mail first when configured)."""
    return _registry()


def channel_get(name: str) -> ReminderChannel | None:
    return _registry().get(name)


def channel_choices() -> list[tuple[str, str]]:
    return [(name, str(channel.label)) for name, channel in _registry().items()]


DEFAULT_CHANNEL = "email"


def _settings_changed(*, setting: str, **kwargs: object) -> None:
    if setting == "WEBINAR_REMINDER_CHANNELS":
        _registry.cache_clear()


setting_changed.connect(_settings_changed)
