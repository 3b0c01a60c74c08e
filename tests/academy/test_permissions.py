"""The one permission helper, for each role."""

import pytest

from academy import roles
from academy.permissions import can, require
from distributors import services as distributor_services

pytestmark = pytest.mark.django_db


def test_roles_of_each_kind_of_person(network):
    assert roles.user_roles(network.admin) == {"admin"}
    assert roles.user_roles(network.trainer) == {"trainer"}
    assert roles.user_roles(network.manager_a) == {"manager"}
    assert roles.user_roles(network.lead_a) == {"learner", "lead"}
    assert roles.user_roles(network.staff_a) == {"learner"}


def test_leading_ends_with_the_membership(network):
    membership = network.lead_a.memberships.get()
    distributor_services.membership_end(membership=membership, ended_by=network.manager_a)
    assert roles.user_roles(network.lead_a) == {"learner"}
    assert not can(network.lead_a, "distributors.manage_team", network.distributor_a)


def test_admin_role_grants_admin_site(network):
    assert network.admin.is_staff and network.admin.is_superuser
    for person in (network.trainer, network.manager_a, network.lead_a, network.staff_a):
        assert not person.is_staff and not person.is_superuser


@pytest.mark.parametrize(
    ("person", "permission", "distributor", "allowed"),
    [
        ("admin", "distributors.manage_distributor", "distributor_a", True),
        ("admin", "distributors.manage_distributor", "distributor_b", True),
        ("manager_a", "distributors.manage_distributor", "distributor_a", True),
        ("manager_a", "distributors.manage_distributor", "distributor_b", False),
        ("manager_b", "distributors.manage_distributor", "distributor_a", False),
        ("trainer", "distributors.manage_distributor", "distributor_a", False),
        ("lead_a", "distributors.manage_distributor", "distributor_a", False),
        ("lead_a", "distributors.manage_team", "distributor_a", True),
        ("lead_a", "distributors.manage_team", "distributor_b", False),
        ("staff_a", "distributors.manage_team", "distributor_a", False),
        ("staff_a", "distributors.view_distributor", "distributor_a", True),
        ("staff_a", "distributors.view_distributor", "distributor_b", False),
        ("lead_b", "distributors.view_team", "distributor_a", False),
        ("manager_a", "distributors.view_team", "distributor_a", True),
    ],
)
def test_permission_helper(network, person, permission, distributor, allowed):
    user = getattr(network, person)
    target = getattr(network, distributor)
    assert can(user, permission, target) is allowed
    if allowed:
        require(user, permission, target)
    else:
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            require(user, permission, target)


def test_anonymous_and_inactive_people_may_do_nothing(network):
    from django.contrib.auth.models import AnonymousUser

    assert not can(AnonymousUser(), "distributors.view_distributor", network.distributor_a)
    network.lead_a.is_active = False
    network.lead_a.save()
    assert roles.user_roles(network.lead_a) == frozenset()
    assert not can(network.lead_a, "distributors.manage_team", network.distributor_a)


def test_membership_signals_carry_the_membership(network):
    from distributors.signals import membership_ended, membership_started
    from tests.academy.factories import UserFactory

    seen = []

    def record(sender, membership, **kwargs):
        seen.append((membership.user_id, membership.left_on is None))

    membership_started.connect(record)
    membership_ended.connect(record)
    try:
        newcomer = UserFactory()
        membership = distributor_services.membership_start(user=newcomer, distributor=network.distributor_a)
        distributor_services.membership_end(membership=membership)
    finally:
        membership_started.disconnect(record)
        membership_ended.disconnect(record)
    assert seen == [(newcomer.pk, True), (newcomer.pk, False)]
