"""Africa's Talking's callbacks: SMS delivery reports and incoming SMS.

Africa's Talking does not sign its callbacks (its SMS documentation
describes plain form POSTs to the URLs set in the dashboard, with no
signature header or shared secret). The way its documentation allows to
tell them from forgeries is the URL itself: the URLs we give it carry a
long random secret (``AFRICASTALKING_WEBHOOK_TOKEN``), compared in
constant time; a wrong one is answered 401 and changes nothing.
``AFRICASTALKING_WEBHOOK_IPS``, when set, also limits them to Africa's
Talking's addresses.

* ``africastalking_delivery`` (SMS → Delivery Reports): ``id``, ``status``
  (Sent, Submitted, Buffered, Success, Rejected, Failed, AbsentSubscriber,
  Expired), ``failureReason`` → ``receipt_record``.
* ``africastalking_inbound`` (SMS → Incoming Messages): ``from``, ``text``,
  ``id``, ``date`` → ``inbound_receive``.
"""

import datetime
import hmac
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from academy.messaging.models import Channel, DeliveryStatus
from academy.messaging.services import inbound_receive, receipt_record
from academy.messaging.webhooks.numbers import e164

PROVIDER = "africastalking"

# Delivery report statuses: Success is the handset's receipt; Sent,
# Submitted and Buffered are on their way (the operator has it); the rest
# are final failures (Rejected by the operator, or not delivered in time).
STATUSES = {
    "sent": DeliveryStatus.SENT,
    "submitted": DeliveryStatus.SENT,
    "buffered": DeliveryStatus.SENT,
    "success": DeliveryStatus.DELIVERED,
    "rejected": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.UNDELIVERED,
    "absentsubscriber": DeliveryStatus.UNDELIVERED,
    "expired": DeliveryStatus.UNDELIVERED,
}


_PROGRESS = frozenset({DeliveryStatus.SENT, DeliveryStatus.DELIVERED})


def token_valid(request: HttpRequest, token: str) -> bool:
    expected = settings.AFRICASTALKING_WEBHOOK_TOKEN
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        return False
    allowed = settings.AFRICASTALKING_WEBHOOK_IPS
    return not allowed or request.META.get("REMOTE_ADDR", "") in allowed


def _guarded(view: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    def checked(request: HttpRequest, token: str) -> HttpResponse:
        if not token_valid(request, token):
            return HttpResponse("Unauthorized.", status=401, content_type="text/plain")
        return view(request)

    checked.__name__ = view.__name__
    checked.__doc__ = view.__doc__
    return csrf_exempt(require_POST(checked))


def _delivery(request: HttpRequest) -> HttpResponse:
    """The delivery report of one message."""
    message_id = request.POST.get("id", "")
    reported = request.POST.get("status", "")
    status = STATUSES.get(reported.lower())
    if message_id and status is not None:
        reason = request.POST.get("failureReason", "")
        error = f"{reported}: {reason}" if reason else (reported if status not in _PROGRESS else "")
        receipt_record(provider=PROVIDER, provider_message_id=message_id, status=status, error=error)
    return HttpResponse(status=200)


def _received_at(value: str) -> datetime.datetime | None:
    """``date`` of an incoming message (``2026-12-02 01:30:00`` or ISO 8601, UTC)."""
    parsed = parse_datetime(value.strip()) if value else None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    # A clock ahead of ours would put the reply after what it answers.
    return min(parsed, timezone.now()) if parsed is not None else None


def _inbound(request: HttpRequest) -> HttpResponse:
    """An SMS a person sent to our short code or number."""
    message_id = request.POST.get("id", "")
    sender = request.POST.get("from", "")
    if message_id and sender:
        inbound_receive(
            channel=Channel.SMS,
            provider=PROVIDER,
            provider_message_id=message_id,
            from_number=e164(sender),
            text=request.POST.get("text", ""),
            received_at=_received_at(request.POST.get("date", "")),
        )
    return HttpResponse(status=200)


delivery = _guarded(_delivery)
inbound = _guarded(_inbound)
