"""Course data made through the real services."""

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from courses import services
from courses.models import Category, Course, LearningPath, Lesson, Module, Question
from tests.academy.factories import UserFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name: str = "fiche-technique.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name_fr = factory.Sequence(lambda n: f"Catégorie {n}")
    name_en = factory.Sequence(lambda n: f"Category {n}")


class CourseFactory(factory.django.DjangoModelFactory):
    """A draft course owned by a trainer (``course_create``)."""

    class Meta:
        model = Course

    actor = factory.SubFactory(UserFactory, role="trainer")
    title = factory.Sequence(lambda n: f"Kits ELISA {n}")
    language = "fr"
    level = "beginner"
    summary = "Principes, manipulation et lecture des résultats."

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.course_create(**kwargs)


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    course = factory.SubFactory(CourseFactory)
    title = factory.Sequence(lambda n: f"Module {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        course = kwargs["course"]
        actor = kwargs.pop("actor", None) or course.owner
        return services.module_create(actor=actor, **kwargs)


class LessonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lesson

    module = factory.SubFactory(ModuleFactory)
    title = factory.Sequence(lambda n: f"Leçon {n}")
    kind = "text"
    body = "## Principe\n\nUn test **ELISA** détecte des anticorps."

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        module = kwargs["module"]
        actor = kwargs.pop("actor", None) or module.course.owner
        kind = kwargs.get("kind")
        if kind == "video":
            kwargs.setdefault("video_url", "https://www.youtube.com/watch?v=abcdefghijk")
        if kind == "document":
            kwargs.setdefault("document_file", pdf_upload())
        return services.lesson_create(actor=actor, **kwargs)


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Question

    kind = "single"
    text = factory.Sequence(lambda n: f"Question {n} ?")
    explanation = "Parce que le contrôle positif valide la série."
    choices = factory.LazyFunction(
        lambda: [(None, "Contrôle positif", True), (None, "Échantillon seul", False)]
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        quiz = kwargs["quiz"]
        actor = kwargs.pop("actor", None) or quiz.lesson.module.course.owner
        return services.question_create(actor=actor, **kwargs)


def build_course(
    *,
    owner=None,
    kinds=("text", "text", "quiz"),
    publish: bool = True,
    questions: int = 2,
    pass_mark: int = 50,
    max_attempts: int | None = None,
    **fields,
) -> Course:
    """A course with one module of lessons of ``kinds``; quiz lessons get
    ``questions`` single-choice questions (first answer correct)."""
    owner = owner or UserFactory(role="trainer")
    course = CourseFactory(actor=owner, **fields)
    module = ModuleFactory(course=course)
    for kind in kinds:
        lesson = LessonFactory(module=module, kind=kind)
        if kind == "quiz":
            services.quiz_update(
                actor=owner, quiz=lesson.quiz, pass_mark=pass_mark, max_attempts=max_attempts, shuffle=False
            )
            for _ in range(questions):
                QuestionFactory(quiz=lesson.quiz)
    if publish:
        services.course_publish(actor=owner, course=course)
    course.refresh_from_db()
    return course


def right_answers(quiz) -> dict[int, list[int]]:
    return {
        question.pk: [choice.pk for choice in question.choices.all() if choice.is_correct]
        for question in quiz.questions.all()
    }


def wrong_answers(quiz) -> dict[int, list[int]]:
    return {
        question.pk: [next(choice.pk for choice in question.choices.all() if not choice.is_correct)]
        for question in quiz.questions.all()
    }


def lessons_of(course: Course) -> list[Lesson]:
    return list(Lesson.objects.filter(module__course=course).order_by("module__position", "position"))


def complete_course(user, course: Course) -> None:
    """Enrol ``user`` and complete every lesson (passing quizzes)."""
    services.enrollment_create(user=user, course=course, source="assignment")
    for lesson in lessons_of(course):
        if lesson.kind == "quiz":
            attempt = services.quiz_attempt_start(user=user, quiz=lesson.quiz)
            services.quiz_attempt_submit(user=user, attempt=attempt, answers=right_answers(lesson.quiz))
        else:
            services.lesson_complete(user=user, lesson=lesson)


class PathFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningPath

    actor = factory.SubFactory(UserFactory, role="trainer")
    title = factory.Sequence(lambda n: f"Parcours {n}")
    language = "fr"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.path_create(**kwargs)


# Every question kind, for the marking tables (tests/courses/test_quiz_marking.py).


class SingleChoiceQuestionFactory(QuestionFactory):
    """One right answer among three."""

    kind = "single"
    choices = factory.LazyFunction(
        lambda: [(None, "Contrôle positif", True), (None, "Échantillon seul", False), (None, "Blanc", False)]
    )


class MultipleChoiceQuestionFactory(QuestionFactory):
    """Two right answers (“A”, “B”) and two wrong ones (“C”, “D”)."""

    kind = "multiple"
    choices = factory.LazyFunction(
        lambda: [(None, "A", True), (None, "B", True), (None, "C", False), (None, "D", False)]
    )


class TrueFalseQuestionFactory(QuestionFactory):
    """“Vrai” right, “Faux” wrong (the course language's default labels when ``choices`` is empty)."""

    kind = "true_false"
    choices = factory.LazyFunction(lambda: [(None, "Vrai", True), (None, "Faux", False)])


QUESTION_FACTORIES = {
    "single": SingleChoiceQuestionFactory,
    "multiple": MultipleChoiceQuestionFactory,
    "true_false": TrueFalseQuestionFactory,
}


def quiz_build(*, kinds=("single",), pass_mark: int = 50, max_attempts: int | None = None, owner=None):
    """The quiz of a published one-lesson course with one question of each
    of ``kinds`` (in that order, not shuffled)."""
    course = build_course(
        owner=owner,
        kinds=("quiz",),
        questions=0,
        pass_mark=pass_mark,
        max_attempts=max_attempts,
        publish=False,
    )
    quiz = lessons_of(course)[0].quiz
    for kind in kinds:
        QUESTION_FACTORIES[kind](quiz=quiz)
    services.course_publish(actor=course.owner, course=course)
    quiz.refresh_from_db()
    return quiz


def choice_ids(question, *texts: str) -> list[int]:
    """The ids of ``question``'s answers with these texts."""
    by_text = {choice.text: choice.pk for choice in question.choices.all()}
    return [by_text[text] for text in texts]
