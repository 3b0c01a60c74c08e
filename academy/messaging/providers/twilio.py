"""Twilio Programmable Messaging: SMS through its REST API (2010-04-01).

``POST {TWILIO_API_URL}/2010-04-01/Accounts/{AccountSid}/Messages.json``,
HTTP Basic auth with the Account SID and Auth Token, form fields ``To``
(E.164), ``From`` (a Twilio number or an alphanumeric sender id) or
``MessagingServiceSid``, ``Body`` and ``StatusCallback`` (the URL Twilio
posts the message's statuses to, signed with ``X-Twilio-Signature``: see
``academy.messaging.webhooks.twilio``). Twilio answers 201 with the Message
resource (``sid``, ``status``, ``price`` — usually still null at creation,
then negative: what was debited) or an error body ``{code, message,
more_info, status}``: 400 for a message it will never send (21211 invalid
``To``, 21610 recipient unsubscribed by replying STOP, 21408 region not
enabled…), 401/403/404 for the account (wrong credentials, suspended,
unknown SID) — refused for good; 429 (20429, too many requests) and 5xx are
transient.
"""

import decimal
import logging

import httpx
import phonenumbers
from django.conf import settings
from django.urls import reverse

from academy.messaging.models import TextMessage
from academy.messaging.providers import Provider, ProviderRejected, ProviderUnavailable, Sent

logger = logging.getLogger(__name__)

API_VERSION = "2010-04-01"


def twilio_error(response: httpx.Response) -> str:
    """``"<code>: <message>"`` from a Twilio error body (the HTTP status when it is not JSON)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("message"):
        return f"{body.get('code') or response.status_code}: {body['message']}"
    return f"HTTP {response.status_code}: {response.text[:200]}"


class Twilio(Provider):
    name = "twilio"
    channel = "sms"

    def is_configured(self) -> bool:
        return bool(
            settings.TWILIO_ACCOUNT_SID
            and settings.TWILIO_AUTH_TOKEN
            and (settings.TWILIO_FROM or settings.TWILIO_MESSAGING_SERVICE_SID)
        )

    def serves(self, number: phonenumbers.PhoneNumber) -> bool:
        # Twilio reaches every country; which ones an account may send to is
        # its Geo Permissions (a refused country answers 21408: rejected).
        return True

    def messages_url(self) -> str:
        return f"{settings.TWILIO_API_URL}/{API_VERSION}/Accounts/{settings.TWILIO_ACCOUNT_SID}/Messages.json"

    def send(self, text: TextMessage) -> Sent:
        form = {"To": text.to, "Body": text.text}
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            form["MessagingServiceSid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            form["From"] = settings.TWILIO_FROM
        if settings.TWILIO_STATUS_CALLBACK:
            form["StatusCallback"] = settings.SITE_URL + reverse("academy:twilio_status")
        try:
            response = httpx.post(
                self.messages_url(),
                data=form,
                auth=(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN),
                headers={"Accept": "application/json"},
                timeout=settings.SMS_GATEWAY_TIMEOUT_SECONDS,
            )
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"Twilio: {type(error).__name__}: {error}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderUnavailable(f"Twilio: {twilio_error(response)}")
        if response.status_code >= 400:
            raise ProviderRejected(twilio_error(response))
        try:
            body = response.json()
            sid = str(body["sid"])
        except (ValueError, KeyError, TypeError) as error:
            raise ProviderUnavailable(f"Twilio: unexpected answer {response.status_code}") from error
        unit = body.get("price_unit")
        return Sent(
            provider_message_id=sid,
            cost=_price(body.get("price")),
            currency=unit if isinstance(unit, str) else "",
        )


def _price(value: object) -> decimal.Decimal | None:
    """Twilio's ``price`` is what was debited, as a negative string in the
    account's ``price_unit`` (``"-0.07900"``), or null until it is known."""
    if value in (None, ""):
        return None
    try:
        return abs(decimal.Decimal(str(value)))
    except decimal.InvalidOperation:
        return None
