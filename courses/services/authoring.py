"""Writes of trainers: courses, modules, lessons, quizzes, publication."""

from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max, Model, QuerySet
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User
from academy.permissions import require
from courses.models import (
    Choice,
    Course,
    CourseVersion,
    Enrollment,
    EnrollmentStatus,
    LearningPath,
    Lesson,
    LessonKind,
    Module,
    PathCourse,
    PublicationStatus,
    Question,
    QuestionKind,
    Quiz,
)
from courses.models.content import RESERVED_SLUGS
from courses.services import files
from courses.services._common import field_error, full_clean, moment
from courses.services.completion import progress_percent_map
from courses.services.recertification import recertification_require
from courses.video import PROVIDERS, embed_url

COURSE_FIELDS = frozenset(
    {
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
        "audience_everyone",
        "audience_leads",
        "audience_staff",
        "audience_customers",
    }
)
COURSE_M2M = frozenset({"trainers", "audience_territories", "audience_distributors"})
LESSON_FIELDS = frozenset(
    {"title", "is_required", "estimated_minutes", "body", "video_url", "video_download_url", "transcript"}
)


def unique_slug(model: type[Model], text: str, *, exclude_pk: int | None = None) -> str:
    """A slug from ``text`` not yet used by ``model`` (``-2``, ``-3``... when taken)."""
    base = (slugify(text)[:70] or "course").strip("-")
    if base in RESERVED_SLUGS:
        base = f"{base}-course"
    candidate, n = base, 1
    taken = model._default_manager.filter(slug__startswith=base)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    used = set(taken.values_list("slug", flat=True))
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _split_fields(fields: dict[str, Any], allowed: frozenset[str], m2m: frozenset[str]) -> dict[str, Any]:
    unknown = set(fields) - allowed - m2m
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    return {name: fields.pop(name) for name in list(fields) if name in m2m}


def _check_cover(fields: dict[str, Any]) -> None:
    """A new cover must pass :func:`courses.services.files.cover_check`."""
    cover = fields.get("cover")
    if isinstance(cover, UploadedFile):
        files.cover_check(cover)


def _set_m2m(obj: Model, m2m: dict[str, Any]) -> None:
    for name, values in m2m.items():
        getattr(obj, name).set(values)


def _save_unique(obj: Model, *, field: str, message: str) -> None:
    """Save, turning a unique-constraint race into a field error."""
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as error:
        raise field_error(field, message) from error


# ---------------------------------------------------------------- courses


@transaction.atomic
def course_create(*, actor: User, title: str, translation_of: Course | None = None, **fields: Any) -> Course:
    """Create a draft course owned by ``actor`` (a trainer or an admin).

    With ``translation_of``, the new course is linked to that one as its
    version in another language. The slug is made from the title when not
    given.
    """
    require(actor, "courses.author")
    m2m = _split_fields(fields, COURSE_FIELDS, COURSE_M2M)
    _check_cover(fields)
    course = Course(owner=actor, title=title.strip(), **fields)
    if translation_of is not None:
        require(actor, "courses.edit_course", translation_of)
        course.translation_group = translation_of.translation_group
        if course.language == translation_of.language:
            raise field_error("language", _("The translation must be in another language than the original."))
    if not course.slug:
        course.slug = unique_slug(Course, course.title)
    full_clean(course)
    _save_unique(course, field="slug", message=_("This address is already used by another course."))
    _set_m2m(course, m2m)
    return course


@transaction.atomic
def course_update(*, actor: User, course: Course, **fields: Any) -> Course:
    """Change the settings of a course (title, audience, validity...)."""
    require(actor, "courses.edit_course", course)
    m2m = _split_fields(fields, COURSE_FIELDS, COURSE_M2M)
    _check_cover(fields)
    for name, value in fields.items():
        setattr(course, name, value.strip() if isinstance(value, str) and name != "summary" else value)
    if not course.slug:
        course.slug = unique_slug(Course, course.title, exclude_pk=course.pk)
    full_clean(course)
    _save_unique(course, field="slug", message=_("This address is already used by another course."))
    _set_m2m(course, m2m)
    return course


