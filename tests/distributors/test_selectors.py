"""What each person may see, and the figures the pages show."""

import datetime

import pytest

from academy.models import Verb
from academy.services import activity_record
from distributors import selectors, services
from tests.academy.factories import UserFactory
from tests.distributors.factories import DistributorFactory, MembershipFactory, ScorecardReviewFactory

pytestmark = pytest.mark.django_db


def _names(queryset, attribute="name"):
    return sorted(str(getattr(obj, attribute)) for obj in queryset)


@pytest.mark.parametrize(
    ("person", "expected"),
    [
        ("admin", ["Dist A", "Dist B"]),
        ("manager_a", ["Dist A"]),
        ("manager_b", ["Dist B"]),
        ("lead_a", ["Dist A"]),
        ("staff_b", ["Dist B"]),
        ("trainer", []),
    ],
)
def test_distributor_visibility(network, person, expected):
    assert _names(selectors.distributor_list(user=getattr(network, person))) == expected


def test_people_without_a_distributor_see_none(network):
    assert _names(selectors.distributor_visible_queryset(user=UserFactory())) == []


def test_distributor_list_search_order_and_headcount(network):
    DistributorFactory(name="Casamance Labo", territory=network.territory_a, country="SN", city="Ziguinchor")
    rows = list(selectors.distributor_list(user=network.manager_a, ordering="-headcount"))
    assert [(d.name, d.headcount) for d in rows] == [("Dist A", 2), ("Casamance Labo", 0)]
    assert _names(selectors.distributor_list(user=network.manager_a, search="zigu")) == ["Casamance Labo"]
    assert _names(selectors.distributor_list(user=network.manager_a, ordering="nonsense")) == [
        "Casamance Labo",
        "Dist A",
    ]


def test_membership_visibility(network):
    services.membership_remove(actor=network.lead_a, membership=network.staff_a.memberships.get())
    assert len(selectors.membership_visible_queryset(user=network.admin)) == 4
    assert {m.distributor.name for m in selectors.membership_visible_queryset(user=network.manager_a)} == {
        "Dist A"
    }
    assert len(selectors.membership_visible_queryset(user=network.lead_a)) == 2  # past members too
    assert [m.user for m in selectors.membership_visible_queryset(user=network.staff_b)] == [network.staff_b]
    # Someone who left still sees their own history.
    assert [m.user for m in selectors.membership_visible_queryset(user=network.staff_a)] == [network.staff_a]
    assert len(selectors.membership_visible_queryset(user=network.trainer)) == 0


def test_invitation_visibility(activity):
    net = activity
    assert len(selectors.invitation_visible_queryset(user=net.admin)) == 4
    assert {i.distributor.name for i in selectors.invitation_visible_queryset(user=net.manager_b)} == {
        "Dist B"
    }
    assert {i.distributor.name for i in selectors.invitation_visible_queryset(user=net.lead_a)} == {"Dist A"}
    assert len(selectors.invitation_visible_queryset(user=net.staff_a)) == 0
    assert len(selectors.invitation_visible_queryset(user=net.trainer)) == 0


def test_field_report_visibility(activity):
    net = activity
    assert len(selectors.field_report_list(user=net.admin)) == 4
    assert {r.distributor.name for r in selectors.field_report_list(user=net.manager_a)} == {"Dist A"}
    assert _names(selectors.field_report_list(user=net.lead_a), "title") == [
        "Dist A competitor",
        "Dist A tender",
    ]
    assert _names(selectors.field_report_list(user=net.staff_a), "title") == ["Dist A tender"]
    assert len(selectors.field_report_list(user=net.trainer)) == 0
    # After leaving, a sender still sees their report and its replies.
    services.membership_remove(actor=net.lead_a, membership=net.staff_a.memberships.get())
    assert _names(selectors.field_report_list(user=net.staff_a), "title") == ["Dist A tender"]


