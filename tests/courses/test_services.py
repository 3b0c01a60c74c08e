import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.utils import timezone

from academy.errors import ApplicationError
from academy.models import EngagementEvent
from courses import services
from courses.models import (
    Assignment,
    Certificate,
    CertificateStatus,
    Course,
    Enrollment,
    LessonProgress,
    QuizAttempt,
    Reminder,
)
from tests.academy.factories import UserFactory
from tests.courses.factories import (
    CourseFactory,
    LessonFactory,
    ModuleFactory,
    QuestionFactory,
    build_course,
    complete_course,
    lessons_of,
    right_answers,
    wrong_answers,
)
from tests.files import ooxml_bytes

pytestmark = pytest.mark.django_db


def _verbs(user) -> list[str]:
    events = EngagementEvent.objects.filter(actor=user).exclude(
        verb__in=["joined_distributor", "left_distributor"]
    )
    return list(events.order_by("id").values_list("verb", flat=True))


# ------------------------------------------------------------------ authoring


def test_only_trainers_and_admins_create_courses(network):
    with pytest.raises(PermissionDenied):
        services.course_create(actor=network.lead_a, title="Vente conseil", language="fr")
    course = services.course_create(actor=network.trainer, title="Vente conseil", language="fr")
    assert (course.slug, course.owner, course.status) == ("vente-conseil", network.trainer, "draft")
    again = services.course_create(actor=network.admin, title="Vente conseil", language="fr")
    assert again.slug == "vente-conseil-2"


def test_reserved_and_taken_addresses_are_refused(network):
    with pytest.raises(ApplicationError) as error:
        services.course_create(actor=network.trainer, title="Mes formations", slug="my", language="fr")
    assert "slug" in error.value.fields
    services.course_create(actor=network.trainer, title="A", slug="kits-elisa", language="fr")
    with pytest.raises(ApplicationError) as error:
        services.course_create(actor=network.trainer, title="B", slug="kits-elisa", language="fr")
    assert "slug" in error.value.fields


def test_a_trainer_edits_only_own_courses_unless_admin(network, course):
    other = UserFactory(role="trainer")
    with pytest.raises(PermissionDenied):
        services.course_update(actor=other, course=course, title="Piraté")
    with pytest.raises(PermissionDenied):
        services.module_create(actor=other, course=course, title="Module pirate")
    course.trainers.add(other)  # a co-author may
    services.course_update(actor=other, course=course, title="Kits ELISA (v2)")
    services.course_update(actor=network.admin, course=course, summary="Revu par l’administration.")
    course.refresh_from_db()
    assert (course.title, course.summary) == ("Kits ELISA (v2)", "Revu par l’administration.")


def test_translations_are_linked_and_one_per_language(network, course):
    english = services.course_create(
        actor=network.trainer, title="ELISA kits: good practice", language="en", translation_of=course
    )
    assert english.translation_group == course.translation_group
    with pytest.raises(ApplicationError):
        services.course_create(actor=network.trainer, title="Doublon", language="fr", translation_of=course)
    with pytest.raises(ApplicationError):
        services.course_create(actor=network.trainer, title="Another", language="en", translation_of=course)
    loose = services.course_create(actor=network.trainer, title="Water analysis", language="en")
    with pytest.raises(ApplicationError):
        services.course_link_translation(actor=network.trainer, course=course, translation=loose)


def test_publishing_needs_complete_content(network):
    course = CourseFactory(actor=network.trainer)
    with pytest.raises(ApplicationError) as error:
        services.course_publish(actor=network.trainer, course=course)
    assert error.value.code == "not_publishable"
    module = ModuleFactory(course=course)
    LessonFactory(module=module, kind="quiz", title="Évaluation")
    with pytest.raises(ApplicationError) as error:
        services.course_publish(actor=network.trainer, course=course)
    assert "Évaluation" in error.value.message
    QuestionFactory(quiz=course.modules.get().lessons.get().quiz)
    services.course_publish(actor=network.trainer, course=course)
    course.refresh_from_db()
    assert course.status == "published" and course.versions.get().number == 1
    with pytest.raises(ApplicationError):
        services.course_publish(actor=network.trainer, course=course)


