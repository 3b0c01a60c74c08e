import uuid
from contextlib import nullcontext
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.template import loader
from django.utils.translation import gettext_lazy as _

from academy.api.scopes import scope_list
from academy.email_preferences import email_kinds_for, email_wanted
from academy.errors import ApplicationError
from academy.i18n import in_language_of
from academy.models import User, time_zone_choices
from academy.services import email_compose, email_enqueue_rendered
from academy.throttling import throttle


class LoginForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class ProfileForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["first_name", "last_name", "language", "time_zone", "country", "phone"]
        help_texts = {
            "phone": _("International format, e.g. +221 77 123 45 67."),
        }


class FilePreferencesForm(forms.ModelForm):
    """How the person's CSV downloads are separated (its own form on the profile page)."""

    prefix = "files"

    class Meta:
        model = User
        fields = ["csv_separator"]
        labels = {"csv_separator": _("Separator of CSV files")}
        help_texts = {
            "csv_separator": _(
                "Excel in French expects a semicolon, in English a comma. XLSX files need no choice."
            )
        }


class EmailPreferencesForm(forms.Form):
    """One checkbox per kind of automatic e-mail the person may receive
    (``academy.email_preferences``); ticked means wanted."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = {f"email_{kind.code.replace('.', '_')}": kind for kind in email_kinds_for(user)}
        for name, kind in self.kinds.items():
            self.fields[name] = forms.BooleanField(
                label=kind.label, required=False, initial=email_wanted(user=user, kind=kind.code)
            )

    def wanted(self) -> dict[str, bool]:
        return {kind.code: bool(self.cleaned_data.get(name)) for name, kind in self.kinds.items()}


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Sends the reset e-mail in the account holder's language and time zone,
    at most ``password_reset_email`` times per address (beyond, nothing is
    sent and the page is the same: it tells nothing about the account)."""

    def save(self, *args: Any, **kwargs: Any) -> None:
        address = self.cleaned_data["email"].strip().lower()
        if throttle("password_reset_email", address).hit() is not None:
            return
        super().save(*args, **kwargs)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        """Queue the reset e-mail in the outbox (it carries the reset link, so
        its body is kept only until it is sent)."""
        user = context.get("user")
        # The link is built from SITE_URL, not from the request's Host header.
        context = {**context, "site_url": settings.SITE_URL}
        with in_language_of(user) if isinstance(user, User) else nullcontext():
            subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
            body = loader.render_to_string(email_template_name, context)
            html = (
                loader.render_to_string(html_email_template_name, context) if html_email_template_name else ""
            )
            account = user if isinstance(user, User) else None
            rendered = email_compose(user=account, subject=subject, body=body, html=html)
        email_enqueue_rendered(
            key=f"password-reset-{uuid.uuid4()}",
            topic="academy.password_reset",
            to=to_email,
            user=account,
            rendered=rendered,
            sensitive=True,
        )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=settings.LANGUAGES)
    next = forms.CharField(required=False)


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """The form's field ``name``, which is a ``ChoiceField``: to set its choices."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), f"{name} is not a choice field"
    return field


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's field ``name``, which is a ``ModelChoiceField`` (or a multiple
    one): to set its queryset."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField), f"{name} is not a model choice field"
    return field


def apply_error(
    form: forms.BaseForm, error: ApplicationError, *, renamed: dict[str, str] | None = None
) -> None:
    """Show a service's error on ``form``: each field error next to its field
    (``renamed`` maps service field names to form field names), the rest on top."""
    if not error.fields:
        form.add_error(None, error.message)
        return
    renamed = renamed or {}
    for field, messages in error.fields.items():
        field = renamed.get(field, field)
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class ErasureRequestForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account will be erased for good and that I can no longer sign in."),
        error_messages={"required": _("Tick the box to confirm that you want your account erased.")},
    )


def _scope_choices() -> list[tuple[str, str]]:
    return [(scope.name, f"{scope.title} ({scope.name})") for scope in scope_list()]


class ApiTokenForm(forms.Form):
    """A new API token: what it is for, what it may reach, how long it lasts."""

    EXPIRY_DAYS = {"30": 30, "90": 90, "365": 365, "never": None}

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “CRM” or “Mobile app on my phone”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=_scope_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Give only what the integration needs. A token never goes beyond what you may do yourself."
        ),
        error_messages={"required": _("Choose at least one scope.")},
    )
    expires_in = forms.ChoiceField(
        label=_("Expires"),
        choices=[
            ("30", _("in 30 days")),
            ("90", _("in 90 days")),
            ("365", _("in a year")),
            ("never", _("never")),
        ],
        initial="90",
    )

    def expiry_days(self) -> int | None:
        return self.EXPIRY_DAYS[self.cleaned_data["expires_in"]]
