"""What a message says on each channel, rendered once in the person's
language and time zone; short links for SMS."""

import base64
import logging
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse

from academy.i18n import in_language_of
from academy.messaging import rules
from academy.messaging.kinds import (
    MessageKind,
)
from academy.messaging.models import (
    PHONE_CHANNELS,
    Channel,
    ShortLink,
)
from academy.models import User

logger = logging.getLogger(__name__)


def short_link(url: str) -> str:
    """A short absolute address for ``url`` (``SITE_URL/s/<code>``), made once per link."""
    existing = ShortLink.objects.filter(url=url).values_list("code", flat=True).first()
    if existing is None:
        for _attempt in range(5):
            code = secrets.token_urlsafe(6)[:8]
            try:
                with transaction.atomic():
                    ShortLink.objects.create(code=code, url=url)
            except IntegrityError:  # the same code, or the same link made meanwhile
                existing = ShortLink.objects.filter(url=url).values_list("code", flat=True).first()
                if existing is not None:
                    break
                continue
            existing = code
            break
    return settings.SITE_URL + reverse("academy:short_link", args=[existing])


def _render_optional(name: str, context: dict[str, Any]) -> str | None:
    try:
        return render_to_string(name, context)
    except TemplateDoesNotExist:
        return None


def whatsapp_template_name(template: str) -> str:
    """The approved template's name for ``template``: its app and last part
    (``webinars/emails/reminder`` → ``webinars_reminder``)."""
    parts = template.strip("/").split("/")
    return f"{parts[0]}_{parts[-1]}".lower()


def _render(
    *,
    user: User,
    kind: MessageKind,
    chain: list[str],
    template: str,
    context: dict[str, Any],
    reply_to: str,
    calendar: tuple[str, bytes] | None,
    attachments: Sequence[tuple[str, bytes | str, str]],
) -> dict[str, Any]:
    from academy.services import email_render

    rendered: dict[str, Any] = {}
    with in_language_of(user):
        ctx = {"user": user, "site_url": settings.SITE_URL, **context}
        if Channel.EMAIL in chain:
            email = email_render(
                user=user, template=template, context=context, kind=kind.code, reply_to=reply_to
            )
            rendered[Channel.EMAIL] = {
                "subject": email.subject,
                "body": email.body,
                "html": email.html,
                "headers": email.headers,
                "calendar": _calendar_json(calendar),
                "attachments": [_attachment_json(a) for a in attachments],
            }
        short = _render_optional(f"{template}_short.txt", ctx) if PHONE_CHANNELS & set(chain) else None
        if short is not None:
            text = rules.sms_text(short)
            if Channel.SMS in chain:
                rendered[Channel.SMS] = {"text": text, "segments": rules.sms_segments(text)}
            params = _render_optional(f"{template}_whatsapp.txt", ctx) if Channel.WHATSAPP in chain else None
            if params is not None:
                rendered[Channel.WHATSAPP] = {
                    "text": " ".join(short.split()),
                    "template": whatsapp_template_name(template),
                    "params": [line.strip() for line in params.splitlines() if line.strip()],
                    "language": settings.WHATSAPP_LANGUAGES.get(user.language, user.language),
                    "calendar": _calendar_json(calendar),
                }
    return rendered


def _calendar_json(calendar: tuple[str, bytes] | None) -> dict[str, str] | None:
    if calendar is None:
        return None
    method, ics = calendar
    return {"method": method, "ics": ics.decode() if isinstance(ics, bytes) else ics}


def _attachment_json(attachment: tuple[str, bytes | str, str]) -> dict[str, str]:
    name, content, mimetype = attachment
    data = content.encode() if isinstance(content, str) else content
    return {"name": name, "mimetype": mimetype, "content": base64.b64encode(data).decode()}