def test_questions_need_consistent_answers(network, course):
    quiz = lessons_of(course)[2].quiz
    cases = [
        ("single", [(None, "A", True), (None, "B", True)]),
        ("multiple", [(None, "A", False), (None, "B", False)]),
        ("true_false", [(None, "Vrai", True), (None, "Faux", False), (None, "Peut-être", False)]),
        ("single", [(None, "Seule", True)]),
    ]
    for kind, choices in cases:
        with pytest.raises(ApplicationError) as error:
            services.question_create(actor=network.trainer, quiz=quiz, kind=kind, text="?", choices=choices)
        assert "choices" in error.value.fields
    question = services.question_create(
        actor=network.trainer, quiz=quiz, kind="true_false", text="Le sérum se congèle ?"
    )
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [("Vrai", True), ("Faux", False)]


def test_question_update_keeps_answer_ids(network, course):
    question = lessons_of(course)[2].quiz.questions.first()
    first, second = question.choices.all()
    services.question_update(
        actor=network.trainer,
        question=question,
        kind="multiple",
        text="Quelles étapes ?",
        choices=[
            (first.pk, "Lavage", True),
            (second.pk, "Incubation", True),
            (None, "Séchage au four", False),
        ],
    )
    texts = list(question.choices.values_list("pk", "text"))
    assert texts[:2] == [(first.pk, "Lavage"), (second.pk, "Incubation")] and texts[2][1] == "Séchage au four"


def test_reordering_modules_lessons_and_questions(network, course):
    lessons = lessons_of(course)
    services.lesson_move(actor=network.trainer, lesson=lessons[2], direction="up")
    assert [lesson.pk for lesson in lessons_of(course)] == [lessons[0].pk, lessons[2].pk, lessons[1].pk]
    services.lesson_move(actor=network.trainer, lesson=lessons[0], direction="up")  # already first
    assert lessons_of(course)[0].pk == lessons[0].pk
    second = ModuleFactory(course=course, title="Module 2")
    services.module_move(actor=network.trainer, module=second, direction="up")
    assert next(iter(course.modules.order_by("position").values_list("title", flat=True))) == "Module 2"
    with pytest.raises(ApplicationError):
        services.module_move(actor=network.trainer, module=second, direction="sideways")


def test_video_and_document_lessons_are_checked(network, course):
    from django.core.files.uploadedfile import SimpleUploadedFile

    module = course.modules.first()
    with pytest.raises(ApplicationError) as error:
        services.lesson_create(
            actor=network.trainer,
            module=module,
            title="Vidéo",
            kind="video",
            video_url="https://evil.example/v",
        )
    assert "video_url" in error.value.fields
    video = services.lesson_create(
        actor=network.trainer,
        module=module,
        title="Vidéo",
        kind="video",
        video_url="https://vimeo.com/123456789",
    )
    assert video.video_embed_url == "https://player.vimeo.com/video/123456789"
    bad_files = [
        SimpleUploadedFile("script.exe", b"MZ...", content_type="application/octet-stream"),
        SimpleUploadedFile("fiche.pdf", b"<html>not a pdf</html>", content_type="application/pdf"),
        SimpleUploadedFile("fiche.pdf", b"%PDF-1.4", content_type="text/html"),
        SimpleUploadedFile(
            "fiche.pdf", b"%PDF-1.4" + b"0" * (25 * 1024 * 1024), content_type="application/pdf"
        ),
    ]
    for upload in bad_files:
        with pytest.raises(ApplicationError) as error:
            services.lesson_create(
                actor=network.trainer, module=module, title="Doc", kind="document", document_file=upload
            )
        assert "document_file" in error.value.fields
    docx = SimpleUploadedFile(
        "procedure.docx", ooxml_bytes("word/document.xml"), content_type="application/octet-stream"
    )
    lesson = services.lesson_create(
        actor=network.trainer, module=module, title="Doc", kind="document", document_file=docx
    )
    assert lesson.document_content_type.endswith("wordprocessingml.document")
    assert lesson.document_name == "procedure.docx" and lesson.document_size == docx.size


# ------------------------------------------------------------------ learning


