"""WhatsApp through Meta's WhatsApp Business Cloud API (Graph API).

Written from Meta's public documentation (Cloud API: Messages API, Media
API, template messages, document messages, error codes):

* ``POST {WHATSAPP_API_URL}/{WHATSAPP_PHONE_NUMBER_ID}/messages`` with
  ``Authorization: Bearer {WHATSAPP_ACCESS_TOKEN}`` and a JSON body
  ``{"messaging_product": "whatsapp", "recipient_type": "individual", "to":
  "<digits>", "type": ..., ...}``; the answer names the message
  (``messages[0].id``, a ``wamid.``), by which the status webhooks report it.
* Outside the 24-hour customer service window a business may only send an
  approved **template** (``type: template``); inside it (the person wrote
  within 24 hours: ``TextMessage.session``) a free-form **text**.
* ``biz_opaque_callback_data`` (up to 512 characters) is echoed by the
  status webhooks: it carries the message's key, for the logs.
* Errors come as ``{"error": {"message", "type", "code", "error_data":
  {"details"}, "fbtrace_id"}}``; the ``code`` says what happened (Meta
  advises handling by code, not by HTTP status): throughput and rate limits
  (``130429``, ``131056``, ``80007``, ``4``) and 5xx are worth a retry, any
  other 4xx (``131026`` undeliverable, ``132001`` template missing,
  ``131047`` outside the window, ``190`` bad token…) is final.
"""

import decimal
import logging
import re
from typing import TYPE_CHECKING, Any

import httpx
from django.conf import settings

from academy.messaging.kinds import PHONE_CODE_KIND
from academy.messaging.providers import Provider, ProviderRejected, ProviderUnavailable, Sent

if TYPE_CHECKING:
    from academy.messaging.models import TextMessage

logger = logging.getLogger(__name__)

# Error codes that mean "not now" whatever the HTTP status they come with:
# Cloud API throughput (130429), pair rate limit (131056), WhatsApp Business
# Account rate limit (80007), application call limit (4), and the
# temporary service errors (2: downtime or overload; 131000: something
# went wrong; 133004: server temporarily unavailable).
TRANSIENT_CODES = frozenset({2, 4, 80007, 130429, 131000, 131056, 133004})

# Meta's document messages accept text/plain, PDF and Office files only (not
# text/calendar): the invitation is uploaded as text/plain and named
# ``invitation.ics``, so the phone shows it as a file its calendar opens.
INVITATION_MIME_TYPE = "text/plain"
INVITATION_FILENAME = "invitation.ics"

# Meta: template parameters and document captions are limited in length.
TEXT_BODY_MAX = 4096
OPAQUE_DATA_MAX = 512


