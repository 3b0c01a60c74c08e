"""Input and output shapes of the courses API. Outputs never carry which
answers of a quiz are correct before the attempt is submitted."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from courses.markdown import render_markdown
from courses.models import (
    Assignee,
    Assignment,
    AssignmentTarget,
    Certificate,
    Course,
    Enrollment,
    Language,
    LearningPath,
    Lesson,
    LessonKind,
    Level,
    Module,
    QuizAttempt,
)
from distributors.choices import MembershipRole

# ------------------------------------------------------------------ catalogue and courses


class CategoryOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class CourseListOutputSerializer(serializers.ModelSerializer):
    category = CategoryOutputSerializer(allow_null=True)
    my_status = serializers.CharField(allow_null=True, help_text="Status of your latest enrolment, if any.")
    my_progress = serializers.IntegerField(allow_null=True)

    class Meta:
        model = Course
        fields = [
            "id",
            "slug",
            "title",
            "summary",
            "language",
            "level",
            "category",
            "estimated_minutes",
            "version",
            "validity_months",
            "self_enrolment",
            "my_status",
            "my_progress",
        ]


class CatalogueQuerySerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=Language.choices, required=False)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    category = serializers.SlugField(required=False)
    search = serializers.CharField(required=False, max_length=100)


class LessonOutlineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=LessonKind.choices)
    is_required = serializers.BooleanField()
    estimated_minutes = serializers.IntegerField()
    completed = serializers.BooleanField()


class ModuleOutlineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    summary = serializers.CharField()
    lessons = LessonOutlineSerializer(many=True)


class EnrollmentOutputSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField[Course](slug_field="slug", read_only=True)
    resume_lesson = serializers.IntegerField(source="last_lesson_id", allow_null=True)

    class Meta:
        model = Enrollment
        fields = [
            "id",
            "course",
            "course_version",
            "source",
            "status",
            "progress_percent",
            "enrolled_at",
            "completed_at",
            "resume_lesson",
        ]


class CourseDetailOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="course.id")
    slug = serializers.CharField(source="course.slug")
    title = serializers.CharField(source="course.title")
    summary = serializers.CharField(source="course.summary")
    language = serializers.CharField(source="course.language")
    level = serializers.CharField(source="course.level")
    category = CategoryOutputSerializer(source="course.category", allow_null=True)
    estimated_minutes = serializers.IntegerField(source="course.estimated_minutes")
    status = serializers.CharField(source="course.status")
    version = serializers.IntegerField(source="course.version")
    validity_months = serializers.IntegerField(source="course.validity_months", allow_null=True)
    translations = serializers.SerializerMethodField()
    enrollment = EnrollmentOutputSerializer(allow_null=True)
    resume_lesson = serializers.SerializerMethodField()
    modules = serializers.SerializerMethodField(
        help_text="Modules and lessons: for enrolled learners and the course's authors only (else null)."
    )

    def get_translations(self, page) -> list[dict[str, str]]:
        return [{"language": c.language, "slug": c.slug, "title": c.title} for c in page.translations]

    def get_resume_lesson(self, page) -> int | None:
        lesson = page.resume_lesson
        return lesson.pk if lesson is not None and self.context.get("has_access") else None

    @staticmethod
    def outline(modules: list[Module], done: set[int]) -> list[dict]:
        return [
            {
                "id": module.pk,
                "title": module.title,
                "summary": module.summary,
                "lessons": [
                    {
                        "id": lesson.pk,
                        "title": lesson.title,
                        "kind": lesson.kind,
                        "is_required": lesson.is_required,
                        "estimated_minutes": lesson.estimated_minutes,
                        "completed": lesson.pk in done,
                    }
                    for lesson in module.lessons.all()
                ],
            }
            for module in modules
        ]

    def get_modules(self, page) -> list[dict] | None:
        if not self.context.get("has_access"):
            return None
        return list(
            ModuleOutlineSerializer(self.outline(page.modules, page.completed_lesson_ids), many=True).data
        )


class QuizSettingsOutputSerializer(serializers.Serializer):
    pass_mark = serializers.IntegerField()
    max_attempts = serializers.IntegerField(allow_null=True)
    shuffle = serializers.BooleanField()
    attempts_url = serializers.CharField()


class LessonOutputSerializer(serializers.ModelSerializer):
    course = serializers.CharField(source="module.course.slug")
    module = serializers.IntegerField(source="module_id")
    body_html = serializers.SerializerMethodField(help_text="The lesson text, rendered and sanitised.")
    video_embed_url = serializers.CharField()
    file_url = serializers.SerializerMethodField()
    completed = serializers.SerializerMethodField()
    quiz = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = [
            "id",
            "course",
            "module",
            "title",
            "kind",
            "is_required",
            "estimated_minutes",
            "body_html",
            "video_embed_url",
            "video_download_url",
            "transcript",
            "document_name",
            "document_content_type",
            "document_size",
            "file_url",
            "completed",
            "quiz",
        ]

    def get_body_html(self, lesson: Lesson) -> str:
        return render_markdown(lesson.body)

    def get_file_url(self, lesson: Lesson) -> str | None:
        if lesson.document_file or lesson.video_file:
            return reverse("courses:lesson_file", args=[lesson.module.course.slug, lesson.pk])
        return None

    def get_completed(self, lesson: Lesson) -> bool:
        return bool(self.context.get("completed"))

    def get_quiz(self, lesson: Lesson) -> dict | None:
        if lesson.kind != LessonKind.QUIZ:
            return None
        quiz = lesson.quiz
        return QuizSettingsOutputSerializer(
            {
                "pass_mark": quiz.pass_mark,
                "max_attempts": quiz.max_attempts,
                "shuffle": quiz.shuffle,
                "attempts_url": reverse("api:courses-lesson-attempts", args=[lesson.pk]),
            }
        ).data


# ------------------------------------------------------------------ quiz attempts


class ChoiceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class QuestionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    text = serializers.CharField()
    choices = ChoiceOutputSerializer(many=True, source="ordered_choices")


class QuestionResultOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    selected = serializers.ListField(child=serializers.IntegerField())
    is_correct = serializers.BooleanField()
    explanation = serializers.CharField()
    correct_choices = serializers.ListField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="Shown once the quiz is passed or no attempt is left; null before.",
    )
    choices = ChoiceOutputSerializer(many=True)


class AttemptOutputSerializer(serializers.ModelSerializer):
    lesson = serializers.IntegerField(source="quiz.lesson_id")
    questions = serializers.SerializerMethodField(help_text="Questions of an open attempt, in its order.")
    results = serializers.SerializerMethodField(help_text="Per question results of a submitted attempt.")

    class Meta:
        model = QuizAttempt
        fields = [
            "id",
            "lesson",
            "number",
            "started_at",
            "submitted_at",
            "score",
            "passed",
            "questions",
            "results",
        ]

    def get_questions(self, attempt: QuizAttempt) -> list[dict] | None:
        questions = self.context.get("questions", {}).get(attempt.pk)
        return None if questions is None else list(QuestionOutputSerializer(questions, many=True).data)

    def get_results(self, attempt: QuizAttempt) -> list[dict] | None:
        results = self.context.get("results", {}).get(attempt.pk)
        return None if results is None else list(QuestionResultOutputSerializer(results, many=True).data)


class AttemptSubmitInputSerializer(serializers.Serializer):
    answers = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField(), allow_empty=True),
        help_text="Question id → ids of the chosen answers.",
    )


# ------------------------------------------------------------------ enrolments, certificates


class LessonProgressOutputSerializer(serializers.Serializer):
    lesson = serializers.IntegerField(source="lesson_id")
    viewed_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class EnrollmentDetailOutputSerializer(EnrollmentOutputSerializer):
    lessons = LessonProgressOutputSerializer(many=True, source="lesson_progress.all")

    class Meta(EnrollmentOutputSerializer.Meta):
        fields = [*EnrollmentOutputSerializer.Meta.fields, "lessons"]


class CertificateOutputSerializer(serializers.ModelSerializer):
    course = serializers.SlugRelatedField[Course](slug_field="slug", read_only=True, allow_null=True)
    path = serializers.SlugRelatedField[LearningPath](slug_field="slug", read_only=True, allow_null=True)
    state = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()
    verification_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "code",
            "title",
            "holder_name",
            "course",
            "path",
            "course_version",
            "issued_on",
            "expires_on",
            "recertify_by",
            "state",
            "pdf_url",
            "verification_url",
        ]

    def get_state(self, certificate: Certificate) -> str:
        return certificate.state()

    def get_pdf_url(self, certificate: Certificate) -> str:
        return reverse("courses:certificate_pdf", args=[certificate.code])

    def get_verification_url(self, certificate: Certificate) -> str:
        return reverse("courses:verify", args=[certificate.code])


class VerificationOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    holder_name = serializers.CharField()
    title = serializers.CharField()
    issued_on = serializers.DateField()
    expires_on = serializers.DateField(allow_null=True)
    recertify_by = serializers.DateField(
        allow_null=True,
        help_text="Set when a new course version requires recertification: the certificate "
        "stays valid until this day included, and is superseded the day after.",
    )
    state = serializers.ChoiceField(choices=["valid", "expired", "superseded", "replaced", "revoked"])


# ------------------------------------------------------------------ learning paths


class PathListOutputSerializer(serializers.ModelSerializer):
    n_courses = serializers.IntegerField(allow_null=True)
    my_status = serializers.CharField(allow_null=True)

    class Meta:
        model = LearningPath
        fields = ["id", "slug", "title", "summary", "language", "validity_months", "n_courses", "my_status"]


class PathCourseOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    language = serializers.CharField()
    held = serializers.BooleanField(help_text="You hold a valid certificate for this course.")


class PathDetailOutputSerializer(serializers.ModelSerializer):
    courses = serializers.SerializerMethodField()
    enrollment = serializers.SerializerMethodField()

    class Meta:
        model = LearningPath
        fields = ["id", "slug", "title", "summary", "language", "validity_months", "courses", "enrollment"]

    def get_courses(self, path: LearningPath) -> list[dict]:
        held = self.context["held"]
        return list(
            PathCourseOutputSerializer(
                [
                    {"slug": c.slug, "title": c.title, "language": c.language, "held": c.pk in held}
                    for c in self.context["courses"]
                ],
                many=True,
            ).data
        )

    def get_enrollment(self, path: LearningPath) -> dict | None:
        enrollment = self.context.get("enrollment")
        if enrollment is None:
            return None
        return {
            "status": enrollment.status,
            "enrolled_at": enrollment.enrolled_at,
            "completed_at": enrollment.completed_at,
        }


class PathEnrollmentOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    path = serializers.CharField(source="path.slug")
    status = serializers.CharField()
    enrolled_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


# ------------------------------------------------------------------ assignments


class AssignmentOutputSerializer(serializers.ModelSerializer):
    distributor = serializers.SerializerMethodField()
    course = serializers.SlugRelatedField[Course](slug_field="slug", read_only=True, allow_null=True)
    path = serializers.SlugRelatedField[LearningPath](slug_field="slug", read_only=True, allow_null=True)
    created_by = serializers.CharField(source="created_by.__str__")
    n_people = serializers.IntegerField()
    n_done = serializers.IntegerField()
    n_overdue = serializers.IntegerField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "distributor",
            "target",
            "role",
            "course",
            "path",
            "due_on",
            "due_days",
            "created_by",
            "created_at",
            "cancelled_at",
            "n_people",
            "n_done",
            "n_overdue",
        ]

    def get_distributor(self, assignment: Assignment) -> dict:
        return {"id": assignment.distributor_id, "name": assignment.distributor.name}


class AssigneeOutputSerializer(serializers.ModelSerializer):
    person = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=["due", "overdue", "done", "released"])
    progress_percent = serializers.SerializerMethodField()

    class Meta:
        model = Assignee
        fields = ["id", "person", "due_on", "status", "completed_at", "released_at", "progress_percent"]

    def get_person(self, assignee: Assignee) -> dict:
        return {"id": assignee.user_id, "name": str(assignee.user), "email": assignee.user.email}

    def get_progress_percent(self, assignee: Assignee) -> int | None:
        return assignee.enrollment.progress_percent if assignee.enrollment is not None else None


class AssignmentDetailOutputSerializer(AssignmentOutputSerializer):
    assignees = serializers.SerializerMethodField()

    class Meta(AssignmentOutputSerializer.Meta):
        fields = [*AssignmentOutputSerializer.Meta.fields, "assignees"]

    def get_assignees(self, assignment: Assignment) -> list[dict]:
        return list(AssigneeOutputSerializer(self.context["assignees"], many=True).data)


class AssignmentInputSerializer(serializers.Serializer):
    distributor = serializers.IntegerField()
    course = serializers.SlugField(required=False, allow_blank=True)
    path = serializers.SlugField(required=False, allow_blank=True)
    target = serializers.ChoiceField(choices=AssignmentTarget.choices, default=AssignmentTarget.DISTRIBUTOR)
    role = serializers.ChoiceField(choices=MembershipRole.choices, required=False, allow_blank=True)
    people = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    due_on = serializers.DateField(required=False, allow_null=True)
    due_days = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=365)

    def validate(self, data: dict) -> dict:
        if bool(data.get("course")) == bool(data.get("path")):
            raise serializers.ValidationError({"course": [_("Choose a course or a learning path.")]})
        return data


class HeadcountOutputSerializer(serializers.Serializer):
    course = serializers.CharField(source="course.slug")
    title = serializers.CharField(source="course.title")
    staff = serializers.IntegerField()
    certified = serializers.IntegerField()
    percent = serializers.IntegerField()


# ------------------------------------------------------------------ results


class QuestionResultsOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="question.id")
    lesson = serializers.CharField(source="question.quiz.lesson.title")
    text = serializers.CharField(source="question.text")
    answers = serializers.IntegerField()
    right = serializers.IntegerField()
    success_rate = serializers.IntegerField(allow_null=True)


class DistributorResultsOutputSerializer(serializers.Serializer):
    distributor_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    enrolled = serializers.IntegerField()
    completed = serializers.IntegerField()
    completion_rate = serializers.IntegerField()
    average_score = serializers.FloatField(allow_null=True)


class CourseResultsOutputSerializer(serializers.Serializer):
    course = serializers.CharField(source="course.slug")
    enrolled = serializers.IntegerField()
    learners = serializers.IntegerField()
    completed = serializers.IntegerField()
    completion_rate = serializers.IntegerField()
    attempts = serializers.IntegerField()
    average_score = serializers.FloatField(allow_null=True)
    questions = QuestionResultsOutputSerializer(many=True)
    distributors = DistributorResultsOutputSerializer(many=True)
