"""What registrants wrote back to the WhatsApp and SMS reminders of a
session, read through the messaging layer's selectors (the kernel keeps the
replies; this module knows which of them are about which registrations)."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from academy.messaging import selectors as messaging_selectors
from academy.messaging.models import InboundMessage
from webinars.models import Registration, RegistrationStatus, Session

# The ``reply_ref`` type of messages about a registration (reminders).
REGISTRATION_REF = "webinars.registration"


def registration_ref(registration: Registration) -> str:
    """The ``reply_ref`` a message about ``registration`` carries."""
    return f"{REGISTRATION_REF}:{registration.pk}"


def registration_refs(registration_ids: list[int]) -> list[str]:
    return [f"{REGISTRATION_REF}:{pk}" for pk in registration_ids]


def session_reply_refs(*, session: Session) -> list[str]:
    """The ``reply_ref`` of every registration of ``session`` (cancelled ones too)."""
    ids = list(Registration.objects.filter(session=session).order_by().values_list("pk", flat=True))
    return registration_refs(ids)


def session_replies(*, refs: list[str]) -> QuerySet[InboundMessage]:
    """The replies to the messages about those registrations, newest first
    (``refs`` from :func:`session_reply_refs`; the caller checked that the
    reader hosts the session)."""
    return messaging_selectors.replies_for_refs(refs)


@dataclass(frozen=True)
class ReplyCounts:
    coming: int  # confirmed they will come (and still registered)
    cancelled: int  # cancelled their registration by a reply
    unread: int  # replies nobody marked as read


def session_reply_counts(*, session: Session, refs: list[str]) -> ReplyCounts:
    """The figures at the top of a session's replies (two queries)."""
    counts = Registration.objects.filter(session=session).aggregate(
        coming=Count(
            "pk", filter=Q(coming_confirmed_at__isnull=False) & ~Q(status=RegistrationStatus.CANCELLED)
        ),
        cancelled=Count("pk", filter=Q(cancelled_by_reply=True)),
    )
    return ReplyCounts(
        coming=counts["coming"],
        cancelled=counts["cancelled"],
        unread=messaging_selectors.replies_unread_count(refs),
    )
