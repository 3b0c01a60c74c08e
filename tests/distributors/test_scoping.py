"""The one rule of who sees which distributors' data (distributors.scoping),
at its boundaries: each role, the other territory, a lead who left, an
inactive person."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import F

from distributors import scoping, services
from distributors.models import Distributor, FieldReport, Membership, Territory
from distributors.scoping import Reach, Scope, Staff
from tests.distributors.factories import (
    DistributorFactory,
    FieldReportFactory,
    MembershipFactory,
    TerritoryFactory,
)

pytestmark = pytest.mark.django_db


def fresh(user):
    """The same person without the roles and membership cached on the object."""
    return type(user).objects.get(pk=user.pk)


def names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def titles(queryset) -> set[str]:
    return set(queryset.values_list("title", flat=True))


@pytest.fixture
def reports(network):
    """One report by each member of both distributors, titled by sender."""
    net = network
    for label in ("lead_a", "staff_a", "lead_b", "staff_b"):
        FieldReportFactory(sender=getattr(net, label), title=label)
    return net


def leave(user) -> None:
    membership = Membership.objects.get(user=user, left_on__isnull=True)
    services.membership_end(membership=membership)


def deactivate(user):
    user.is_active = False
    user.save(update_fields=["is_active"])
    return fresh(user)


# ------------------------------------------------------------------ the decision


@pytest.mark.parametrize(
    ("who", "staff", "expected"),
    [
        ("admin", Staff.LEADS, Reach.EVERYTHING),
        ("admin", Staff.NOBODY, Reach.EVERYTHING),
        ("manager_a", Staff.LEADS, Reach.TERRITORIES),
        ("manager_a", Staff.NOBODY, Reach.TERRITORIES),
        ("lead_a", Staff.LEADS, Reach.DISTRIBUTOR),
        ("lead_a", Staff.EVERYONE, Reach.DISTRIBUTOR),
        ("lead_a", Staff.NOBODY, Reach.OWN),
        ("staff_a", Staff.LEADS, Reach.OWN),
        ("staff_a", Staff.EVERYONE, Reach.DISTRIBUTOR),
        ("staff_a", Staff.NOBODY, Reach.OWN),
        ("trainer", Staff.EVERYONE, Reach.OWN),
    ],
)
def test_scope_of_each_role(network, who, staff, expected):
    assert scoping.scope_of(getattr(network, who), staff=staff).reach is expected


def test_scope_of_a_member_names_their_current_distributor(network):
    assert scoping.scope_of(network.lead_b) == Scope(Reach.DISTRIBUTOR, network.distributor_b.pk)
    assert scoping.scope_of(network.staff_a, staff=Staff.EVERYONE) == Scope(
        Reach.DISTRIBUTOR, network.distributor_a.pk
    )


def test_scope_of_anonymous_and_inactive_people_is_nothing(network):
    assert scoping.scope_of(AnonymousUser()).reach is Reach.NOTHING
    for who in ("admin", "manager_a", "lead_a", "staff_a"):
        person = deactivate(getattr(network, who))
        assert scoping.scope_of(person, staff=Staff.EVERYONE).reach is Reach.NOTHING, who


def test_scope_of_a_lead_who_left_is_only_their_own(network):
    leave(network.lead_a)
    assert scoping.scope_of(fresh(network.lead_a), staff=Staff.EVERYONE) == Scope(Reach.OWN)


def test_scope_of_asks_no_query_once_roles_are_known(network, django_assert_num_queries):
    lead = fresh(network.lead_a)
    scoping.scope_of(lead)
    with django_assert_num_queries(0):
        scoping.scope_of(lead, staff=Staff.EVERYONE)


# ------------------------------------------------------------------ distributors


def test_distributors_each_role(network):
    net = network
    DistributorFactory(name="Dist A2", territory=net.territory_a)
    assert names(scoping.visible_distributors(net.admin)) == {"Dist A", "Dist A2", "Dist B"}
    assert names(scoping.visible_distributors(net.manager_a)) == {"Dist A", "Dist A2"}
    assert names(scoping.visible_distributors(net.manager_b)) == {"Dist B"}
    assert names(scoping.visible_distributors(net.lead_a)) == {"Dist A"}
    assert names(scoping.visible_distributors(net.staff_a)) == set()
    assert names(scoping.visible_distributors(net.staff_a, staff=Staff.EVERYONE)) == {"Dist A"}
    assert names(scoping.visible_distributors(net.lead_a, staff=Staff.NOBODY)) == set()
    assert names(scoping.visible_distributors(net.trainer, staff=Staff.EVERYONE)) == set()
    assert names(scoping.visible_distributors(AnonymousUser(), staff=Staff.EVERYONE)) == set()


def test_a_territory_with_two_managers_lists_its_distributors_once_for_each(network):
    net = network
    shared = TerritoryFactory(name="East", managers=[net.manager_a, net.manager_b])
    DistributorFactory(name="Dist E", territory=shared)
    for manager, own in ((net.manager_a, "Dist A"), (net.manager_b, "Dist B")):
        listed = list(scoping.visible_distributors(manager).values_list("name", flat=True))
        assert sorted(listed) == sorted([own, "Dist E"])


def test_a_lead_who_left_no_longer_sees_the_distributor(network):
    leave(network.lead_a)
    lead = fresh(network.lead_a)
    assert names(scoping.visible_distributors(lead, staff=Staff.EVERYONE)) == set()


def test_a_lead_who_moved_sees_only_the_new_distributor(network):
    net = network
    leave(net.lead_a)
    MembershipFactory(user=net.lead_a, distributor=net.distributor_b, role="lead")
    assert names(scoping.visible_distributors(fresh(net.lead_a))) == {"Dist B"}


def test_inactive_people_see_no_distributor(network):
    for who in ("admin", "manager_a", "lead_a", "staff_a"):
        person = deactivate(getattr(network, who))
        assert names(scoping.visible_distributors(person, staff=Staff.EVERYONE)) == set(), who


# ------------------------------------------------------------------ rows of a distributor


def test_rows_through_a_relation_with_own_rows(reports):
    net = reports

    def seen(user):
        return titles(scoping.visible(FieldReport.objects.all(), user, own_path="sender"))

    assert seen(net.admin) == {"lead_a", "staff_a", "lead_b", "staff_b"}
    assert seen(net.manager_a) == {"lead_a", "staff_a"}
    assert seen(net.manager_b) == {"lead_b", "staff_b"}
    assert seen(net.lead_a) == {"lead_a", "staff_a"}
    assert seen(net.staff_a) == {"staff_a"}
    assert seen(net.trainer) == set()
    assert seen(AnonymousUser()) == set()


def test_rows_without_own_rows_are_the_team_leads_only(reports):
    net = reports

    def seen(user, **kwargs):
        return titles(scoping.visible(FieldReport.objects.all(), user, **kwargs))

    assert seen(net.lead_b) == {"lead_b", "staff_b"}
    assert seen(net.staff_b) == set()
    assert seen(net.staff_b, staff=Staff.EVERYONE) == {"lead_b", "staff_b"}
    assert seen(net.lead_b, staff=Staff.NOBODY) == set()
    assert seen(net.manager_b, staff=Staff.NOBODY) == {"lead_b", "staff_b"}


def test_a_lead_who_left_keeps_only_their_own_rows(reports):
    net = reports
    leave(net.lead_a)
    lead = fresh(net.lead_a)
    assert titles(scoping.visible(FieldReport.objects.all(), lead, own_path="sender")) == {"lead_a"}
    assert titles(scoping.visible(FieldReport.objects.all(), lead)) == set()


def test_inactive_people_see_no_rows_not_even_their_own(reports):
    net = reports
    for who in ("admin", "manager_a", "lead_a", "staff_a"):
        person = deactivate(getattr(net, who))
        assert not scoping.visible(FieldReport.objects.all(), person, own_path="sender").exists(), who


def test_rows_through_an_annotation_holding_the_distributor_id(reports):
    net = reports
    rows = FieldReport.objects.alias(scope=F("distributor_id"))

    def seen(user):
        return titles(scoping.visible(rows, user, distributor_path="scope"))

    assert seen(net.admin) == {"lead_a", "staff_a", "lead_b", "staff_b"}
    assert seen(net.manager_b) == {"lead_b", "staff_b"}
    assert seen(net.lead_a) == {"lead_a", "staff_a"}
    assert seen(net.staff_a) == set()


def test_rows_through_a_longer_path(network):
    net = network
    rows = Membership.objects.filter(left_on__isnull=True)

    def people(user):
        return set(
            scoping.visible(
                rows,
                user,
                distributor_path="distributor",
                territory_managers_path="distributor__territory__managers",
            ).values_list("user_id", flat=True)
        )

    assert people(net.manager_a) == {net.lead_a.pk, net.staff_a.pk}
    assert people(net.lead_b) == {net.lead_b.pk, net.staff_b.pk}


# ------------------------------------------------------------------ territories


def test_territories_are_for_admins_and_their_managers(network):
    net = network

    def seen(user):
        return names(
            scoping.visible(
                Territory.objects.all(), user, distributor_path=None, territory_managers_path="managers"
            )
        )

    assert seen(net.admin) == {"West", "Central"}
    assert seen(net.manager_a) == {"West"}
    assert seen(net.manager_b) == {"Central"}
    # Members never see territories, whatever ``staff`` says.
    assert seen(net.lead_a) == set()
    for person in (net.lead_a, net.staff_a):
        assert not scoping.visible(
            Territory.objects.all(),
            person,
            distributor_path=None,
            territory_managers_path="managers",
            staff=Staff.EVERYONE,
        ).exists()


@pytest.mark.parametrize("who", ["admin", "manager_a", "lead_a"])
def test_a_managers_path_is_required_without_a_distributor(network, who):
    with pytest.raises(ValueError, match="territory_managers_path"):
        scoping.visible(Territory.objects.all(), getattr(network, who), distributor_path=None)


# ------------------------------------------------------------------ one object


def test_manages_territory(network):
    net = network
    assert scoping.manages_territory(net.manager_a, net.territory_a.pk)
    assert not scoping.manages_territory(net.manager_a, net.territory_b.pk)
    assert not scoping.manages_territory(net.manager_b, net.territory_a.pk)
    # The manager rule only: admins pass through their own predicate.
    assert not scoping.manages_territory(net.admin, net.territory_a.pk)
    assert not scoping.manages_territory(net.lead_a, net.territory_a.pk)
    assert not scoping.manages_territory(AnonymousUser(), net.territory_a.pk)
    assert not scoping.manages_territory(net.manager_a, None)
    assert not scoping.manages_territory(deactivate(net.manager_a), net.territory_a.pk)


def test_manages_territory_asks_nothing_of_people_who_are_not_managers(network, django_assert_num_queries):
    lead = fresh(network.lead_a)
    scoping.scope_of(lead)  # roles loaded
    with django_assert_num_queries(0):
        assert not scoping.manages_territory(lead, network.territory_a.pk)
    manager = fresh(network.manager_a)
    scoping.scope_of(manager)
    with django_assert_num_queries(1):
        assert scoping.manages_territory(manager, network.territory_a.pk)


def test_distributor_model_is_what_pk_means(network):
    # ``"pk"`` makes the rows themselves the distributors.
    qs = scoping.visible(Distributor.objects.all(), network.lead_b, distributor_path="pk")
    assert list(qs.values_list("pk", flat=True)) == [network.distributor_b.pk]