@transaction.atomic
def course_link_translation(*, actor: User, course: Course, translation: Course) -> Course:
    """Link ``translation`` to ``course`` as its version in another language."""
    require(actor, "courses.edit_course", course)
    require(actor, "courses.edit_course", translation)
    if course.pk == translation.pk or course.language == translation.language:
        raise field_error("translation", _("Choose a course in the other language."))
    if (
        Course.objects.filter(translation_group=course.translation_group, language=translation.language)
        .exclude(pk=translation.pk)
        .exists()
    ):
        raise field_error("translation", _("This course already has a version in that language."))
    translation.translation_group = course.translation_group
    translation.save(update_fields=["translation_group", "updated_at"])
    return translation


def course_problems(course: Course) -> list[str]:
    """What stops the course from being published (empty when it can be)."""
    problems: list[str] = []
    lessons = list(
        Lesson.objects.filter(module__course=course)
        .select_related("quiz")
        .prefetch_related("quiz__questions__choices")
        .order_by("module__position", "position")
    )
    if not lessons:
        problems.append(_("Add at least one lesson."))
    elif not any(lesson.is_required for lesson in lessons):
        problems.append(_("At least one lesson must be required."))
    for lesson in lessons:
        if lesson.kind == LessonKind.VIDEO and not (lesson.video_url or lesson.video_file):
            problems.append(_("The video lesson “%(title)s” has no video.") % {"title": lesson.title})
        elif lesson.kind == LessonKind.DOCUMENT and not lesson.document_file:
            problems.append(_("The document lesson “%(title)s” has no document.") % {"title": lesson.title})
        elif lesson.kind == LessonKind.QUIZ:
            quiz = getattr(lesson, "quiz", None)
            questions = list(quiz.questions.all()) if quiz else []
            if not questions:
                problems.append(_("The quiz “%(title)s” has no question.") % {"title": lesson.title})
            for question in questions:
                error = _choices_error(
                    question.kind, [(c.text, c.is_correct) for c in question.choices.all()]
                )
                if error:
                    problems.append(f"{lesson.title} — {question}: {error}")
    return problems


@transaction.atomic
def course_publish(
    *,
    actor: User,
    course: Course,
    new_version: bool = False,
    require_recertification: bool = False,
    notes: str = "",
    at: Any = None,
) -> Course:
    """Publish a draft or archived course, or publish a new major version of
    a published one.

    With ``new_version`` and ``require_recertification``, every holder of a
    valid certificate of an older version is given notice and a grace period
    before it is superseded, and is enrolled again (source: recertification;
    see ``recertification_require``).
    """
    require(actor, "courses.edit_course", course)
    course = Course.objects.select_for_update().get(pk=course.pk)
    problems = course_problems(course)
    if problems:
        raise ApplicationError(problems[0], code="not_publishable", fields={"non_field_errors": problems})
    now = moment(at)
    has_history = course.versions.exists()
    if new_version:
        if not has_history:
            raise field_error("new_version", _("Publish the first version before publishing a new one."))
        course.version += 1
    elif course.status == PublicationStatus.PUBLISHED:
        raise ApplicationError(_("This course is already published."), code="already_published")
    course.status = PublicationStatus.PUBLISHED
    course.published_at = now
    course.archived_at = None
    course.save(update_fields=["version", "status", "published_at", "archived_at", "updated_at"])
    if not course.versions.filter(number=course.version).exists():
        CourseVersion.objects.create(
            course=course,
            number=course.version,
            published_by=actor,
            notes=notes.strip(),
            requires_recertification=bool(new_version and require_recertification),
        )
    if new_version and require_recertification:
        recertification_require(course=course, at=now)
    return course


@transaction.atomic
def course_archive(*, actor: User, course: Course, at: Any = None) -> Course:
    """Take a course out of the catalogue. Enrolled learners keep their
    history and certificates and can still read it."""
    require(actor, "courses.edit_course", course)
    if course.status == PublicationStatus.ARCHIVED:
        raise ApplicationError(_("This course is already archived."), code="already_archived")
    course.status = PublicationStatus.ARCHIVED
    course.archived_at = moment(at)
    course.save(update_fields=["status", "archived_at", "updated_at"])
    return course


# ---------------------------------------------------------------- ordering


def _renumber(items: Sequence[Model]) -> None:
    for position, item in enumerate(items, start=1):
        item.position = position  # type: ignore[attr-defined]
    if items:
        type(items[0])._default_manager.bulk_update(items, ["position"])


