from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from academy.outbox import outbox_retry
from courses.models import (
    Assignee,
    Assignment,
    Category,
    Certificate,
    Choice,
    Course,
    CourseVersion,
    Enrollment,
    LearningPath,
    Lesson,
    LessonProgress,
    Module,
    PathCourse,
    PathEnrollment,
    Question,
    Quiz,
    QuizAnswer,
    QuizAttempt,
    Reminder,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_fr", "name_en", "position"]
    list_editable = ["position"]
    search_fields = ["slug", "name_fr", "name_en"]
    list_filter = ["created_at"]
    prepopulated_fields = {"slug": ["name_en"]}


class ModuleInline(admin.TabularInline):
    model = Module
    extra = 0
    fields = ["title", "position"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "level", "category", "status", "version", "owner", "validity_months"]
    list_filter = ["status", "language", "level", "category", "audience_everyone"]
    search_fields = ["title", "slug", "summary", "owner__email"]
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["owner"]
    filter_horizontal = ["trainers", "audience_territories", "audience_distributors"]
    # Files enter only through the authoring pages, whose services check them.
    readonly_fields = ["translation_group", "published_at", "archived_at", "cover"]
    list_select_related = ["category", "owner"]
    inlines = [ModuleInline]


@admin.register(CourseVersion)
class CourseVersionAdmin(admin.ModelAdmin):
    list_display = ["course", "number", "published_by", "requires_recertification", "created_at"]
    list_filter = ["requires_recertification"]
    search_fields = ["course__title", "notes"]
    raw_id_fields = ["course", "published_by"]


class LessonInline(admin.TabularInline):
    model = Lesson
    extra = 0
    fields = ["title", "kind", "position", "is_required"]


@admin.register(Module)
class ModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "position"]
    list_filter = ["course__language"]
    search_fields = ["title", "course__title"]
    raw_id_fields = ["course"]
    inlines = [LessonInline]


@admin.register(Lesson)
class LessonAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "module", "position", "is_required"]
    list_filter = ["kind", "is_required"]
    search_fields = ["title", "module__title", "module__course__title"]
    raw_id_fields = ["module"]
    readonly_fields = [
        "video_file",
        "document_file",
        "document_name",
        "document_content_type",
        "document_size",
    ]


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Quiz)
class QuizAdmin(admin.ModelAdmin):
    list_display = ["lesson", "pass_mark", "max_attempts", "shuffle"]
    list_filter = ["shuffle"]
    search_fields = ["lesson__title", "lesson__module__course__title"]
    raw_id_fields = ["lesson"]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "kind", "quiz", "position"]
    list_filter = ["kind"]
    search_fields = ["text", "explanation", "quiz__lesson__title"]
    raw_id_fields = ["quiz"]
    inlines = [ChoiceInline]


@admin.register(Choice)
class ChoiceAdmin(admin.ModelAdmin):
    list_display = ["text", "question", "is_correct"]
    list_filter = ["is_correct"]
    search_fields = ["text", "question__text"]
    raw_id_fields = ["question"]


@admin.register(QuizAttempt)
class QuizAttemptAdmin(admin.ModelAdmin):
    list_display = ["quiz", "enrollment", "number", "score", "passed", "started_at", "submitted_at"]
    list_filter = ["passed"]
    search_fields = ["enrollment__user__email", "quiz__lesson__title"]
    raw_id_fields = ["enrollment", "quiz"]
    date_hierarchy = "started_at"


@admin.register(QuizAnswer)
class QuizAnswerAdmin(admin.ModelAdmin):
    list_display = ["attempt", "question", "is_correct"]
    list_filter = ["is_correct"]
    search_fields = ["attempt__enrollment__user__email", "question__text"]
    raw_id_fields = ["attempt", "question"]


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "status", "source", "progress_percent", "distributor", "enrolled_at"]
    list_filter = ["status", "source", "distributor__territory"]
    search_fields = ["user__email", "user__last_name", "course__title", "distributor__name"]
    raw_id_fields = ["user", "course", "distributor", "last_lesson"]
    date_hierarchy = "enrolled_at"
    list_select_related = ["user", "course", "distributor"]


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    list_display = ["enrollment", "lesson", "viewed_at", "completed_at"]
    list_filter = [("completed_at", admin.EmptyFieldListFilter)]
    search_fields = ["enrollment__user__email", "lesson__title"]
    raw_id_fields = ["enrollment", "lesson"]


class PathCourseInline(admin.TabularInline):
    model = PathCourse
    extra = 0
    raw_id_fields = ["course"]


@admin.register(LearningPath)
class LearningPathAdmin(admin.ModelAdmin):
    list_display = ["title", "language", "status", "owner", "validity_months"]
    list_filter = ["status", "language"]
    search_fields = ["title", "slug", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["owner"]
    filter_horizontal = ["audience_territories", "audience_distributors"]
    inlines = [PathCourseInline]


@admin.register(PathCourse)
class PathCourseAdmin(admin.ModelAdmin):
    list_display = ["path", "course", "position"]
    list_filter = ["path"]
    search_fields = ["path__title", "course__title"]
    raw_id_fields = ["path", "course"]


@admin.register(PathEnrollment)
class PathEnrollmentAdmin(admin.ModelAdmin):
    list_display = ["user", "path", "status", "source", "enrolled_at", "completed_at"]
    list_filter = ["status", "source"]
    search_fields = ["user__email", "path__title"]
    raw_id_fields = ["user", "path", "distributor"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["code", "holder_name", "title", "issued_on", "expires_on", "recertify_by", "status"]
    list_filter = ["status", "course", "path"]
    search_fields = ["code", "holder_name", "title", "user__email"]
    raw_id_fields = ["user", "course", "path", "enrollment", "path_enrollment"]
    readonly_fields = ["code"]
    date_hierarchy = "issued_on"


class AssigneeInline(admin.TabularInline):
    model = Assignee
    extra = 0
    raw_id_fields = ["user", "enrollment", "path_enrollment"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "distributor",
        "target",
        "role",
        "due_on",
        "due_days",
        "created_by",
        "cancelled_at",
    ]
    list_filter = ["target", ("cancelled_at", admin.EmptyFieldListFilter), "distributor__territory"]
    search_fields = ["distributor__name", "course__title", "path__title", "created_by__email"]
    raw_id_fields = ["distributor", "course", "path", "created_by", "cancelled_by"]
    inlines = [AssigneeInline]


@admin.register(Assignee)
class AssigneeAdmin(admin.ModelAdmin):
    list_display = ["user", "assignment", "due_on", "completed_at", "released_at"]
    list_filter = [("completed_at", admin.EmptyFieldListFilter), ("released_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__email", "user__last_name", "assignment__distributor__name"]
    raw_id_fields = ["assignment", "user", "enrollment", "path_enrollment"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "kind",
        "days_before",
        "user",
        "send_at",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["user__email", "last_error"]
    raw_id_fields = ["user", "certificate", "assignee"]
    readonly_fields = ["claim_token", "claimed_at", "sent_at", "last_error"]
    date_hierarchy = "send_at"
    actions = ["requeue"]

    @admin.action(description=_("Send again (failed reminders)"))
    def requeue(self, request, queryset) -> None:
        count = outbox_retry(queryset)
        message = ngettext("%(count)s reminder queued again.", "%(count)s reminders queued again.", count)
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
