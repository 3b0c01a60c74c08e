"""Query budgets of the learner's and the trainer's web-conference pages
and list endpoints: exact counts, the same with one row as with many."""

import pytest
from django.urls import reverse

from tests.queries import writes
from tests.webinars.factories import RegistrationFactory, SeriesFactory, SessionFactory

pytestmark = pytest.mark.django_db

SIZES = [1, 6]


def sessions(network, size: int) -> None:
    for n in range(size):
        session = SessionFactory(trainers=[network.trainer], title=f"Web-conférence {n}")
        RegistrationFactory(user=network.staff_a, session=session)
        RegistrationFactory(user=network.staff_b, session=session)
    SeriesFactory(actor=network.trainer)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(
    ("person", "name", "budget"),
    [
        ("staff_a", "webinars:sessions", 6),
        ("staff_a", "webinars:mine", 6),
        ("trainer", "webinars:manage", 9),
        ("staff_a", "api:webinars-sessions", 5),
        ("staff_a", "api:webinars-my-registrations", 4),
        ("trainer", "api:webinars-hosted-sessions", 6),
    ],
)
def test_page(client, network, size, person, name, budget, django_assert_num_queries):
    sessions(network, size)
    client.force_login(getattr(network, person))
    client.get(reverse(name))
    with django_assert_num_queries(budget) as captured:
        assert client.get(reverse(name)).status_code == 200
    assert writes(captured.captured_queries) == []
