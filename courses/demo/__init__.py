"""Demo courses, learning paths, assignments and learners at every stage.

Runs after ``distributors.demo`` (people and distributors are looked up by
e-mail and name). Everything goes through the services, with explicit past
dates where history matters, so certificates, expiries, reminders and the
engagement log read like a few years of real use. Idempotent: courses and
paths are looked up by address, assignments by distributor and subject, and
the learners' history is played once.
"""

import datetime
import io
from collections.abc import Callable, Sequence
from typing import TypedDict, Unpack

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm

from academy.demo import TRAINER2_EMAIL, TRAINER_EMAIL, DemoLogin
from academy.models import User
from academy.pdf_fonts import pdf_canvas, pdf_fonts_register
from courses import services
from courses.demo import content_en, content_fr
from courses.models import (
    Assignment,
    Category,
    Certificate,
    Course,
    LearningPath,
    Lesson,
    LessonKind,
)
from distributors.selectors import distributor_choices

CATEGORIES = [
    ("kits", "Kits de diagnostic", "Diagnostic kits"),
    ("intolerance", "Intolérances alimentaires", "Food intolerance"),
    ("water-food", "Analyse de l’eau et des aliments", "Water and food analysis"),
    ("quality", "Qualité au laboratoire", "Laboratory quality"),
    ("sales", "Méthode commerciale", "Sales method"),
    ("onboarding", "Intégration", "Onboarding"),
]

PATHS = [
    (
        "integration-nouveaux-collaborateurs",
        "Intégration des nouveaux collaborateurs",
        "fr",
        None,
        "Les trois premières formations de tout nouveau collaborateur d’un distributeur : l’entreprise, "
        "la méthode de vente conseil et les tests d’intolérance alimentaire.",
        ["integration-entreprise-gammes", "methode-vente-conseil", "intolerance-alimentaire-igg"],
        None,
    ),
    (
        "new-staff-onboarding",
        "New staff onboarding",
        "en",
        None,
        "The first three courses for anyone joining a distributor: the company, consultative selling and "
        "food-intolerance tests.",
        ["onboarding-company-product-lines", "consultative-selling", "food-intolerance-igg-tests"],
        "integration-nouveaux-collaborateurs",
    ),
    (
        "technicien-kits-elisa",
        "Technicien kits ELISA",
        "fr",
        24,
        "Le parcours des techniciens qui installent et suivent nos coffrets ELISA chez les laboratoires "
        "clients : qualité au laboratoire, puis kits ELISA.",
        ["qualite-laboratoire", "kits-elisa-principes"],
        None,
    ),
]


def _now() -> datetime.datetime:
    """The latest 09:30 UTC that has passed: history happens in office hours, never in the future."""
    now = timezone.now()
    morning = now.replace(hour=9, minute=30, second=0, microsecond=0)
    return morning if morning <= now else morning - datetime.timedelta(days=1)


def _ago(days: float) -> datetime.datetime:
    return _now() - datetime.timedelta(days=days)


def _person(email: str) -> User:
    return User.objects.get(email=email)


def _pdf(title: str, lines: list[str]) -> SimpleUploadedFile:
    """A one-page data sheet (real PDF, made here so the demo needs no files)."""
    buffer = io.BytesIO()
    pdf = pdf_canvas(buffer, pagesize=A4)
    regular, bold = pdf_fonts_register()
    height = A4[1]
    pdf.setTitle(title)
    pdf.setFont(bold, 16)
    pdf.drawString(2 * cm, height - 2.5 * cm, title)
    pdf.setFont(regular, 11)
    y = height - 4 * cm
    for line in lines:
        pdf.drawString(2.3 * cm, y, f"•  {line}")
        y -= 0.8 * cm
    pdf.showPage()
    pdf.save()
    name = title.split("—")[0].strip().lower().replace(" ", "-")[:40] + ".pdf"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def _categories() -> dict[str, Category]:
    result = {}
    for position, (slug, name_fr, name_en) in enumerate(CATEGORIES):
        result[slug], _created = Category.objects.get_or_create(
            slug=slug, defaults={"name_fr": name_fr, "name_en": name_en, "position": position}
        )
    return result


class _Audience(TypedDict, total=False):
    """Audience switches of a course that differ from the defaults."""

    audience_everyone: bool
    audience_staff: bool
    audience_customers: bool