def _error_of(response: httpx.Response) -> tuple[int | None, str]:
    """Meta's error code and a readable message from an error answer."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, f"HTTP {response.status_code}: {response.text[:200]}"
    code = error.get("code")
    message = str(error.get("message") or "")
    details = (
        (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else None
    )
    if details and details not in message:
        message = f"{message} ({details})" if message else str(details)
    return (code if isinstance(code, int) else None), message


class WhatsAppCloud(Provider):
    name = "whatsapp_cloud"
    channel = "whatsapp"

    # Settings are read on each call (the provider instance is cached for the process).
    def is_configured(self) -> bool:
        return bool(
            settings.WHATSAPP_ACCESS_TOKEN
            and settings.WHATSAPP_PHONE_NUMBER_ID
            and settings.WHATSAPP_APP_SECRET
        )

    def _url(self, endpoint: str) -> str:
        return f"{settings.WHATSAPP_API_URL.rstrip('/')}/{settings.WHATSAPP_PHONE_NUMBER_ID}/{endpoint}"

    def _client(self) -> httpx.Client:
        return httpx.Client(
            timeout=settings.WHATSAPP_TIMEOUT,
            headers={"Authorization": f"Bearer {settings.WHATSAPP_ACCESS_TOKEN}"},
        )

    def _post(self, client: httpx.Client, endpoint: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = client.post(self._url(endpoint), **kwargs)
        except httpx.HTTPError as error:  # timeouts, refused connections, broken answers
            raise ProviderUnavailable(f"WhatsApp Cloud API unreachable: {error}") from error
        if response.is_success:
            try:
                body = response.json()
            except ValueError as error:
                raise ProviderUnavailable(
                    f"WhatsApp Cloud API answered no JSON: {response.text[:200]}"
                ) from error
            return body if isinstance(body, dict) else {}
        code, message = _error_of(response)
        text = f"{code}: {message}" if code is not None else message
        if response.status_code == 429 or response.status_code >= 500 or code in TRANSIENT_CODES:
            raise ProviderUnavailable(text)
        raise ProviderRejected(text)

    @staticmethod
    def _recipient(number: str) -> str:
        # Meta takes the number in international format, digits only (no "+").
        digits = re.sub(r"\D", "", number)
        if not digits:
            raise ProviderRejected(f"Not a phone number: {number!r}")
        return digits

    def _envelope(self, text: "TextMessage") -> dict[str, Any]:
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": self._recipient(text.to),
            "biz_opaque_callback_data": text.message.key[:OPAQUE_DATA_MAX],
        }

    def _template_body(self, text: "TextMessage") -> dict[str, Any]:
        if not text.template:
            raise ProviderRejected("No approved WhatsApp template for this message.")
        template: dict[str, Any] = {"name": text.template, "language": {"code": text.language or "en"}}
        if text.params:
            template["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in text.params]}
            ]
            if text.message.kind == PHONE_CODE_KIND:
                # An authentication template's copy-code button carries the code too.
                template["components"].append(
                    {
                        "type": "button",
                        "sub_type": "url",
                        "index": "0",
                        "parameters": [{"type": "text", "text": str(text.params[0])}],
                    }
                )
        return {**self._envelope(text), "type": "template", "template": template}

    def _text_body(self, text: "TextMessage") -> dict[str, Any]:
        return {
            **self._envelope(text),
            "type": "text",
            "text": {"body": text.text[:TEXT_BODY_MAX], "preview_url": False},
        }

    @staticmethod
    def _sent_id(body: dict[str, Any]) -> str:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
            raise ProviderUnavailable(f"WhatsApp Cloud API answered without a message id: {body!r}"[:300])
        return str(messages[0].get("id") or "")

    def _invitation(self, text: "TextMessage") -> str | None:
        rendered = (text.message.rendered or {}).get("whatsapp") or {}
        calendar = rendered.get("calendar")
        if not isinstance(calendar, dict) or not calendar.get("ics"):
            return None
        return str(calendar["ics"])

    def send(self, text: "TextMessage") -> Sent:
        with self._client() as client:
            if not text.session:
                body = self._post(client, "messages", json=self._template_body(text))
                return Sent(provider_message_id=self._sent_id(body))
            ics = self._invitation(text)
            media_id = None
            if ics is not None:
                # Uploaded first: when the upload fails nothing has been sent
                # yet, so the retry sends the text once.
                uploaded = self._post(
                    client,
                    "media",
                    data={"messaging_product": "whatsapp", "type": INVITATION_MIME_TYPE},
                    files={"file": (INVITATION_FILENAME, ics.encode(), INVITATION_MIME_TYPE)},
                )
                media_id = str(uploaded.get("id") or "")
            body = self._post(client, "messages", json=self._text_body(text))
            # Meta charges per template message; free-form messages inside
            # the customer service window are free.
            sent = Sent(provider_message_id=self._sent_id(body), cost=decimal.Decimal(0))
            if media_id:
                document = {
                    **self._envelope(text),
                    "type": "document",
                    "document": {"id": media_id, "filename": INVITATION_FILENAME},
                }
                try:
                    self._post(client, "messages", json=document)
                except (ProviderRejected, ProviderUnavailable) as error:
                    # The text is out (it carries the details and the link): a
                    # retry would send it twice, so the attachment is given up.
                    logger.warning("message %s: invitation not sent on WhatsApp: %s", text.message.key, error)
            return sent
