"""The WhatsApp Business Cloud API webhook (Meta), at ``/messaging/webhooks/whatsapp/``.

From Meta's webhook documentation:

* **GET** is the subscription handshake: Meta sends ``hub.mode=subscribe``,
  ``hub.verify_token`` (the token typed in the App Dashboard) and
  ``hub.challenge``, and expects the challenge back as the body.
* **POST** carries the events, signed: ``X-Hub-Signature-256:
  sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>``.
  The body is ``{"object": "whatsapp_business_account", "entry": [{"id",
  "changes": [{"field": "messages", "value": {"metadata", "contacts",
  "messages": [...], "statuses": [...]}}]}]}``. Meta retries a delivery
  that does not get a 200, so every signed payload is answered 200 once
  stored, even when it names a message we do not know (yet).
"""

import datetime
import hashlib
import hmac
import json
import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from academy.messaging.models import Channel, DeliveryStatus
from academy.messaging.services import inbound_receive, receipt_record

logger = logging.getLogger(__name__)

PROVIDER = "whatsapp_cloud"
STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "failed": DeliveryStatus.FAILED,
}


def _error(detail: str, code: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def signature_valid(body: bytes, header: str) -> bool:
    """Whether ``header`` (``sha256=<hex>``) is the app secret's HMAC-SHA256 of ``body``."""
    secret = settings.WHATSAPP_APP_SECRET
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    given = header.removeprefix("sha256=").strip().lower()
    return hmac.compare_digest(expected.encode(), given.encode(errors="replace"))


def _when(timestamp: Any) -> datetime.datetime:
    """Meta's timestamps are Unix seconds, as strings."""
    try:
        return datetime.datetime.fromtimestamp(int(timestamp), tz=datetime.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


def _status_error(status: dict[str, Any]) -> str:
    errors = status.get("errors")
    if not isinstance(errors, list):
        return ""
    parts = []
    for error in errors:
        if isinstance(error, dict):
            message = error.get("message") or error.get("title") or ""
            details = (
                (error.get("error_data") or {}).get("details")
                if isinstance(error.get("error_data"), dict)
                else ""
            )
            text = f"{error.get('code')}: {message}"
            parts.append(f"{text} ({details})" if details and details != message else text)
    return "; ".join(parts)


def _inbound_text(message: dict[str, Any]) -> str:
    """What the person wrote (the title of a button they tapped)."""
    kind = message.get("type")
    content = message.get(kind) if isinstance(kind, str) else None
    if not isinstance(content, dict):
        return ""
    if kind == "text":
        return str(content.get("body") or "")
    if kind == "button":  # a quick-reply button of a template
        return str(content.get("text") or content.get("payload") or "")
    if kind == "interactive":
        reply = content.get("button_reply") or content.get("list_reply") or {}
        return str(reply.get("title") or "") if isinstance(reply, dict) else ""
    # Media: its caption, if any (the file itself stays with Meta).
    return str(content.get("caption") or "")


def _handle(value: dict[str, Any]) -> tuple[int, int]:
    statuses = value.get("statuses")
    messages = value.get("messages")
    statuses = statuses if isinstance(statuses, list) else []
    messages = messages if isinstance(messages, list) else []
    recorded = received = 0
    for status in statuses:
        if not isinstance(status, dict) or not status.get("id"):
            continue
        mapped = STATUSES.get(str(status.get("status")))
        if mapped is None:  # "deleted", "warning"…: nothing a row records
            logger.info("WhatsApp status %r for %s ignored", status.get("status"), status.get("id"))
            continue
        recorded += receipt_record(
            provider=PROVIDER,
            provider_message_id=str(status["id"]),
            status=mapped,
            reported_at=_when(status.get("timestamp")),
            error=_status_error(status),
        )
    for message in messages:
        if not isinstance(message, dict) or not message.get("id") or not message.get("from"):
            continue
        reply = inbound_receive(
            channel=Channel.WHATSAPP,
            provider=PROVIDER,
            provider_message_id=str(message["id"]),
            from_number="+" + str(message["from"]).lstrip("+"),
            text=_inbound_text(message),
            received_at=_when(message.get("timestamp")),
        )
        received += reply is not None
    if isinstance(value.get("errors"), list) and value["errors"]:
        logger.warning("WhatsApp reported errors: %s", value["errors"])
    return recorded, received


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        verify_token = settings.WHATSAPP_VERIFY_TOKEN
        given = request.GET.get("hub.verify_token", "")
        if (
            request.GET.get("hub.mode") == "subscribe"
            and verify_token
            and hmac.compare_digest(given.encode(), verify_token.encode())
        ):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return _error(_("The verify token does not match."), "forbidden", 403)

    body = request.body
    if not signature_valid(body, request.headers.get("X-Hub-Signature-256", "")):
        return _error(_("The signature of this webhook is missing or wrong."), "bad_signature", 401)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _error(_("The body is not valid JSON."), "invalid", 400)
    if not isinstance(payload, dict) or not isinstance(payload.get("entry", []), list):
        return _error(_("The body is not a WhatsApp webhook (no list of entries)."), "invalid", 400)
    recorded = received = 0
    for entry in payload.get("entry", []):
        changes = entry.get("changes") if isinstance(entry, dict) else None
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if isinstance(value, dict):
                statuses, replies = _handle(value)
                recorded += statuses
                received += replies
    return JsonResponse({"statuses": recorded, "messages": received})
