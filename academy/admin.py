from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from academy.models import Notification, OutgoingEmail, User
from academy.outbox import outbox_retry


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "language", "country", "is_active"]
    list_filter = ["role", "language", "is_active", "country"]
    search_fields = ["email", "first_name", "last_name", "phone"]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = ["groups", "user_permissions"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "phone", "country"]}),
        (_("Preferences"), {"fields": ["language", "time_zone"]}),
        (_("Access"), {"fields": ["role", "is_active", "groups", "user_permissions"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "password1", "password2"]}),
    ]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "kind", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "body", "user__email"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
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
        "sensitive",
        "status",
        "attempts",
        "next_attempt_at",
        "claim_token",
        "claimed_at",
        "sent_at",
        "last_error",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Send again (failed e-mails)"))
    def retry(self, request, queryset) -> None:
        count = outbox_retry(queryset)
        message = ngettext("%(count)s e-mail queued again.", "%(count)s e-mails queued again.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