def test_self_enrolment_respects_audience_and_settings(network, course):
    services.course_update(actor=network.trainer, course=course, audience_everyone=False)
    course.audience_distributors.set([network.distributor_b])
    with pytest.raises(ApplicationError) as error:
        services.enrollment_create(user=network.staff_a, course=course)
    assert error.value.status == 403
    enrollment = services.enrollment_create(user=network.staff_b, course=course)
    assert services.enrollment_create(user=network.staff_b, course=course) == enrollment  # idempotent
    assert enrollment.distributor == network.distributor_b
    event = EngagementEvent.objects.get(actor=network.staff_b, verb="enrolled")
    assert (event.distributor, event.object_id) == (network.distributor_b, str(course.pk))
    services.course_update(actor=network.trainer, course=course, self_enrolment=False)
    with pytest.raises(ApplicationError) as error:
        services.enrollment_create(user=network.lead_b, course=course)
    assert error.value.code == "assignment_only"
    # Assignment-driven enrolment ignores the audience.
    assert services.enrollment_create(user=network.staff_a, course=course, source="assignment")


def test_lessons_progress_and_course_completion(network, course):
    learner = network.staff_a
    text1, text2, quiz_lesson = lessons_of(course)
    enrollment = services.enrollment_create(user=learner, course=course)
    services.lesson_open(user=learner, lesson=text1)
    services.lesson_open(user=learner, lesson=text1)
    enrollment.refresh_from_db()
    assert (enrollment.last_lesson, enrollment.progress_percent) == (text1, 0)  # text: not complete on view
    services.lesson_complete(user=learner, lesson=text1)
    services.lesson_complete(user=learner, lesson=text1)  # idempotent
    enrollment.refresh_from_db()
    assert enrollment.progress_percent == 33
    with pytest.raises(ApplicationError):
        services.lesson_complete(user=learner, lesson=quiz_lesson)
    services.lesson_complete(user=learner, lesson=text2)
    attempt = services.quiz_attempt_start(user=learner, quiz=quiz_lesson.quiz)
    services.quiz_attempt_submit(user=learner, attempt=attempt, answers=right_answers(quiz_lesson.quiz))
    enrollment.refresh_from_db()
    assert (enrollment.status, enrollment.progress_percent) == ("completed", 100)
    assert _verbs(learner) == [
        "enrolled",
        "lesson_viewed",
        "lesson_completed",
        "lesson_viewed",
        "lesson_completed",
        "quiz_passed",
        "lesson_completed",
        "course_completed",
        "certificate_issued",
    ]
    minutes = EngagementEvent.objects.filter(actor=learner, verb="lesson_completed").values_list(
        "minutes", flat=True
    )
    assert list(minutes) == [5, 5, 5]
    certificate = Certificate.objects.get(user=learner)
    assert certificate.expires_on is None and certificate.state() == "valid"
    assert learner.notifications.filter(kind="courses.certificate_issued").exists()


def test_video_and_document_lessons_complete_on_viewing(network):
    course = build_course(owner=network.trainer, kinds=("video", "document"))
    video, document = lessons_of(course)
    services.lesson_open(user=network.staff_a, lesson=video)  # not enrolled: nothing recorded
    assert not LessonProgress.objects.exists()
    services.enrollment_create(user=network.staff_a, course=course)
    services.lesson_open(user=network.staff_a, lesson=video)
    services.lesson_open(user=network.staff_a, lesson=document)
    enrollment = Enrollment.objects.get(user=network.staff_a)
    assert enrollment.status == "completed"


def test_lesson_changes_refresh_progress(network, course):
    text1, text2, _quiz = lessons_of(course)
    services.enrollment_create(user=network.staff_a, course=course)
    services.lesson_complete(user=network.staff_a, lesson=text1)
    services.lesson_update(actor=network.trainer, lesson=text2, is_required=False)
    assert Enrollment.objects.get(user=network.staff_a).progress_percent == 50
    services.lesson_delete(actor=network.trainer, lesson=text2)
    LessonFactory(module=text1.module, title="Nouvelle leçon")
    assert Enrollment.objects.get(user=network.staff_a).progress_percent == 33


