from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from webinars import services
from webinars.models import (
    Announcement,
    Attendance,
    AttendanceInterval,
    ChatMessage,
    Feedback,
    HandRaise,
    Material,
    Poll,
    PollOption,
    PollVote,
    Question,
    QuestionVote,
    Registration,
    Reminder,
    RoomConnection,
    RoomEvent,
    RoomMute,
    Series,
    Session,
    VideoEvent,
    WebinarPreference,
)


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["title", "rrule", "time_zone", "language", "is_active"]
    list_filter = ["is_active", "language", "video_provider"]
    search_fields = ["title", "description"]
    filter_horizontal = ["trainers", "audience_territories", "audience_distributors"]


# Material files enter only through the session's page, whose service checks them.
MATERIAL_FILE_FIELDS = ["file", "file_name", "file_content_type", "file_size"]


class MaterialInline(admin.TabularInline):
    model = Material
    extra = 0
    readonly_fields = MATERIAL_FILE_FIELDS


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "starts_at", "status", "series", "capacity", "video_provider", "is_customised"]
    list_filter = ["status", "video_provider", "language", "is_customised", "series"]
    search_fields = ["title", "agenda"]
    date_hierarchy = "starts_at"
    filter_horizontal = ["trainers", "audience_territories", "audience_distributors"]
    readonly_fields = ["ical_uid", "sequence", "occurrence_start", "started_at", "ended_at"]
    inlines = [MaterialInline]
    list_select_related = ["series"]


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ["title", "session", "url", "file"]
    list_filter = ["session__status"]
    search_fields = ["title", "session__title"]
    raw_id_fields = ["session"]
    readonly_fields = MATERIAL_FILE_FIELDS


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "session",
        "status",
        "distributor",
        "created_at",
        "coming_confirmed_at",
        "cancelled_at",
        "cancelled_by_reply",
    ]
    list_filter = ["status", "cancelled_by_reply", "distributor__territory"]
    search_fields = ["user__email", "user__last_name", "session__title", "distributor__name"]
    raw_id_fields = ["user", "session", "distributor"]
    list_select_related = ["user", "session", "distributor"]


@admin.action(description=_("Retry the selected failed reminders"))
def retry_reminders(modeladmin, request, queryset) -> None:
    services.reminders_retry(reminders=queryset)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "registration",
        "status",
        "due_at",
        "attempts",
        "sent_at",
        "last_error",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["registration__user__email", "registration__session__title", "last_error"]
    raw_id_fields = ["registration"]
    date_hierarchy = "due_at"
    list_select_related = ["registration__user", "registration__session"]
    actions = [retry_reminders]
    readonly_fields = ["claim_token", "claimed_at", "sent_at", "attempts", "last_error"]


class IntervalInline(admin.TabularInline):
    model = AttendanceInterval
    extra = 0
    raw_id_fields = ["corrected_by"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["user", "session", "attended", "minutes_attended", "source", "distributor"]
    list_filter = ["attended", "source", "distributor__territory"]
    search_fields = ["user__email", "user__last_name", "session__title"]
    raw_id_fields = ["user", "session", "registration", "distributor"]
    inlines = [IntervalInline]
    list_select_related = ["user", "session", "distributor"]


@admin.register(AttendanceInterval)
class AttendanceIntervalAdmin(admin.ModelAdmin):
    list_display = ["attendance", "joined_at", "left_at", "source", "corrected_by", "corrected_at"]
    list_filter = ["source"]
    search_fields = ["attendance__user__email", "attendance__session__title"]
    raw_id_fields = ["attendance", "corrected_by"]


@admin.register(VideoEvent)
class VideoEventAdmin(admin.ModelAdmin):
    """BigBlueButton webhook events already applied (kept so a replay changes nothing)."""

    list_display = ["kind", "session", "occurred_at", "received_at"]
    list_filter = ["kind"]
    search_fields = ["key", "session__title"]
    raw_id_fields = ["session"]
    readonly_fields = ["session", "key", "kind", "occurred_at", "received_at"]


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["session", "user", "rating", "created_at"]
    list_filter = ["rating"]
    search_fields = ["session__title", "user__email", "comment"]
    raw_id_fields = ["session", "user"]


@admin.register(WebinarPreference)
class WebinarPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "updated_at"]
    list_filter = [("calendar_token", admin.EmptyFieldListFilter)]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    exclude = ["calendar_token"]


# ---------------------------------------------------------------- live room


@admin.register(RoomEvent)
class RoomEventAdmin(admin.ModelAdmin):
    list_display = ["id", "session", "type", "audience", "target_user", "created_at"]
    list_filter = ["type", "audience"]
    search_fields = ["session__title", "type"]
    raw_id_fields = ["session", "target_user"]
    list_select_related = ["session", "target_user"]


@admin.register(RoomConnection)
class RoomConnectionAdmin(admin.ModelAdmin):
    list_display = ["user", "session", "role", "connected_at", "last_seen_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "session__title"]
    raw_id_fields = ["session", "user"]


@admin.register(ChatMessage)
class ChatMessageAdmin(admin.ModelAdmin):
    list_display = ["session", "author", "text", "created_at", "deleted_at"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter)]
    search_fields = ["text", "author__email", "session__title"]
    raw_id_fields = ["session", "author", "deleted_by"]
    list_select_related = ["session", "author"]


@admin.register(RoomMute)
class RoomMuteAdmin(admin.ModelAdmin):
    list_display = ["session", "user", "muted_by", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["user__email", "session__title"]
    raw_id_fields = ["session", "user", "muted_by"]


class QuestionVoteInline(admin.TabularInline):
    model = QuestionVote
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "session", "author", "is_anonymous", "status", "is_pinned", "votes"]
    list_filter = ["status", "is_anonymous", "is_pinned"]
    search_fields = ["text", "author__email", "session__title"]
    raw_id_fields = ["session", "author"]
    inlines = [QuestionVoteInline]


@admin.register(QuestionVote)
class QuestionVoteAdmin(admin.ModelAdmin):
    list_display = ["question", "user", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["question__text", "user__email"]
    raw_id_fields = ["question", "user"]


class PollOptionInline(admin.TabularInline):
    model = PollOption
    extra = 0


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ["question", "session", "kind", "status", "opened_at", "closed_at"]
    list_filter = ["status", "kind"]
    search_fields = ["question", "session__title"]
    raw_id_fields = ["session", "created_by"]
    inlines = [PollOptionInline]


@admin.register(PollOption)
class PollOptionAdmin(admin.ModelAdmin):
    list_display = ["text", "poll", "position"]
    list_filter = ["poll__status"]
    search_fields = ["text", "poll__question"]
    raw_id_fields = ["poll"]


@admin.register(PollVote)
class PollVoteAdmin(admin.ModelAdmin):
    list_display = ["poll", "option", "user", "created_at"]
    list_filter = ["poll__status"]
    search_fields = ["poll__question", "user__email"]
    raw_id_fields = ["poll", "option", "user"]


@admin.register(HandRaise)
class HandRaiseAdmin(admin.ModelAdmin):
    list_display = ["session", "user", "created_at", "lowered_at"]
    list_filter = [("lowered_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "session__title"]
    raw_id_fields = ["session", "user", "lowered_by"]


@admin.register(Announcement)
class AnnouncementAdmin(admin.ModelAdmin):
    list_display = ["text", "session", "author", "created_at"]
    list_filter = ["created_at"]
    search_fields = ["text", "session__title"]
    raw_id_fields = ["session", "author"]
