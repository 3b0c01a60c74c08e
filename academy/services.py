"""Writes of the academy shell: accounts, profile, the activity log, notifications, e-mail."""

import base64
import dataclasses
import datetime
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import Model
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from academy import activity, email_preferences

# API tokens' services live in their own module (academy.api_tokens); reached from here too.
from academy.api_tokens import api_token_create, api_token_mark_used, api_token_revoke  # noqa: F401
from academy.email_layout import email_html
from academy.errors import ApplicationError
from academy.i18n import in_language_of
from academy.imip import CalendarEmail
from academy.messaging.models import Message
from academy.models import (
    CsvSeparator,
    EngagementEvent,
    Notification,
    OutgoingEmail,
    Role,
    StatementForward,
    User,
    Verb,
)
from academy.outbox import Outbox, OutboxCancel, OutboxStatus, outbox_wake

logger = logging.getLogger(__name__)

PROFILE_FIELDS = ("first_name", "last_name", "language", "time_zone", "country", "phone")


def _clean_and_save(user: User, *, exclude: Sequence[str] = ()) -> User:
    from django.core.exceptions import ValidationError

    try:
        user.full_clean(exclude=list(exclude))
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error
    user.save()
    return user


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    role: Role | str = Role.LEARNER,
    language: str | None = None,
    time_zone: str = "UTC",
    country: str = "",
    phone: str = "",
) -> User:
    """Create an account. The e-mail address is stored in lower case; an
    address already in use is refused. Without a password the account cannot
    sign in until one is set (invitation, reset)."""
    email = User.objects.normalize_email(email.strip()).lower()
    if User.objects.filter(email=email).exists():
        raise ApplicationError(
            _("An account with this e-mail address already exists."),
            code="email_taken",
            fields={"email": [_("An account with this e-mail address already exists.")]},
        )
    user = User(
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        role=role,
        language=language or settings.LANGUAGE_CODE,
        time_zone=time_zone,
        country=country,
        phone=phone,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    return _clean_and_save(user, exclude=["password"])


@transaction.atomic
def user_profile_update(*, user: User, **changes: Any) -> User:
    """Change the person's own profile fields (name, language, time zone,
    country, phone). Unknown fields are refused. A changed phone number is
    no longer verified (``academy.messaging.phones`` proves it again)."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    from django.core.exceptions import ValidationError

    previous_phone = str(user.phone or "")
    for field, value in changes.items():
        setattr(user, field, value.strip() if isinstance(value, str) else value)
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error
    if str(user.phone or "") != previous_phone:
        # A number is verified by a code sent to it, never by typing it.
        user.phone_verified_at = None
    user.save()
    return user


def user_language_set(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ApplicationError(_("Unsupported language."), fields={"language": [_("Unsupported language.")]})
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def user_csv_separator_set(*, user: User, csv_separator: str) -> None:
    """The separator of the person's CSV downloads (``auto``: by language)."""
    if csv_separator not in CsvSeparator.values:
        message = _("Choose one of the separators offered.")
        raise ApplicationError(message, fields={"csv_separator": [message]})
    if user.csv_separator != csv_separator:
        user.csv_separator = csv_separator
        user.save(update_fields=["csv_separator"])


def user_login_record(*, user: User) -> None:
    """Record a sign-in in the activity log."""
    activity_record(actor=user, verb=Verb.LOGGED_IN)


_UNSET: Any = object()

# The context is for a few facts about the action (a score, a reason), not documents.
CONTEXT_MAX_BYTES = 4096


def activity_record(
    *,
    actor: User,
    verb: Verb | str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_name: str = "",
    minutes: int = 0,
    context: dict[str, Any] | None = None,
    occurred_at: datetime.datetime | None = None,
    distributor: Model | None = _UNSET,
) -> EngagementEvent:
    """Append one event to the activity log and return it.

    Every app calls this from its own services for the action it performs.
    The distributor defaults to the actor's current one (none for company
    staff), so the event stays attached to the distributor of the time.
    ``obj`` fills the object type (``app_label.model``), id and name.
    ``context`` must be JSON-serialisable and at most 4 KB; ``occurred_at``
    defaults to now (pass it to record something that happened earlier).
    Raises ``ValueError`` for a verb outside the vocabulary or an oversized
    context: both are programming errors, not user input.
    """
    if verb not in Verb.values:
        raise ValueError(f"Unknown engagement verb: {verb!r}")
    context = context or {}
    if len(json.dumps(context)) > CONTEXT_MAX_BYTES:
        raise ValueError(f"Engagement context larger than {CONTEXT_MAX_BYTES} bytes")
    if distributor is _UNSET:
        distributor = activity.distributor_of(actor)
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or obj.pk
        object_name = object_name or str(obj)
    now = timezone.now()
    fields = {
        "actor": actor,
        "distributor_id": distributor.pk if distributor is not None else None,
        "verb": verb,
        "object_type": object_type[:64],
        "object_id": str(object_id)[:64],
        "object_name": object_name[:255],
        "minutes": max(0, int(minutes)),
        "context": context,
        "occurred_at": occurred_at or now,
        "recorded_at": now,
    }
    if not settings.XAPI_LRS_URL:
        return EngagementEvent.objects.create(**fields)
    # Forwarded to the learning record store through the outbox, written with
    # the event; no wake-up: the periodic dispatcher run sends them in batches.
    with transaction.atomic():
        event = EngagementEvent.objects.create(**fields)
        StatementForward.objects.create(event=event)
    return event


def activity_mark_counted(
    *,
    ids: Iterable[int] | None = None,
    occurred_from: datetime.datetime | None = None,
    occurred_to: datetime.datetime | None = None,
) -> int:
    """Mark events as counted by the derived measures: those in ``ids``, or
    every uncounted one that occurred in [``occurred_from``, ``occurred_to``)
    (a rebuild of that period). Returns how many changed."""
    events = EngagementEvent.objects.filter(counted=False)
    if ids is not None:
        events = events.filter(id__in=list(ids))
    if occurred_from is not None:
        events = events.filter(occurred_at__gte=occurred_from)
    if occurred_to is not None:
        events = events.filter(occurred_at__lt=occurred_to)
    return events.update(counted=True)


def notification_create(*, user: User, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Show a message to ``user`` in the site. Title and body should already be
    in the recipient's language (see :func:`academy.i18n.in_language_of`)."""
    return Notification.objects.create(user=user, kind=kind, title=title[:200], body=body, url=url[:500])


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when ``ids`` is None)."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    html: str
    # Reply-To, Auto-Submitted, List-Unsubscribe(-Post): stored with the
    # outgoing row and sent as they are.
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


def email_render(
    *,
    user: User,
    template: str,
    context: dict[str, Any] | None = None,
    kind: str = "",
    reply_to: str = "",
) -> RenderedEmail:
    """Render one e-mail for ``user`` in their language and time zone.

    ``template`` names ``<template>_subject.txt``, ``<template>_body.txt``
    and, optionally, ``<template>_body.html``; without the last, the HTML part
    is the text made HTML (``academy.email_layout``). ``kind`` names the kind
    of automatic e-mail a person may stop (``academy.email_preferences``):
    the footer and ``List-Unsubscribe`` then carry the link that stops it.
    """
    with in_language_of(user):
        ctx = {"user": user, "site_url": settings.SITE_URL, **(context or {})}
        subject = " ".join(render_to_string(f"{template}_subject.txt", ctx).split())
        body = render_to_string(f"{template}_body.txt", ctx)
        html: str
        try:
            html = render_to_string(f"{template}_body.html", ctx)
        except TemplateDoesNotExist:
            html = ""
        return email_compose(
            user=user,
            subject=f"{settings.EMAIL_SUBJECT_PREFIX}{subject}",
            body=body,
            html=html,
            kind=kind,
            reply_to=reply_to,
        )


def email_compose(
    *,
    user: User | None,
    subject: str,
    body: str,
    html: str = "",
    kind: str = "",
    reply_to: str = "",
) -> RenderedEmail:
    """An e-mail written elsewhere (``body`` text, optional own ``html``) in
    the one layout, with the footer saying why the person receives it, in the
    current language. Every e-mail the platform writes is
    ``Auto-Submitted: auto-generated`` (RFC 3834: no out-of-office reply
    loops back to it); ``reply_to`` names who a reply reaches (the manager
    of a nudge), where the text invites one."""
    headers: dict[str, str] = {"Auto-Submitted": "auto-generated"}
    if reply_to:
        headers["Reply-To"] = reply_to
    footer_context: dict[str, Any] = {"user": user, "site_url": settings.SITE_URL}
    email_kind = email_preferences.email_kind_get(kind) if kind else None
    if email_kind is not None and user is not None and user.pk:
        link = email_preferences.unsubscribe_url(user=user, kind=kind)
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058
        footer_context.update(
            kind=email_kind,
            unsubscribe_url=link,
            preferences_url=settings.SITE_URL + reverse("academy:profile") + "#emails",
        )
    footer = render_to_string("academy/emails/_footer.txt", footer_context).strip()
    return RenderedEmail(
        subject=subject,
        body=f"{body.rstrip()}\n\n-- \n{footer}\n",
        html=email_html(
            subject=subject,
            body=body,
            footer=footer,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            content=html,
        ),
        headers=headers,
    )


def message_id(key: str) -> str:
    """The ``Message-ID`` header of the message with idempotency key ``key``:
    the same on every attempt, so a repeat after a crash is one message to
    mail clients. Its domain is the site's (``SITE_URL``)."""
    host = urlsplit(settings.SITE_URL).hostname or "academy"
    return f"<{key}@{host}>"


def email_send(
    *,
    user: User,
    template: str,
    context: dict[str, Any] | None = None,
    attachments: Sequence[tuple[str, bytes | str, str]] = (),
    headers: dict[str, str] | None = None,
    calendar: tuple[str, bytes] | None = None,
    kind: str = "",
    reply_to: str = "",
) -> None:
    """Send one e-mail to ``user`` now (channels of an outbox call this; other
    code queues with :func:`email_enqueue`). ``headers`` should carry the
    row's ``Message-ID`` (:func:`message_id`); without one, a fresh one in
    the site's domain is made. ``kind`` and ``reply_to``: :func:`email_render`.
    ``calendar`` is an invitation, ``(iTIP method, ics bytes)``, sent the way
    mail programs act on it (:mod:`academy.imip`)."""
    rendered = email_render(user=user, template=template, context=context, kind=kind, reply_to=reply_to)
    all_headers = {**rendered.headers, **(headers or {})}
    all_headers.setdefault("Message-ID", make_msgid(domain=urlsplit(settings.SITE_URL).hostname or "academy"))
    message = CalendarEmail(
        subject=rendered.subject, body=rendered.body, to=[user.email], headers=all_headers, calendar=calendar
    )
    if rendered.html:
        message.attach_alternative(rendered.html, "text/html")
    for name, content, mimetype in attachments:
        message.attach(name, content, mimetype)
    message.send()


def email_enqueue(
    *,
    key: str,
    topic: str,
    user: User,
    template: str,
    context: dict[str, Any] | None = None,
    sensitive: bool = False,
    kind: str = "",
    reply_to: str = "",
) -> OutgoingEmail | None:
    """Queue a message that goes by e-mail only (an invitation to an
    address, a table such as the digest, an account notice) through the
    messaging layer (:func:`academy.messaging.message_send`), in the current
    transaction. ``user`` may be an unsaved stand-in carrying an address,
    name and language. ``key`` makes it idempotent: a second call with the
    same key queues nothing and returns None, as does a person who stopped
    ``kind``; without a kind it is an account notice nobody can stop."""
    from academy.messaging.models import Channel
    from academy.messaging.services import ACCOUNT_KIND, message_send

    message = message_send(
        key=key,
        kind=kind or ACCOUNT_KIND,
        user=user,
        template=template,
        context=context,
        topic=topic,
        reply_to=reply_to,
        sensitive=sensitive,
        channels=(Channel.EMAIL,),
    )
    return OutgoingEmail.objects.filter(message=message).first() if message is not None else None


def email_enqueue_rendered(
    *,
    key: str,
    topic: str,
    to: str,
    rendered: RenderedEmail,
    user: User | None = None,
    sensitive: bool = False,
) -> OutgoingEmail | None:
    """:func:`email_enqueue` for an e-mail rendered elsewhere (Django's
    password reset): a message of the account kind, by e-mail only."""
    from academy.messaging.models import Channel, Message
    from academy.messaging.services import ACCOUNT_KIND

    with transaction.atomic():
        message, created = Message.objects.get_or_create(
            key=key[:200],
            defaults={
                "kind": ACCOUNT_KIND,
                "topic": topic,
                "user": user,
                "chain": [Channel.EMAIL],
                "sensitive": sensitive,
            },
        )
        if not created:
            return None
        email = OutgoingEmail.objects.create(
            key=key[:200],
            message=message,
            topic=topic,
            user=user,
            to=to,
            subject=rendered.subject[:300],
            body=rendered.body,
            html=rendered.html,
            headers=rendered.headers,
            sensitive=sensitive,
        )
    outbox_wake()
    return email


def emails_withdraw(*, topic: str, key_prefix: str) -> int:
    """Withdraw the unsent e-mails of ``topic`` whose key starts with
    ``key_prefix`` (an invitation revoked or re-issued before it left)."""
    return OutgoingEmail.objects.filter(
        topic=topic, key__startswith=key_prefix, status=OutboxStatus.PENDING
    ).update(status=OutboxStatus.CANCELLED, body="", html="", claim_token=None, claimed_at=None)


# The connection to the mail server that the e-mails of one dispatch batch
# share (set by _email_batch, read by _email_deliver).
_email_connection: ContextVar[BaseEmailBackend | None] = ContextVar("email_connection", default=None)


@contextmanager
def _email_batch() -> Iterator[None]:
    """One connection to the mail server for a whole dispatch batch, opened
    by its first e-mail and closed when the batch ends."""
    backend = get_connection()
    token = _email_connection.set(backend)
    try:
        yield
    finally:
        _email_connection.reset(token)
        try:
            backend.close()
        except Exception:  # the batch's e-mails are out; a failed QUIT changes nothing
            logger.warning("closing the mail server connection failed", exc_info=True)


def _email_deliver(email: OutgoingEmail, now: datetime.datetime) -> None:
    if email.user_id is not None and email.user is not None and not email.user.is_active:
        raise OutboxCancel
    backend = _email_connection.get()
    calendar = email.calendar
    message = CalendarEmail(
        subject=email.subject,
        body=email.body,
        to=[email.to],
        headers={**(email.headers or {}), "Message-ID": message_id(email.key)},
        connection=backend,
        calendar=(calendar["method"], calendar["ics"].encode()) if calendar else None,
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    for attachment in email.attachments or []:
        message.attach(attachment["name"], base64.b64decode(attachment["content"]), attachment["mimetype"])
    if backend is None:
        message.send()
        return
    try:
        # Opened here, not when the batch starts, so a server that is down
        # fails each e-mail's attempt (retried) rather than the whole batch
        # before any attempt is recorded. Open, the connection stays open.
        backend.open()
        message.send()
    except Exception:
        # The server may have dropped the session mid-way: the next e-mail of
        # the batch starts a fresh one.
        try:
            backend.close()
        except Exception:
            logger.debug("closing a broken mail server connection failed", exc_info=True)
        raise


# E-mails whose address and text are forgotten once sent: the confirmation of
# an erasure goes to an address the academy must not keep.
EMAIL_TOPICS_FORGOTTEN_ONCE_SENT = frozenset({"academy.erasure.done"})


def _email_after_sent(email: OutgoingEmail) -> None:
    if email.topic in EMAIL_TOPICS_FORGOTTEN_ONCE_SENT:
        OutgoingEmail.objects.filter(pk=email.pk).update(to="", body="", html="")
    elif email.sensitive:
        OutgoingEmail.objects.filter(pk=email.pk).update(body="", html="")
    if email.message_id is not None and (email.sensitive or email.topic in EMAIL_TOPICS_FORGOTTEN_ONCE_SENT):
        # The message keeps nothing the e-mail forgot.
        Message.objects.filter(pk=email.message_id).update(rendered={})


def _email_after_failed(email: OutgoingEmail) -> None:
    if email.message is not None:
        from academy.messaging.services import message_fall_back

        message_fall_back(message=email.message, failed="email", reason=email.last_error)


EMAIL_OUTBOX: Outbox[OutgoingEmail] = Outbox(
    name="academy.emails",
    rows=lambda: OutgoingEmail.objects.select_related("user", "message__user"),
    deliver=_email_deliver,
    after_sent=_email_after_sent,
    after_failed=_email_after_failed,
    batch=_email_batch,
)
