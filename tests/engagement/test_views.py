import io

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from academy.models import EngagementEvent, Verb
from distributors.engagement.models import Nudge
from tests.engagement.conftest import more_distributors
from tests.files import csv_rows

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("engagement:dashboard")


def test_dashboard_lists_only_the_managers_territory(client, refreshed):
    client.force_login(refreshed.manager_a)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Dist A" in body and "Dist B" not in body
    assert "<svg" in body and "<table" in body
    assert len(response.content) < 300_000


def test_dashboard_filters_by_country(client, refreshed):
    more_distributors(refreshed, 2)
    client.force_login(refreshed.manager_a)
    body = client.get(DASHBOARD, {"country": "CI"}).content.decode()
    assert "Extra 0" in body and "Dist A" not in body


def test_dashboard_rejects_an_unknown_filter_value(client, refreshed):
    client.force_login(refreshed.manager_a)
    response = client.get(DASHBOARD, {"status": "nonsense"})
    assert response.status_code == 400
    assert "nonsense" in response.content.decode()


def test_dashboard_redirects_leads_and_learners(client, refreshed):
    client.force_login(refreshed.lead_a)
    assert client.get(DASHBOARD).url == reverse("engagement:team")
    client.force_login(refreshed.staff_a)
    assert client.get(DASHBOARD).url == reverse("engagement:me")