def _move(item: Model, siblings: QuerySet, direction: str) -> None:
    if direction not in {"up", "down"}:
        raise field_error("direction", _("Choose up or down."))
    ordered = list(siblings.select_for_update().order_by("position", "id"))
    index = next(i for i, sibling in enumerate(ordered) if sibling.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(ordered)


def _next_position(queryset: QuerySet) -> int:
    return (queryset.aggregate(top=Max("position"))["top"] or 0) + 1


# ---------------------------------------------------------------- modules


@transaction.atomic
def module_create(*, actor: User, course: Course, title: str, summary: str = "") -> Module:
    """Add a module at the end of the course."""
    require(actor, "courses.edit_course", course)
    module = Module(
        course=course,
        title=title.strip(),
        summary=summary.strip(),
        position=_next_position(course.modules.all()),
    )
    full_clean(module)
    module.save()
    return module


@transaction.atomic
def module_update(*, actor: User, module: Module, title: str, summary: str = "") -> Module:
    require(actor, "courses.edit_course", module.course)
    module.title, module.summary = title.strip(), summary.strip()
    full_clean(module)
    module.save()
    return module


@transaction.atomic
def module_delete(*, actor: User, module: Module) -> None:
    """Delete a module and its lessons (and the progress recorded on them)."""
    course = module.course
    require(actor, "courses.edit_course", course)
    module.delete()
    _renumber(list(course.modules.order_by("position", "id")))
    _progress_refresh(course)


@transaction.atomic
def module_move(*, actor: User, module: Module, direction: str) -> None:
    """Move a module one place up or down."""
    require(actor, "courses.edit_course", module.course)
    _move(module, Module.objects.filter(course_id=module.course_id), direction)


# ---------------------------------------------------------------- lessons


def _check_lesson_content(
    lesson: Lesson, *, video_file: UploadedFile | None, document_file: UploadedFile | None
) -> None:
    if lesson.kind == LessonKind.VIDEO:
        if lesson.video_url and not embed_url(lesson.video_url):
            raise field_error(
                "video_url",
                _("Give an https link to a video on one of: %(providers)s.")
                % {"providers": ", ".join(PROVIDERS)},
            )
        if video_file is not None:
            files.video_check(video_file)
            lesson.video_file = video_file  # type: ignore[assignment]
    elif lesson.kind == LessonKind.DOCUMENT and document_file is not None:
        lesson.document_content_type = files.document_check(document_file)
        lesson.document_name = document_file.name or "document"  # normalised by the check
        lesson.document_size = document_file.size or 0
        lesson.document_file = document_file  # type: ignore[assignment]


@transaction.atomic
def lesson_create(
    *,
    actor: User,
    module: Module,
    title: str,
    kind: str = LessonKind.TEXT,
    video_file: UploadedFile | None = None,
    document_file: UploadedFile | None = None,
    **fields: Any,
) -> Lesson:
    """Add a lesson at the end of a module. A quiz lesson gets its quiz
    (pass mark 70 %, unlimited attempts) to which questions are then added.
    Uploaded files are checked (type, content, size)."""
    require(actor, "courses.edit_course", module.course)
    _split_fields(fields, LESSON_FIELDS, frozenset())
    lesson = Lesson(
        module=module,
        title=title.strip(),
        kind=kind,
        position=_next_position(module.lessons.all()),
        **fields,
    )
    full_clean(lesson, exclude=["video_file", "document_file"])
    _check_lesson_content(lesson, video_file=video_file, document_file=document_file)
    lesson.save()
    if kind == LessonKind.QUIZ:
        Quiz.objects.create(lesson=lesson)
    _progress_refresh(module.course)
    return lesson


@transaction.atomic
def lesson_update(
    *,
    actor: User,
    lesson: Lesson,
    video_file: UploadedFile | None = None,
    document_file: UploadedFile | None = None,
    **fields: Any,
) -> Lesson:
    """Change a lesson's text, video, document or settings (not its kind)."""
    require(actor, "courses.edit_course", lesson.module.course)
    _split_fields(fields, LESSON_FIELDS, frozenset())
    required_before = lesson.is_required
    for name, value in fields.items():
        setattr(lesson, name, value.strip() if isinstance(value, str) and name == "title" else value)
    full_clean(lesson, exclude=["video_file", "document_file"])
    _check_lesson_content(lesson, video_file=video_file, document_file=document_file)
    lesson.save()
    if required_before != lesson.is_required:
        _progress_refresh(lesson.module.course)
    return lesson


@transaction.atomic
def lesson_delete(*, actor: User, lesson: Lesson) -> None:
    """Delete a lesson (and the progress and attempts recorded on it)."""
    module = lesson.module
    require(actor, "courses.edit_course", module.course)
    lesson.delete()
    _renumber(list(module.lessons.order_by("position", "id")))
    _progress_refresh(module.course)


@transaction.atomic
def lesson_move(*, actor: User, lesson: Lesson, direction: str) -> None:
    """Move a lesson one place up or down within its module."""
    require(actor, "courses.edit_course", lesson.module.course)
    _move(lesson, Lesson.objects.filter(module_id=lesson.module_id), direction)


def _progress_refresh(course: Course) -> None:
    """Recompute the progress of active enrolments after the set of required lessons changed."""
    enrollments = list(Enrollment.objects.filter(course=course, status=EnrollmentStatus.ACTIVE))
    if not enrollments:
        return
    percents = progress_percent_map(course=course, enrollment_ids=[e.pk for e in enrollments])
    for enrollment in enrollments:
        enrollment.progress_percent = percents.get(enrollment.pk, 0)
    Enrollment.objects.bulk_update(enrollments, ["progress_percent"])


# ---------------------------------------------------------------- quizzes


@transaction.atomic
def quiz_update(
    *, actor: User, quiz: Quiz, pass_mark: int, max_attempts: int | None = None, shuffle: bool = False
) -> Quiz:
    """Set the pass mark (%), the maximum number of attempts (None: unlimited)
    and whether each attempt gets its own order."""
    require(actor, "courses.edit_course", quiz.lesson.module.course)
    quiz.pass_mark, quiz.max_attempts, quiz.shuffle = pass_mark, max_attempts, shuffle
    full_clean(quiz)
    quiz.save()
    return quiz


def _choices_error(kind: str, choices: Sequence[tuple[str, bool]]) -> str | None:
    filled = [(text.strip(), correct) for text, correct in choices if text.strip()]
    n_correct = sum(1 for _text, correct in filled if correct)
    if kind == QuestionKind.TRUE_FALSE and len(filled) != 2:
        return _("A true-or-false question has exactly two answers.")
    if len(filled) < 2:
        return _("Give at least two answers.")
    if kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and n_correct != 1:
        return _("Mark exactly one answer as correct.")
    if kind == QuestionKind.MULTIPLE and n_correct < 1:
        return _("Mark at least one answer as correct.")
    return None


def true_false_labels(course: Course) -> tuple[str, str]:
    """“True” and “False” in the course's language (default answers of a
    true-or-false question)."""
    with translation.override(course.language):
        return _("True"), _("False")


ChoiceInput = tuple[int | None, str, bool]


def _choices_save(question: Question, choices: Sequence[ChoiceInput]) -> None:
    existing = {choice.pk: choice for choice in question.choices.all()}
    keep: list[int] = []
    position = 0
    for choice_id, text, correct in choices:
        if not text.strip():
            continue
        position += 1
        choice = existing.get(choice_id) if choice_id else None
        if choice is None:
            choice = Choice(question=question)
        choice.text, choice.is_correct, choice.position = text.strip(), correct, position
        full_clean(choice)
        choice.save()
        keep.append(choice.pk)
    question.choices.exclude(pk__in=keep).delete()


@transaction.atomic
def question_create(
    *,
    actor: User,
    quiz: Quiz,
    kind: str,
    text: str,
    explanation: str = "",
    choices: Sequence[ChoiceInput] = (),
) -> Question:
    """Add a question at the end of a quiz with its answers
    ``(None, text, is_correct)``. Single choice and true-or-false take
    exactly one correct answer, multiple choice at least one. A true-or-false
    question without answers gets “True” / “False” with “True” correct."""
    require(actor, "courses.edit_course", quiz.lesson.module.course)
    if kind == QuestionKind.TRUE_FALSE and not choices:
        true, false = true_false_labels(quiz.lesson.module.course)
        choices = [(None, true, True), (None, false, False)]
    error = _choices_error(kind, [(text_, correct) for _pk, text_, correct in choices])
    if error:
        raise field_error("choices", error)
    question = Question(
        quiz=quiz,
        kind=kind,
        text=text.strip(),
        explanation=explanation.strip(),
        position=_next_position(quiz.questions.all()),
    )
    full_clean(question)
    question.save()
    _choices_save(question, choices)
    return question


@transaction.atomic
def question_update(
    *,
    actor: User,
    question: Question,
    kind: str,
    text: str,
    explanation: str = "",
    choices: Sequence[ChoiceInput] = (),
) -> Question:
    """Change a question and its answers: answers with an id are updated,
    new ones added, missing ones deleted."""
    require(actor, "courses.edit_course", question.quiz.lesson.module.course)
    error = _choices_error(kind, [(text_, correct) for _pk, text_, correct in choices])
    if error:
        raise field_error("choices", error)
    question.kind, question.text, question.explanation = kind, text.strip(), explanation.strip()
    full_clean(question)
    question.save()
    _choices_save(question, choices)
    return question


@transaction.atomic
def question_delete(*, actor: User, question: Question) -> None:
    quiz = question.quiz
    require(actor, "courses.edit_course", quiz.lesson.module.course)
    question.delete()
    _renumber(list(quiz.questions.order_by("position", "id")))


@transaction.atomic
def question_move(*, actor: User, question: Question, direction: str) -> None:
    require(actor, "courses.edit_course", question.quiz.lesson.module.course)
    _move(question, Question.objects.filter(quiz_id=question.quiz_id), direction)


# ---------------------------------------------------------------- learning paths

PATH_FIELDS = frozenset(
    {
        "title",
        "slug",
        "summary",
        "language",
        "validity_months",
        "audience_everyone",
        "audience_leads",
        "audience_staff",
        "audience_customers",
    }
)
PATH_M2M = frozenset({"audience_territories", "audience_distributors"})


@transaction.atomic
def path_create(
    *, actor: User, title: str, translation_of: LearningPath | None = None, **fields: Any
) -> LearningPath:
    """Create a draft learning path owned by ``actor``."""
    require(actor, "courses.author")
    m2m = _split_fields(fields, PATH_FIELDS, PATH_M2M)
    path = LearningPath(owner=actor, title=title.strip(), **fields)
    if translation_of is not None:
        require(actor, "courses.edit_path", translation_of)
        if path.language == translation_of.language:
            raise field_error("language", _("The translation must be in another language than the original."))
        path.translation_group = translation_of.translation_group
    if not path.slug:
        path.slug = unique_slug(LearningPath, path.title)
    full_clean(path)
    _save_unique(path, field="slug", message=_("This address is already used by another learning path."))
    _set_m2m(path, m2m)
    return path


@transaction.atomic
def path_update(*, actor: User, path: LearningPath, **fields: Any) -> LearningPath:
    require(actor, "courses.edit_path", path)
    m2m = _split_fields(fields, PATH_FIELDS, PATH_M2M)
    for name, value in fields.items():
        setattr(path, name, value)
    full_clean(path)
    _save_unique(path, field="slug", message=_("This address is already used by another learning path."))
    _set_m2m(path, m2m)
    return path


@transaction.atomic
def path_course_add(*, actor: User, path: LearningPath, course: Course) -> None:
    """Append a course to the path."""
    require(actor, "courses.edit_path", path)
    if path.path_courses.filter(course=course).exists():
        raise field_error("course", _("This course is already in the path."))
    PathCourse.objects.create(path=path, course=course, position=_next_position(path.path_courses.all()))


@transaction.atomic
def path_course_remove(*, actor: User, path: LearningPath, course: Course) -> None:
    require(actor, "courses.edit_path", path)
    path.path_courses.filter(course=course).delete()
    _renumber(list(path.path_courses.order_by("position", "id")))


@transaction.atomic
def path_course_move(*, actor: User, path: LearningPath, course: Course, direction: str) -> None:
    require(actor, "courses.edit_path", path)
    link = path.path_courses.get(course=course)
    _move(link, PathCourse.objects.filter(path=path), direction)


@transaction.atomic
def path_publish(*, actor: User, path: LearningPath, at: Any = None) -> LearningPath:
    """Publish a learning path: it needs at least one course, all published."""
    require(actor, "courses.edit_path", path)
    courses = list(Course.objects.filter(path_links__path=path))
    if not courses:
        raise ApplicationError(_("Add at least one course to the path."), code="not_publishable")
    drafts = [course.title for course in courses if course.status != PublicationStatus.PUBLISHED]
    if drafts:
        raise ApplicationError(
            _("Publish these courses first: %(titles)s") % {"titles": ", ".join(drafts)},
            code="not_publishable",
        )
    path.status, path.published_at = PublicationStatus.PUBLISHED, moment(at)
    path.save(update_fields=["status", "published_at", "updated_at"])
    return path


@transaction.atomic
def path_archive(*, actor: User, path: LearningPath) -> LearningPath:
    require(actor, "courses.edit_path", path)
    path.status = PublicationStatus.ARCHIVED
    path.save(update_fields=["status", "updated_at"])
    return path
