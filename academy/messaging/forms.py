"""The forms of the "Phone and messages" page."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from academy import email_preferences
from academy.messaging.kinds import MessageKind, message_kinds_for
from academy.messaging.models import CHANNEL_ORDER, PHONE_CHANNELS, Channel
from academy.messaging.phones import CODE_LENGTH
from academy.messaging.providers import channel_configured
from academy.messaging.services import accepted_channels, offered_channels, phone_usable
from academy.models import User


def configured_phone_channels() -> list[str]:
    """WhatsApp and SMS when a provider carries them, in fallback order."""
    return [channel for channel in CHANNEL_ORDER if channel in PHONE_CHANNELS and channel_configured(channel)]


class PhoneCodeRequestForm(forms.Form):
    prefix = "number"

    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        help_text=_("International format, e.g. +221 77 123 45 67."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    channel = forms.ChoiceField(label=_("Send the code by"), widget=forms.RadioSelect)

    def __init__(self, *args: Any, channels: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(channel, Channel(channel).label) for channel in channels]
        if channels:
            field.initial = channels[0]


class PhoneCodeConfirmForm(forms.Form):
    prefix = "confirm"

    code = forms.CharField(
        label=pgettext_lazy("one-time code", "Code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text=_("The %(length)s digits we sent you.") % {"length": CODE_LENGTH},
    )


@dataclass
class Cell:
    channel: str
    field: forms.BoundField | None
    reason: str = ""


@dataclass
class Row:
    kind: MessageKind
    cells: list[Cell]


def _slug(code: str) -> str:
    return code.replace(".", "_")


class MessagePreferencesForm(forms.Form):
    """One checkbox per (kind listed for the person, channel it may take on
    this platform); a box the person cannot change now is disabled and keeps
    its stored value, with the reason next to it. Then the quiet hours."""

    prefix = "prefs"

    no_quiet_hours = forms.BooleanField(label=_("No quiet hours"), required=False)
    quiet_hours_start = forms.TimeField(
        label=_("Quiet from"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_hours_end = forms.TimeField(
        label=_("Quiet until"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.kinds = message_kinds_for(user)
        phone_ok = phone_usable(user)
        stopped = set(user.phone_opt_outs or [])
        self.columns = [
            channel
            for channel in CHANNEL_ORDER
            if any(channel in offered_channels(kind) for kind in self.kinds)
        ]
        self._names: dict[tuple[str, str], str] = {}
        self.rows: list[Row] = []
        for kind in self.kinds:
            offered = offered_channels(kind)
            accepted = accepted_channels(user, kind)
            cells: list[Cell] = []
            for channel in self.columns:
                if channel not in offered:
                    cells.append(Cell(channel, None))
                    continue
                name = f"{_slug(kind.code)}__{channel}"
                reason = ""
                initial = channel in accepted
                if channel == Channel.EMAIL:
                    if not kind.stoppable or email_preferences.email_kind_get(kind.code) is None:
                        reason = str(_("Always sent by e-mail: you cannot stop it."))
                        initial = True
                elif not phone_ok:
                    reason = str(_("Verify your number first."))
                elif channel in stopped:
                    reason = str(_("You replied STOP on %(channel)s.") % {"channel": Channel(channel).label})
                self.fields[name] = forms.BooleanField(
                    label=f"{kind.label} — {Channel(channel).label}",
                    required=False,
                    initial=initial,
                    disabled=bool(reason),
                )
                self._names[(kind.code, channel)] = name
                cells.append(Cell(channel, None, reason))
            self.rows.append(Row(kind, cells))
        self.fields["quiet_hours_start"].initial = user.quiet_hours_start
        self.fields["quiet_hours_end"].initial = user.quiet_hours_end
        self.fields["no_quiet_hours"].initial = user.quiet_hours_start is None or user.quiet_hours_end is None
        for row in self.rows:
            for cell in row.cells:
                field_name = self._names.get((row.kind.code, cell.channel))
                if field_name is not None:
                    cell.field = self[field_name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("no_quiet_hours"):
            data["quiet_hours_start"] = data["quiet_hours_end"] = None
        else:
            for name in ("quiet_hours_start", "quiet_hours_end"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Give a time, or tick “No quiet hours”."))
        return data

    def phone_channels(self) -> dict[str, list[str]]:
        chosen: dict[str, list[str]] = {}
        for kind in self.kinds:
            names = {
                c: n for (code, c), n in self._names.items() if code == kind.code and c in PHONE_CHANNELS
            }
            if names:
                chosen[kind.code] = [c for c, name in names.items() if self.cleaned_data.get(name)]
        return chosen

    def emails(self) -> dict[str, bool]:
        return {
            code: bool(self.cleaned_data.get(name))
            for (code, channel), name in self._names.items()
            if channel == Channel.EMAIL
        }
