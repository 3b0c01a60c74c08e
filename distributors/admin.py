from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from academy.models import EngagementEvent
from distributors.models import (
    Distributor,
    DistributorStatusChange,
    FieldReport,
    FieldReportReply,
    Invitation,
    Membership,
    ScorecardReview,
    Territory,
)


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "country_list"]
    search_fields = ["name", "countries"]
    list_filter = ["managers"]
    filter_horizontal = ["managers"]

    @admin.display(description=_("countries"))
    def country_list(self, obj: Territory) -> str:
        return ", ".join(country.code for country in obj.countries)  # type: ignore[attr-defined]  # multiple CountryField: a list of Country, typed as str


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user", "ended_by"]


class StatusChangeInline(admin.TabularInline):
    model = DistributorStatusChange
    extra = 0
    readonly_fields = ["from_status", "to_status", "changed_by", "reason", "created_at"]
    can_delete = False


@admin.register(Distributor)
class DistributorAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "city", "territory", "status", "is_exclusive", "message_daily_cap"]
    list_filter = ["status", "territory", "country", "is_exclusive"]
    search_fields = ["name", "city", "contact_name", "contact_email"]
    raw_id_fields = ["account_manager"]
    inlines = [MembershipInline, StatusChangeInline]


@admin.register(DistributorStatusChange)
class DistributorStatusChangeAdmin(admin.ModelAdmin):
    list_display = ["distributor", "from_status", "to_status", "changed_by", "created_at"]
    list_filter = ["to_status", "from_status"]
    search_fields = ["distributor__name", "reason"]
    raw_id_fields = ["distributor", "changed_by"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "distributor", "role", "joined_on", "left_on"]
    list_filter = ["role", ("left_on", admin.EmptyFieldListFilter), "distributor__territory"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "distributor__name"]
    raw_id_fields = ["user", "distributor", "ended_by"]
    date_hierarchy = "joined_on"


@admin.register(EngagementEvent)
class EngagementEventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "actor", "verb", "distributor", "object_type", "object_name"]
    list_filter = ["verb", "distributor__territory"]
    search_fields = ["actor__email", "object_name", "distributor__name"]
    raw_id_fields = ["actor", "distributor"]
    date_hierarchy = "occurred_at"
    list_select_related = ["actor", "distributor"]

    # The log is append-only: it is read here, never edited.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ScorecardReview)
class ScorecardReviewAdmin(admin.ModelAdmin):
    list_display = [
        "distributor",
        "reviewed_on",
        "payment_reliability",
        "established_network",
        "technical_competence",
        "commitment",
        "reviewed_by",
    ]
    list_filter = ["distributor__territory", "reviewed_on"]
    search_fields = ["distributor__name", "summary"]
    raw_id_fields = ["distributor", "reviewed_by"]
    date_hierarchy = "reviewed_on"
    list_select_related = ["distributor", "reviewed_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "distributor", "role", "status_display", "expires_at", "invited_by"]
    list_filter = ["role", "language", ("accepted_at", admin.EmptyFieldListFilter), "distributor__territory"]
    search_fields = ["email", "first_name", "last_name", "distributor__name"]
    raw_id_fields = ["distributor", "invited_by", "accepted_by", "membership", "revoked_by"]
    readonly_fields = ["token_hash", "sent_at", "send_count", "accepted_at", "accepted_by", "membership"]
    list_select_related = ["distributor", "invited_by"]

    @admin.display(description=_("status"))
    def status_display(self, obj: Invitation) -> str:
        return obj.get_status_display()


class FieldReportReplyInline(admin.TabularInline):
    model = FieldReportReply
    extra = 0
    raw_id_fields = ["author"]
    readonly_fields = ["created_at", "emailed_at"]


@admin.register(FieldReport)
class FieldReportAdmin(admin.ModelAdmin):
    list_display = ["title", "distributor", "kind", "urgency", "status", "country", "created_at"]
    list_filter = ["status", "kind", "urgency", "distributor__territory", "country"]
    search_fields = ["title", "description", "product", "distributor__name", "sender__email"]
    raw_id_fields = ["distributor", "sender"]
    readonly_fields = [
        "attachment",
        "attachment_name",
        "attachment_size",
        "attachment_content_type",
        "status_changed_at",
    ]
    date_hierarchy = "created_at"
    list_select_related = ["distributor"]
    inlines = [FieldReportReplyInline]


@admin.register(FieldReportReply)
class FieldReportReplyAdmin(admin.ModelAdmin):
    list_display = ["report", "author", "status_from", "status_to", "created_at"]
    list_filter = ["status_to"]
    search_fields = ["report__title", "body", "author__email"]
    raw_id_fields = ["report", "author"]
    list_select_related = ["report", "author"]
