"""Managers' pages: distributor list, distributor page, status change, scorecard review."""

import pytest
from django.urls import reverse

from academy.models import Verb
from academy.services import activity_record
from distributors import services
from distributors.models import DistributorStatusChange, ScorecardReview
from tests.distributors.factories import (
    DistributorFactory,
    FieldReportFactory,
    MembershipFactory,
    ScorecardReviewFactory,
)

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ list
@pytest.mark.parametrize("extra", [1, 4])
def test_list_shows_the_territory_with_constant_queries(client, network, django_assert_num_queries, extra):
    for index in range(extra):
        DistributorFactory(
            name=f"Abidjan {index}", territory=network.territory_a, country="CI", city="Abidjan"
        )
    client.force_login(network.manager_a)
    # session, user, membership, unread notifications, count, rows, country and territory choices
    with django_assert_num_queries(8):
        response = client.get(reverse("distributors:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Dist A" in body and "Abidjan 0" in body
    assert "Dist B" not in body


def test_list_search_filters_sort_and_pagination(client, network):
    for index in range(22):
        DistributorFactory(
            name=f"Labo {index:02}", territory=network.territory_a, country="CI", status="onboarding"
        )
    client.force_login(network.admin)
    list_url = reverse("distributors:list")
    body = client.get(list_url, {"q": "labo 1"}).content.decode()
    assert "Labo 10" in body and "Labo 02" not in body and "Dist A" not in body
    body = client.get(list_url, {"country": "CM"}).content.decode()
    assert "Dist B" in body and "Dist A" not in body
    body = client.get(list_url, {"territory": network.territory_a.pk, "status": "active"}).content.decode()
    assert "Dist A" in body and "Labo" not in body and "Dist B" not in body
    body = client.get(list_url, {"sort": "-name"}).content.decode()
    assert body.index("Labo 21") < body.index("Labo 20")
    assert "Page 1 sur 2" in body
    body = client.get(list_url, {"sort": "-name", "page": 2}).content.decode()
    assert "Dist A" in body and "Labo 21" not in body


def test_list_filter_errors_and_empty_state(client, network):
    client.force_login(network.manager_a)
    response = client.get(reverse("distributors:list"), {"status": "bankrupt"})
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    response = client.get(reverse("distributors:list"), {"territory": network.territory_b.pk})
    assert response.status_code == 400  # not one of theirs
    response = client.get(reverse("distributors:list"), {"q": "nothing like this"})
    assert "Aucun distributeur ne correspond à ces filtres." in response.content.decode()


@pytest.mark.parametrize("person", ["lead_a", "staff_a", "trainer"])
def test_list_is_for_company_managers(client, network, person):
    client.force_login(getattr(network, person))
    assert client.get(reverse("distributors:list")).status_code == 403


def test_list_needs_sign_in(client):
    response = client.get(reverse("distributors:list"))
    assert response.status_code == 302 and "/login/" in response.url


# ------------------------------------------------------------------ distributor page
def _busy(network, distributor, manager, lead, rounds):
    for index in range(rounds):
        member = MembershipFactory(distributor=distributor).user
        FieldReportFactory(sender=member, title=f"Report {index}")
        ScorecardReviewFactory(actor=manager, distributor=distributor, commitment=1 + index % 5)
        activity_record(actor=member, verb=Verb.LESSON_COMPLETED, object_name=f"Lesson {index}")
        services.invitation_create(
            actor=lead, distributor=distributor, email=f"new{index}@test.example", send_email=False
        )
        services.distributor_status_change(
            actor=manager,
            distributor=distributor,
            status="suspended" if index % 2 == 0 else "active",
            reason=f"Step {index}",
        )
    services.membership_remove(actor=lead, membership=member.memberships.get(), reason="Moved to Thiès")


@pytest.mark.parametrize("rounds", [2, 5])
def test_distributor_page_sections_with_constant_queries(client, network, django_assert_num_queries, rounds):
    _busy(network, network.distributor_a, network.manager_a, network.lead_a, rounds)
    client.force_login(network.manager_a)
    # session, user, membership, distributor, permission, memberships, status history, scorecards,
    # field reports, events, activity figures, invitations, unread notifications
    with django_assert_num_queries(13):
        response = client.get(reverse("distributors:detail", args=[network.distributor_a.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert str(network.lead_a) in body  # team
    assert "Moved to Thiès" in body  # former member with the reason
    assert f"Step {rounds - 1}" in body  # status history
    assert "Report 0" in body  # field reports
    assert f"Lesson {rounds - 1}" in body  # recent activity
    assert "new0@test.example" in body  # pending invitations
    assert "Rotation du personnel par trimestre" in body  # turnover


def test_distributor_page_isolation(client, network):
    page = reverse("distributors:detail", args=[network.distributor_a.pk])
    client.force_login(network.manager_b)
    assert client.get(page).status_code == 404
    client.force_login(network.lead_b)
    assert client.get(page).status_code == 404
    client.force_login(network.trainer)
    assert client.get(page).status_code == 404
    client.force_login(network.lead_a)  # a member: their own page
    response = client.get(page)
    assert response.status_code == 302 and response.url == reverse("distributors:mine")
    client.logout()
    assert client.get(page).status_code == 302


# ------------------------------------------------------------------ status change
def test_change_status_from_the_page(client, network):
    client.force_login(network.manager_a)
    page = reverse("distributors:status_change", args=[network.distributor_a.pk])
    assert client.get(page).status_code == 200
    response = client.post(page, {"status": "suspended", "reason": "Unpaid invoices"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("distributors:detail", args=[network.distributor_a.pk])
    body = response.content.decode()
    assert "Unpaid invoices" in body
    network.distributor_a.refresh_from_db()
    assert network.distributor_a.status == "suspended"


@pytest.mark.parametrize(
    "data", [{"status": "prospect", "reason": "x"}, {"status": "suspended", "reason": ""}, {}]
)
def test_change_status_form_errors(client, network, data):
    client.force_login(network.manager_a)
    response = client.post(reverse("distributors:status_change", args=[network.distributor_a.pk]), data)
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert DistributorStatusChange.objects.filter(distributor=network.distributor_a).count() == 1


@pytest.mark.parametrize(
    ("person", "code"), [("lead_a", 403), ("staff_a", 403), ("manager_b", 404), ("lead_b", 404)]
)
def test_change_status_isolation(client, network, person, code):
    client.force_login(getattr(network, person))
    page = reverse("distributors:status_change", args=[network.distributor_a.pk])
    assert client.get(page).status_code == code
    assert client.post(page, {"status": "ended", "reason": "x"}).status_code == code
    network.distributor_a.refresh_from_db()
    assert network.distributor_a.status == "active"


# ------------------------------------------------------------------ scorecard
def test_scorecard_review_from_the_page(client, network):
    client.force_login(network.manager_a)
    page = reverse("distributors:scorecard_review", args=[network.distributor_a.pk])
    assert "Fiabilité des paiements" in client.get(page).content.decode()
    data = {
        "reviewed_on": "2025-06-01",
        "payment_reliability": "5",
        "established_network": "4",
        "technical_competence": "3",
        "commitment": "4",
        "commitment_notes": "Every web-conference",
    }
    response = client.post(page, data)
    assert response.status_code == 302
    review = ScorecardReview.objects.get()
    assert (review.average, review.commitment_notes, review.reviewed_by) == (
        4.0,
        "Every web-conference",
        network.manager_a,
    )


def test_scorecard_form_errors(client, network):
    client.force_login(network.manager_a)
    page = reverse("distributors:scorecard_review", args=[network.distributor_a.pk])
    response = client.post(
        page,
        {
            "reviewed_on": "2999-01-01",
            "payment_reliability": "9",
            "established_network": "3",
            "technical_competence": "3",
            "commitment": "3",
        },
    )
    assert response.status_code == 400
    assert not ScorecardReview.objects.exists()
    response = client.post(
        page,
        {
            "reviewed_on": "2999-01-01",
            "payment_reliability": "3",
            "established_network": "3",
            "technical_competence": "3",
            "commitment": "3",
        },
    )
    assert response.status_code == 400
    assert "La date de revue ne peut pas être dans le futur." in response.content.decode()


@pytest.mark.parametrize(("person", "code"), [("lead_a", 403), ("manager_b", 404)])
def test_scorecard_isolation(client, network, person, code):
    client.force_login(getattr(network, person))
    assert (
        client.get(reverse("distributors:scorecard_review", args=[network.distributor_a.pk])).status_code
        == code
    )
