"""The messaging layer: every message the platform sends, on every channel.

Apps call :func:`academy.messaging.services.message_send` (a kind, a
recipient, a template, a context, an idempotency key) inside the transaction
that causes the message; the layer picks the channels from the person's
choices and what the kind allows (WhatsApp, SMS, e-mail), renders each in
the person's language, writes one outbox row per (message, channel) and
sends through the outbox (``academy.outbox``). See ``services`` for the
rules, ``kinds`` for the registries apps fill, ``providers`` for how a
WhatsApp or SMS provider is written.
"""