# ------------------------------------------------------------------ quizzes


def test_quiz_attempts_are_graded_on_the_server_and_limited(network, course):
    learner = network.staff_a
    quiz = lessons_of(course)[2].quiz
    with pytest.raises(ApplicationError) as error:
        services.quiz_attempt_start(user=learner, quiz=quiz)
    assert error.value.code == "not_enrolled"
    services.enrollment_create(user=learner, course=course)
    first = services.quiz_attempt_start(user=learner, quiz=quiz)
    assert services.quiz_attempt_start(user=learner, quiz=quiz) == first  # resumes the open attempt
    failed = services.quiz_attempt_submit(user=learner, attempt=first, answers=wrong_answers(quiz))
    assert (failed.number, failed.score, failed.passed) == (1, 0, False)
    with pytest.raises(ApplicationError) as error:
        services.quiz_attempt_submit(user=learner, attempt=first, answers=right_answers(quiz))
    assert error.value.code == "attempt_submitted"
    second = services.quiz_attempt_start(user=learner, quiz=quiz)
    half = right_answers(quiz)
    first_q, second_q = list(half)
    half[second_q] = wrong_answers(quiz)[second_q]
    graded = services.quiz_attempt_submit(user=learner, attempt=second, answers=half)
    assert (graded.number, graded.score, graded.passed) == (2, 50, True)  # pass mark 50 %
    assert {a.question_id: a.is_correct for a in graded.answers.all()} == {first_q: True, second_q: False}
    with pytest.raises(ApplicationError) as error:
        services.quiz_attempt_start(user=learner, quiz=quiz)
    assert error.value.code == "quiz_passed"
    assert _verbs(learner).count("quiz_failed") == 1


def test_maximum_attempts_is_enforced(network, course):
    learner = network.staff_a
    quiz = lessons_of(course)[2].quiz  # at most 2 attempts
    enrollment = services.enrollment_create(user=learner, course=course)
    for _ in range(2):
        attempt = services.quiz_attempt_start(user=learner, quiz=quiz)
        services.quiz_attempt_submit(user=learner, attempt=attempt, answers=wrong_answers(quiz))
    with pytest.raises(ApplicationError) as error:
        services.quiz_attempt_start(user=learner, quiz=quiz)
    assert (error.value.code, error.value.status) == ("no_attempts_left", 403)
    # The database refuses a second attempt with the same number, whatever the code path.
    with pytest.raises(IntegrityError):
        QuizAttempt.objects.create(enrollment=enrollment, quiz=quiz, number=2)


def test_submitted_answers_are_validated(network, course):
    learner = network.staff_a
    quiz = lessons_of(course)[2].quiz
    services.enrollment_create(user=learner, course=course)
    attempt = services.quiz_attempt_start(user=learner, quiz=quiz)
    first_q, second_q = list(right_answers(quiz))
    other_course = build_course(owner=network.trainer)
    foreign_choice = lessons_of(other_course)[2].quiz.questions.first().choices.first().pk
    two_choices = list(quiz.questions.get(pk=first_q).choices.values_list("pk", flat=True))
    for answers, field in [
        ({first_q: right_answers(quiz)[first_q]}, f"question_{second_q}"),
        ({first_q: [foreign_choice], second_q: right_answers(quiz)[second_q]}, f"question_{first_q}"),
        ({first_q: two_choices, second_q: right_answers(quiz)[second_q]}, f"question_{first_q}"),
        ({"x": [1]}, "answers"),
    ]:
        with pytest.raises(ApplicationError) as error:
            services.quiz_attempt_submit(user=learner, attempt=attempt, answers=answers)
        assert field in error.value.fields
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and not attempt.answers.exists()
    with pytest.raises(ApplicationError) as error:
        services.quiz_attempt_submit(user=network.staff_b, attempt=attempt, answers=right_answers(quiz))
    assert error.value.status == 403


