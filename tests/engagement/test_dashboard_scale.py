"""The dashboard as data grows: a fixed number of queries, a bounded page
(the certified headcount summarised, every course a page at a time),
rows kept in the cache only while their figures are unchanged, and fresh
planner statistics after the jobs that rewrite the snapshot and rollup
tables."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses import services as course_services
from distributors.engagement import selectors, views
from distributors.engagement.models import DistributorScore, SnapshotKind
from distributors.engagement.rollups import rollups_rebuild
from distributors.engagement.scores import snapshots_refresh
from distributors.engagement.services import engagement_refresh
from tests.courses.factories import build_course
from tests.distributors.factories import DistributorFactory, MembershipFactory
from tests.engagement.conftest import activity, more_distributors

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("engagement:dashboard")
HEADCOUNTS = reverse("engagement:headcounts")
ON_POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def refreshed(refreshed):
    """The network of the engagement tests, its company staff reading English."""
    for user in (refreshed.manager_a, refreshed.manager_b, refreshed.admin):
        user.language = "en"
        user.save(update_fields=["language"])
    return refreshed


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 3 rows and a summary of the 2 courses with the most staff,
    so a few rows of data span several pages."""
    monkeypatch.setattr(views, "PAGE_SIZE", 3)
    monkeypatch.setattr(selectors, "HEADCOUNT_TOP", 2)


def assign_courses(network, distributor, count: int, *, prefix: str = "Course") -> list:
    courses = []
    for index in range(count):
        course = build_course(owner=network.trainer, title=f"{prefix} {index:02d}", kinds=("text",))
        course_services.assignment_create(
            actor=network.manager_a if distributor.territory == network.territory_a else network.manager_b,
            distributor=distributor,
            course=course,
            due_days=30,
        )
        courses.append(course)
    return courses


def course_titles(body: str, table_id: str) -> list[str]:
    table = body.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>([^<]+)</td>", table)


@pytest.mark.parametrize("extra", [0, 8])
def test_dashboard_query_count_is_the_same_over_pages_and_courses(
    client, refreshed, small_pages, django_assert_num_queries, extra
):
    # 0: one distributor, no course; 8: three pages of distributors and more
    # courses than the summary shows.
    if extra:
        more_distributors(refreshed, extra)
        assign_courses(refreshed, refreshed.distributor_a, 4)
        engagement_refresh(months=1)
    client.force_login(refreshed.manager_a)
    client.get(DASHBOARD)  # warm the session
    cache.clear()
    with django_assert_num_queries(11):  # rows rendered
        assert client.get(DASHBOARD).status_code == 200
    with django_assert_num_queries(11):  # rows from the cache
        assert client.get(DASHBOARD, {"page": 2 if extra else 1}).status_code == 200


def test_dashboard_summarises_the_headcount_and_links_to_every_course(client, refreshed, small_pages):
    assign_courses(refreshed, refreshed.distributor_a, 3)
    engagement_refresh(months=1)
    client.force_login(refreshed.manager_a)
    body = client.get(DASHBOARD, {"country": "SN", "sort": "name", "page": "1"}).content.decode()
    section = body.split("Certified headcount by course", 1)[1]
    assert len(re.findall(r"<progress ", section)) == 2
    assert f'href="{HEADCOUNTS}?country=SN"' in body  # the filters, not the page nor the sort
    assert "The 2 courses with the most staff concerned." in body


def test_dashboard_without_more_courses_has_no_link(client, refreshed):
    assign_courses(refreshed, refreshed.distributor_a, 2)
    engagement_refresh(months=1)
    client.force_login(refreshed.manager_a)
    body = client.get(DASHBOARD).content.decode()
    assert len(re.findall(r"<progress ", body.split("Certified headcount by course", 1)[1])) == 2
    assert HEADCOUNTS not in body


def test_dashboard_page_size_does_not_grow_with_the_courses(client, refreshed, small_pages):
    assign_courses(refreshed, refreshed.distributor_a, 3)
    engagement_refresh(months=1)
    client.force_login(refreshed.manager_a)
    before = len(client.get(DASHBOARD).content)
    assign_courses(refreshed, refreshed.distributor_a, 5, prefix="Other")
    engagement_refresh(months=1)
    cache.clear()
    after = len(client.get(DASHBOARD).content)
    # The same number of course rows; only figures (and the score) may change width.
    assert abs(after - before) < 200


def test_headcount_page_is_paginated_most_staff_first(client, refreshed, small_pages):
    assign_courses(refreshed, refreshed.distributor_a, 4)
    extra = DistributorFactory(name="Dist A2", territory=refreshed.territory_a, country="CI")
    for role in ("lead", "staff", "staff"):
        MembershipFactory(distributor=extra, role=role)
    (shared,) = assign_courses(refreshed, extra, 1, prefix="Shared")
    engagement_refresh(months=1)
    client.force_login(refreshed.manager_a)
    first = client.get(HEADCOUNTS)
    assert first.status_code == 200
    titles = course_titles(first.content.decode(), "headcount-table")
    assert titles == ["Shared 00", "Course 00", "Course 01"]  # 3 staff, then 2 each by title
    assert "5 courses assigned to these distributors" in first.content.decode()
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(HEADCOUNTS, {"page": 2})
    assert course_titles(second.content.decode(), "headcount-table") == ["Course 02", "Course 03"]
    assert shared.title not in course_titles(
        client.get(HEADCOUNTS, {"country": "SN"}).content.decode(), "headcount-table"
    )


