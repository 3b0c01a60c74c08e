"""Trainer pages: authoring, preview, publication, results."""

import re

import pytest
from django.urls import reverse

from courses import services
from courses.models import Course, Lesson, Question
from tests.academy.factories import UserFactory
from tests.courses.factories import build_course, complete_course, lessons_of, pdf_upload, wrong_answers

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"courses:{name}", args=args)


COURSE_DATA = {
    "title": "Tests d’intolérance alimentaire",
    "slug": "",
    "summary": "Du prélèvement au rapport.",
    "language": "fr",
    "level": "beginner",
    "estimated_minutes": 45,
    "validity_months": 24,
    "self_enrolment": "on",
    "audience_everyone": "on",
    "audience_leads": "on",
    "audience_staff": "on",
    "audience_customers": "on",
}


def test_authoring_is_for_trainers_and_admins(client, network, course):
    client.force_login(network.staff_a)
    for url in [
        _url("authoring"),
        _url("course_new"),
        _url("course_edit", course.slug),
        _url("course_results", course.slug),
    ]:
        assert client.get(url).status_code == 403, url
    client.force_login(network.manager_a)
    assert client.post(_url("course_new"), COURSE_DATA).status_code == 403
    client.force_login(network.trainer)
    body = client.get(_url("authoring")).content.decode()
    assert course.title in body


def test_authoring_home_query_count(client, network, django_assert_num_queries):
    for n in range(2):
        build_course(owner=network.trainer, title=f"Formation {n}")
    client.force_login(network.trainer)
    # session, user, membership, count, courses page, paths, unread notifications
    with django_assert_num_queries(7):
        client.get(_url("authoring"))
    build_course(owner=network.trainer, title="Formation 3")
    with django_assert_num_queries(7):
        assert client.get(_url("authoring")).status_code == 200


def test_create_a_course_and_its_content(client, network):
    client.force_login(network.trainer)
    response = client.post(_url("course_new"), {**COURSE_DATA, "title": ""})
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()
    response = client.post(_url("course_new"), COURSE_DATA)
    course = Course.objects.get()
    assert response.url == _url("course_edit", course.slug)
    assert (course.owner, course.slug, course.validity_months) == (
        network.trainer,
        "tests-dintolerance-alimentaire",
        24,
    )
    client.post(_url("module_new", course.slug), {"title": "Le prélèvement", "summary": ""})
    module = course.modules.get()
    response = client.post(_url("module_new", course.slug), {"title": ""})
    assert response.status_code == 400
    response = client.post(
        _url("lesson_new", module.pk) + "?kind=text",
        {
            "kind": "text",
            "title": "Le buvard",
            "body": "Déposez **5 gouttes**.",
            "estimated_minutes": 8,
            "is_required": "on",
        },
    )
    lesson = Lesson.objects.get(title="Le buvard")
    assert response.url.endswith(f"#lesson-{lesson.pk}")
    response = client.post(
        _url("lesson_new", module.pk),
        {
            "kind": "video",
            "title": "Démonstration",
            "video_url": "https://example.com/v.mp4",
            "estimated_minutes": 5,
        },
    )
    assert response.status_code == 400
    assert "YouTube, Vimeo, Dailymotion" in response.content.decode()
    response = client.post(
        _url("lesson_new", module.pk),
        {
            "kind": "document",
            "title": "Notice",
            "document_file": pdf_upload(),
            "estimated_minutes": 5,
            "is_required": "on",
        },
    )
    assert Lesson.objects.get(title="Notice").document_content_type == "application/pdf"
    response = client.post(
        _url("lesson_new", module.pk),
        {"kind": "quiz", "title": "Évaluation", "estimated_minutes": 10, "is_required": "on"},
    )
    quiz_lesson = Lesson.objects.get(title="Évaluation")
    assert response.url == _url("lesson_edit", quiz_lesson.pk)
    body = client.get(_url("question_new", quiz_lesson.pk) + "?kind=true_false").content.decode()
    assert 'value="Vrai"' in body and 'value="Faux"' in body
    question_data = {
        "kind": "single",
        "text": "Combien de gouttes de sang ?",
        "explanation": "Cinq gouttes remplissent les cercles du buvard.",
        "choices-TOTAL_FORMS": "4",
        "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "10",
        "choices-0-text": "Cinq",
        "choices-0-is_correct": "on",
        "choices-1-text": "Une",
        "choices-2-text": "",
        "choices-3-text": "",
    }
    response = client.post(
        _url("question_new", quiz_lesson.pk), {**question_data, "choices-1-is_correct": "on"}
    )
    assert response.status_code == 400 and "Indiquez une seule réponse correcte." in response.content.decode()
    response = client.post(_url("question_new", quiz_lesson.pk), question_data)
    assert response.url == _url("lesson_edit", quiz_lesson.pk)
    question = Question.objects.get()
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [("Cinq", True), ("Une", False)]
    client.post(_url("quiz_settings", quiz_lesson.pk), {"pass_mark": 80, "max_attempts": 3})
    quiz_lesson.quiz.refresh_from_db()
    assert (quiz_lesson.quiz.pass_mark, quiz_lesson.quiz.max_attempts) == (80, 3)
    client.post(_url("lesson_move", quiz_lesson.pk), {"direction": "up"})
    assert [lesson.title for lesson in lessons_of(course)] == ["Le buvard", "Évaluation", "Notice"]
    response = client.post(_url("course_publish", course.slug), {}, follow=True)
    assert "La version 1 est publiée." in response.content.decode()
    course.refresh_from_db()
    assert course.status == "published"


