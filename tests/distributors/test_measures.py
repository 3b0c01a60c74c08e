"""The measuring selectors (``distributors.selectors.measures``): who follows
which distributors, who was on a team on a given day (the joining day
included, the leaving day not), whom a message to a team reaches."""

import datetime

import pytest
from django.utils import translation

from academy.models import User
from distributors import selectors, services
from distributors.models import Membership
from tests.academy.factories import UserFactory
from tests.distributors.factories import DistributorFactory, MembershipFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)


def test_distributors_followed_by_admins_managers_and_leads_only(network):
    def followed(user: User) -> set[int]:
        return set(selectors.distributor_followed_queryset(user=user).values_list("pk", flat=True))

    a, b = network.distributor_a.pk, network.distributor_b.pk
    assert followed(network.admin) == {a, b}
    assert followed(network.manager_a) == {a}
    assert followed(network.manager_b) == {b}
    assert followed(network.lead_a) == {a}
    assert followed(network.staff_a) == set()  # a member, not its lead
    assert followed(network.trainer) == set()


def test_distributor_ids_are_every_distributor_whatever_its_status(network):
    ended = DistributorFactory(territory=network.territory_a, status="ended")
    prospect = DistributorFactory(territory=network.territory_b, country="CM", status="prospect")
    assert set(selectors.distributor_ids()) == {
        network.distributor_a.pk,
        network.distributor_b.pk,
        ended.pk,
        prospect.pk,
    }


def test_distributor_status_choices_are_the_lifecycle(db):
    with translation.override("en"):
        choices = [(value, str(label)) for value, label in selectors.distributor_status_choices()]
    assert choices == [
        ("prospect", "Prospect"),
        ("onboarding", "Onboarding"),
        ("active", "Active"),
        ("suspended", "Suspended"),
        ("ended", "Ended"),
    ]


def test_memberships_open_on_a_day_include_the_joining_day_and_not_the_leaving_day(network):
    Membership.objects.all().delete()

    def member(distributor, joined_on, left_on=None) -> Membership:
        membership = MembershipFactory(distributor=distributor, joined_on=joined_on)
        if left_on is not None:
            membership = services.membership_end(membership=membership, left_on=left_on)
        return membership

    joined_that_day = member(network.distributor_a, DAY)
    joined_next_day = member(network.distributor_a, DAY + datetime.timedelta(days=1))
    left_that_day = member(network.distributor_a, DAY - datetime.timedelta(days=30), DAY)
    left_next_day = member(
        network.distributor_b, DAY - datetime.timedelta(days=30), DAY + datetime.timedelta(days=1)
    )
    still_there = member(network.distributor_b, DAY - datetime.timedelta(days=300))
    open_on = set(selectors.membership_open_on(day=DAY))
    assert open_on == {joined_that_day, left_next_day, still_there}
    assert {joined_next_day, left_that_day}.isdisjoint(open_on)
    assert set(selectors.membership_open_on(day=DAY - datetime.timedelta(days=30))) == {
        left_that_day,
        left_next_day,
        still_there,
    }


def test_team_current_users_are_the_active_current_members_by_name(network, django_assert_num_queries):
    team = network.distributor_a
    network.lead_a.last_name, network.staff_a.last_name = "Sow", "Diallo"
    network.lead_a.save(update_fields=["last_name"])
    network.staff_a.save(update_fields=["last_name"])
    second_lead = MembershipFactory(distributor=team, role="lead", user=UserFactory(last_name="Ba")).user
    inactive = MembershipFactory(distributor=team, user=UserFactory(last_name="Aidara")).user
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    leaver = MembershipFactory(distributor=team, user=UserFactory(last_name="Camara"))
    services.membership_end(membership=leaver)
    with django_assert_num_queries(1):
        everyone = selectors.team_current_users(distributor=team)
    assert everyone == [second_lead, network.staff_a, network.lead_a]
    assert selectors.team_current_users(distributor=team, leads_only=True) == [second_lead, network.lead_a]
    assert set(selectors.team_current_users(distributor=network.distributor_b)) == {
        network.lead_b,
        network.staff_b,
    }