def test_shuffled_order_is_stable_per_attempt(network):
    course = build_course(owner=network.trainer, kinds=("quiz",), questions=8)
    quiz = lessons_of(course)[0].quiz
    services.quiz_update(actor=network.trainer, quiz=quiz, pass_mark=100, max_attempts=None, shuffle=True)
    services.enrollment_create(user=network.staff_a, course=course)
    orders = set()
    for _ in range(6):
        attempt = services.quiz_attempt_start(user=network.staff_a, quiz=quiz)
        assert (
            services.quiz_attempt_start(user=network.staff_a, quiz=quiz).question_order
            == attempt.question_order
        )
        assert sorted(attempt.question_order) == sorted(quiz.questions.values_list("pk", flat=True))
        orders.add(tuple(attempt.question_order))
        services.quiz_attempt_submit(user=network.staff_a, attempt=attempt, answers=wrong_answers(quiz))
    assert len(orders) > 1  # 8! orders: six identical draws would be a broken shuffle


# ------------------------------------------------------------------ certificates


def test_certificate_expiry_reminders_and_codes(network, time_machine):
    time_machine.move_to(datetime.datetime(2026, 1, 29, 10, 0, tzinfo=datetime.UTC), tick=False)
    course = build_course(owner=network.trainer, validity_months=1, kinds=("text",))
    complete_course(network.staff_a, course)
    certificate = Certificate.objects.get(user=network.staff_a)
    # One month after 29 January is the last day of February.
    assert (certificate.issued_on, certificate.expires_on) == (
        datetime.date(2026, 1, 29),
        datetime.date(2026, 2, 28),
    )
    assert len(certificate.code) == 19 and certificate.code.count("-") == 3
    # 60 days before is already past: only the 30 (today, so now) and 7 day reminders exist.
    reminders = {r.kind: r.send_at for r in Reminder.objects.all()}
    assert sorted(reminders) == ["expiry_30", "expiry_7"]
    assert reminders["expiry_30"] == timezone.now()
    course12 = build_course(owner=network.trainer, validity_months=12, kinds=("text",))
    complete_course(network.staff_a, course12)
    later = Certificate.objects.get(course=course12)
    assert later.expires_on == datetime.date(2027, 1, 29)
    send_days = sorted(r.send_at.astimezone(network.staff_a.tzinfo).date() for r in later.reminders.all())
    assert send_days == [datetime.date(2026, 11, 30), datetime.date(2026, 12, 30), datetime.date(2027, 1, 22)]
    assert certificate.code != later.code
    time_machine.move_to(datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.UTC))
    certificate.refresh_from_db()
    assert certificate.state() == "expired"


def test_recertification_window_and_renewal(network, time_machine):
    time_machine.move_to(datetime.datetime(2026, 1, 10, 10, 0, tzinfo=datetime.UTC))
    course = build_course(owner=network.trainer, validity_months=12, kinds=("text",))
    complete_course(network.staff_a, course)
    certificate = Certificate.objects.get(user=network.staff_a)
    with pytest.raises(ApplicationError) as error:
        services.enrollment_create(user=network.staff_a, course=course)
    assert error.value.code == "already_certified"
    with pytest.raises(ApplicationError):
        services.certificate_recertify(user=network.staff_a, certificate=certificate)
    time_machine.move_to(datetime.datetime(2026, 11, 20, 10, 0, tzinfo=datetime.UTC))  # 51 days left
    enrollment = services.certificate_recertify(user=network.staff_a, certificate=certificate)
    assert enrollment.source == "recertification" and enrollment.status == "active"
    services.lesson_complete(user=network.staff_a, lesson=lessons_of(course)[0])
    certificate.refresh_from_db()
    renewed = Certificate.objects.get(user=network.staff_a, status="valid")
    assert certificate.status == "replaced" and renewed.expires_on == datetime.date(2027, 11, 20)
    assert Enrollment.objects.filter(user=network.staff_a, course=course).count() == 2
    assert not certificate.reminders.filter(status="pending").exists()


