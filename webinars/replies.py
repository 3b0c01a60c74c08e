"""What a reply to a web-conference reminder or confirmation does.

The SMS and WhatsApp texts of the timed reminders and of the confirmation
end with "Reply 1 to confirm, 2 to cancel": their message names the
registration (``reply_ref = "webinars.registration:<id>"``). "1" keeps the
place and thanks the person; "2" cancels the registration (its place goes
to the first person waiting). Registered in ``webinars.apps``.
"""

from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.messaging import rules
from webinars.models import Registration, RegistrationStatus
from webinars.services import registration_cancel

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

    from academy.messaging.models import InboundMessage, Message


def registration_reply(*, message: "Message", intent: str, reply: "InboundMessage") -> "_StrOrPromise | None":
    """Act on "1" (yes) or "2" (no) for the registration the message names;
    None when there is nothing to act on (not the person's registration, or
    already cancelled): the reply is then kept for a person to read. The
    caller has activated the person's language."""
    _type, _sep, pk = message.reply_ref.rpartition(":")
    if not pk.isdigit():
        return None
    registration = (
        Registration.objects.select_related("session", "user").filter(pk=int(pk), user=message.user).first()
    )
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        return None
    session = registration.session
    if intent == rules.YES:
        if registration.status != RegistrationStatus.CONFIRMED:
            return None
        start = formats.date_format(session.starts_at.astimezone(registration.user.tzinfo), "DATETIME_FORMAT")
        return _("Thank you, see you on %(start)s: %(title)s") % {"start": start, "title": session.title}
    try:
        registration_cancel(actor=registration.user, registration=registration)
    except ApplicationError as error:  # the session has started: too late to cancel
        return str(error.message)
    return _("Your registration for %(title)s is cancelled.") % {"title": session.title}
