"""What a "1"/"OUI" or "2"/"NON" to a web-conference reminder does.

The messaging layer (``academy.messaging.services.inbound_receive``) hands
the reply to :func:`registration_reply` when the message it answers carries
``reply_ref = "webinars.registration:<pk>"``. "Yes" records that the person
confirmed they will come; "no" cancels the registration as the person would
on the site (the waiting list moves up). Whatever the state of the
registration and its session, the person gets a short answer in their
language and time zone; a registration that no longer exists gets none, so
the reply is kept for a person to read.

A replayed webhook never reaches here twice (the layer stores a provider's
message once); a second "1" under another id records nothing more and
answers the same, a second "2" answers that it is already cancelled.
"""

from typing import TYPE_CHECKING

from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.i18n import in_language_of
from academy.messaging.kinds import ReplyIntent
from webinars.models import Registration, RegistrationStatus, SessionStatus
from webinars.selectors import REGISTRATION_REF
from webinars.services.registrations import registration_cancel

if TYPE_CHECKING:
    from academy.messaging.models import InboundMessage, Message

# Titles are cut in acknowledgements: they travel by SMS.
TITLE_CHARS = 60


def _registration_of(message: "Message") -> Registration | None:
    ref_type, _sep, ref_id = message.reply_ref.rpartition(":")
    if ref_type != REGISTRATION_REF or not ref_id.isdigit():
        return None
    registration = Registration.objects.select_related("session", "user").filter(pk=int(ref_id)).first()
    # The message went to the registrant; anything else names someone else's registration.
    if registration is None or registration.user_id != message.user_id:
        return None
    return registration


def registration_reply(*, message: "Message", intent: str, reply: "InboundMessage") -> str | None:
    """Act on ``intent`` for the registration ``message`` is about and return
    the acknowledgement, or None when that registration does not exist
    (deleted) or is not the person's."""
    registration = _registration_of(message)
    if registration is None or (reply.user_id is not None and reply.user_id != registration.user_id):
        return None
    with in_language_of(registration.user):
        if intent == ReplyIntent.YES:
            return _coming(registration)
        if intent == ReplyIntent.NO:
            return _not_coming(registration)
    return None


def _title(registration: Registration) -> str:
    return Truncator(registration.session.title).chars(TITLE_CHARS)


def _session_closed(registration: Registration) -> str | None:
    """The answer when the session was cancelled or is over, else None."""
    session = registration.session
    if session.status == SessionStatus.CANCELLED:
        return _("“%(title)s” has been cancelled.") % {"title": _title(registration)}
    if session.status == SessionStatus.ENDED or timezone.now() >= session.ends_at:
        return _("“%(title)s” is over.") % {"title": _title(registration)}
    return None


def _coming(registration: Registration) -> str:
    closed = _session_closed(registration)
    if closed is not None:
        return closed
    if registration.status == RegistrationStatus.CANCELLED:
        return _("Your registration for “%(title)s” is cancelled. You can register again on the academy.") % {
            "title": _title(registration)
        }
    if registration.status == RegistrationStatus.WAITLISTED:
        return _(
            "You are on the waiting list for “%(title)s”: we will tell you as soon as a place frees up."
        ) % {"title": _title(registration)}
    now = timezone.now()
    # Once: a second "1" keeps the first time.
    Registration.objects.filter(pk=registration.pk, coming_confirmed_at__isnull=True).update(
        coming_confirmed_at=now, updated_at=now
    )
    start = timezone.localtime(registration.session.starts_at)
    if now >= registration.session.starts_at:
        return _("Thank you, noted: it has started, join now.")
    return _("Thank you, noted: we look forward to seeing you on %(day)s at %(time)s.") % {
        "day": formats.date_format(start, "l j F"),
        "time": formats.time_format(start, "H:i"),
    }


def _not_coming(registration: Registration) -> str:
    if registration.status == RegistrationStatus.CANCELLED:
        return _("Your registration for “%(title)s” was already cancelled.") % {"title": _title(registration)}
    closed = _session_closed(registration)
    if closed is not None:
        return closed
    was_waiting = registration.status == RegistrationStatus.WAITLISTED
    try:
        registration_cancel(actor=registration.user, registration=registration)
    except ApplicationError as error:  # started meanwhile: the service says why, in the person's language
        return str(error.message)
    Registration.objects.filter(pk=registration.pk).update(cancelled_by_reply=True)
    if was_waiting:
        return _("Noted: you have left the waiting list for “%(title)s”.") % {"title": _title(registration)}
    return _("Noted: your registration for “%(title)s” is cancelled. Thank you for telling us.") % {
        "title": _title(registration)
    }