def test_new_major_version_may_require_recertification(network):
    course = build_course(owner=network.trainer, kinds=("text",))
    complete_course(network.staff_a, course)
    complete_course(network.staff_b, course)
    services.course_publish(actor=network.trainer, course=course, new_version=True, notes="Nouvelle notice")
    assert Certificate.objects.filter(status="valid").count() == 2  # no recertification asked
    services.course_publish(
        actor=network.trainer,
        course=course,
        new_version=True,
        require_recertification=True,
        notes="Nouveau kit",
    )
    course.refresh_from_db()
    assert course.version == 3
    # Notice and a grace period: still valid until then.
    assert set(Certificate.objects.values_list("status", flat=True)) == {"valid"}
    assert Certificate.objects.filter(recertify_by__isnull=False).count() == 2
    again = Enrollment.objects.filter(course=course, status="active")
    assert {(e.user, e.source, e.course_version) for e in again} == {
        (network.staff_a, "recertification", 3),
        (network.staff_b, "recertification", 3),
    }
    assert course.versions.get(number=3).requires_recertification


def test_revoking_a_certificate(network, course):
    complete_course(network.staff_a, course)
    certificate = Certificate.objects.get()
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(actor=network.manager_a, certificate=certificate, reason="Fraude")
    with pytest.raises(ApplicationError):
        services.certificate_revoke(actor=network.trainer, certificate=certificate, reason=" ")
    services.certificate_revoke(
        actor=network.trainer, certificate=certificate, reason="Quiz passé par un tiers"
    )
    certificate.refresh_from_db()
    assert certificate.state() == CertificateStatus.REVOKED


# ------------------------------------------------------------------ paths


def test_learning_path_enrols_in_its_courses_and_completes(network):
    first = build_course(owner=network.trainer, kinds=("text",), title="Découvrir l’entreprise")
    second = build_course(owner=network.trainer, kinds=("text",), title="Nos gammes")
    path = services.path_create(actor=network.trainer, title="Intégration", language="fr", validity_months=24)
    with pytest.raises(ApplicationError):
        services.path_publish(actor=network.trainer, path=path)
    services.path_course_add(actor=network.trainer, path=path, course=first)
    services.path_course_add(actor=network.trainer, path=path, course=second)
    with pytest.raises(ApplicationError):
        services.path_course_add(actor=network.trainer, path=path, course=first)
    services.path_publish(actor=network.trainer, path=path)
    complete_course(network.staff_a, first)  # done before the path: counts
    path.refresh_from_db()
    enrollment = services.path_enroll(user=network.staff_a, path=path)
    assert list(
        Enrollment.objects.filter(user=network.staff_a, status="active").values_list("course", flat=True)
    ) == [second.pk]
    services.lesson_complete(user=network.staff_a, lesson=lessons_of(second)[0])
    enrollment.refresh_from_db()
    assert enrollment.status == "completed"
    path_certificate = Certificate.objects.get(path=path)
    assert path_certificate.expires_on == timezone.localdate().replace(year=timezone.localdate().year + 2)
    assert "path_completed" in _verbs(network.staff_a)


# ------------------------------------------------------------------ assignments


def test_who_may_assign(network, course):
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            actor=network.manager_b, distributor=network.distributor_a, course=course, due_days=30
        )
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            actor=network.lead_b, distributor=network.distributor_a, course=course, due_days=30
        )
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            actor=network.staff_a, distributor=network.distributor_a, course=course, due_days=30
        )
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            actor=network.trainer, distributor=network.distributor_a, course=course, due_days=30
        )
    assert services.assignment_create(
        actor=network.lead_a, distributor=network.distributor_a, course=course, due_days=30
    )
    assert services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_days=30
    )


