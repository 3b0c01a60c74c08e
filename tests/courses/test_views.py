import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Certificate, Enrollment, LessonProgress, QuizAttempt
from tests.academy.factories import UserFactory
from tests.courses.factories import (
    CategoryFactory,
    build_course,
    complete_course,
    lessons_of,
    right_answers,
    wrong_answers,
)

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"courses:{name}", args=args)


# ------------------------------------------------------------------ catalogue


def test_catalogue_needs_sign_in(client):
    response = client.get(_url("catalogue"))
    assert response.status_code == 302 and "/login/" in response.url


def test_catalogue_lists_the_courses_of_the_learner_audience(client, network, django_assert_num_queries):
    category = CategoryFactory(slug="kits", name_fr="Kits de diagnostic", name_en="Diagnostic kits")
    build_course(owner=network.trainer, title="Kits ELISA", category=category, level="intermediate")
    build_course(owner=network.trainer, title="Analyse de l’eau")
    hidden = build_course(owner=network.trainer, title="Réservé au Cameroun")
    services.course_update(actor=network.trainer, course=hidden, audience_everyone=False)
    hidden.audience_distributors.set([network.distributor_b])
    client.force_login(network.staff_a)
    # session, user, membership, categories, courses offered, count, page, unread notifications
    with django_assert_num_queries(8):
        body = client.get(_url("catalogue")).content.decode()
    assert "Kits ELISA" in body and "Analyse de l’eau" in body
    assert "Réservé au Cameroun" not in body
    for n in range(3):
        build_course(owner=network.trainer, title=f"Vente conseil {n}")
    with django_assert_num_queries(8):
        assert client.get(_url("catalogue")).status_code == 200
    body = client.get(_url("catalogue"), {"category": "kits"}).content.decode()
    assert "Kits ELISA" in body and "Analyse de l’eau" not in body
    body = client.get(_url("catalogue"), {"q": "eau", "level": "beginner"}).content.decode()
    assert "Analyse de l’eau" in body and "Kits ELISA" not in body
    body = client.get(_url("catalogue"), {"q": "introuvable"}).content.decode()
    assert "Aucune formation ne correspond à ces filtres." in body
    client.force_login(network.staff_b)
    assert "Réservé au Cameroun" in client.get(_url("catalogue")).content.decode()


def test_catalogue_shows_the_learner_language_version(client, network):
    french = build_course(owner=network.trainer, title="Kits ELISA : bonnes pratiques")
    english = build_course(owner=network.trainer, title="ELISA kits: good practice", language="en")
    services.course_link_translation(actor=network.trainer, course=french, translation=english)
    only_english = build_course(owner=network.trainer, title="Water analysis", language="en")
    client.force_login(network.staff_a)  # French speaker
    body = client.get(_url("catalogue")).content.decode()
    assert "Kits ELISA : bonnes pratiques" in body and "ELISA kits: good practice" not in body
    assert body.index("Kits ELISA") < body.index(only_english.title)  # own language first
    body = client.get(_url("catalogue"), {"language": "en"}).content.decode()
    assert "ELISA kits: good practice" in body
    english_speaker = UserFactory(language="en")
    client.force_login(english_speaker)
    body = client.get(_url("catalogue")).content.decode()
    assert "ELISA kits: good practice" in body and "bonnes pratiques" not in body
    body = client.get(_url("course", french.slug)).content.decode()
    assert "ELISA kits: good practice" in body  # link to the other version


# ------------------------------------------------------------------ course page


def test_course_page_and_enrolment(client, network, course, django_assert_num_queries):
    client.force_login(network.staff_a)
    # session, user, membership, course, modules, lessons, enrolment, certificate,
    # translations, visibility (not enrolled), audience, unread notifications
    with django_assert_num_queries(12):
        body = client.get(_url("course", course.slug)).content.decode()
    assert "S’inscrire" in body
    response = client.post(_url("course_enrol", course.slug))
    first = lessons_of(course)[0]
    assert response.status_code == 302 and response.url == _url("lesson", course.slug, first.pk)
    services.lesson_open(user=network.staff_a, lesson=first)
    with django_assert_num_queries(11):
        body = client.get(_url("course", course.slug)).content.decode()
    assert "Reprendre là où je me suis arrêté" in body
    assert '<progress class="progress" value="0" max="100"' in body


