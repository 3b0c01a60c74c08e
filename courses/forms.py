"""Forms of the courses pages. They validate shapes; the services decide."""

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from academy.forms import choice_field, model_choice_field
from academy.models import User
from courses.models import (
    AssignmentTarget,
    Category,
    Course,
    Language,
    LearningPath,
    Lesson,
    LessonKind,
    Level,
    Module,
    QuestionKind,
    Quiz,
)
from distributors.choices import MembershipRole
from distributors.selectors import distributor_choices


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("All languages")), *Language.choices]
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices]
    )
    category = forms.ChoiceField(label=_("Category"), required=False)

    def __init__(self, *args, categories: list[Category], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "category").choices = [("", _("All categories"))] + [
            (c.slug, c.name) for c in categories
        ]


AUDIENCE_FIELDS = [
    "audience_everyone",
    "audience_territories",
    "audience_distributors",
    "audience_leads",
    "audience_staff",
    "audience_customers",
]


class CourseForm(forms.ModelForm):
    translation_of = forms.ModelChoiceField(
        label=_("Translation of"),
        queryset=Course.objects.none(),
        required=False,
        help_text=_("Link this course to its version in the other language."),
    )

    class Meta:
        model = Course
        fields = [
            "title",
            "slug",
            "summary",
            "language",
            "level",
            "category",
            "estimated_minutes",
            "cover",
            "validity_months",
            "self_enrolment",
            "trainers",
            *AUDIENCE_FIELDS,
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "trainers": forms.CheckboxSelectMultiple,
            "audience_territories": forms.CheckboxSelectMultiple,
            "audience_distributors": forms.CheckboxSelectMultiple,
        }
        help_texts = {"slug": _("Part of the page address; made from the title when left empty.")}

    def __init__(self, *args, translations: QuerySet[Course] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        model_choice_field(self, "trainers").queryset = User.objects.filter(
            role__in=["trainer", "admin"], is_active=True
        )
        if translations is None:
            del self.fields["translation_of"]
        else:
            model_choice_field(self, "translation_of").queryset = translations

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("translation_of", None)
        if not data.get("cover"):
            data.pop("cover", None)
        data["slug"] = data.get("slug") or ""
        return data


class PublishForm(forms.Form):
    new_version = forms.BooleanField(
        label=_("Publish as a new major version"),
        required=False,
        help_text=_("For substantial changes: learners see the new version number."),
    )
    require_recertification = forms.BooleanField(
        label=_("Holders of the old version must recertify"),
        required=False,
        help_text=_(
            "They are told at once and enrolled again; their certificates stay valid for a grace "
            "period, then need recertification."
        ),
    )
    notes = forms.CharField(label=_("What changed"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ModuleForm(forms.ModelForm):
    class Meta:
        model = Module
        fields = ["title", "summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 2})}


KIND_FIELDS = {
    LessonKind.TEXT: ["body"],
    LessonKind.VIDEO: ["video_url", "video_file", "video_download_url", "transcript", "body"],
    LessonKind.DOCUMENT: ["document_file", "body"],
    LessonKind.QUIZ: ["body"],
}


def _https_links(field, **kwargs):
    """Links typed without a scheme are taken as https."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class LessonForm(forms.ModelForm):
    """The fields of one kind of lesson (the kind is chosen when creating)."""

    video_file = forms.FileField(
        label=_("Video file"), required=False, help_text=_("MP4 or WebM, up to 500 MB.")
    )
    document_file = forms.FileField(
        label=_("Document"), required=False, help_text=_("PDF, DOCX, PPTX or XLSX, up to 25 MB.")
    )

    class Meta:
        model = Lesson
        fields = [
            "title",
            "is_required",
            "estimated_minutes",
            "body",
            "video_url",
            "video_download_url",
            "transcript",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 14}),
            "transcript": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {"video_url": _("A YouTube, Vimeo or Dailymotion link.")}
        formfield_callback = _https_links

    def __init__(self, *args, kind: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        keep = {"title", "is_required", "estimated_minutes", *KIND_FIELDS[LessonKind(kind)]}
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.order_fields(["title", *KIND_FIELDS[LessonKind(kind)], "estimated_minutes", "is_required"])

    def service_kwargs(self) -> dict:
        data = {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in {"video_file", "document_file"}
        }
        for name in ("video_file", "document_file"):
            if self.cleaned_data.get(name):
                data[name] = self.cleaned_data[name]
        return data


class QuizForm(forms.ModelForm):
    class Meta:
        model = Quiz
        fields = ["pass_mark", "max_attempts", "shuffle"]


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    explanation = forms.CharField(
        label=_("Explanation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown to the learner after they submit their answers."),
    )


class ChoiceForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(label=_("Answer"), required=False, max_length=500)
    is_correct = forms.BooleanField(label=_("Correct"), required=False)


ChoiceFormSet = formset_factory(ChoiceForm, extra=0, min_num=0, max_num=10)


def choices_from(formset) -> list[tuple[int | None, str, bool]]:
    return [
        (
            form.cleaned_data.get("id"),
            form.cleaned_data.get("text", ""),
            form.cleaned_data.get("is_correct", False),
        )
        for form in formset.forms
        if form.cleaned_data
    ]


class QuizAnswerForm(forms.Form):
    """One field per question of an attempt, in the attempt's order. The
    answers offered carry no hint of which are correct."""

    def __init__(self, *args, questions: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for number, question in enumerate(questions, start=1):
            options = [(choice.pk, choice.text) for choice in question.ordered_choices]
            label = f"{number}. {question.text}"
            if question.kind == QuestionKind.MULTIPLE:
                self.fields[f"question_{question.pk}"] = forms.TypedMultipleChoiceField(
                    label=label,
                    choices=options,
                    coerce=int,
                    widget=forms.CheckboxSelectMultiple,
                    required=False,
                    help_text=_("Several answers may be correct."),
                )
            else:
                self.fields[f"question_{question.pk}"] = forms.TypedChoiceField(
                    label=label, choices=options, coerce=int, widget=forms.RadioSelect, required=False
                )

    def answers(self) -> dict[int | str, list[int]]:
        """Chosen answer ids by question id, in the shape ``quiz_attempt_submit`` takes."""
        result: dict[int | str, list[int]] = {}
        for name, value in self.cleaned_data.items():
            question_id = int(name.removeprefix("question_"))
            if value in (None, "", []):
                result[question_id] = []
            else:
                result[question_id] = list(value) if isinstance(value, list) else [value]
        return result


class AssignmentForm(forms.Form):
    distributor = forms.ModelChoiceField(label=_("Distributor"), queryset=distributor_choices().none())
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none(), required=False)
    path = forms.ModelChoiceField(
        label=_("Learning path"), queryset=LearningPath.objects.none(), required=False
    )
    target = forms.ChoiceField(
        label=_("Assign to"),
        choices=AssignmentTarget.choices,
        widget=forms.RadioSelect,
        initial="distributor",
    )
    role = forms.ChoiceField(label=_("Role"), choices=[("", "—"), *MembershipRole.choices], required=False)
    people = forms.ModelMultipleChoiceField(
        label=_("People"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    due_on = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For the people already in the team."),
    )
    due_days = forms.IntegerField(
        label=_("Days to complete after joining"),
        required=False,
        min_value=1,
        max_value=365,
        help_text=_("For people who join the team later (and for everyone when there is no due date)."),
    )

    def __init__(self, *args, distributors, courses, paths, people, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "distributor").queryset = distributors
        model_choice_field(self, "course").queryset = courses
        model_choice_field(self, "path").queryset = paths
        model_choice_field(self, "people").queryset = people


class PathForm(forms.ModelForm):
    class Meta:
        model = LearningPath
        fields = ["title", "slug", "summary", "language", "validity_months", *AUDIENCE_FIELDS]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "audience_territories": forms.CheckboxSelectMultiple,
            "audience_distributors": forms.CheckboxSelectMultiple,
        }
        help_texts = {"slug": _("Part of the page address; made from the title when left empty.")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["slug"] = data.get("slug") or ""
        return data


class PathCourseForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())

    def __init__(self, *args, courses, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "course").queryset = courses
