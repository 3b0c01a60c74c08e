"""Query budgets of the main course pages and list endpoints: exact counts,
the same with one row as with many, and no write on a GET.

Every signed-in page starts with three queries (session, person, their
membership for the roles) and a page ends with the unread notifications
count of the menu.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from academy.models import EngagementEvent
from courses import services
from courses.models import LessonProgress
from tests.courses.factories import LessonFactory, build_course, lessons_of
from tests.queries import writes

pytestmark = pytest.mark.django_db

SIZES = [1, 6]


def courses(network, count: int) -> list:
    made = [build_course(owner=network.trainer, title=f"Formation {n}") for n in range(count)]
    for course in made:
        services.enrollment_create(user=network.staff_a, course=course)
    return made


def long_course(network, lessons: int):
    """A published course whose one module has ``lessons`` text lessons and a quiz."""
    course = build_course(owner=network.trainer, kinds=("text", "quiz"))
    module = lessons_of(course)[0].module
    for _ in range(lessons - 1):
        LessonFactory(module=module, kind="text", actor=network.trainer)
    return course


@pytest.mark.parametrize("size", SIZES)
def test_catalogue(client, network, size, django_assert_num_queries):
    courses(network, size)
    client.force_login(network.staff_a)
    client.get(reverse("courses:catalogue"))
    # + categories, courses offered (ids), count, page of courses
    with django_assert_num_queries(8):
        assert client.get(reverse("courses:catalogue")).status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_course_page(client, network, size, django_assert_num_queries):
    course = long_course(network, size)
    services.enrollment_create(user=network.staff_a, course=course)
    client.force_login(network.staff_a)
    url = reverse("courses:course", args=[course.slug])
    client.get(url)
    # + course, modules, lessons, enrolment, progress, certificate, other languages
    with django_assert_num_queries(11):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_lesson_page_read_again_writes_nothing(client, network, size, django_assert_num_queries):
    course = long_course(network, size)
    services.enrollment_create(user=network.staff_a, course=course)
    lesson = lessons_of(course)[0]
    assert lesson.kind == "text"
    client.force_login(network.staff_a)
    url = reverse("courses:lesson", args=[course.slug, lesson.pk])
    assert client.get(url).status_code == 200  # first view: recorded
    events = EngagementEvent.objects.count()
    # + course, modules, lessons, enrolment, progress, certificate, other languages
    with django_assert_num_queries(11) as captured:
        assert client.get(url).status_code == 200
    assert writes(captured.captured_queries) == []
    assert EngagementEvent.objects.count() == events


def test_lesson_page_first_view_is_recorded_once(client, network):
    course = long_course(network, 3)
    enrollment = services.enrollment_create(user=network.staff_a, course=course)
    first, second = lessons_of(course)[1:3]
    client.force_login(network.staff_a)
    for lesson in (first, second):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("courses:lesson", args=[course.slug, lesson.pk])).status_code == 200
        assert writes(captured.captured_queries), "a first view is recorded"
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 2
    assert EngagementEvent.objects.filter(verb="lesson_viewed", actor=network.staff_a).count() == 2
    enrollment.refresh_from_db()
    assert enrollment.last_lesson_id == second.pk
    # Back to the first lesson: only the resume point moves, no new event.
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("courses:lesson", args=[course.slug, first.pk]))
    assert any(sql.startswith("UPDATE") for sql in writes(captured.captured_queries))
    enrollment.refresh_from_db()
    assert enrollment.last_lesson_id == first.pk
    assert EngagementEvent.objects.filter(verb="lesson_viewed", actor=network.staff_a).count() == 2


def test_video_lesson_opened_again_writes_nothing(client, network):
    course = build_course(owner=network.trainer, kinds=("text", "video"))
    services.enrollment_create(user=network.staff_a, course=course)
    video = lessons_of(course)[1]
    client.force_login(network.staff_a)
    url = reverse("courses:lesson", args=[course.slug, video.pk])
    client.get(url)
    assert LessonProgress.objects.get(lesson=video).completed_at is not None
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert writes(captured.captured_queries) == []


def test_lesson_api_read_again_writes_nothing(client, network, django_assert_num_queries):
    course = long_course(network, 3)
    services.enrollment_create(user=network.staff_a, course=course)
    lesson = lessons_of(course)[0]
    client.force_login(network.staff_a)
    url = reverse("api:courses-lesson", args=[lesson.pk])
    client.get(url)
    # session, person, membership, lesson, access, enrolment, progress
    with django_assert_num_queries(7) as captured:
        assert client.get(url).status_code == 200
    assert writes(captured.captured_queries) == []


@pytest.mark.parametrize("size", SIZES)
def test_my_learning(client, network, size, django_assert_num_queries):
    courses(network, size)
    client.force_login(network.staff_a)
    client.get(reverse("courses:my_learning"))
    with django_assert_num_queries(9):
        assert client.get(reverse("courses:my_learning")).status_code == 200


@pytest.mark.parametrize("size", SIZES)
def test_courses_api_list(client, network, size, django_assert_num_queries):
    courses(network, size)
    client.force_login(network.staff_a)
    client.get(reverse("api:courses-list"))
    # session, person, membership, courses offered (ids), count, page
    with django_assert_num_queries(6):
        assert client.get(reverse("api:courses-list")).json()["count"] == size


@pytest.mark.parametrize("size", SIZES)
def test_enrolments_api_list(client, network, size, django_assert_num_queries):
    courses(network, size)
    client.force_login(network.staff_a)
    client.get(reverse("api:courses-enrolment-list"))
    with django_assert_num_queries(4):
        assert client.get(reverse("api:courses-enrolment-list")).json()["count"] == size


@pytest.mark.parametrize("size", SIZES)
def test_trainer_authoring_list(client, network, size, django_assert_num_queries):
    courses(network, size)
    client.force_login(network.trainer)
    client.get(reverse("courses:authoring"))
    with django_assert_num_queries(7):
        assert client.get(reverse("courses:authoring")).status_code == 200


def test_other_language_versions_outside_the_audience_are_neither_linked_nor_hidden_behind(
    client, network, django_assert_num_queries
):
    """The course page links only the versions the person may open (one query
    more when there are versions), and the catalogue keeps a course in another
    language when its version in the person's language is not offered to them."""
    french = build_course(owner=network.trainer, title="Kits ELISA : bonnes pratiques")
    english = build_course(owner=network.trainer, title="ELISA kits: good practice", language="en")
    services.course_link_translation(actor=network.trainer, course=french, translation=english)
    services.course_update(actor=network.trainer, course=english, audience_everyone=False)
    english.audience_territories.set([network.territory_b])
    services.enrollment_create(user=network.staff_a, course=french)
    client.force_login(network.staff_a)
    url = reverse("courses:course", args=[french.slug])
    client.get(url)
    with django_assert_num_queries(12):  # + the versions' visibility
        body = client.get(url).content.decode()
    assert "ELISA kits: good practice" not in body
    client.force_login(network.staff_b)
    assert "ELISA kits: good practice" in client.get(url).content.decode()
    # A French-speaking person of territory B: the French version only.
    body = client.get(reverse("courses:catalogue")).content.decode()
    assert "Kits ELISA" in body and "ELISA kits: good practice" not in body
    # Restrict the French version to territory A: staff B now gets the English one.
    services.course_update(actor=network.trainer, course=french, audience_everyone=False)
    french.audience_territories.set([network.territory_a])
    body = client.get(reverse("courses:catalogue")).content.decode()
    assert "ELISA kits: good practice" in body and "Kits ELISA : bonnes" not in body