def test_course_page_outside_the_audience_is_not_found(client, network, course):
    services.course_update(actor=network.trainer, course=course, audience_everyone=False)
    course.audience_territories.set([network.territory_b])
    client.force_login(network.staff_a)
    assert client.get(_url("course", course.slug)).status_code == 404
    assert client.post(_url("course_enrol", course.slug)).status_code == 404
    assert client.get(_url("lesson", course.slug, lessons_of(course)[0].pk)).status_code == 404
    # Only what is meant for a distributor can be assigned to it, but an
    # assignment made then keeps the course open when its audience narrows.
    services.course_update(actor=network.trainer, course=course, audience_everyone=True)
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_days=9
    )
    services.course_update(actor=network.trainer, course=course, audience_everyone=False)
    assert client.get(_url("lesson", course.slug, lessons_of(course)[0].pk)).status_code == 200


def test_assignment_only_course_refuses_self_enrolment(client, network, course):
    services.course_update(actor=network.trainer, course=course, self_enrolment=False)
    client.force_login(network.staff_a)
    body = client.get(_url("course", course.slug)).content.decode()
    assert "uniquement sur affectation" in body
    response = client.post(_url("course_enrol", course.slug), follow=True)
    assert "uniquement sur affectation" in response.content.decode()
    assert not Enrollment.objects.exists()


# ------------------------------------------------------------------ lessons


def test_lessons_need_an_enrolment(client, network, course):
    client.force_login(network.staff_a)
    response = client.get(_url("lesson", course.slug, lessons_of(course)[0].pk))
    assert response.status_code == 302 and response.url == _url("course", course.slug)
    other = build_course(owner=network.trainer)
    assert client.get(_url("lesson", course.slug, lessons_of(other)[0].pk)).status_code == 404


def test_text_lesson_is_sanitised_and_completed_on_request(
    client, network, course, django_assert_num_queries
):
    text = lessons_of(course)[0]
    services.lesson_update(
        actor=network.trainer,
        lesson=text,
        body=(
            "## Lavage\n\nRincez **trois fois**.\n\n<script>alert('x')</script>"
            '<img src="x" onerror="alert(1)"> [piège](javascript:alert(1)) <iframe src="https://evil.example"></iframe>'
        ),
    )
    services.enrollment_create(user=network.staff_a, course=course)
    client.force_login(network.staff_a)
    client.get(_url("lesson", course.slug, text.pk))
    with django_assert_num_queries(11):
        body = client.get(_url("lesson", course.slug, text.pk)).content.decode()
    assert "<h2>Lavage</h2>" in body and "<strong>trois fois</strong>" in body
    assert "<script>alert" not in body and "onerror" not in body and "javascript:" not in body
    assert "evil.example" not in body
    assert "Marquer comme terminée" in body
    response = client.post(_url("lesson_complete", course.slug, text.pk))
    assert response.url == _url("lesson", course.slug, lessons_of(course)[1].pk)
    assert LessonProgress.objects.get(lesson=text).completed_at is not None


def test_video_and_document_lessons(client, network):
    course = build_course(owner=network.trainer, kinds=("video", "document"))
    video, document = lessons_of(course)
    services.lesson_update(
        actor=network.trainer,
        lesson=video,
        transcript="Bonjour, voici la préparation des échantillons.",
        video_download_url="https://cdn.example/elisa-360p.mp4",
    )
    services.enrollment_create(user=network.staff_a, course=course)
    client.force_login(network.staff_a)
    body = client.get(_url("lesson", course.slug, video.pk)).content.decode()
    assert 'src="https://www.youtube-nocookie.com/embed/abcdefghijk"' in body
    assert "préparation des échantillons" in body and "https://cdn.example/elisa-360p.mp4" in body
    body = client.get(_url("lesson", course.slug, document.pk)).content.decode()
    assert _url("lesson_file", course.slug, document.pk) in body
    response = client.get(_url("lesson_file", course.slug, document.pk))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert Enrollment.objects.get(user=network.staff_a).status == "completed"  # both opened
    client.force_login(network.staff_b)  # not enrolled
    assert client.get(_url("lesson_file", course.slug, document.pk)).status_code == 404
    client.force_login(network.trainer)  # author
    assert client.get(_url("lesson_file", course.slug, document.pk)).status_code == 200


