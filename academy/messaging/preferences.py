"""A person's choices of channels per kind of message, and their quiet hours.

The preferences page saves everything at once (:func:`message_preferences_set`):
the phone channels accepted for each kind (``User.message_channels``), the
kinds stopped by e-mail (``User.email_opt_outs``, through
``academy.email_preferences``) and the quiet hours, in one transaction.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from academy import email_preferences
from academy.errors import ApplicationError
from academy.messaging.kinds import message_kinds_for
from academy.messaging.models import CHANNEL_ORDER, PHONE_CHANNELS
from academy.models import User


@transaction.atomic
def message_preferences_set(
    *,
    user: User,
    phone_channels: dict[str, list[str]],
    emails: dict[str, bool],
    quiet_hours_start: datetime.time | None,
    quiet_hours_end: datetime.time | None,
) -> None:
    """Store the person's choices together. ``phone_channels``: for some
    kinds listed for them, the phone channels they accept (others of the
    kind's channels are dropped; kinds not listed for them are ignored and
    the choices of kinds not given are kept). ``emails``: kind → wanted by
    e-mail (kinds that cannot be stopped are ignored). Quiet hours: both
    times, or neither (no quiet hours); the same time twice is refused."""
    if (quiet_hours_start is None) != (quiet_hours_end is None):
        message = _("Give both times, or choose no quiet hours.")
        field = "quiet_hours_end" if quiet_hours_end is None else "quiet_hours_start"
        raise ApplicationError(message, code="quiet_hours", fields={field: [message]})
    if quiet_hours_start is not None and quiet_hours_start == quiet_hours_end:
        message = _("Quiet hours must start and end at different times.")
        raise ApplicationError(message, code="quiet_hours", fields={"quiet_hours_end": [message]})
    locked = User.objects.select_for_update().get(pk=user.pk)
    listed = {kind.code: kind for kind in message_kinds_for(locked)}
    chosen = dict(locked.message_channels or {})
    for code, channels in phone_channels.items():
        kind = listed.get(code)
        if kind is None:
            continue
        wanted = set(channels) & PHONE_CHANNELS & set(kind.channels)
        chosen[code] = [channel for channel in CHANNEL_ORDER if channel in wanted]
    locked.message_channels = chosen
    locked.quiet_hours_start = quiet_hours_start
    locked.quiet_hours_end = quiet_hours_end
    locked.save(update_fields=["message_channels", "quiet_hours_start", "quiet_hours_end"])
    email_preferences.email_preferences_set(user=locked, wanted=emails)
    user.message_channels = locked.message_channels
    user.quiet_hours_start = quiet_hours_start
    user.quiet_hours_end = quiet_hours_end
    user.email_opt_outs = locked.email_opt_outs


@transaction.atomic
def phone_channel_resume(*, user: User, channel: str) -> bool:
    """Take back a "STOP" the person sent on ``channel``: messages reach
    them there again. Returns whether anything changed."""
    locked = User.objects.select_for_update().only("pk", "phone_opt_outs").get(pk=user.pk)
    stopped = set(locked.phone_opt_outs or [])
    if channel not in stopped:
        return False
    locked.phone_opt_outs = sorted(stopped - {channel})
    locked.save(update_fields=["phone_opt_outs"])
    user.phone_opt_outs = locked.phone_opt_outs
    return True
