"""Twilio's webhooks: message statuses and incoming SMS.

Every request Twilio makes carries ``X-Twilio-Signature``: the base64
HMAC-SHA1, keyed with the account's Auth Token, of the full URL Twilio
called followed by each POST parameter, sorted by name, as name then value
with nothing between. The URL is rebuilt from ``SITE_URL`` (what Twilio was
given) rather than from the request, so it checks behind a proxy that
changes the scheme or host. A missing or wrong signature is answered 401
and changes nothing.

* ``twilio_status`` (the ``StatusCallback`` every message names):
  ``MessageSid``, ``MessageStatus``, ``ErrorCode`` → ``receipt_record``.
* ``twilio_inbound`` (set on the number or the Messaging Service, "A
  message comes in"): ``From``, ``Body``, ``MessageSid`` →
  ``inbound_receive``; answered with empty TwiML (no automatic reply: the
  acknowledgement, if any, goes through the outbox).
"""

import base64
import hashlib
import hmac
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from academy.messaging.models import Channel, DeliveryStatus
from academy.messaging.rules import FAILURES
from academy.messaging.services import inbound_receive, receipt_record
from academy.messaging.webhooks.numbers import e164

PROVIDER = "twilio"

# Twilio's MessageStatus values that say something about delivery; the
# others (accepted, scheduled, queued, sending, receiving, received) are steps
# before it and change nothing.
STATUSES = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.READ,
    "undelivered": DeliveryStatus.UNDELIVERED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def twilio_signature(url: str, params: QueryDict | dict[str, str], auth_token: str) -> str:
    """The ``X-Twilio-Signature`` of a POST of ``params`` to ``url``."""
    payload = url
    if isinstance(params, QueryDict):
        for name in sorted(params.keys()):
            for value in sorted(params.getlist(name)):
                payload += name + value
    else:
        for name in sorted(params):
            payload += name + params[name]
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_valid(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    given = request.headers.get("X-Twilio-Signature", "")
    if not token or not given:
        return False
    url = settings.SITE_URL + request.get_full_path()
    return hmac.compare_digest(twilio_signature(url, request.POST, token), given)


def _signed(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    def checked(request: HttpRequest) -> HttpResponse:
        if not signature_valid(request):
            return HttpResponse("Invalid signature.", status=401, content_type="text/plain")
        return view(request)

    checked.__name__ = view.__name__
    checked.__doc__ = view.__doc__
    return csrf_exempt(require_POST(checked))


def _status(request: HttpRequest) -> HttpResponse:
    """A message's status, reported by Twilio."""
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid") or ""
    reported = (request.POST.get("MessageStatus") or request.POST.get("SmsStatus") or "").lower()
    status = STATUSES.get(reported)
    if sid and status is not None:
        code = request.POST.get("ErrorCode", "")
        # Twilio gives the error's code only (30003 unreachable handset, 30007
        # filtered as spam…); its meaning is at twilio.com/docs/api/errors/<code>.
        error = f"{code}: {reported}" if code else (reported if status in FAILURES else "")
        receipt_record(provider=PROVIDER, provider_message_id=sid, status=status, error=error)
    return HttpResponse(status=204)


def _inbound(request: HttpRequest) -> HttpResponse:
    """An SMS a person sent to our Twilio number."""
    sid = request.POST.get("MessageSid") or request.POST.get("SmsMessageSid") or ""
    sender = request.POST.get("From", "")
    if sid and sender:
        inbound_receive(
            channel=Channel.SMS,
            provider=PROVIDER,
            provider_message_id=sid,
            from_number=e164(sender),
            text=request.POST.get("Body", ""),
        )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


status = _signed(_status)
inbound = _signed(_inbound)