def test_pages_need_sign_in(client, refreshed):
    for url in (
        DASHBOARD,
        reverse("engagement:distributor", args=[refreshed.distributor_a.pk]),
        reverse("engagement:team"),
        reverse("engagement:me"),
        reverse("engagement:export", args=["distributors", "csv"]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url


@pytest.mark.parametrize("extra", [0, 4])
def test_dashboard_query_count_does_not_grow(client, refreshed, django_assert_num_queries, extra):
    if extra:
        more_distributors(refreshed, extra)
    client.force_login(refreshed.manager_a)
    client.get(DASHBOARD)  # warm the session
    with django_assert_num_queries(11):
        assert client.get(DASHBOARD).status_code == 200


def test_distributor_page_of_another_territory_is_404(client, refreshed):
    client.force_login(refreshed.manager_a)
    url = reverse("engagement:distributor", args=[refreshed.distributor_b.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("extra", [0, 3])
def test_distributor_page_shows_score_components_and_charts(
    client, refreshed, django_assert_num_queries, extra
):
    for _ in range(extra):
        from tests.engagement.conftest import activity

        activity(refreshed.staff_a, days_ago=2)
    client.force_login(refreshed.manager_a)
    url = reverse("engagement:distributor", args=[refreshed.distributor_a.pk])
    client.get(url)
    with django_assert_num_queries(13):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Active staff" in body or "Personnel actif" in body
    assert body.count("<svg") >= 3


def test_a_lead_sees_only_their_team(client, refreshed, django_assert_num_queries):
    client.force_login(refreshed.lead_a)
    response = client.get(reverse("engagement:team"))
    assert response.status_code == 200
    body = response.content.decode()
    assert str(refreshed.staff_a) in body and str(refreshed.staff_b) not in body
    other = reverse("engagement:team_of", args=[refreshed.distributor_b.pk])
    assert client.get(other).status_code == 404
    with django_assert_num_queries(10):
        client.get(reverse("engagement:team"))


def test_a_staff_member_is_refused_the_team_page(client, refreshed):
    client.force_login(refreshed.staff_a)
    assert client.get(reverse("engagement:team")).status_code == 403
    own = reverse("engagement:team_of", args=[refreshed.distributor_a.pk])
    assert client.get(own).status_code == 403


def test_learner_progress_page(client, refreshed, django_assert_num_queries):
    client.force_login(refreshed.staff_a)
    url = reverse("engagement:me")
    client.get(url)
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert "streak" in response.content.decode().lower() or "série" in response.content.decode().lower()


def test_nudge_form_and_sending(client, refreshed, django_capture_on_commit_callbacks):
    client.force_login(refreshed.manager_a)
    url = reverse("engagement:nudge", args=[refreshed.distributor_a.pk])
    response = client.get(url, {"template": "webinar"})
    assert response.status_code == 200
    form = response.context["form"]
    data = {**form.initial, "audience": "team"}
    data["body_fr"] = "Bonjour à toute l’équipe, on vous attend jeudi."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert response.status_code == 302
    nudge = Nudge.objects.get()
    assert set(nudge.recipients.all()) == {refreshed.lead_a, refreshed.staff_a}
    assert len(mail.outbox) == 2
    assert EngagementEvent.objects.filter(actor=refreshed.manager_a, verb=Verb.NUDGE_SENT).exists()


def test_nudge_form_shows_field_errors(client, refreshed):
    client.force_login(refreshed.manager_a)
    url = reverse("engagement:nudge", args=[refreshed.distributor_a.pk])
    response = client.post(
        url, {"audience": "team", "template": "reconnect", "subject_fr": "", "body_fr": ""}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["subject_fr"]
    assert not Nudge.objects.exists()


def test_nudge_is_refused_to_leads_and_other_territories(client, refreshed):
    client.force_login(refreshed.lead_a)
    assert client.get(reverse("engagement:nudge", args=[refreshed.distributor_a.pk])).status_code == 403
    client.force_login(refreshed.manager_a)
    assert client.get(reverse("engagement:nudge", args=[refreshed.distributor_b.pk])).status_code == 404


def _csv(response):
    return csv_rows(response)


def test_exports_follow_the_page_scope(client, refreshed):
    client.force_login(refreshed.manager_a)
    rows = _csv(client.get(reverse("engagement:export", args=["distributors", "csv"])))
    assert [row[0] for row in rows[1:]] == ["Dist A"]
    response = client.get(reverse("engagement:export", args=["distributors", "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Dist A"]
    client.force_login(refreshed.lead_b)
    rows = _csv(client.get(reverse("engagement:export", args=["distributors", "csv"])))
    assert [row[0] for row in rows[1:]] == ["Dist B"]
    for dataset in ("completions", "attendance"):
        assert client.get(reverse("engagement:export", args=[dataset, "csv"])).status_code == 200
    client.force_login(refreshed.staff_b)
    assert client.get(reverse("engagement:export", args=["distributors", "csv"])).status_code == 403
    client.force_login(refreshed.manager_a)
    assert client.get("/distributors/engagement/export/unknown.csv").status_code == 404


@pytest.mark.parametrize("extra", [0, 3])
def test_team_page_query_count_does_not_grow_with_the_team(
    client, refreshed, django_assert_num_queries, extra
):
    from distributors.engagement.services import engagement_refresh
    from tests.distributors.factories import MembershipFactory
    from tests.engagement.conftest import activity

    for _ in range(extra):
        member = MembershipFactory(distributor=refreshed.distributor_a).user
        activity(member, days_ago=1)
    engagement_refresh()
    client.force_login(refreshed.lead_a)
    url = reverse("engagement:team")
    client.get(url)
    with django_assert_num_queries(10):
        response = client.get(url)
    assert len(response.context["data"].members) == 2 + extra


@pytest.mark.parametrize("extra", [0, 6])
def test_my_progress_query_count_does_not_grow_with_activity(
    client, refreshed, django_assert_num_queries, extra
):
    from distributors.engagement.services import engagement_refresh
    from tests.engagement.conftest import activity

    for week in range(extra):
        activity(refreshed.staff_a, days_ago=7 * week)
    engagement_refresh()
    client.force_login(refreshed.staff_a)
    url = reverse("engagement:me")
    client.get(url)
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.context["data"].streak >= (extra and 5)


@pytest.mark.parametrize("extra", [0, 3])
def test_nudge_form_query_count(client, refreshed, django_assert_num_queries, extra):
    from tests.distributors.factories import MembershipFactory

    for _ in range(extra):
        MembershipFactory(distributor=refreshed.distributor_a)
    client.force_login(refreshed.manager_a)
    url = reverse("engagement:nudge", args=[refreshed.distributor_a.pk])
    client.get(url)
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("extra", [0, 3])
def test_export_query_count_does_not_grow(client, refreshed, django_assert_num_queries, extra):
    if extra:
        more_distributors(refreshed, extra)
    client.force_login(refreshed.manager_a)
    url = reverse("engagement:export", args=["distributors", "csv"])
    client.get(url)
    with django_assert_num_queries(4):
        rows = _csv(client.get(url))
    assert len(rows) == 2 + extra