def _course(
    author: User,
    data: tuple,
    language: str,
    categories: dict[str, Category],
    *,
    translation_of: Course | None = None,
    co_authors: list[User] | None = None,
    published_days_ago: int = 900,
    **audience: Unpack[_Audience],
) -> Course:
    slug, title, level, category, minutes, validity, summary, modules = data[:8]
    course = Course.objects.filter(slug=slug).first()
    if course is not None:
        return course
    course = services.course_create(
        actor=author,
        title=title,
        slug=slug,
        summary=summary,
        language=language,
        level=level,
        category=categories[category],
        estimated_minutes=minutes,
        validity_months=validity,
        translation_of=translation_of,
        trainers=co_authors or [],
        **audience,
    )
    for module_title, lessons in modules:
        module = services.module_create(actor=author, course=course, title=module_title)
        for lesson in lessons:
            kind, lesson_title, lesson_minutes = lesson[:3]
            if kind == "text":
                services.lesson_create(
                    actor=author,
                    module=module,
                    title=lesson_title,
                    kind=LessonKind.TEXT,
                    estimated_minutes=lesson_minutes,
                    body=lesson[3],
                )
            elif kind == "document":
                services.lesson_create(
                    actor=author,
                    module=module,
                    title=lesson_title,
                    kind=LessonKind.DOCUMENT,
                    estimated_minutes=lesson_minutes,
                    document_file=_pdf(lesson[3], lesson[4]),
                )
            else:
                pass_mark, max_attempts, shuffle, questions = lesson[3:7]
                created = services.lesson_create(
                    actor=author,
                    module=module,
                    title=lesson_title,
                    kind=LessonKind.QUIZ,
                    estimated_minutes=lesson_minutes,
                )
                services.quiz_update(
                    actor=author,
                    quiz=created.quiz,
                    pass_mark=pass_mark,
                    max_attempts=max_attempts,
                    shuffle=shuffle,
                )
                for question_kind, text, explanation, choices in questions:
                    services.question_create(
                        actor=author,
                        quiz=created.quiz,
                        kind=question_kind,
                        text=text,
                        explanation=explanation,
                        choices=[(None, answer, correct) for answer, correct in choices],
                    )
    services.course_publish(actor=author, course=course, at=_ago(published_days_ago))
    return Course.objects.get(pk=course.pk)


def _path(author: User, data: tuple, courses: dict[str, Course]) -> LearningPath:
    slug, title, language, validity, summary, course_slugs, translation_of = data
    path = LearningPath.objects.filter(slug=slug).first()
    if path is not None:
        return path
    original = LearningPath.objects.get(slug=translation_of) if translation_of else None
    path = services.path_create(
        actor=author,
        title=title,
        slug=slug,
        language=language,
        summary=summary,
        validity_months=validity,
        translation_of=original,
    )
    for course_slug in course_slugs:
        services.path_course_add(actor=author, path=path, course=courses[course_slug])
    services.path_publish(actor=author, path=path, at=_ago(800))
    return path


def _answers(quiz, *, right: bool) -> dict[int | str, list[int]]:
    """All right, or a failing attempt that still gets every other question
    right (the first questions are the ones people miss)."""
    answers: dict[int | str, list[int]] = {}
    for index, question in enumerate(quiz.questions.prefetch_related("choices")):
        choices = list(question.choices.all())
        if right or index % 2:
            answers[question.pk] = [c.pk for c in choices if c.is_correct]
        else:
            answers[question.pk] = [next(c.pk for c in choices if not c.is_correct)]
    return answers


def _follow(
    user: User,
    course: Course,
    *,
    start: float,
    lessons: int | None = None,
    quiz: tuple[str, ...] = ("pass",),
    step_days: float = 1,
) -> None:
    """Play a learner's story: enrolled ``start`` days ago (unless already
    enrolled), then one lesson per ``step_days``: the first ``lessons``
    non-quiz lessons (all when None), and the quiz with the outcomes listed
    in ``quiz`` ("pass" / "fail"), only when every lesson before it is done."""
    services.enrollment_create(user=user, course=course, at=_ago(start))
    moment = start
    opened = 0
    for lesson in (
        Lesson.objects.filter(module__course=course)
        .select_related("quiz")
        .order_by("module__position", "position")
    ):
        moment = max(moment - step_days, 0.01)
        if lesson.kind == LessonKind.QUIZ:
            if lessons is not None and opened < lessons:
                return
            for outcome in quiz:
                attempt = services.quiz_attempt_start(user=user, quiz=lesson.quiz, at=_ago(moment))
                services.quiz_attempt_submit(
                    user=user,
                    attempt=attempt,
                    answers=_answers(lesson.quiz, right=outcome == "pass"),
                    at=_ago(moment - 0.01),
                )
                moment = max(moment - step_days, 0.01)
            if "pass" not in quiz:
                return
            continue
        if lessons is not None and opened >= lessons:
            return
        services.lesson_open(user=user, lesson=lesson, at=_ago(moment))
        if lesson.kind == LessonKind.TEXT:
            services.lesson_complete(user=user, lesson=lesson, at=_ago(moment - 0.01))
        opened += 1