def test_quiz_page_never_shows_answers_before_submission(client, network, course):
    quiz_lesson = lessons_of(course)[2]
    quiz = quiz_lesson.quiz
    services.enrollment_create(user=network.staff_a, course=course)
    client.force_login(network.staff_a)
    url = _url("lesson", course.slug, quiz_lesson.pk)
    assert "Commencer le quiz" in client.get(url).content.decode()
    client.post(url, {"action": "start"})
    attempt = QuizAttempt.objects.get()
    body = client.get(url).content.decode()
    assert "Valider mes réponses" in body
    assert "bonne réponse" not in body
    assert "Parce que le contrôle positif" not in body  # explanations come after
    # Unanswered question: 400 with the error next to it.
    first_q, _second_q = list(right_answers(quiz))
    response = client.post(
        url,
        {"action": "submit", "attempt": attempt.pk, f"question_{first_q}": right_answers(quiz)[first_q][0]},
    )
    assert response.status_code == 400
    assert "Répondez à cette question." in response.content.decode()
    data = {"action": "submit", "attempt": attempt.pk}
    data.update({f"question_{q}": c[0] for q, c in wrong_answers(quiz).items()})
    response = client.post(url, data, follow=True)
    body = response.content.decode()
    assert "Non réussi : 0 %" in body
    assert "Parce que le contrôle positif" in body  # explanation shown
    assert "Fausse" in body and "bonne réponse" not in body  # correct answers kept for later
    assert "Réessayer" in body
    client.post(url, {"action": "start"})
    attempt = QuizAttempt.objects.get(submitted_at__isnull=True)
    data = {"action": "submit", "attempt": attempt.pk}
    data.update({f"question_{q}": c[0] for q, c in right_answers(quiz).items()})
    body = client.post(url, data, follow=True).content.decode()
    assert "Réussi avec 100 %" in body and 'tag ok">bonne réponse' in body
    assert LessonProgress.objects.get(lesson=quiz_lesson).completed_at is not None


def test_quiz_attempts_are_limited_on_the_page(client, network, course):
    quiz_lesson = lessons_of(course)[2]
    enrollment = services.enrollment_create(user=network.staff_a, course=course)
    for _ in range(2):
        attempt = services.quiz_attempt_start(user=network.staff_a, quiz=quiz_lesson.quiz)
        services.quiz_attempt_submit(
            user=network.staff_a, attempt=attempt, answers=wrong_answers(quiz_lesson.quiz)
        )
    client.force_login(network.staff_a)
    url = _url("lesson", course.slug, quiz_lesson.pk)
    body = client.post(url, {"action": "start"}, follow=True).content.decode()
    assert "Vous avez utilisé toutes les tentatives" in body
    assert QuizAttempt.objects.filter(enrollment=enrollment).count() == 2
    assert 'tag ok">bonne réponse' in body  # no attempt left: the correct answers are shown


def test_a_learner_cannot_submit_another_learner_attempt(client, network, course):
    quiz_lesson = lessons_of(course)[2]
    services.enrollment_create(user=network.staff_a, course=course)
    attempt = services.quiz_attempt_start(user=network.staff_a, quiz=quiz_lesson.quiz)
    services.enrollment_create(user=network.lead_a, course=course)
    client.force_login(network.lead_a)
    data = {"action": "submit", "attempt": attempt.pk}
    data.update({f"question_{q}": c[0] for q, c in right_answers(quiz_lesson.quiz).items()})
    client.post(_url("lesson", course.slug, quiz_lesson.pk), data)
    attempt.refresh_from_db()
    assert attempt.submitted_at is None


# ------------------------------------------------------------------ my learning, certificates


