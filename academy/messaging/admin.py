"""The messaging layer in the admin: messages and their rows, replies, spend.

Imported by ``academy.admin``. Everything here is written by the platform;
administrators read it, send failed texts again and read replies."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from academy.messaging.kinds import cost_centers
from academy.messaging.models import (
    DeliveryReceipt,
    InboundMessage,
    Message,
    MessageSpend,
    PhoneVerification,
    ShortLink,
    TextMessage,
)
from academy.outbox import outbox_retry


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class TextMessageInline(admin.TabularInline):
    model = TextMessage
    extra = 0
    can_delete = False
    fields = ("channel", "provider", "to", "status", "delivery_status", "attempts", "last_error", "sent_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["kind", "user", "chain", "fallback_channel", "cost_center", "created_at"]
    list_filter = ["kind", "fallback_channel"]
    search_fields = ["key", "user__email", "reply_ref"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user"]
    inlines = [TextMessageInline]
    exclude = ["rendered"]


@admin.register(TextMessage)
class TextMessageAdmin(ReadOnlyAdmin):
    """The WhatsApp and SMS outbox: what waits, what left, what the provider said."""

    list_display = [
        "to",
        "channel",
        "provider",
        "status",
        "delivery_status",
        "attempts",
        "segments",
        "cost",
        "sent_at",
        "created_at",
    ]
    list_filter = ["channel", "provider", "status", "delivery_status", "session"]
    search_fields = ["to", "provider_message_id", "message__key", "last_error"]
    date_hierarchy = "created_at"
    raw_id_fields = ["message"]
    actions = ["retry"]

    @admin.action(description=_("Send again (failed messages)"))
    def retry(self, request: HttpRequest, queryset: QuerySet[TextMessage]) -> None:
        count = outbox_retry(queryset)
        message = ngettext("%(count)s message queued again.", "%(count)s messages queued again.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)


@admin.register(DeliveryReceipt)
class DeliveryReceiptAdmin(ReadOnlyAdmin):
    list_display = ["provider", "provider_message_id", "status", "reported_at", "applied_at"]
    list_filter = ["provider", "status"]
    search_fields = ["provider_message_id", "error"]
    date_hierarchy = "received_at"


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    """What people wrote back; replies from unknown numbers wait here."""

    list_display = ["from_number", "user", "channel", "outcome", "text", "received_at"]
    list_filter = ["channel", "provider", "outcome"]
    search_fields = ["from_number", "text", "user__email"]
    date_hierarchy = "received_at"
    raw_id_fields = ["user", "in_reply_to"]


@admin.register(PhoneVerification)
class PhoneVerificationAdmin(ReadOnlyAdmin):
    list_display = ["user", "phone", "channel", "created_at", "expires_at", "attempts", "verified_at"]
    list_filter = ["channel"]
    search_fields = ["user__email", "phone"]
    date_hierarchy = "created_at"
    exclude = ["code_hash"]


@admin.register(MessageSpend)
class MessageSpendAdmin(ReadOnlyAdmin):
    """Paid messages per distributor and day, against the daily cap."""

    list_display = ["day", "center", "channel", "count", "cost"]
    list_filter = ["channel", "day"]
    search_fields = ["cost_center"]
    date_hierarchy = "day"

    @admin.display(description=_("cost centre"), ordering="cost_center")
    def center(self, spend: MessageSpend) -> str:
        centers = cost_centers()
        if centers is None or not spend.cost_center:
            return spend.cost_center or "—"
        return centers.label(spend.cost_center)


@admin.register(ShortLink)
class ShortLinkAdmin(ReadOnlyAdmin):
    list_display = ["code", "url", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["code", "url"]