class _AssignOptions(TypedDict, total=False):
    """What ``assignment_create`` takes besides the distributor and the subject."""

    target: str
    role: str
    people: Sequence[User]
    due_on: datetime.date | None
    due_days: int | None


def _assign(
    manager: User,
    distributor_name: str,
    *,
    days_ago: float,
    course: Course | None = None,
    path: LearningPath | None = None,
    **options: Unpack[_AssignOptions],
) -> None:
    distributor = distributor_choices().get(name=distributor_name)
    if Assignment.objects.filter(distributor=distributor, course=course, path=path).exists():
        return
    services.assignment_create(
        actor=manager, distributor=distributor, course=course, path=path, at=_ago(days_ago), **options
    )


def _in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def seed() -> list[DemoLogin]:
    trainer = _person(TRAINER_EMAIL)
    co_author = _person(TRAINER2_EMAIL)
    categories = _categories()
    courses: dict[str, Course] = {}
    for data in content_fr.COURSES:
        audience: _Audience = {}
        if data[0] == "appels-offres-hospitaliers":  # for team leads only
            audience = {"audience_everyone": False, "audience_staff": False, "audience_customers": False}
        courses[data[0]] = _course(trainer, data, "fr", categories, co_authors=[co_author], **audience)
    for english in content_en.COURSES:
        courses[english[0]] = _course(
            co_author, english, "en", categories, translation_of=courses[english[8]]
        )
    if not Course.objects.filter(slug="mycotoxines-cereales").exists():
        draft = services.course_create(
            actor=trainer,
            title="Mycotoxines dans les céréales : dépistage rapide",
            slug="mycotoxines-cereales",
            summary="Aflatoxines, ochratoxine et fumonisines : échantillonnage des lots et tests rapides.",
            language="fr",
            level="advanced",
            category=categories["water-food"],
            estimated_minutes=60,
            validity_months=24,
        )
        module = services.module_create(
            actor=trainer, course=draft, title="Échantillonner un lot de céréales"
        )
        services.lesson_create(
            actor=trainer,
            module=module,
            title="Pourquoi l’échantillonnage décide du résultat",
            body="Les mycotoxines se répartissent en **points chauds** dans un lot : un seul prélèvement "
            "ne suffit jamais. On constitue un échantillon global à partir de nombreux prélèvements "
            "élémentaires.",
            estimated_minutes=8,
        )
    paths = {data[0]: _path(trainer, data, courses) for data in PATHS}
    _history(courses, paths)
    return [
        DemoLogin(
            "learner", "moussa.sow@biodiag-senegal.example", "Moussa Sow — certificates expired and expiring"
        ),
        DemoLogin(
            "learner", "paul.fotso@cameroun-diagnostic.example", "Paul Fotso — English-speaking learner"
        ),
    ]


