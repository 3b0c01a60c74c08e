import zoneinfo
from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from academy.models import Role, User, time_zone_choices
from distributors.selectors import distributor_choices, territory_choices
from webinars.models import PollKind, Series, Session

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

AUDIENCE_FIELDS = [
    "audience_everyone",
    "audience_territories",
    "audience_distributors",
    "audience_leads",
    "audience_staff",
    "audience_customers",
]


class _AudienceMixin(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)
    trainers = forms.ModelMultipleChoiceField(
        label=_("Trainers"),
        queryset=User.objects.filter(role=Role.TRAINER, is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    audience_territories = forms.ModelMultipleChoiceField(
        label=_("Territories"),
        queryset=territory_choices(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    audience_distributors = forms.ModelMultipleChoiceField(
        label=_("Distributors"), queryset=distributor_choices(), required=False
    )

    video_url = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")

    def audience(self) -> dict:
        return {name: self.cleaned_data[name] for name in AUDIENCE_FIELDS}


class SeriesForm(_AudienceMixin):
    class Meta:
        model = Series
        fields = [
            "title",
            "description",
            "language",
            "trainers",
            "rrule",
            "start_date",
            "start_time",
            "time_zone",
            "duration_minutes",
            "capacity",
            "video_provider",
            "video_url",
            "is_active",
            *AUDIENCE_FIELDS,
        ]
        widgets = {
            # Browsers read ISO values in date and time inputs, whatever the language.
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def service_fields(self) -> dict:
        skip = {"trainers", *AUDIENCE_FIELDS}
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name not in skip}


class SessionForm(_AudienceMixin):
    starts_at_local = forms.DateTimeField(
        label=_("Start (local time of the session)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    recording_url = forms.URLField(label=_("Recording link"), required=False, assume_scheme="https")

    class Meta:
        model = Session
        fields = [
            "title",
            "agenda",
            "language",
            "trainers",
            "starts_at_local",
            "time_zone",
            "duration_minutes",
            "capacity",
            "video_provider",
            "video_url",
            "recording_url",
            *AUDIENCE_FIELDS,
        ]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk and instance.starts_at and not self.is_bound:
            self.initial["starts_at_local"] = instance.starts_at.astimezone(instance.tzinfo).replace(
                tzinfo=None
            )
        self.fields["time_zone"].initial = instance.time_zone if instance.pk else "Africa/Abidjan"

    def clean(self) -> dict:
        data = super().clean() or {}
        local = data.get("starts_at_local")
        zone = data.get("time_zone")
        if local and zone:
            data["starts_at"] = local.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(zone))
        return data

    def _post_clean(self) -> None:
        # The instance is validated by the service; the form checks its own fields only.
        pass

    def service_fields(self) -> dict:
        skip = {"trainers", "starts_at_local", *AUDIENCE_FIELDS}
        fields = {name: self.cleaned_data[name] for name in self.Meta.fields if name not in skip}
        fields["starts_at"] = self.cleaned_data["starts_at"]
        return fields


class PreviewForm(forms.Form):
    rrule = forms.CharField(label=_("Recurrence rule"), max_length=500)
    start_date = forms.DateField(label=_("First date"))
    start_time = forms.TimeField(label=_("Local start time"))
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the registrants)"), required=False, widget=forms.Textarea
    )


class AttendanceMarkForm(forms.Form):
    user = forms.IntegerField(widget=forms.HiddenInput)
    attended = forms.BooleanField(label=_("Attended"), required=False)
    minutes = forms.IntegerField(label=_("Minutes"), required=False, min_value=0, max_value=24 * 60)


class AttendanceImportForm(forms.Form):
    file = forms.FileField(
        label=_("Participants report (CSV)"),
        help_text=_(
            "Columns: e-mail, and join and leave times or a duration in minutes (Zoom, BigBlueButton…)."
        ),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone of the times in the file"),
        choices=[("", _("The session’s time zone")), *time_zone_choices()],
        required=False,
    )


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    file = forms.FileField(label=_("File"), required=False)


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Your rating"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea)


class ReportForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Period"),
        coerce=int,
        choices=[(3, _("3 months")), (6, _("6 months")), (12, _("12 months"))],
        initial=6,
        required=False,
    )


class PollForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=300)
    kind = forms.ChoiceField(label=_("Answers allowed"), choices=PollKind.choices, initial=PollKind.SINGLE)
    options = forms.CharField(
        label=_("Answers (one per line, 2 to 10)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2500,
    )

    def clean_options(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["options"].splitlines() if line.strip()]


_LOCAL_INPUT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def _local_time_field(label: "str | _StrPromise") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=_LOCAL_INPUT,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class IntervalForm(forms.Form):
    """The times of a presence interval, in the trainer's time zone."""

    joined_at = _local_time_field(_("Joined at"))
    left_at = _local_time_field(_("Left at"))


class IntervalAddForm(IntervalForm):
    user = forms.TypedChoiceField(label=_("Person"), coerce=int)

    def __init__(self, *args: object, people: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["user"].choices = people  # type: ignore[attr-defined]
        self.order_fields(["user", "joined_at", "left_at"])


class CheckinForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=20,
        help_text=_("The code the trainer reads out or shows during the web-conference."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