def test_assignment_input_is_validated(network, course):
    draft = CourseFactory(actor=network.trainer)
    today = timezone.localdate()
    cases = [
        ({"course": draft, "due_days": 10}, "course"),
        ({"course": course}, "due_on"),
        ({"course": course, "due_on": today - datetime.timedelta(days=1)}, "due_on"),
        ({"course": course, "due_days": 10, "target": "role", "role": "boss"}, "role"),
        ({"course": course, "due_days": 10, "target": "people"}, "people"),
        ({"course": course, "due_days": 10, "target": "people", "people": [network.staff_b]}, "people"),
        ({"due_days": 10}, "course"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ApplicationError) as error:
            services.assignment_create(actor=network.manager_a, distributor=network.distributor_a, **kwargs)
        assert field in error.value.fields, kwargs


def test_only_what_is_meant_for_the_distributor_can_be_assigned(network):
    elsewhere = {"audience_everyone": False, "audience_distributors": [network.distributor_b]}
    other_territory = build_course(
        owner=network.trainer, audience_everyone=False, audience_territories=[network.territory_b]
    )
    path = services.path_create(actor=network.trainer, title="Ailleurs", language="fr", **elsewhere)
    services.path_course_add(actor=network.trainer, path=path, course=build_course(owner=network.trainer))
    services.path_publish(actor=network.trainer, path=path)
    cases = [
        ({"course": build_course(owner=network.trainer, **elsewhere)}, "course"),
        ({"course": other_territory}, "course"),
        ({"path": path}, "path"),
    ]
    for kwargs, field in cases:
        for actor in (network.manager_a, network.lead_a, network.admin):
            with pytest.raises(ApplicationError) as error:
                services.assignment_create(
                    actor=actor, distributor=network.distributor_a, due_days=10, **kwargs
                )
            assert field in error.value.fields, (kwargs, actor)
            assert "Dist A" in error.value.fields[field][0]
    assert not Assignment.objects.exists()
    # Meant for the distributor itself, its territory or no place in particular: fine.
    for course in (
        build_course(
            owner=network.trainer, audience_everyone=False, audience_territories=[network.territory_a]
        ),
        build_course(
            owner=network.trainer, audience_everyone=False, audience_distributors=[network.distributor_a]
        ),
        build_course(owner=network.trainer, audience_everyone=False),
    ):
        assert services.assignment_create(
            actor=network.manager_a, distributor=network.distributor_a, course=course, due_days=10
        )
    assert services.assignment_create(
        actor=network.manager_b, distributor=network.distributor_b, path=path, due_days=10
    )


def test_assignment_follows_staff_turnover(network, course, django_capture_on_commit_callbacks):
    from distributors import services as distributor_services

    today = timezone.localdate()
    assignment = services.assignment_create(
        actor=network.manager_a,
        distributor=network.distributor_a,
        course=course,
        due_on=today + datetime.timedelta(days=20),
        due_days=30,
    )
    assert {(a.user, a.due_on) for a in assignment.assignees.all()} == {
        (network.lead_a, today + datetime.timedelta(days=20)),
        (network.staff_a, today + datetime.timedelta(days=20)),
    }
    assert Enrollment.objects.filter(course=course, source="assignment").count() == 2
    newcomer = UserFactory()
    joined = today - datetime.timedelta(days=2)
    distributor_services.membership_start(user=newcomer, distributor=network.distributor_a, joined_on=joined)
    assignee = assignment.assignees.get(user=newcomer)
    assert assignee.due_on == joined + datetime.timedelta(days=30)
    assert Enrollment.objects.get(user=newcomer).source == "assignment"
    assert set(assignee.reminders.values_list("kind", flat=True)) == {"due_soon", "overdue"}
    # A newcomer at the other distributor is not concerned.
    distributor_services.membership_start(user=UserFactory(), distributor=network.distributor_b)
    assert assignment.assignees.count() == 3
    # The leaver is released, their reminders cancelled, their enrolment kept.
    membership = newcomer.memberships.get()
    distributor_services.membership_end(membership=membership)
    assignee.refresh_from_db()
    assert assignee.released_at is not None and assignee.state() == "released"
    assert set(assignee.reminders.values_list("status", flat=True)) == {"cancelled"}
    assert Enrollment.objects.filter(user=newcomer).exists()


def test_role_and_named_assignments(network, course):
    from distributors import services as distributor_services

    by_role = services.assignment_create(
        actor=network.lead_a,
        distributor=network.distributor_a,
        course=course,
        target="role",
        role="staff",
        due_days=14,
    )
    assert list(by_role.assignees.values_list("user", flat=True)) == [network.staff_a.pk]
    new_lead = UserFactory()
    distributor_services.membership_end(membership=network.lead_a.memberships.get())
    distributor_services.membership_start(user=new_lead, distributor=network.distributor_a, role="lead")
    assert not by_role.assignees.filter(user=new_lead).exists()
    other = build_course(owner=network.trainer, kinds=("text",))
    named = services.assignment_create(
        actor=network.manager_a,
        distributor=network.distributor_a,
        course=other,
        target="people",
        people=[network.staff_a],
        due_days=7,
    )
    distributor_services.membership_start(user=UserFactory(), distributor=network.distributor_a)
    assert list(named.assignees.values_list("user", flat=True)) == [network.staff_a.pk]


def test_completion_and_existing_certificates_mark_assignments_done(network, course):
    complete_course(network.lead_a, course)
    assignment = services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_days=30
    )
    done = assignment.assignees.get(user=network.lead_a)
    assert done.state() == "done" and not done.reminders.exists()
    pending = assignment.assignees.get(user=network.staff_a)
    assert pending.state() == "due"
    for lesson in lessons_of(course):
        if lesson.kind == "quiz":
            attempt = services.quiz_attempt_start(user=network.staff_a, quiz=lesson.quiz)
            services.quiz_attempt_submit(
                user=network.staff_a, attempt=attempt, answers=right_answers(lesson.quiz)
            )
        else:
            services.lesson_complete(user=network.staff_a, lesson=lesson)
    pending.refresh_from_db()
    assert pending.state() == "done"
    assert set(pending.reminders.values_list("status", flat=True)) == {"cancelled"}


