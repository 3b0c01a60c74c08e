from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from academy.api.scopes import scope_list
from academy.api_tokens import api_token_create, api_token_revoke, api_token_validate
from academy.erasure import erasure_request_approve, erasure_request_refuse, user_anonymise
from academy.errors import ApplicationError
from academy.forms import apply_error
from academy.models import (
    ApiToken,
    ErasureRequest,
    ErasureStatus,
    Notification,
    OutgoingEmail,
    StatementForward,
    User,
)
from academy.outbox import outbox_retry

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise


def _confirmation(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    action: str,
    title: "_StrOrPromise",
    question: "_StrOrPromise",
    with_reason: bool = False,
    error: str = "",
) -> TemplateResponse:
    """The page an irreversible admin action asks for confirmation on."""
    return TemplateResponse(
        request,
        "admin/academy/action_confirmation.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "question": question,
            "objects": list(queryset),
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": model_admin.model._meta,
            "with_reason": with_reason,
            "reason": request.POST.get("reason", ""),
            "error": error,
        },
    )


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Accounts are never deleted here (deleting would take the person's
    history with it): the "Anonymise" action erases them instead."""

    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "language", "country", "is_active"]
    list_filter = ["role", "language", "is_active", ("erased_at", admin.EmptyFieldListFilter), "country"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    readonly_fields = ["last_login", "date_joined", "erased_at"]
    actions = ["anonymise"]
    filter_horizontal = ["groups", "user_permissions"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "phone", "country"]}),
        (_("Preferences"), {"fields": ["language", "time_zone", "csv_separator", "email_opt_outs"]}),
        (_("Access"), {"fields": ["role", "is_active", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined", "erased_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]}),
    ]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Anonymise (erase the person, keep their history)"), permissions=["change"])
    def anonymise(self, request: HttpRequest, queryset: QuerySet[User]) -> TemplateResponse | None:
        if not request.POST.get("confirm"):
            return _confirmation(
                self,
                request,
                queryset,
                action="anonymise",
                title=_("Anonymise these accounts?"),
                question=_(
                    "Their names, e-mail addresses, phone numbers and the text they wrote will be "
                    "erased for good, and they will no longer be able to sign in. Their activity "
                    "stays, without their name, in their distributors' figures."
                ),
            )
        done = 0
        for user in queryset.order_by("pk"):
            if user.pk == request.user.pk:
                self.message_user(request, _("You cannot anonymise your own account here."), messages.ERROR)
                continue
            try:
                user_anonymise(user=user, by=request.user)  # type: ignore[arg-type]
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                done += 1
        if done:
            message = ngettext("%(count)s account anonymised.", "%(count)s accounts anonymised.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)
        return None


@admin.register(ErasureRequest)
class ErasureRequestAdmin(admin.ModelAdmin):
    """Requests people made to be erased: approve (the account is anonymised)
    or refuse with a reason; the person is told by e-mail either way."""

    list_display = ["user", "requested_at", "status", "processed_by", "processed_at"]
    list_filter = ["status", "requested_at"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "reason"]
    date_hierarchy = "requested_at"
    actions = ["approve", "refuse"]
    readonly_fields = ["user", "requested_at", "status", "processed_by", "processed_at", "reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def _pending(self, request: HttpRequest, queryset: QuerySet[ErasureRequest]) -> list[ErasureRequest]:
        pending = list(queryset.filter(status=ErasureStatus.PENDING).select_related("user").order_by("pk"))
        if len(pending) < queryset.count():
            message = _("Requests already processed were left as they are.")
            self.message_user(request, message, messages.WARNING)
        return pending

    @admin.action(description=_("Approve: anonymise the people"))
    def approve(self, request: HttpRequest, queryset: QuerySet[ErasureRequest]) -> TemplateResponse | None:
        if not request.POST.get("confirm"):
            return _confirmation(
                self,
                request,
                queryset,
                action="approve",
                title=_("Approve these erasure requests?"),
                question=_(
                    "Each person's account will be anonymised for good and they will be told by e-mail."
                ),
            )
        done = 0
        for erasure in self._pending(request, queryset):
            try:
                erasure_request_approve(request=erasure, by=request.user)  # type: ignore[arg-type]
            except ApplicationError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                done += 1
        if done:
            message = ngettext("%(count)s person erased.", "%(count)s people erased.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)
        return None

    @admin.action(description=_("Refuse, saying why"))
    def refuse(self, request: HttpRequest, queryset: QuerySet[ErasureRequest]) -> TemplateResponse | None:
        title = _("Refuse these erasure requests?")
        question = _("Each person will receive the reason by e-mail; their account stays as it is.")
        if not request.POST.get("confirm"):
            return _confirmation(
                self, request, queryset, action="refuse", title=title, question=question, with_reason=True
            )
        done = 0
        for erasure in self._pending(request, queryset):
            try:
                erasure_request_refuse(
                    request=erasure,
                    by=request.user,  # type: ignore[arg-type]
                    reason=request.POST.get("reason", ""),
                )
            except ApplicationError as error:
                if error.fields.get("reason"):  # the same for every request: ask again
                    return _confirmation(
                        self,
                        request,
                        queryset,
                        action="refuse",
                        title=title,
                        question=question,
                        with_reason=True,
                        error=error.message,
                    )
                self.message_user(request, error.message, messages.ERROR)
            else:
                done += 1
        if done:
            message = ngettext("%(count)s request refused.", "%(count)s requests refused.", done)
            self.message_user(request, message % {"count": done}, messages.SUCCESS)
        return None


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "body", "user__email"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"


# What the dispatcher writes on an outbox row: shown, never edited.
OUTBOX_FIELDS = [
    "status",
    "attempts",
    "next_attempt_at",
    "claim_token",
    "claimed_at",
    "sent_at",
    "last_error",
]


class OutboxRowAdmin(admin.ModelAdmin):
    """An outbox in the admin: rows are written by the platform only."""

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(OutboxRowAdmin):
    """The e-mail outbox: what waits, what left, what failed and why."""

    list_display = [
        "subject",
        "to",
        "topic",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "created_at",
    ]
    list_filter = ["status", "topic"]
    search_fields = ["to", "subject", "key", "last_error"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]
    actions = ["retry"]
    readonly_fields = [
        "key",
        "topic",
        "user",
        "to",
        "subject",
        "body",
        "html",
        "headers",
        "sensitive",
        *OUTBOX_FIELDS,
        "created_at",
    ]

    @admin.action(description=_("Send again (failed e-mails)"))
    def retry(self, request, queryset) -> None:
        count = outbox_retry(queryset)
        message = ngettext("%(count)s e-mail queued again.", "%(count)s e-mails queued again.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


class ApiTokenAddForm(forms.ModelForm):
    """A token an administrator makes, usually for an integration's own
    account (a service token); checked by the service's rules."""

    scopes = forms.MultipleChoiceField(
        label=_("Scopes"),
        choices=lambda: [(scope.name, f"{scope.name} — {scope.title}") for scope in scope_list()],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ApiToken
        fields = ["owner", "name", "scopes", "expires_at"]

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or self.request is None:
            return data
        try:
            api_token_validate(
                owner=data["owner"],
                name=data["name"],
                scopes=data["scopes"],
                expires_at=data.get("expires_at"),
                created_by=self.request.user,  # type: ignore[arg-type]
            )
        except ApplicationError as error:
            apply_error(self, error)
        return data

    def _post_clean(self) -> None:
        """The service makes the row (prefix, digest): no model validation here."""


API_TOKEN_FIELDS = (
    "owner",
    "name",
    "prefix",
    "scopes",
    "created_by",
    "created_at",
    "expires_at",
    "last_used_at",
    "revoked_at",
    "revoked_by",
)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every API token: who owns it, what it may reach, when it was last
    used; revoke any. The secret's digest is never shown. "Add" makes a
    token (for a service account, say) and shows its secret once."""

    list_display = [
        "name",
        "owner",
        "prefix",
        "scope_list",
        "kind",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), ("expires_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "owner__email", "owner__first_name", "owner__last_name"]
    list_select_related = ["owner"]
    raw_id_fields = ["owner"]
    date_hierarchy = "created_at"
    actions = ["revoke"]
    fields = API_TOKEN_FIELDS
    readonly_fields = API_TOKEN_FIELDS

    @admin.display(description=_("scopes"))
    def scope_list(self, token: ApiToken) -> str:
        return ", ".join(token.scopes)

    @admin.display(description=_("kind"))
    def kind(self, token: ApiToken) -> str:
        return str(_("service") if token.is_service else _("personal"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields if obj is not None else ApiTokenAddForm.Meta.fields

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is not None:
            return super().get_form(request, obj, change, **kwargs)
        base = super().get_form(request, obj, change, form=ApiTokenAddForm, **kwargs)

        class BoundAddForm(base):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, request=request, **inner)

        return BoundAddForm

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # revoked tokens stay, as a record of who could reach the API

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        token, secret = api_token_create(
            owner=form.cleaned_data["owner"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data.get("expires_at"),
            created_by=request.user,  # type: ignore[arg-type]
        )
        for field in ApiToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding = False
        obj._secret = secret  # type: ignore[attr-defined]

    def response_add(self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None) -> Any:
        return TemplateResponse(
            request,
            "admin/academy/apitoken/created.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Token made"),
                "opts": self.model._meta,
                "token": obj,
                "secret": getattr(obj, "_secret", ""),
            },
        )

    @admin.action(description=_("Revoke the tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> TemplateResponse | None:
        if not request.POST.get("confirm"):
            return _confirmation(
                self,
                request,
                queryset,
                action="revoke",
                title=_("Revoke these tokens?"),
                question=_("The applications that use them will be refused at once; this cannot be undone."),
            )
        done = 0
        for token in queryset.filter(revoked_at__isnull=True).order_by("pk"):
            api_token_revoke(token=token, by=request.user)  # type: ignore[arg-type]
            done += 1
        message = ngettext("%(count)s token revoked.", "%(count)s tokens revoked.", done)
        self.message_user(request, message % {"count": done}, messages.SUCCESS)
        return None


@admin.register(StatementForward)
class StatementForwardAdmin(OutboxRowAdmin):
    """The statements forwarded to the learning record store: what waits,
    what left, what the store refused and why."""

    list_display = ["event", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["last_error"]
    raw_id_fields = ["event"]
    actions = ["retry"]
    readonly_fields = ["event", *OUTBOX_FIELDS]

    @admin.action(description=_("Send again (failed statements)"))
    def retry(self, request, queryset) -> None:
        count = outbox_retry(queryset)
        message = ngettext("%(count)s statement queued again.", "%(count)s statements queued again.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


# The messaging layer (its own module).
from academy.messaging import admin as messaging_admin  # noqa: E402, F401
