"""API: territories and distributors (details, status, scorecards, turnover)."""

import pytest
from django.urls import reverse

from distributors.models import Distributor, DistributorStatusChange, ScorecardReview
from tests.distributors.factories import DistributorFactory, ScorecardReviewFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


def url(name, *args):
    return reverse(f"api:distributors-{name}", args=args)


# ------------------------------------------------------------------ territories
def test_territories_scoped_and_named_in_the_manager_language(client, network, django_assert_num_queries):
    network.manager_a.language = "en"
    network.manager_a.save()
    client.force_login(network.manager_a)
    with django_assert_num_queries(6):  # session, user, membership, count, rows, managers
        body = client.get(url("territory-list")).json()
    assert body["count"] == 1
    territory = body["results"][0]
    assert territory["name"] == "West"
    assert {"code": "SN", "name": "Senegal"} in territory["countries"]
    assert territory["managers"] == [
        {"id": network.manager_a.pk, "name": str(network.manager_a), "email": network.manager_a.email}
    ]


def test_territories_list_query_count_does_not_grow(client, network, django_assert_num_queries):
    from tests.distributors.factories import TerritoryFactory

    for index in range(3):
        TerritoryFactory(name=f"Extra {index}", managers=[network.manager_a, network.manager_b])
    client.force_login(network.admin)
    with django_assert_num_queries(6):
        assert client.get(url("territory-list")).json()["count"] == 5


def test_territories_for_others(client, network):
    client.force_login(network.lead_a)
    assert client.get(url("territory-list")).json()["count"] == 0
    assert client.get(url("territory-detail", network.territory_a.pk)).status_code == 404
    client.force_login(network.manager_a)
    assert client.get(url("territory-detail", network.territory_b.pk)).status_code == 404
    assert client.get(url("territory-list"), {"country": "CM"}).json()["count"] == 0
    assert client.get(url("territory-list"), {"country": "sn"}).json()["count"] == 1
    client.logout()
    assert client.get(url("territory-list")).status_code == 401


# ------------------------------------------------------------------ distributors
@pytest.mark.parametrize("extra", [0, 3])
def test_distributor_list_has_a_constant_query_count(client, network, django_assert_num_queries, extra):
    for index in range(extra):
        DistributorFactory(name=f"Extra {index}", territory=network.territory_a, country="CI")
    client.force_login(network.manager_a)
    with django_assert_num_queries(5):  # session, user, membership, count, rows
        body = client.get(url("distributor-list")).json()
    assert body["count"] == 1 + extra
    first = next(row for row in body["results"] if row["name"] == "Dist A")
    assert first["headcount"] == 2
    assert first["territory"] == {"id": network.territory_a.pk, "name": "West"}
    assert first["country"]["code"] == "SN"
    assert first["notes"] == ""  # managers see the company's notes


def test_distributor_filters_search_and_ordering(client, network):
    DistributorFactory(name="Abidjan Bio", territory=network.territory_a, country="CI", status="onboarding")
    client.force_login(network.admin)

    def get(**params):
        return [row["name"] for row in client.get(url("distributor-list"), params).json()["results"]]

    assert get(country="CI") == ["Abidjan Bio"]
    assert get(status="active") == ["Dist A", "Dist B"]
    assert get(territory=network.territory_b.pk) == ["Dist B"]
    assert get(search="abidjan") == ["Abidjan Bio"]
    assert get(ordering="-name") == ["Dist B", "Dist A", "Abidjan Bio"]
    assert get(ordering="-headcount")[-1] == "Abidjan Bio"


def test_distributor_filter_errors_are_400(client, network):
    client.force_login(network.manager_a)
    response = client.get(
        url("distributor-list"), {"status": "bankrupt", "territory": network.territory_b.pk}
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"status", "territory"}
    assert (
        client.get(url("distributor-list"), {"country": "CM"}).status_code == 400
    )  # not in their territories


