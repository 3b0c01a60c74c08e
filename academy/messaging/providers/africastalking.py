"""Africa's Talking: SMS through its messaging API.

``POST {AFRICASTALKING_API_URL}/version1/messaging`` (the endpoint its SMS
documentation and official SDKs use for bulk SMS), header ``apiKey`` and
``Accept: application/json``, form fields ``username``, ``to`` (E.164),
``message``, ``from`` (a sender id or short code; the account's default
when absent) and ``bulkSMSMode=1``. It answers 201 with
``SMSMessageData.Recipients[]``, one per number: ``statusCode`` (100
Processed, 101 Sent, 102 Queued are accepted), ``status``, ``messageId``
and ``cost`` (``"KES 0.8000"``, in the account's currency). A request it
refuses as a whole (wrong API key or username, a missing field) is a 4xx
with a text body; its own failures are 5xx.

Delivery reports and incoming messages come back to the callback URLs set
in the Africa's Talking dashboard (``academy.messaging.webhooks.africastalking``).
"""

import decimal
import logging

import httpx
import phonenumbers
from django.conf import settings

from academy.messaging.models import TextMessage
from academy.messaging.providers import Provider, ProviderRejected, ProviderUnavailable, Sent

logger = logging.getLogger(__name__)

ACCEPTED = frozenset({100, 101, 102})  # Processed, Sent, Queued
# Per-recipient failures that would happen again for this message. 405
# InsufficientBalance is not among them: it ends when the account is topped
# up, so it is retried with backoff (and falls back once the attempts run
# out). 500 InternalServerError and 501 GatewayError are Africa's Talking's
# own trouble: retried too. 502 RejectedByGateway is the operator refusing
# this message: refused for good.
REJECTED = {
    401: "RiskHold",
    402: "InvalidSenderId",
    403: "InvalidPhoneNumber",
    404: "UnsupportedNumberType",
    406: "UserInBlacklist",
    407: "CouldNotRoute",
    409: "DoNotDisturbRejection",
    502: "RejectedByGateway",
}


def parse_cost(value: object) -> decimal.Decimal | None:
    """The amount of an Africa's Talking cost (``"XOF 20.0000"`` → 20.0000).

    The currency (the account's: KES, XOF, NGN…) travels beside it in
    ``Sent.currency``."""
    if not isinstance(value, str) or not value.strip():
        return None
    amount = value.split()[-1]
    try:
        return decimal.Decimal(amount)
    except decimal.InvalidOperation:
        return None


class AfricasTalking(Provider):
    name = "africastalking"
    channel = "sms"

    def is_configured(self) -> bool:
        return bool(settings.AFRICASTALKING_USERNAME and settings.AFRICASTALKING_API_KEY)

    def serves(self, number: phonenumbers.PhoneNumber) -> bool:
        return phonenumbers.region_code_for_number(number) in {
            code.upper() for code in settings.AFRICASTALKING_COUNTRIES
        }

    def send(self, text: TextMessage) -> Sent:
        form = {
            "username": settings.AFRICASTALKING_USERNAME,
            "to": text.to,
            "message": text.text,
            "bulkSMSMode": "1",
        }
        if settings.AFRICASTALKING_FROM:
            form["from"] = settings.AFRICASTALKING_FROM
        try:
            response = httpx.post(
                f"{settings.AFRICASTALKING_API_URL}/version1/messaging",
                data=form,
                headers={"apiKey": settings.AFRICASTALKING_API_KEY, "Accept": "application/json"},
                timeout=settings.SMS_GATEWAY_TIMEOUT_SECONDS,
            )
        except httpx.HTTPError as error:
            raise ProviderUnavailable(f"Africa's Talking: {type(error).__name__}: {error}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderUnavailable(f"Africa's Talking: HTTP {response.status_code}: {response.text[:200]}")
        if response.status_code >= 400:
            raise ProviderRejected(f"HTTP {response.status_code}: {response.text[:200]}")
        try:
            data = response.json()["SMSMessageData"]
            recipients = data.get("Recipients") or []
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ProviderUnavailable(
                f"Africa's Talking: unexpected answer {response.status_code}: {response.text[:200]}"
            ) from error
        if not recipients:
            # The whole request was refused (e.g. "InvalidSenderId"): it would be again.
            raise ProviderRejected(str(data.get("Message") or "no recipient accepted"))
        recipient = recipients[0]
        try:
            code = int(recipient.get("statusCode"))
        except (TypeError, ValueError):
            code = 0
        status = str(recipient.get("status") or "")
        if code in ACCEPTED:
            message_id = str(recipient.get("messageId") or "")
            if not message_id or message_id == "None":
                raise ProviderUnavailable(f"Africa's Talking: no message id ({status})")
            cost = recipient.get("cost")
            currency = cost.split()[0] if isinstance(cost, str) and len(cost.split()) == 2 else ""
            return Sent(provider_message_id=message_id, cost=parse_cost(cost), currency=currency)
        reason = f"{code}: {status or REJECTED.get(code, 'refused')}"
        if code in REJECTED:
            raise ProviderRejected(reason)
        raise ProviderUnavailable(f"Africa's Talking: {reason}")
