"""Who receives a distributor's internal notes and exclusivity
(``distributors.view_internal_details``)."""

import pytest

from academy.permissions import can

pytestmark = pytest.mark.django_db

PERMISSION = "distributors.view_internal_details"


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", True),
        ("manager_a", True),
        ("manager_b", True),  # managers only ever reach their territories' distributors
        ("lead_a", False),
        ("staff_a", False),
        ("trainer", False),
    ],
)
def test_internal_details_are_for_managers_and_admins(network, who, expected):
    assert can(getattr(network, who), PERMISSION, network.distributor_a) is expected


def test_inactive_managers_receive_no_internal_details(network):
    network.manager_a.is_active = False
    assert not can(network.manager_a, PERMISSION, network.distributor_a)


def test_asking_costs_no_query_once_roles_are_known(network, django_assert_num_queries):
    for who in ("lead_a", "manager_a"):
        person = getattr(network, who)
        can(person, PERMISSION, network.distributor_a)
        with django_assert_num_queries(0):
            can(person, PERMISSION, network.distributor_b)
