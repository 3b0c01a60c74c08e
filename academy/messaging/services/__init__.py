"""Sending a message on the right channel, falling back, and what comes back.

:func:`message_send` is how every app tells a person something. In the
caller's transaction it:

1. picks the channels (``rules.channel_chain``): those the kind may take and
   the platform has configured, that the person accepts for this kind and
   can be reached on (a verified number not stopped; an address);
2. renders the message once per channel of that chain, in the person's
   language and time zone — e-mail: ``<template>_subject.txt``,
   ``_body.txt`` and optionally ``_body.html``; SMS and WhatsApp session
   text: ``<template>_short.txt``; WhatsApp template parameters, one per
   line: ``<template>_whatsapp.txt`` — a channel whose template is missing
   is left out of the chain;
3. writes the ``Message`` and one outbox row for the first channel
   (``OutgoingEmail`` or ``TextMessage``), and wakes the dispatcher once the
   transaction commits.

The text outbox sends WhatsApp and SMS rows: held during the person's quiet
hours (unless the event is sooner), counted against the cost centre's daily
cap (over it, the message falls back to e-mail), sent by the provider with
the row's idempotency key where the API takes one. A row the provider
refuses (4xx), one that runs out of attempts, or one a webhook reports
failed or undelivered falls back **once** to the next channel of its chain.
"""

from academy.messaging.kinds import ACCOUNT_KIND, PHONE_CODE_KIND, REPLY_ACK_KIND
from academy.messaging.services.chain import (
    accepted_channels,
    message_chain,
    offered_channels,
    phone_usable,
    reachable_channels,
)
from academy.messaging.services.rendering import short_link, whatsapp_template_name
from academy.messaging.services.replies import (
    REPLY_WINDOW,
    inbound_receive,
    replies_mark_read,
    user_by_number,
)
from academy.messaging.services.sending import message_fall_back, message_send
from academy.messaging.services.texts import (
    TEXT_OUTBOX,
    WHATSAPP_SESSION_WINDOW,
    receipt_record,
    texts_dispatch,
    whatsapp_session_open,
)

__all__ = [
    "ACCOUNT_KIND",
    "PHONE_CODE_KIND",
    "REPLY_ACK_KIND",
    "REPLY_WINDOW",
    "TEXT_OUTBOX",
    "WHATSAPP_SESSION_WINDOW",
    "accepted_channels",
    "inbound_receive",
    "message_chain",
    "message_fall_back",
    "message_send",
    "offered_channels",
    "phone_usable",
    "reachable_channels",
    "receipt_record",
    "replies_mark_read",
    "short_link",
    "texts_dispatch",
    "user_by_number",
    "whatsapp_session_open",
    "whatsapp_template_name",
]
