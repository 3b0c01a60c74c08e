"""The "Phone and messages" page (``/profile/messages/``): the person's number
and its proof by code, their channels per kind of message, quiet hours.

Every form posts to the page itself with an ``action``; each acts on the
signed-in person only (nothing in the request names anybody else)."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from academy.errors import ApplicationError
from academy.forms import apply_error
from academy.http import AuthenticatedHttpRequest
from academy.messaging import phones, preferences
from academy.messaging.forms import (
    MessagePreferencesForm,
    PhoneCodeConfirmForm,
    PhoneCodeRequestForm,
    configured_phone_channels,
)
from academy.messaging.models import PHONE_CHANNELS, Channel
from academy.messaging.services import phone_usable
from academy.models import User

PAGE = "academy:message_preferences"


@login_required
@require_http_methods(["GET", "POST"])
def message_preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    channels = configured_phone_channels()
    action = request.POST.get("action", "") if request.method == "POST" else ""
    data = request.POST if action else None
    number_form = PhoneCodeRequestForm(
        data if action == "send_code" else None,
        channels=channels,
        initial={"phone": str(user.phone or "")},
    )
    confirm_form = PhoneCodeConfirmForm(data if action == "confirm_code" else None)
    prefs_form = MessagePreferencesForm(data if action == "save" else None, user=user)
    status, done = 200, ""
    if action == "send_code" and not channels:
        number_form.add_error(None, _("No WhatsApp or SMS can be sent for now."))
        status = 400
    elif action == "send_code":
        status = _submit(
            number_form,
            lambda data: phones.phone_verification_start(
                user=user, phone=data["phone"], channel=data["channel"]
            ),
        )
        done = _("We sent you a code. Type it below.")
    elif action == "confirm_code":
        status = _submit(
            confirm_form, lambda data: phones.phone_verification_confirm(user=user, code=data["code"])
        )
        done = _("Your number is verified.")
    elif action == "remove_phone":
        phones.phone_remove(user=user)
        status, done = 0, _("Your number has been removed.")
    elif action == "resume" and request.POST.get("channel") in PHONE_CHANNELS:
        channel = request.POST["channel"]
        status, done = 0, ""
        if preferences.phone_channel_resume(user=user, channel=channel):
            done = _("Messages by %(channel)s are back on.") % {"channel": Channel(channel).label}
    elif action == "save":
        status = _submit(
            prefs_form,
            lambda data: preferences.message_preferences_set(
                user=user,
                phone_channels=prefs_form.phone_channels(),
                emails=prefs_form.emails(),
                quiet_hours_start=data["quiet_hours_start"],
                quiet_hours_end=data["quiet_hours_end"],
            ),
        )
        done = _("Your choices have been saved.")
    elif action:
        status = 400
        messages.error(request, _("This form could not be read. Try again."))
    if status == 0:  # done: back to the page, with what was done said once
        if done:
            messages.success(request, done)
        return redirect(PAGE)
    return render(
        request,
        "academy/message_preferences.html",
        _context(
            user,
            channels=channels,
            number_form=number_form,
            confirm_form=confirm_form,
            prefs_form=prefs_form,
        ),
        status=status,
    )


def _submit(form: forms.Form, act: Callable[[dict[str, Any]], object]) -> int:
    """Validate ``form`` and run ``act`` on its data: 0 when done, else the
    status of the page that shows the errors next to their fields."""
    if not form.is_valid():
        return 400
    try:
        act(form.cleaned_data)
    except ApplicationError as error:
        apply_error(form, error)
        return error.status
    return 0


def _context(user: User, **forms: Any) -> dict[str, Any]:
    pending = phones.phone_verification_pending(user=user)
    if not user.phone:
        state = "none"
    elif phone_usable(user):
        state = "verified"
    else:
        state = "unverified"
    stopped = [
        (channel, Channel(channel).label)
        for channel in sorted(set(user.phone_opt_outs or []) & PHONE_CHANNELS)
    ]
    return {
        "phone_state": state,
        "pending": pending,
        **forms,
        "stopped": stopped,
        "quiet_zone": user.tzinfo.key,
        "quiet_city": user.tzinfo.key.rsplit("/", 1)[-1].replace("_", " "),
    }