def test_cancelling_an_assignment(network, course):
    assignment = services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_days=30
    )
    lead_assignment = services.assignment_create(
        actor=network.lead_a,
        distributor=network.distributor_a,
        course=build_course(owner=network.trainer),
        due_days=5,
    )
    with pytest.raises(PermissionDenied):
        services.assignment_cancel(actor=network.lead_a, assignment=assignment)  # made by the manager
    with pytest.raises(PermissionDenied):
        services.assignment_cancel(actor=network.manager_b, assignment=assignment)
    services.assignment_cancel(actor=network.lead_a, assignment=lead_assignment)
    services.assignment_cancel(actor=network.manager_a, assignment=assignment)
    assert set(assignment.assignees.values_list("released_at", flat=True)) != {None}
    assert not Reminder.objects.filter(status="pending").exists()
    with pytest.raises(ApplicationError):
        services.assignment_cancel(actor=network.manager_a, assignment=assignment)
    from distributors import services as distributor_services

    distributor_services.membership_start(user=UserFactory(), distributor=network.distributor_a)
    assert assignment.assignees.count() == 2


def test_path_assignment(network):
    course = build_course(owner=network.trainer, kinds=("text",))
    path = services.path_create(actor=network.trainer, title="Intégration", language="fr")
    services.path_course_add(actor=network.trainer, path=path, course=course)
    services.path_publish(actor=network.trainer, path=path)
    assignment = services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, path=path, due_days=30
    )
    assignee = assignment.assignees.get(user=network.staff_a)
    assert assignee.path_enrollment is not None
    services.lesson_complete(user=network.staff_a, lesson=lessons_of(course)[0])
    assignee.refresh_from_db()
    assert assignee.state() == "done"
    assert Course.objects.get().certificates.count() == 1


def test_history_with_past_dates_counts_for_the_team_of_the_day(network, course):
    from distributors import services as distributor_services

    today = timezone.localdate()
    mover = UserFactory()
    first = distributor_services.membership_start(
        user=mover, distributor=network.distributor_a, joined_on=today - datetime.timedelta(days=100)
    )
    distributor_services.membership_end(membership=first, left_on=today - datetime.timedelta(days=20))
    distributor_services.membership_start(user=mover, distributor=network.distributor_b)
    then = timezone.now() - datetime.timedelta(days=50)
    enrollment = services.enrollment_create(user=mover, course=course, source="assignment", at=then)
    services.lesson_complete(user=mover, lesson=lessons_of(course)[0], at=then)
    services.lesson_complete(user=mover, lesson=lessons_of(course)[1])
    assert enrollment.distributor == network.distributor_a
    events = EngagementEvent.objects.filter(actor=mover, verb="lesson_completed").order_by("occurred_at")
    assert [event.distributor for event in events] == [network.distributor_a, network.distributor_b]
