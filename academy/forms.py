import uuid
from contextlib import nullcontext
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.template import loader
from django.utils.translation import gettext_lazy as _

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
