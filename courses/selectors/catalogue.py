"""What learners can find and open: catalogue, course and lesson pages."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from academy import roles
from academy.models import User
from courses.models import (
    Certificate,
    Course,
    Enrollment,
    EnrollmentStatus,
    LearningPath,
    Lesson,
    LessonProgress,
    Module,
    PathCourse,
    PathEnrollment,
    PublicationStatus,
)
from distributors.audience import audience_filter


def _language_rank(user: User) -> Case:
    return Case(When(language=user.language, then=Value(0)), default=Value(1), output_field=IntegerField())


def course_catalogue(
    *,
    user: User,
    language: str = "",
    level: str = "",
    category: str = "",
    search: str = "",
) -> QuerySet[Course]:
    """Published courses whose audience includes ``user``, in their language
    first, then by title.

    Without a language filter, a course is left out when its version in the
    person's language is also offered to them. Each course carries
    ``my_status`` and ``my_progress`` (the person's latest enrolment, or
    None) and its category.
    """
    # The audience rule is a heavy query to build: it is read once, for the
    # ids (and versions) of the courses offered; the count and the page then
    # filter on those ids. One query more, bounded by the catalogue's size.
    offered = list(
        audience_filter(Course.objects.filter(status=PublicationStatus.PUBLISHED), user=user).values_list(
            "pk", "translation_group", "language"
        )
    )
    if language:
        ids = [pk for pk, _group, version in offered if version == language]
    else:
        own_language = {group for _pk, group, version in offered if version == user.language}
        ids = [pk for pk, group, version in offered if version == user.language or group not in own_language]
    courses = Course.objects.filter(pk__in=ids)
    if level:
        courses = courses.filter(level=level)
    if category:
        courses = courses.filter(category__slug=category)
    if search.strip():
        term = search.strip()
        courses = courses.filter(
            Q(title__icontains=term)
            | Q(summary__icontains=term)
            | Q(category__name_fr__icontains=term)
            | Q(category__name_en__icontains=term)
        )
    mine = Enrollment.objects.filter(user=user, course=OuterRef("pk")).order_by("-enrolled_at", "-id")
    return (
        courses.select_related("category")
        .annotate(
            language_rank=_language_rank(user),
            my_status=Subquery(mine.values("status")[:1]),
            my_progress=Subquery(mine.values("progress_percent")[:1]),
        )
        .order_by("language_rank", "title", "id")
    )


def path_catalogue(*, user: User) -> QuerySet[LearningPath]:
    """Published learning paths whose audience includes ``user``, their
    language first, each with ``n_courses`` and ``my_status``."""
    mine = PathEnrollment.objects.filter(user=user, path=OuterRef("pk")).order_by("-enrolled_at", "-id")
    n_courses = (
        PathCourse.objects.filter(path=OuterRef("pk"))
        .order_by()
        .values("path")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        audience_filter(LearningPath.objects.filter(status=PublicationStatus.PUBLISHED), user=user)
        .annotate(
            language_rank=_language_rank(user),
            my_status=Subquery(mine.values("status")[:1]),
            n_courses=Subquery(n_courses, output_field=IntegerField()),
        )
        .order_by("language_rank", "title", "id")
    )


def _editor_q(user: User) -> Q | None:
    """Courses ``user`` may edit (None: all of them)."""
    granted = roles.user_roles(user)
    if roles.ADMIN in granted:
        return None
    if roles.TRAINER in granted:
        co_author = Exists(Course.trainers.through.objects.filter(course_id=OuterRef("pk"), user=user))
        return Q(owner=user) | Q(co_author)
    return Q(pk__in=[])


def course_titles(*, ids: Iterable[int]) -> dict[int, str]:
    """The title of each course in ``ids`` (for reports that name courses)."""
    return dict(Course.objects.filter(pk__in=list(ids)).values_list("pk", "title"))


def course_visible(*, user: User) -> QuerySet[Course]:
    """Courses whose page ``user`` may open: published and in their
    audience, or ones they are or were enrolled in (even archived), or ones
    they author (admins: all)."""
    editor = _editor_q(user)
    if editor is None:
        return Course.objects.all()
    offered = audience_filter(Course.objects.filter(status=PublicationStatus.PUBLISHED), user=user)
    enrolled = Exists(Enrollment.objects.filter(user=user, course=OuterRef("pk")))
    return Course.objects.filter(Q(pk__in=offered.values("pk")) | enrolled | editor)


def course_editable(*, user: User) -> QuerySet[Course]:
    """Courses ``user`` may edit: admins all, trainers those they own or co-author."""
    editor = _editor_q(user)
    return Course.objects.all() if editor is None else Course.objects.filter(editor)


def path_visible(*, user: User) -> QuerySet[LearningPath]:
    """Learning paths whose page ``user`` may open."""
    granted = roles.user_roles(user)
    if roles.ADMIN in granted:
        return LearningPath.objects.all()
    offered = audience_filter(LearningPath.objects.filter(status=PublicationStatus.PUBLISHED), user=user)
    enrolled = Exists(PathEnrollment.objects.filter(user=user, path=OuterRef("pk")))
    owned = Q(owner=user) if roles.TRAINER in granted else Q(pk__in=[])
    return LearningPath.objects.filter(Q(pk__in=offered.values("pk")) | enrolled | owned)


def course_page_by_slug(*, user: User, slug: str) -> "CoursePage | None":
    """The page (:func:`course_page`) of the course with this address, or None
    when there is none or ``user`` may not open it (:func:`course_visible`).

    A person who is or was enrolled may open it: the enrolment the page reads
    anyway tells, so the visibility query runs only for the others."""
    course = Course.objects.select_related("category", "owner").filter(slug=slug).first()
    if course is None:
        return None
    page = course_page(user=user, course=course)
    if page.enrollment is None and not course_visible(user=user).filter(pk=course.pk).exists():
        return None
    return page


@dataclass
class CoursePage:
    """Everything a course page shows to one person."""

    course: Course
    modules: list[Module]
    enrollment: Enrollment | None
    completed_lesson_ids: set[int]
    certificate: Certificate | None
    translations: list[Course]
    lessons: list[Lesson] = field(default_factory=list)
    # The enrolment's progress rows by lesson id (lessons opened).
    progress: dict[int, LessonProgress] = field(default_factory=dict)

    @property
    def is_enrolled(self) -> bool:
        return self.enrollment is not None and self.enrollment.status == EnrollmentStatus.ACTIVE

    @property
    def has_access(self) -> bool:
        """Whether the person has (or had) an enrolment: lessons open to them."""
        return self.enrollment is not None

    @property
    def resume_lesson(self) -> Lesson | None:
        """Where to carry on: the first required lesson not completed, after
        the last one opened when that one is done (else the first lesson)."""
        if not self.lessons:
            return None
        if self.enrollment is None or self.enrollment.status != EnrollmentStatus.ACTIVE:
            return self.lessons[0]
        last = self.enrollment.last_lesson_id
        if last is not None and last not in self.completed_lesson_ids:
            return next((lesson for lesson in self.lessons if lesson.pk == last), self.lessons[0])
        todo = [lesson for lesson in self.lessons if lesson.pk not in self.completed_lesson_ids]
        return next((lesson for lesson in todo if lesson.is_required), todo[0] if todo else self.lessons[0])

    def neighbours(self, lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
        ids = [item.pk for item in self.lessons]
        index = ids.index(lesson.pk)
        previous = self.lessons[index - 1] if index > 0 else None
        following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
        return previous, following


def course_page(*, user: User, course: Course) -> CoursePage:
    """The outline of ``course`` (modules and their lessons in order), the
    person's latest enrolment with the lessons they completed in it, their
    valid certificate and the other-language versions they may open. Six
    queries whatever the size of the course (five without an enrolment), one
    more when the course has versions in other languages."""
    modules = list(
        course.modules.order_by("position", "id").prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.select_related("quiz").order_by("position", "id"))
        )
    )
    enrollment = (
        Enrollment.objects.filter(user=user, course=course)
        .order_by(
            Case(When(status=EnrollmentStatus.ACTIVE, then=Value(0)), default=Value(1)),
            "-enrolled_at",
            "-id",
        )
        .first()
    )
    progress: dict[int, LessonProgress] = {}
    if enrollment is not None:
        enrollment.course = course
        progress = {
            row.lesson_id: row
            for row in LessonProgress.objects.filter(enrollment=enrollment).only(
                "id", "enrollment_id", "lesson_id", "viewed_at", "completed_at"
            )
        }
    done = {lesson_id for lesson_id, row in progress.items() if row.completed_at is not None}
    today = timezone.localdate()
    certificate = (
        Certificate.objects.valid_on(today).filter(user=user, course=course).order_by("-issued_on").first()
    )
    # Most courses have no other version: a plain lookup, and the visibility
    # check (a heavier query) only for the versions found.
    translations = list(
        Course.objects.filter(translation_group=course.translation_group, status=PublicationStatus.PUBLISHED)
        .exclude(pk=course.pk)
        .only("pk", "slug", "title", "language")
    )
    if translations:
        visible = set(
            course_visible(user=user)
            .filter(pk__in=[version.pk for version in translations])
            .values_list("pk", flat=True)
        )
        translations = [version for version in translations if version.pk in visible]
    lessons = [lesson for module in modules for lesson in module.lessons.all()]
    for lesson in lessons:  # spare a query per lesson when templates ask for its course
        lesson.module = next(module for module in modules if module.pk == lesson.module_id)
        lesson.module.course = course
    return CoursePage(
        course=course,
        modules=modules,
        enrollment=enrollment,
        completed_lesson_ids=done,
        certificate=certificate,
        translations=translations,
        lessons=lessons,
        progress=progress,
    )
