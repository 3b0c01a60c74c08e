import datetime
import uuid

import pytest
from django.urls import reverse

from academy.models import EngagementEvent, Verb
from distributors.engagement.api.xapi import STATEMENT_NAMESPACE
from tests.engagement.conftest import activity, more_distributors

pytestmark = pytest.mark.django_db

STATEMENTS = reverse("api:distributors-xapi-statements")
SCORES = reverse("api:distributors-engagement-list")


def test_statements_are_xapi_1_0_3(client, refreshed):
    event = activity(
        refreshed.staff_a,
        days_ago=1,
        verb=Verb.QUIZ_PASSED,
        minutes=12,
        object_type="courses.quiz",
        object_id=7,
        object_name="Quiz ELISA",
        context={"score": 80},
    )
    client.force_login(refreshed.manager_a)
    response = client.get(STATEMENTS, {"verb": "http://adlnet.gov/expapi/verbs/passed"})
    assert response.status_code == 200
    assert response["X-Experience-API-Version"] == "1.0.3"
    statements = response.json()["statements"]
    assert {s["verb"]["id"] for s in statements} == {"http://adlnet.gov/expapi/verbs/passed"}
    statement = next(s for s in statements if s["id"] == str(uuid.uuid5(STATEMENT_NAMESPACE, str(event.pk))))
    assert statement["actor"] == {
        "objectType": "Agent",
        "name": refreshed.staff_a.get_full_name(),
        "mbox": f"mailto:{refreshed.staff_a.email}",
    }
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/passed"
    assert set(statement["verb"]["display"]) == {"en-US", "fr-FR"}
    assert statement["object"]["id"].endswith("/xapi/activities/courses.quiz/7")
    assert statement["object"]["definition"]["name"] == {"und": "Quiz ELISA"}
    assert statement["result"] == {
        "duration": "PT12M",
        "score": {"scaled": 0.8, "raw": 80, "min": 0, "max": 100},
        "success": True,
    }
    extensions = statement["context"]["extensions"]
    assert any(v == {"id": refreshed.distributor_a.pk, "name": "Dist A"} for v in extensions.values())
    assert statement["timestamp"].endswith("Z")


def test_statements_are_paginated_with_a_more_link_and_scoped(client, refreshed):
    client.force_login(refreshed.manager_a)
    visible = EngagementEvent.objects.filter(distributor__territory__managers=refreshed.manager_a).count()
    seen = []
    url = f"{STATEMENTS}?limit=2"
    while url:
        body = client.get(url).json()
        seen.extend(s["id"] for s in body["statements"])
        url = body["more"]
    assert len(seen) == len(set(seen)) == visible
    # Territory B's events never show to manager A.
    b_ids = {
        str(uuid.uuid5(STATEMENT_NAMESPACE, str(pk)))
        for pk in EngagementEvent.objects.filter(distributor=refreshed.distributor_b).values_list(
            "pk", flat=True
        )
    }
    assert not b_ids & set(seen)


def test_statements_filters_since_until(client, refreshed):
    client.force_login(refreshed.admin)
    since = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=45)).isoformat()
    until = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=20)).isoformat()
    statements = client.get(STATEMENTS, {"since": since, "until": until}).json()["statements"]
    assert [s["verb"]["id"] for s in statements] == ["http://adlnet.gov/expapi/verbs/passed"]


def test_statements_bad_input_and_roles(client, refreshed):
    client.force_login(refreshed.manager_a)
    response = client.get(STATEMENTS, {"verb": "http://example.com/unknown", "since": "yesterday"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"verb", "since"}
    client.force_login(refreshed.lead_a)
    assert client.get(STATEMENTS).status_code == 403
    client.logout()
    assert client.get(STATEMENTS).status_code in (401, 403)


@pytest.mark.parametrize("extra", [0, 5])
def test_statements_query_count_is_constant(client, refreshed, django_assert_num_queries, extra):
    for day in range(extra):
        activity(refreshed.staff_a, days_ago=day)
    client.force_login(refreshed.manager_a)
    with django_assert_num_queries(4):
        assert client.get(STATEMENTS).status_code == 200


@pytest.mark.parametrize("extra", [0, 3])
def test_engagement_scores_endpoint(client, refreshed, django_assert_num_queries, extra):
    if extra:
        more_distributors(refreshed, extra)
    client.force_login(refreshed.manager_a)
    with django_assert_num_queries(5):
        body = client.get(SCORES).json()
    assert body["count"] == 1 + extra
    row = next(r for r in body["results"] if r["name"] == "Dist A")
    assert set(row["components"]) == {
        "activity",
        "completions",
        "quizzes",
        "webinars",
        "recency",
        "certified",
    }
    assert isinstance(row["score"], int)
    detail = reverse("api:distributors-engagement-detail", args=[refreshed.distributor_b.pk])
    assert client.get(detail).status_code == 404
    assert client.get(SCORES, {"ordering": "sideways"}).status_code == 400


def test_engagement_scores_for_a_lead_and_a_learner(client, refreshed):
    client.force_login(refreshed.lead_b)
    assert [r["name"] for r in client.get(SCORES).json()["results"]] == ["Dist B"]
    client.force_login(refreshed.staff_b)
    assert client.get(SCORES).json()["count"] == 0
