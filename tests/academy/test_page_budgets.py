"""Query budgets of the home page of each role: exact counts, the same
with one row of each kind as with many, and no write on a GET."""

import pytest
from django.urls import reverse

from courses import services as course_services
from tests.courses.factories import build_course
from tests.distributors.factories import MembershipFactory
from tests.queries import writes
from tests.webinars.factories import RegistrationFactory, SessionFactory

pytestmark = pytest.mark.django_db

SIZES = [1, 6]


def activity(network, size: int) -> None:
    """``size`` courses each learner is enrolled in, ``size`` sessions they
    registered for (hosted by the trainer) and ``size`` more team members."""
    for n in range(size):
        course = build_course(owner=network.trainer, title=f"Formation {n}")
        session = SessionFactory(trainers=[network.trainer], title=f"Web-conférence {n}")
        for person in (network.staff_a, network.lead_a):
            course_services.enrollment_create(user=person, course=course)
            RegistrationFactory(user=person, session=session)
        MembershipFactory(distributor=network.distributor_a)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("person", "budget"),
    [("staff_a", 9), ("lead_a", 12), ("trainer", 6), ("manager_a", 7)],
)
def test_home(client, network, size, person, budget, django_assert_num_queries):
    activity(network, size)
    client.force_login(getattr(network, person))
    client.get(reverse("academy:home"))
    with django_assert_num_queries(budget) as captured:
        assert client.get(reverse("academy:home")).status_code == 200
    assert writes(captured.captured_queries) == []