def test_publishing_an_incomplete_course_lists_the_problems(client, network):
    client.force_login(network.trainer)
    client.post(_url("course_new"), COURSE_DATA)
    course = Course.objects.get()
    body = client.get(_url("course_edit", course.slug)).content.decode()
    assert "Ajoutez au moins une leçon." in body
    body = client.post(_url("course_publish", course.slug), follow=True).content.decode()
    assert "Ajoutez au moins une leçon." in body
    assert Course.objects.get().status == "draft"


def test_course_page_fields_have_their_own_ids_and_labels(client, network, course):
    """The new-module form and the settings form both have a title and a
    summary: each label must point at its own field."""
    client.force_login(network.trainer)
    body = client.get(_url("course_edit", course.slug)).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', body)
    assert sorted(ids) == sorted(set(ids))
    for field in ("id_module_title", "id_module_summary", "id_title", "id_summary"):
        assert f'id="{field}"' in body and f'for="{field}"' in body


def test_a_trainer_cannot_edit_another_trainer_course(client, network, course):
    other = UserFactory(role="trainer")
    client.force_login(other)
    lesson = lessons_of(course)[0]
    question = lessons_of(course)[2].quiz.questions.first()
    forbidden = [
        ("get", _url("course_edit", course.slug)),
        ("post", _url("course_publish", course.slug)),
        ("post", _url("course_archive", course.slug)),
        ("post", _url("module_new", course.slug)),
        ("get", _url("lesson_edit", lesson.pk)),
        ("post", _url("lesson_delete", lesson.pk)),
        ("post", _url("lesson_move", lesson.pk)),
        ("get", _url("question_edit", question.pk)),
        ("post", _url("question_delete", question.pk)),
        ("get", _url("course_results", course.slug)),
    ]
    for method, url in forbidden:
        assert getattr(client, method)(url).status_code == 403, url
    assert Lesson.objects.filter(pk=lesson.pk).exists()
    client.force_login(network.admin)
    assert client.get(_url("course_edit", course.slug)).status_code == 200
    assert client.get(_url("course_edit", "nope")).status_code == 404


def test_preview_as_learner(client, network, course):
    client.force_login(network.trainer)
    body = client.get(_url("course", course.slug)).content.decode()
    assert "Aperçu" in body
    body = client.get(_url("lesson", course.slug, lessons_of(course)[0].pk)).content.decode()
    assert "Aperçu" in body and "Marquer comme terminée" not in body
    assert not course.enrollments.exists()


def test_new_version_with_recertification_from_the_page(client, network):
    course = build_course(owner=network.trainer, kinds=("text",))
    complete_course(network.staff_a, course)
    client.force_login(network.trainer)
    body = client.get(_url("course_edit", course.slug)).content.decode()
    assert "Publier comme nouvelle version majeure" in body
    client.post(
        _url("course_publish", course.slug),
        {"new_version": "on", "require_recertification": "on", "notes": "Nouveau protocole"},
    )
    course.refresh_from_db()
    assert course.version == 2
    certificate = course.certificates.get()
    assert certificate.status == "valid" and certificate.recertify_by is not None  # grace period
    client.post(_url("course_archive", course.slug))
    course.refresh_from_db()
    assert course.status == "archived"


def test_course_results_in_constant_queries(client, network, course, django_assert_num_queries):
    quiz = lessons_of(course)[2].quiz
    complete_course(network.staff_a, course)
    services.enrollment_create(user=network.staff_b, course=course, source="assignment")
    attempt = services.quiz_attempt_start(user=network.staff_b, quiz=quiz)
    services.quiz_attempt_submit(user=network.staff_b, attempt=attempt, answers=wrong_answers(quiz))
    client.force_login(network.trainer)
    # session, user, membership, course, totals, scores, questions, distributors, notifications
    with django_assert_num_queries(9):
        body = client.get(_url("course_results", course.slug)).content.decode()
    assert "50 %" in body  # completion rate: 1 of 2
    assert "Dist A" in body and "Dist B" in body
    services.enrollment_create(user=network.lead_a, course=course, source="assignment")
    with django_assert_num_queries(9):
        client.get(_url("course_results", course.slug))
    results = client.get(reverse("api:courses-results", args=[course.slug])).json()
    assert results["enrolled"] == 3 and results["completed"] == 1
    assert results["average_score"] == 50.0
    assert [q["success_rate"] for q in results["questions"]] == [50, 50]


def test_learning_path_authoring(client, network):
    first = build_course(owner=network.trainer, title="Découvrir l’entreprise", kinds=("text",))
    second = build_course(owner=network.trainer, title="Nos gammes", kinds=("text",))
    client.force_login(network.trainer)
    response = client.post(_url("path_new"), {"title": "", "language": "fr"})
    assert response.status_code == 400
    client.post(
        _url("path_new"),
        {
            "title": "Intégration",
            "language": "fr",
            "audience_everyone": "on",
            "audience_leads": "on",
            "audience_staff": "on",
        },
    )
    path = network.trainer.owned_learning_paths.get()
    body = client.post(_url("path_publish", path.slug), follow=True).content.decode()
    assert "Ajoutez au moins une formation au parcours." in body
    client.post(_url("path_courses", path.slug), {"action": "add", "course": first.pk})
    client.post(_url("path_courses", path.slug), {"action": "add", "course": second.pk})
    client.post(_url("path_courses", path.slug), {"action": "up", "course": second.pk})
    assert list(path.courses.order_by("path_links__position").values_list("title", flat=True)) == [
        "Nos gammes",
        "Découvrir l’entreprise",
    ]
    client.post(_url("path_publish", path.slug))
    path.refresh_from_db()
    assert path.status == "published"
    client.force_login(UserFactory(role="trainer"))
    assert client.get(_url("path_edit", path.slug)).status_code == 403