def test_my_learning(client, network, course, django_assert_num_queries):
    client.force_login(network.staff_a)
    assert "Vous n’êtes inscrit à aucune formation" in client.get(_url("my_learning")).content.decode()
    complete_course(network.staff_a, course)
    second = build_course(owner=network.trainer, title="Analyse de l’eau")
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=second, due_on=timezone.localdate()
    )
    with django_assert_num_queries(9):
        body = client.get(_url("my_learning")).content.decode()
    assert course.title in body and "Analyse de l’eau" in body
    assert Certificate.objects.get().code not in body or "Valide" in body


def test_certificate_pages_and_pdf(client, network, course):
    complete_course(network.staff_a, course)
    certificate = Certificate.objects.get()
    client.force_login(network.staff_a)
    body = client.get(_url("certificate", certificate.code)).content.decode()
    assert certificate.code in body and "Télécharger le PDF" in body
    response = client.get(_url("certificate_pdf", certificate.code))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    client.force_login(network.lead_a)
    assert client.get(_url("certificate", certificate.code)).status_code == 404
    assert client.get(_url("certificate_pdf", certificate.code)).status_code == 404


def _pdf_text(content: bytes) -> str:
    """The text of a PDF's pages, as a reader extracts it."""
    import io

    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_certificate_pdf_is_in_the_holder_language(client, network, course):
    from courses.pdf import certificate_pdf

    complete_course(network.staff_a, course)  # French speaker
    certificate = Certificate.objects.get()
    text = _pdf_text(certificate_pdf(certificate))
    assert "Certificat de réussite" in text and certificate.code in text
    network.staff_a.language = "en"
    network.staff_a.save()
    certificate.refresh_from_db()
    client.force_login(network.staff_a)
    text = _pdf_text(b"".join([client.get(_url("certificate_pdf", certificate.code)).content]))
    assert "Certificate of completion" in text and "has completed the course" in text


def test_public_verification(client, network, course, time_machine):
    complete_course(network.staff_a, course)
    certificate = Certificate.objects.get()
    body = client.get(_url("verify", certificate.code)).content.decode()
    assert "Certificat valide" in body and certificate.holder_name in body and course.title in body
    assert network.staff_a.email not in body
    assert client.get(_url("verify", certificate.code.lower())).status_code == 200
    response = client.get(_url("verify", "AAAA-BBBB-CCCC-DDDD"))
    assert response.status_code == 404 and "Aucun certificat" in response.content.decode()
    response = client.get(_url("verify_form"), {"code": f" {certificate.code.lower()} "})
    assert response.url == _url("verify", certificate.code)
    response = client.get(_url("verify_form"), {"code": "ab/cd ef"})
    assert response.url == _url("verify", "ABCDEF")
    Certificate.objects.filter(pk=certificate.pk).update(expires_on=certificate.issued_on)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=2))
    assert "Certificat expiré" in client.get(_url("verify", certificate.code)).content.decode()
    services.certificate_revoke(actor=network.admin, certificate=certificate, reason="Erreur")
    assert "Certificat révoqué" in client.get(_url("verify", certificate.code)).content.decode()


# ------------------------------------------------------------------ paths


def test_learning_path_pages(client, network):
    course = build_course(owner=network.trainer, kinds=("text",), title="Découvrir l’entreprise")
    path = services.path_create(
        actor=network.trainer, title="Intégration des nouveaux collaborateurs", language="fr"
    )
    services.path_course_add(actor=network.trainer, path=path, course=course)
    client.force_login(network.staff_a)
    assert client.get(_url("path", path.slug)).status_code == 404  # draft
    services.path_publish(actor=network.trainer, path=path)
    assert "Intégration des nouveaux collaborateurs" in client.get(_url("paths")).content.decode()
    body = client.get(_url("path", path.slug)).content.decode()
    assert "Découvrir l’entreprise" in body
    client.post(_url("path_enrol", path.slug))
    assert Enrollment.objects.get(user=network.staff_a).source == "path"


def test_completed_learners_can_review_their_quiz(client, network, course):
    complete_course(network.staff_a, course)
    client.force_login(network.staff_a)
    body = client.get(_url("lesson", course.slug, lessons_of(course)[2].pk)).content.decode()
    assert "Tentative 1 : 100 %" in body and "Commencer le quiz" not in body and "Réessayer" not in body