def test_members_see_their_own_distributor_without_company_notes(client, network):
    client.force_login(network.staff_a)
    body = client.get(url("distributor-list")).json()
    assert [row["name"] for row in body["results"]] == ["Dist A"]
    assert body["results"][0]["notes"] is None and body["results"][0]["is_exclusive"] is None
    assert client.get(url("distributor-detail", network.distributor_b.pk)).status_code == 404


def test_distributor_detail(client, network, django_assert_num_queries):
    client.force_login(network.manager_a)
    with django_assert_num_queries(4):
        response = client.get(url("distributor-detail", network.distributor_a.pk))
    assert response.json()["name"] == "Dist A"
    assert client.get(url("distributor-detail", network.distributor_b.pk)).status_code == 404
    client.logout()
    assert client.get(url("distributor-detail", network.distributor_a.pk)).status_code == 401


def test_manager_creates_a_distributor_in_their_territory(client, network):
    client.force_login(network.manager_a)
    payload = {
        "name": "Lomé Diagnostic",
        "territory": network.territory_a.pk,
        "country": "CI",
        "city": "Abidjan",
    }
    response = client.post(url("distributor-list"), payload, content_type=JSON)
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "prospect"
    created = Distributor.objects.get(name="Lomé Diagnostic")
    assert created.status_changes.get().changed_by == network.manager_a


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"name": "X", "country": "SN"}, {"territory"}),
        ({"name": "X", "territory": "B", "country": "SN"}, {"territory"}),
        ({"name": "X", "territory": "B", "country": "CM"}, {"territory"}),
        ({"name": "", "territory": "A", "country": "ZZ"}, {"name", "country"}),
        ({"name": "X", "territory": "A", "country": "CM"}, {"country"}),
        ({"name": "Dist B", "territory": "A", "country": "SN"}, {"name"}),
        ({"name": "X", "territory": "A", "country": "SN", "website": "nope"}, {"website"}),
    ],
)
def test_distributor_create_validation(client, network, payload, fields):
    territories = {"A": network.territory_a.pk, "B": network.territory_b.pk}
    if "territory" in payload:
        payload["territory"] = territories[payload["territory"]]
    client.force_login(network.manager_a)
    response = client.post(url("distributor-list"), payload, content_type=JSON)
    assert response.status_code == 400
    assert set(response.json()["fields"]) == fields
    assert Distributor.objects.count() == 2


def test_only_company_managers_create_distributors(client, network):
    client.force_login(network.lead_a)
    payload = {"name": "X", "territory": network.territory_a.pk, "country": "SN"}
    assert (
        client.post(url("distributor-list"), payload, content_type=JSON).status_code == 400
    )  # unknown territory
    client.force_login(network.admin)
    assert client.post(url("distributor-list"), payload, content_type=JSON).status_code == 201


def test_distributor_update(client, network):
    client.force_login(network.manager_a)
    target = url("distributor-detail", network.distributor_a.pk)
    response = client.patch(target, {"city": "Thiès", "notes": "Pays à l’heure"}, content_type=JSON)
    assert response.status_code == 200
    assert (response.json()["city"], response.json()["notes"]) == ("Thiès", "Pays à l’heure")
    response = client.patch(target, {"account_manager": network.trainer.pk}, content_type=JSON)
    assert response.status_code == 400 and "account_manager" in response.json()["fields"]
    client.force_login(network.lead_a)
    assert client.patch(target, {"city": "Touba"}, content_type=JSON).status_code == 403
    client.force_login(network.manager_b)
    assert client.patch(target, {"city": "Touba"}, content_type=JSON).status_code == 404
    network.distributor_a.refresh_from_db()
    assert network.distributor_a.city == "Thiès"


def test_status_change(client, network):
    client.force_login(network.manager_a)
    target = url("distributor-change-status", network.distributor_a.pk)
    response = client.post(target, {"status": "suspended", "reason": "Unpaid invoices"}, content_type=JSON)
    assert response.status_code == 201
    body = response.json()
    assert (body["from_status"], body["to_status"], body["reason"]) == (
        "active",
        "suspended",
        "Unpaid invoices",
    )
    assert body["changed_by"]["id"] == network.manager_a.pk