def test_event_visibility(network):
    for person in (network.lead_a, network.staff_a, network.staff_b, network.manager_a):
        activity_record(actor=person, verb=Verb.LOGGED_IN)
    logins = {"verb": Verb.LOGGED_IN}
    assert selectors.engagement_event_visible_queryset(user=network.admin).filter(**logins).count() == 4
    assert {
        e.actor for e in selectors.engagement_event_visible_queryset(user=network.manager_a).filter(**logins)
    } == {
        network.lead_a,
        network.staff_a,
    }
    assert {
        e.actor for e in selectors.engagement_event_visible_queryset(user=network.lead_a).filter(**logins)
    } == {
        network.lead_a,
        network.staff_a,
    }
    assert {e.actor for e in selectors.engagement_event_visible_queryset(user=network.staff_a)} == {
        network.staff_a
    }
    assert not selectors.engagement_event_visible_queryset(user=network.trainer).exists()


def test_turnover_by_quarter():
    periods = [
        (datetime.date(2024, 1, 10), None),
        (datetime.date(2024, 2, 1), datetime.date(2024, 5, 20)),
        (datetime.date(2024, 4, 2), datetime.date(2024, 9, 30)),
        (datetime.date(2024, 8, 15), None),
        (datetime.date(2023, 3, 1), datetime.date(2023, 12, 31)),
    ]
    quarters = selectors.turnover_by_quarter(periods, quarters=4, today=datetime.date(2024, 11, 5))
    assert [(q.year, q.quarter) for q in quarters] == [(2024, 1), (2024, 2), (2024, 3), (2024, 4)]
    assert [(q.joined, q.left, q.headcount) for q in quarters] == [(2, 0, 2), (1, 1, 2), (1, 1, 2), (0, 0, 2)]
    assert quarters[-1].end == datetime.date(2024, 11, 5)
    assert quarters[0].start == datetime.date(2024, 1, 1) and quarters[0].end == datetime.date(2024, 3, 31)


def test_distributor_turnover_reads_the_memberships(network):
    newcomer = MembershipFactory(distributor=network.distributor_a)
    services.membership_remove(actor=network.lead_a, membership=newcomer)
    current = selectors.distributor_turnover(distributor=network.distributor_a)[-1]
    assert (current.joined, current.left, current.headcount) == (3, 1, 2)
    assert len(selectors.distributor_turnover(distributor=network.distributor_a)) == 8


def test_scorecard_trend_shows_the_change_since_the_previous_review(network):
    ScorecardReviewFactory(
        actor=network.manager_a,
        distributor=network.distributor_a,
        reviewed_on=datetime.date(2025, 1, 10),
        payment_reliability=2,
        commitment=4,
    )
    ScorecardReviewFactory(
        actor=network.manager_a,
        distributor=network.distributor_a,
        reviewed_on=datetime.date(2025, 7, 10),
        payment_reliability=4,
        commitment=3,
    )
    latest, first = selectors.scorecard_trend(distributor=network.distributor_a)
    assert latest.review.reviewed_on == datetime.date(2025, 7, 10)
    assert first.change is None and all(r.change is None for r in first.ratings)
    changes = {r.name: r.change for r in latest.ratings}
    assert changes == {
        "payment_reliability": 2,
        "established_network": 0,
        "technical_competence": 0,
        "commitment": -1,
    }
    assert (first.average, latest.average, latest.change) == (3.0, 3.25, 0.25)


def test_audience_choices_are_every_territory_and_distributor_by_name(network, django_assert_num_queries):
    DistributorFactory(name="Casamance Labo", territory=network.territory_a, country="SN")
    with django_assert_num_queries(0):  # lazy: a form or serializer field may hold them
        territories = selectors.territory_choices()
        distributors = selectors.distributor_choices()
    with django_assert_num_queries(2):
        assert [territory.name for territory in territories] == ["Central", "West"]
        assert [distributor.name for distributor in distributors] == ["Casamance Labo", "Dist A", "Dist B"]
