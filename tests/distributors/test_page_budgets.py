"""Query budgets of the lead's team page and the distributors list
endpoints: exact counts, the same with one row as with many."""

import pytest
from django.urls import reverse

from tests.distributors.factories import DistributorFactory, InvitationFactory, MembershipFactory
from tests.queries import writes

pytestmark = pytest.mark.django_db

SIZES = [1, 6]


def team(network, size: int) -> None:
    for n in range(size):
        MembershipFactory(distributor=network.distributor_a)
        InvitationFactory(actor=network.lead_a, distributor=network.distributor_a, email=f"x{n}@test.example")
        DistributorFactory(territory=network.territory_a, country="CI")


@pytest.mark.parametrize("size", SIZES)
def test_lead_team_page(client, network, size, django_assert_num_queries):
    team(network, size)
    client.force_login(network.lead_a)
    client.get(reverse("distributors:mine"))
    with django_assert_num_queries(7) as captured:
        assert client.get(reverse("distributors:mine")).status_code == 200
    assert writes(captured.captured_queries) == []


@pytest.mark.parametrize("size", SIZES)
def test_memberships_api_list(client, network, size, django_assert_num_queries):
    team(network, size)
    client.force_login(network.lead_a)
    client.get(reverse("api:distributors-membership-list"))
    with django_assert_num_queries(5):
        body = client.get(reverse("api:distributors-membership-list")).json()
    assert body["count"] == size + 2


@pytest.mark.parametrize("size", SIZES)
def test_distributors_api_list_of_a_manager(client, network, size, django_assert_num_queries):
    team(network, size)
    client.force_login(network.manager_a)
    client.get(reverse("api:distributors-distributor-list"))
    with django_assert_num_queries(5):
        body = client.get(reverse("api:distributors-distributor-list")).json()
    assert body["count"] == size + 1