def test_invalid_status_change_is_refused_with_a_reason(client, network):
    network.manager_a.language = "en"
    network.manager_a.save()
    client.force_login(network.manager_a)
    target = url("distributor-change-status", network.distributor_a.pk)
    response = client.post(
        target,
        {"status": "prospect", "reason": "Back to start"},
        content_type=JSON,
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_transition"
    assert "From “Active” it can go to: “Suspended”, “Ended”." in body["detail"]
    response = client.post(target, {"status": "suspended"}, content_type=JSON)
    assert response.status_code == 400 and "reason" in response.json()["fields"]


@pytest.mark.parametrize(
    ("person", "code"), [("lead_a", 403), ("staff_a", 403), ("manager_b", 404), ("lead_b", 404)]
)
def test_status_change_isolation(client, network, person, code):
    client.force_login(getattr(network, person))
    response = client.post(
        url("distributor-change-status", network.distributor_a.pk),
        {"status": "ended", "reason": "x"},
        content_type=JSON,
    )
    assert response.status_code == code
    assert not DistributorStatusChange.objects.filter(to_status="ended").exists()


def test_status_history(client, network, django_assert_num_queries):
    for status in ("suspended", "active", "suspended"):
        client.force_login(network.manager_a)
        client.post(
            url("distributor-change-status", network.distributor_a.pk),
            {"status": status, "reason": "r"},
            content_type=JSON,
        )
    with django_assert_num_queries(7):  # session, user, membership, distributor, permission, count, rows
        body = client.get(url("distributor-status-changes", network.distributor_a.pk)).json()
    assert [row["to_status"] for row in body["results"]] == ["suspended", "active", "suspended", "active"]
    client.force_login(network.lead_a)
    assert client.get(url("distributor-status-changes", network.distributor_a.pk)).status_code == 403


def test_scorecards(client, network, django_assert_num_queries):
    client.force_login(network.manager_a)
    target = url("distributor-scorecards", network.distributor_a.pk)
    payload = {
        "reviewed_on": "2025-03-01",
        "payment_reliability": 5,
        "established_network": 4,
        "technical_competence": 3,
        "commitment": 4,
        "commitment_notes": "Attends every web-conference",
    }
    response = client.post(target, payload, content_type=JSON)
    assert response.status_code == 201
    assert response.json()["average"] == 4.0
    ScorecardReviewFactory(actor=network.manager_a, distributor=network.distributor_a)
    with django_assert_num_queries(7):
        body = client.get(target).json()
    assert body["count"] == 2
    assert body["results"][1]["commitment_notes"] == "Attends every web-conference"


def test_scorecard_validation_and_isolation(client, network):
    client.force_login(network.manager_a)
    target = url("distributor-scorecards", network.distributor_a.pk)
    bad = {"payment_reliability": 6, "established_network": 0, "technical_competence": 3}
    response = client.post(target, bad, content_type=JSON)
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"payment_reliability", "established_network", "commitment"}
    good = {"payment_reliability": 3, "established_network": 3, "technical_competence": 3, "commitment": 3}
    client.force_login(network.lead_a)
    assert client.post(target, good, content_type=JSON).status_code == 403
    assert client.get(target).status_code == 403
    client.force_login(network.manager_b)
    assert client.post(target, good, content_type=JSON).status_code == 404
    assert not ScorecardReview.objects.exists()


def test_turnover(client, network, django_assert_num_queries):
    client.force_login(network.lead_a)
    # session, user, membership (it also answers "is a lead"), distributor, membership periods
    with django_assert_num_queries(5):
        body = client.get(url("distributor-turnover", network.distributor_a.pk)).json()
    assert len(body) == 8
    assert body[-1]["headcount"] == 2 and body[-1]["joined"] == 2
    client.force_login(network.staff_a)
    assert client.get(url("distributor-turnover", network.distributor_a.pk)).status_code == 403
    client.force_login(network.lead_b)
    assert client.get(url("distributor-turnover", network.distributor_a.pk)).status_code == 404
