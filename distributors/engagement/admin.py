"""Admin of engagement measurement. Rollups and snapshots are derived data:
shown read-only (``engagement_rebuild`` recomputes them)."""

from django.contrib import admin

from distributors.engagement.models import (
    CertifiedHeadcount,
    DistributorDay,
    DistributorScore,
    DistributorVerbDay,
    EngagementDigest,
    Nudge,
    PersonDay,
    PersonScore,
    RollupCursor,
)


class DerivedAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PersonDay)
class PersonDayAdmin(DerivedAdmin):
    list_display = ["day", "user", "events", "actions", "lessons_completed", "minutes_learned"]
    list_filter = ["day"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    date_hierarchy = "day"


@admin.register(DistributorDay)
class DistributorDayAdmin(DerivedAdmin):
    list_display = ["day", "distributor", "events", "actions", "active_people", "minutes_learned"]
    list_filter = ["day", "distributor__territory"]
    search_fields = ["distributor__name"]
    list_select_related = ["distributor"]
    date_hierarchy = "day"


@admin.register(DistributorVerbDay)
class DistributorVerbDayAdmin(DerivedAdmin):
    list_display = ["day", "distributor", "verb", "events"]
    list_filter = ["verb", "day"]
    search_fields = ["distributor__name", "verb"]
    list_select_related = ["distributor"]


@admin.register(RollupCursor)
class RollupCursorAdmin(DerivedAdmin):
    list_display = ["name", "last_event_id", "updated_at"]
    list_filter = ["updated_at"]
    search_fields = ["name"]


@admin.register(DistributorScore)
class DistributorScoreAdmin(DerivedAdmin):
    list_display = ["distributor", "kind", "period", "score", "is_at_risk", "last_activity_on"]
    list_filter = ["kind", "is_at_risk", "distributor__territory"]
    search_fields = ["distributor__name"]
    list_select_related = ["distributor"]


@admin.register(PersonScore)
class PersonScoreAdmin(DerivedAdmin):
    list_display = ["user", "distributor", "score", "last_activity_on"]
    list_filter = ["distributor__territory"]
    search_fields = ["user__email", "distributor__name"]
    list_select_related = ["user", "distributor"]


@admin.register(CertifiedHeadcount)
class CertifiedHeadcountAdmin(DerivedAdmin):
    list_display = ["distributor", "course", "staff", "certified", "certified_before"]
    list_filter = ["distributor__territory"]
    search_fields = ["distributor__name", "course__title"]
    list_select_related = ["distributor", "course"]


@admin.register(EngagementDigest)
class EngagementDigestAdmin(admin.ModelAdmin):
    list_display = ["manager", "week", "distributors", "sent_at"]
    list_filter = ["week"]
    search_fields = ["manager__email"]
    list_select_related = ["manager"]


@admin.register(Nudge)
class NudgeAdmin(admin.ModelAdmin):
    list_display = ["distributor", "sender", "audience", "template", "sent_at", "delivered_at"]
    list_filter = ["audience", "template"]
    search_fields = ["distributor__name", "sender__email"]
    list_select_related = ["distributor", "sender"]
    raw_id_fields = ["distributor", "sender", "recipients"]
    readonly_fields = ["sent_at", "delivered_at"]