def _history(courses: dict[str, Course], paths: dict[str, LearningPath]) -> None:
    """Two years of learning, in date order (older stories first), so
    assignments find the certificates that existed when they were made."""
    sn = "biodiag-senegal.example"
    ci = "ivoire-labo-services.example"
    cm_ = "cameroun-diagnostic.example"
    ma = "atlas-lab-maroc.example"
    be = "labo-conseil-benelux.example"
    elisa, elisa_en = courses["kits-elisa-principes"], courses["elisa-kits-principles"]
    quality, water = courses["qualite-laboratoire"], courses["analyse-microbiologique-eau"]
    sales, intolerance = courses["methode-vente-conseil"], courses["intolerance-alimentaire-igg"]
    onboarding = courses["integration-entreprise-gammes"]
    west, central = _person("amadou.diallo@academy.example"), _person("sophie.laurent@academy.example")
    steps: list[tuple[float, Callable[[], None]]] = [
        # An ELISA certificate earned two years ago, now expired.
        (800, lambda: _follow(_person(f"moussa.sow@{sn}"), elisa, start=800, quiz=("fail", "pass"))),
        (420, lambda: _follow(_person(f"cheikh.ba@{sn}"), elisa, start=420)),  # has left since
        # A laboratory-quality certificate that expires in about three weeks.
        (350, lambda: _follow(_person(f"moussa.sow@{sn}"), quality, start=350)),
        (245, lambda: _follow(_person(f"awa.traore@{ci}"), water, start=245)),
        (210, lambda: _follow(_person(f"moussa.sow@{sn}"), sales, start=210, step_days=2)),
        (160, lambda: _follow(_person(f"aminata.fall@{sn}"), elisa, start=160, step_days=2)),
        (105, lambda: _follow(_person(f"fatou.ndiaye@{sn}"), quality, start=105)),
        (95, lambda: _follow(_person(f"paul.fotso@{cm_}"), elisa_en, start=95)),
        (70, lambda: _follow(_person(f"lucas.peeters@{be}"), courses["consultative-selling"], start=70)),
        (
            60,
            lambda: _follow(
                _person(f"lucas.peeters@{be}"), courses["appels-offres-hospitaliers"], start=60, lessons=2
            ),
        ),
        # Whole-team assignments, then the people concerned at work.
        (55, lambda: _assign(west, "BioDiag Sénégal", days_ago=55, course=elisa, due_days=60)),
        (
            50,
            lambda: _assign(
                west,
                "BioDiag Sénégal",
                days_ago=50,
                path=paths["integration-nouveaux-collaborateurs"],
                due_days=45,
            ),
        ),
        (49, lambda: _follow(_person(f"moussa.sow@{sn}"), elisa, start=49, lessons=1)),
        (48, lambda: _follow(_person(f"aminata.fall@{sn}"), onboarding, start=48)),
        (45, lambda: _follow(_person(f"ibrahima.diop@{sn}"), onboarding, start=45, lessons=1)),
        (44, lambda: _follow(_person(f"aminata.fall@{sn}"), sales, start=44)),
        (42, lambda: _follow(_person(f"fatou.ndiaye@{sn}"), elisa, start=42, lessons=3, step_days=3)),
        (40, lambda: _assign(central, "Cameroun Diagnostic", days_ago=40, course=quality, due_days=60)),
        (38, lambda: _follow(_person(f"aminata.fall@{sn}"), intolerance, start=38, quiz=("fail", "pass"))),
        (36, lambda: _follow(_person(f"jean.mbarga@{cm_}"), quality, start=36)),
        (34, lambda: _follow(_person(f"esther.ngo@{cm_}"), quality, start=34, lessons=2, step_days=4)),
        # A new major version of the water course: holders must recertify (they
        # are in the grace period).
        (
            30,
            lambda: _new_version(water, "Méthode ISO 9308-1:2014 et nouveau milieu chromogène.", days_ago=30),
        ),
        (
            30,
            lambda: _assign(
                west,
                "Ivoire Labo Services",
                days_ago=30,
                course=elisa,
                target="role",
                role="staff",
                due_on=_in_days(20),
            ),
        ),
        (28, lambda: _follow(_person(f"awa.traore@{ci}"), elisa, start=28, step_days=2)),
        (20, lambda: _assign(central, "Atlas Lab Maroc", days_ago=20, course=water, due_days=30)),
        # The Benelux team works in English: its newcomers follow the English onboarding path.
        (
            20,
            lambda: _assign(
                central, "Labo Conseil Benelux", days_ago=20, path=paths["new-staff-onboarding"], due_days=45
            ),
        ),
        (18, lambda: _follow(_person(f"salma.bennani@{ma}"), water, start=18, step_days=2)),
        (16, lambda: _follow(_person(f"emma.dubois@{be}"), intolerance, start=16)),
        (
            14,
            lambda: _follow(_person(f"serge.yao@{ci}"), elisa, start=14, quiz=("fail", "fail"), step_days=2),
        ),
        (12, lambda: _follow(_person(f"aminata.fall@{sn}"), quality, start=12, quiz=("fail",), step_days=2)),
        (
            10,
            lambda: _assign(
                _person(f"fatou.ndiaye@{sn}"),
                "BioDiag Sénégal",
                days_ago=10,
                course=sales,
                target="people",
                people=[_person(f"ibrahima.diop@{sn}")],
                due_on=_in_days(10),
            ),
        ),
        (8, lambda: _follow(_person(f"aminata.fall@{sn}"), water, start=8, lessons=2, step_days=2)),
    ]
    # Played once: the first story of the list marks that the history exists.
    if Certificate.objects.filter(user__email=f"moussa.sow@{sn}", course=elisa).exists():
        return
    for _days, play in sorted(steps, key=lambda step: -step[0]):  # stable: same-day steps keep their order
        play()


def _new_version(course: Course, notes: str, *, days_ago: float) -> None:
    services.course_publish(
        actor=course.owner,
        course=course,
        new_version=True,
        require_recertification=True,
        notes=notes,
        at=_ago(days_ago),
    )
