"""Forms of the distributors pages. They check the shape of the input; the
services hold the rules and their errors are put back on these forms."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries as country_registry

from academy.forms import choice_field
from academy.models import time_zone_choices
from distributors.attachments import ATTACHMENT_KINDS
from distributors.models import (
    DistributorStatus,
    FieldReportKind,
    FieldReportStatus,
    FieldReportUrgency,
    MembershipRole,
    ScorecardReview,
)


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in the distributor's status history."),
    )

    def __init__(self, *args, next_statuses: tuple[str, ...] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "status").choices = [(s, DistributorStatus(s).label) for s in next_statuses]


RATING_CHOICES = [
    (1, _("1 — poor")),
    (2, _("2 — weak")),
    (3, _("3 — fair")),
    (4, _("4 — good")),
    (5, _("5 — excellent")),
]


class ScorecardReviewForm(forms.Form):
    reviewed_on = forms.DateField(
        label=_("Review date"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, label in ScorecardReview.CRITERIA:
            self.fields[name] = forms.TypedChoiceField(label=label, choices=RATING_CHOICES, coerce=int)
            self.fields[f"{name}_notes"] = forms.CharField(
                label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
            )
        self.order_fields(
            ["reviewed_on"]
            + [f for name, _label in ScorecardReview.CRITERIA for f in (name, f"{name}_notes")]
            + ["summary"]
        )

    def criteria_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[name], self[f"{name}_notes"]) for name, _label in ScorecardReview.CRITERIA]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices, initial=MembershipRole.STAFF)
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        help_text=_("The e-mail is written in this language."),
    )

    def __init__(self, *args, may_invite_lead: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not may_invite_lead:
            choice_field(self, "role").choices = [(MembershipRole.STAFF, MembershipRole.STAFF.label)]


class MemberRemoveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: left the company, moved to another position."),
    )


class InvitationAcceptForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        return cleaned


def _countries() -> list[tuple[str, str]]:
    # Called at each use, so the names follow the language of the request.
    return list(country_registry)


class FieldReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=FieldReportKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What happened, who is concerned, what the customer expects."),
    )
    country = forms.ChoiceField(label=_("Country"), choices=_countries)
    product = forms.CharField(
        label=_("Product or area"),
        max_length=200,
        required=False,
        help_text=_("For example: food-intolerance test kit, water analysis, hospital laboratories."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=FieldReportUrgency.choices, initial=FieldReportUrgency.NORMAL
    )
    attachment = forms.FileField(
        label=_("Attachment (optional)"),
        required=False,
        help_text=_("PDF, JPG, PNG, Word (.docx) or Excel (.xlsx), 10 MB at most."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(ATTACHMENT_KINDS))}),
    )


class FieldReportTriageForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    reply = forms.CharField(
        label=_("Reply to the sender"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The sender sees it on the report and is notified."),
    )

    def __init__(self, *args, current: str = "", next_statuses: tuple[str, ...] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        keep = _("Keep “%(status)s”") % {"status": FieldReportStatus(current).label} if current else ""
        choice_field(self, "status").choices = [("", keep)] + [
            (s, FieldReportStatus(s).label) for s in next_statuses
        ]

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if not cleaned.get("status") and not (cleaned.get("reply") or "").strip():
            raise forms.ValidationError(_("Write a reply or choose a new status."))
        return cleaned
