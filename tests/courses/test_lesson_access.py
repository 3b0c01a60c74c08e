"""Who may open a course's lessons (``courses.rules.lessons_open``)."""

import pytest

from courses import services
from courses.rules import lessons_open
from tests.academy.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_enrolled_people_open_the_lessons(network, course):
    assert lessons_open(network.staff_a, course, enrolled=True)


def test_people_not_enrolled_do_not(network, course):
    for person in (network.staff_a, network.lead_a, network.manager_a):
        assert not lessons_open(person, course, enrolled=False)


def test_authors_and_admins_open_them_without_enrolment(network, course):
    co_author = UserFactory(role="trainer")
    services.course_update(actor=network.trainer, course=course, trainers=[co_author])
    for person in (network.trainer, co_author, network.admin):
        assert lessons_open(person, course, enrolled=False)
    assert not lessons_open(UserFactory(role="trainer"), course, enrolled=False)