def test_headcount_page_shows_only_the_managers_territory(client, refreshed):
    assign_courses(refreshed, refreshed.distributor_a, 1, prefix="West")
    assign_courses(refreshed, refreshed.distributor_b, 1, prefix="Central")
    engagement_refresh(months=1)
    client.force_login(refreshed.manager_a)
    assert course_titles(client.get(HEADCOUNTS).content.decode(), "headcount-table") == ["West 00"]
    client.force_login(refreshed.manager_b)
    assert course_titles(client.get(HEADCOUNTS).content.decode(), "headcount-table") == ["Central 00"]
    client.force_login(refreshed.admin)
    assert sorted(course_titles(client.get(HEADCOUNTS).content.decode(), "headcount-table")) == [
        "Central 00",
        "West 00",
    ]


def test_headcount_page_is_refused_to_leads_learners_and_visitors(client, refreshed):
    for user in (refreshed.lead_a, refreshed.staff_a):
        client.force_login(user)
        assert client.get(HEADCOUNTS).status_code == 403
    client.logout()
    response = client.get(HEADCOUNTS)
    assert response.status_code == 302 and "login" in response.url


def test_headcount_page_rejects_a_bad_filter_and_has_an_empty_state(client, refreshed):
    client.force_login(refreshed.manager_a)
    response = client.get(HEADCOUNTS, {"risk": "nonsense"})
    assert response.status_code == 400
    assert "No course is assigned to these distributors." in response.content.decode()


@pytest.mark.parametrize("courses", [1, 7])
def test_headcount_page_query_count_does_not_grow(
    client, refreshed, small_pages, django_assert_num_queries, courses
):
    assign_courses(refreshed, refreshed.distributor_a, courses)
    engagement_refresh(months=1)
    client.force_login(refreshed.manager_a)
    client.get(HEADCOUNTS)
    # session, user, membership, countries, count, page, notifications
    with django_assert_num_queries(7):
        assert client.get(HEADCOUNTS, {"page": 2}).status_code == 200


def test_a_cached_row_follows_its_figures_and_its_name(client, refreshed):
    client.force_login(refreshed.manager_a)
    assert "Dist A" in client.get(DASHBOARD).content.decode()
    refreshed.distributor_a.name = "Dist A renamed"
    refreshed.distributor_a.save(update_fields=["name"])
    body = client.get(DASHBOARD).content.decode()
    assert "Dist A renamed" in body
    DistributorScore.objects.filter(distributor=refreshed.distributor_a, kind=SnapshotKind.CURRENT).update(
        score=7
    )
    body = client.get(DASHBOARD).content.decode()
    assert '<span class="score low">7</span>' in body


def test_a_cached_row_is_per_language(client, refreshed):
    client.force_login(refreshed.manager_a)
    english = client.get(DASHBOARD).content.decode()
    refreshed.manager_a.language = "fr"
    refreshed.manager_a.save(update_fields=["language"])
    french = client.get(DASHBOARD).content.decode()
    assert "Active staff <strong>" in english and "Active staff <strong>" not in french
    assert "Personnel actif <strong>" in french


def test_rows_name_their_charts_once_per_page(client, refreshed):
    more_distributors(refreshed, 2)
    client.force_login(refreshed.manager_a)
    client.get(DASHBOARD)
    body = client.get(DASHBOARD).content.decode()  # from the cache
    ids = re.findall(r' id="([^"]+)"', body)
    assert len(ids) == len(set(ids))


def analyzed(queries) -> set[str]:
    return {m.group(1) for q in queries if (m := re.match(r'ANALYZE "([a-z_]+)"', q["sql"]))}


@pytest.mark.skipif(not ON_POSTGRESQL, reason="ANALYZE is issued on PostgreSQL only")
def test_snapshot_refresh_analyzes_the_snapshot_tables(refreshed):
    activity(refreshed.staff_a, days_ago=1)
    with CaptureQueriesContext(connection) as queries:
        snapshots_refresh(months=1)
    assert analyzed(queries.captured_queries) == {
        "distributors_distributorscore",
        "distributors_certifiedheadcount",
        "distributors_personscore",
    }
    assert queries.captured_queries[-1]["sql"].startswith("ANALYZE")


@pytest.mark.skipif(not ON_POSTGRESQL, reason="ANALYZE is issued on PostgreSQL only")
def test_rollup_rebuild_analyzes_the_rollup_tables(refreshed):
    with CaptureQueriesContext(connection) as queries:
        rollups_rebuild()
    assert analyzed(queries.captured_queries) == {
        "distributors_personday",
        "distributors_distributorday",
        "distributors_distributorverbday",
    }


@pytest.mark.skipif(ON_POSTGRESQL, reason="the other databases get no ANALYZE")
def test_no_analyze_elsewhere(refreshed):
    with CaptureQueriesContext(connection) as queries:
        rollups_rebuild()
        snapshots_refresh(months=1)
    assert not [q for q in queries.captured_queries if "ANALYZE" in q["sql"].upper()]
