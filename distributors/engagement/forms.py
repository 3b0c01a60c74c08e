"""Forms of the engagement pages: dashboard filters and the nudge."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from academy.forms import choice_field
from distributors.engagement.models import NudgeAudience
from distributors.engagement.risks import RISK_CHOICES
from distributors.engagement.services import NUDGE_TEMPLATES
from distributors.selectors import distributor_status_choices


class DashboardFilterForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *distributor_status_choices()]
    )
    risk = forms.ChoiceField(
        label=_("At risk"),
        required=False,
        choices=[("", _("All")), ("any", _("At risk")), ("none", _("Not at risk")), *RISK_CHOICES],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("score", _("Score, lowest first")),
            ("-score", _("Score, highest first")),
            ("activity", _("Last activity, oldest first")),
            ("name", _("Name")),
        ],
    )

    def __init__(self, *args, countries: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        choice_field(self, "country").choices = [("", _("All countries")), *countries]


class NudgeForm(forms.Form):
    audience = forms.ChoiceField(label=_("Send to"), choices=NudgeAudience.choices, widget=forms.RadioSelect)
    template = forms.ChoiceField(label=_("Template"), choices=[(t.key, t.label) for t in NUDGE_TEMPLATES])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            self.fields[f"subject_{code}"] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": name}, max_length=200
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Message (%(language)s)") % {"language": name},
                widget=forms.Textarea(attrs={"rows": 9}),
                max_length=5000,
            )

    def messages(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {
            code: {"subject": data.get(f"subject_{code}", ""), "body": data.get(f"body_{code}", "")}
            for code, _name in settings.LANGUAGES
        }
