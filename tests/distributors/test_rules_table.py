"""Every permission of distributors/rules.py for every kind of person, on
distributor A of the network (territory West): who may, and that everyone
else may not. A person's own distributor and territory are what count."""

import pytest
from django.contrib.auth.models import AnonymousUser

from distributors import rules as distributor_rules
from distributors.models import Membership
from distributors.services import membership_end
from tests.academy.factories import UserFactory
from tests.distributors.factories import FieldReportFactory, MembershipFactory

pytestmark = pytest.mark.django_db

PEOPLE = (
    "admin",
    "manager_a",
    "manager_b",
    "lead_a",
    "staff_a",
    "lead_b",
    "staff_b",
    "trainer",
    "former_a",
    "learner",
)

MANAGERS_OF_A = {"admin", "manager_a"}
TEAM_OF_A = MANAGERS_OF_A | {"lead_a"}

ON_DISTRIBUTOR = [
    ("distributors.view_distributor", MANAGERS_OF_A | {"lead_a", "staff_a"}),
    ("distributors.view_internal_details", {"admin", "manager_a", "manager_b"}),
    ("distributors.manage_distributor", MANAGERS_OF_A),
    ("distributors.change_status", MANAGERS_OF_A),
    ("distributors.review_scorecard", MANAGERS_OF_A),
    ("distributors.view_team", TEAM_OF_A),
    ("distributors.manage_team", TEAM_OF_A),
    ("distributors.invite_member", TEAM_OF_A),
    ("distributors.remove_member", TEAM_OF_A),
    # Administrators are superusers: Django grants them every permission.
    ("distributors.send_field_report", {"admin", "lead_a", "staff_a"}),
    ("distributors.view_engagement", TEAM_OF_A),
    ("distributors.nudge", MANAGERS_OF_A),
]


@pytest.fixture
def people(network):
    """The network's people, someone who left distributor A, and a learner outside any distributor."""
    former = MembershipFactory(distributor=network.distributor_a, role="lead")
    membership_end(membership=Membership.objects.get(pk=former.pk))
    found = {name: getattr(network, name) for name in PEOPLE if hasattr(network, name)}
    found["former_a"] = UserFactory._meta.model.objects.get(pk=former.user_id)
    found["learner"] = UserFactory(role="learner")
    return found


def allowed(people, permission, obj) -> set[str]:
    # A fresh user object each time: membership_current caches on the user.
    model = UserFactory._meta.model
    return {name for name, user in people.items() if model.objects.get(pk=user.pk).has_perm(permission, obj)}


@pytest.mark.parametrize(("permission", "who"), ON_DISTRIBUTOR)
def test_permissions_on_a_distributor(network, people, permission, who):
    assert allowed(people, permission, network.distributor_a) == who


@pytest.mark.parametrize(("permission", "who"), ON_DISTRIBUTOR)
def test_permissions_on_the_other_distributor_mirror_them(network, people, permission, who):
    mirrored = {name.replace("_a", "_B").replace("_b", "_a").replace("_B", "_b") for name in who}
    mirrored.discard("former_b")
    assert allowed(people, permission, network.distributor_b) == mirrored


@pytest.mark.parametrize(
    ("permission", "who"),
    [
        # Without an object only the role predicates can answer.
        ("distributors.view_distributor", {"admin"}),
        ("distributors.view_internal_details", {"admin", "manager_a", "manager_b"}),
        ("distributors.manage_distributor", {"admin"}),
        ("distributors.view_team", {"admin"}),
        ("distributors.send_field_report", {"admin"}),
        ("distributors.view_field_report", {"admin"}),
        ("distributors.triage_field_report", {"admin"}),
        ("distributors.add_distributor", {"admin"}),
    ],
)
def test_permissions_without_an_object(people, permission, who):
    assert allowed(people, permission, None) == who


@pytest.mark.parametrize(
    ("sender", "permission", "who"),
    [
        ("staff_a", "distributors.view_field_report", MANAGERS_OF_A | {"lead_a", "staff_a"}),
        ("lead_a", "distributors.view_field_report", MANAGERS_OF_A | {"lead_a"}),
        ("staff_a", "distributors.triage_field_report", MANAGERS_OF_A),
        ("staff_b", "distributors.view_field_report", {"admin", "manager_b", "lead_b", "staff_b"}),
        ("staff_b", "distributors.triage_field_report", {"admin", "manager_b"}),
    ],
)
def test_permissions_on_a_field_report(network, people, sender, permission, who):
    report = FieldReportFactory(sender=getattr(network, sender))
    assert allowed(people, permission, report) == who


def test_a_report_whose_sender_was_deleted_is_seen_by_its_lead_and_managers_only(network, people):
    report = FieldReportFactory(sender=network.staff_a)
    report.sender_id = None
    assert allowed(people, "distributors.view_field_report", report) == MANAGERS_OF_A | {"lead_a"}


@pytest.mark.parametrize(
    ("territory", "who"), [("territory_a", MANAGERS_OF_A), ("territory_b", {"admin", "manager_b"})]
)
def test_adding_a_distributor_in_a_territory(network, people, territory, who):
    assert allowed(people, "distributors.add_distributor", getattr(network, territory)) == who


def test_anonymous_visitors_may_do_nothing(network):
    anonymous = AnonymousUser()
    for permission, _who in ON_DISTRIBUTOR:
        assert not anonymous.has_perm(permission, network.distributor_a), permission


@pytest.mark.parametrize(
    ("predicate", "name"),
    [
        (distributor_rules.is_lead_of, "is_lead_of"),
        (distributor_rules.is_member_of, "is_member_of"),
        (distributor_rules.is_territory_manager_of, "is_territory_manager_of"),
        (distributor_rules.is_report_sender, "is_report_sender"),
        (distributor_rules.leads_report_distributor, "leads_report_distributor"),
        (distributor_rules.manages_report_distributor, "manages_report_distributor"),
        (distributor_rules.manages_territory, "manages_territory"),
    ],
)
def test_object_predicates_say_no_without_an_object(people, predicate, name):
    assert predicate.name == name
    assert not any(predicate(user, None) for user in people.values())
