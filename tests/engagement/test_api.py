import base64
import datetime
import hashlib
import json
import uuid

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from academy.models import EngagementEvent, Verb
from tests.academy.factories import PASSWORD
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
    datetime.datetime.fromisoformat(response["X-Experience-API-Consistent-Through"])
    statements = response.json()["statements"]
    assert {s["verb"]["id"] for s in statements} == {"http://adlnet.gov/expapi/verbs/passed"}
    statement = next(s for s in statements if s["id"] == str(event.statement_id))
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
        str(pk)
        for pk in EngagementEvent.objects.filter(distributor=refreshed.distributor_b).values_list(
            "statement_id", flat=True
        )
    }
    assert not b_ids & set(seen)


def test_statements_filters_since_until_on_stored_not_occurred(client, refreshed):
    """A reader syncing with since=<last sync> gets an event recorded after
    its sync even though it happened days before."""
    client.force_login(refreshed.admin)
    before = activity(refreshed.staff_a, days_ago=0)
    last_sync = timezone.now()
    with time_machine.travel(last_sync + datetime.timedelta(hours=1)):
        late = activity(refreshed.staff_a, days_ago=2, verb=Verb.QUIZ_PASSED)
    body = client.get(STATEMENTS, {"since": last_sync.isoformat()}).json()
    assert [s["id"] for s in body["statements"]] == [str(late.statement_id)]
    statement = body["statements"][0]
    assert statement["stored"] == late.recorded_at.isoformat().replace("+00:00", "Z")
    assert statement["timestamp"] < statement["stored"]
    until = client.get(STATEMENTS, {"until": last_sync.isoformat()}).json()["statements"]
    assert until[0]["id"] == str(before.statement_id)
    assert str(late.statement_id) not in {s["id"] for s in until}


def test_statements_newest_stored_first_and_ascending(client, refreshed):
    client.force_login(refreshed.admin)
    stored = [s["stored"] for s in client.get(STATEMENTS).json()["statements"]]
    assert len(stored) > 3 and stored == sorted(stored, reverse=True)
    ascending = client.get(STATEMENTS, {"ascending": "true"}).json()["statements"]
    assert [s["stored"] for s in ascending] == sorted(stored)


@pytest.mark.parametrize(("limit", "served"), [("0", 4), ("1000", 4), ("2", 2)])
def test_statements_limit_is_clamped_to_the_server_maximum(client, refreshed, settings, limit, served):
    settings.XAPI_STATEMENTS_MAX_LIMIT = 4
    for day in range(5):
        activity(refreshed.staff_a, days_ago=day)
    client.force_login(refreshed.admin)
    response = client.get(STATEMENTS, {"limit": limit})
    assert response.status_code == 200
    assert len(response.json()["statements"]) == served
    assert client.get(STATEMENTS, {"limit": "-1"}).status_code == 400


def test_statements_more_continues_the_same_query_under_new_inserts(client, refreshed):
    for day in range(5):
        activity(refreshed.staff_a, days_ago=day, verb=Verb.QUIZ_PASSED)
    client.force_login(refreshed.manager_a)
    verb = "http://adlnet.gov/expapi/verbs/passed"
    first = client.get(STATEMENTS, {"verb": verb, "limit": 2}).json()
    assert first["more"].startswith(STATEMENTS + "?")
    activity(refreshed.staff_a, days_ago=0, verb=Verb.QUIZ_PASSED)  # arrives between two pages
    seen = [s["id"] for s in first["statements"]]
    url = first["more"]
    while url:
        body = client.get(url).json()
        assert {s["verb"]["id"] for s in body["statements"]} == {verb}
        seen.extend(s["id"] for s in body["statements"])
        url = body["more"]
    expected = EngagementEvent.objects.filter(
        verb=Verb.QUIZ_PASSED, distributor__territory=refreshed.territory_a
    ).exclude(recorded_at__gt=EngagementEvent.objects.order_by("-id")[1].recorded_at)
    assert len(seen) == len(set(seen)) == expected.count() == 6
    assert body["more"] == ""
    assert client.get(STATEMENTS, {"cursor": "nonsense"}).status_code == 400


def test_statements_filter_by_agent(client, refreshed):
    client.force_login(refreshed.manager_a)
    email = refreshed.staff_a.email
    mine = {str(pk) for pk in refreshed.staff_a.engagement_events.values_list("statement_id", flat=True)}

    def ids(agent):
        response = client.get(STATEMENTS, {"agent": json.dumps(agent)})
        assert response.status_code == 200, response.json()
        return {s["id"] for s in response.json()["statements"]}

    assert mine and ids({"mbox": f"mailto:{email}"}) == mine
    assert ids({"objectType": "Agent", "mbox": f"mailto:{email.upper()}"}) == mine
    sha1 = hashlib.sha1(f"mailto:{email}".encode(), usedforsecurity=False).hexdigest()
    assert ids({"mbox_sha1sum": sha1}) == mine
    assert ids({"account": {"homePage": "https://crm.example", "name": "42"}}) == set()
    assert ids({"mbox": f"mailto:{refreshed.staff_b.email}"}) == set()  # another territory
    for bad in ["{", '"x"', {"name": "no ifi"}, {"mbox": "a@b.c"}, {"mbox": "mailto:a@b", "openid": "x:y"}]:
        response = client.get(STATEMENTS, {"agent": bad if isinstance(bad, str) else json.dumps(bad)})
        assert response.status_code == 400
        assert set(response.json()["fields"]) == {"agent"}


def test_statements_filter_by_verb_and_activity(client, refreshed):
    event = activity(refreshed.staff_a, days_ago=1, object_type="courses.course", object_id=9)
    client.force_login(refreshed.manager_a)
    iri = f"{django_settings.SITE_URL}/xapi/activities/courses.course/9"
    statements = client.get(STATEMENTS, {"activity": iri}).json()["statements"]
    assert [s["id"] for s in statements] == [str(event.statement_id)]
    assert statements[0]["object"]["id"] == iri
    assert client.get(STATEMENTS, {"activity": "https://elsewhere.example/x"}).json()["statements"] == []
    assert client.get(STATEMENTS, {"verb": "https://w3id.org/xapi/other"}).json()["statements"] == []
    response = client.get(STATEMENTS, {"activity": "not an iri"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"activity"}


def test_statements_filter_by_registration(client, refreshed):
    client.force_login(refreshed.manager_a)
    registered = activity(
        refreshed.staff_a,
        days_ago=3,
        verb=Verb.WEBINAR_REGISTERED,
        object_type="webinars.session",
        object_id=5,
    )
    attended = activity(
        refreshed.staff_a, days_ago=1, verb=Verb.WEBINAR_ATTENDED, object_type="webinars.session", object_id=5
    )
    other = activity(
        refreshed.lead_a, days_ago=1, verb=Verb.WEBINAR_ATTENDED, object_type="webinars.session", object_id=5
    )
    statements = client.get(STATEMENTS).json()["statements"]
    by_id = {s["id"]: s for s in statements}
    registration = by_id[str(attended.statement_id)]["context"]["registration"]
    assert by_id[str(registered.statement_id)]["context"]["registration"] == registration
    assert by_id[str(other.statement_id)]["context"]["registration"] != registration
    uuid.UUID(registration)
    found = client.get(STATEMENTS, {"registration": registration}).json()["statements"]
    assert [s["id"] for s in found] == [str(attended.statement_id), str(registered.statement_id)]
    assert client.get(STATEMENTS, {"registration": str(uuid.uuid4())}).json()["statements"] == []
    response = client.get(STATEMENTS, {"registration": "abc"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"registration"}


def test_statements_one_statement_by_id(client, refreshed):
    event = activity(refreshed.staff_a, days_ago=1)
    other = activity(refreshed.staff_b, days_ago=1)
    client.force_login(refreshed.manager_a)
    response = client.get(STATEMENTS, {"statementId": str(event.statement_id)})
    assert response.status_code == 200
    assert response.json()["id"] == str(event.statement_id)
    assert "statements" not in response.json()
    for missing in (other.statement_id, uuid.uuid4()):  # another territory's, nobody's
        response = client.get(STATEMENTS, {"statementId": str(missing)})
        assert response.status_code == 404
        assert response["X-Experience-API-Version"] == "1.0.3"
    response = client.get(STATEMENTS, {"statementId": str(event.statement_id), "verb": "x:y"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"verb"}
    assert client.get(STATEMENTS, {"statementId": "12"}).status_code == 400


def test_statements_without_credentials_is_a_401_with_a_challenge(client, refreshed):
    response = client.get(STATEMENTS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert response["X-Experience-API-Version"] == "1.0.3"
    basic = base64.b64encode(f"{refreshed.manager_a.email}:{PASSWORD}".encode()).decode()
    response = client.get(
        STATEMENTS, HTTP_AUTHORIZATION=f"Basic {basic}", HTTP_X_EXPERIENCE_API_VERSION="1.0.3"
    )
    assert response.status_code == 200
    assert response["X-Experience-API-Version"] == "1.0.3"


def test_statements_with_an_unsupported_version_is_a_400(client, refreshed):
    client.force_login(refreshed.manager_a)
    for version in ("0.95", "2.0.0", "1.1"):
        response = client.get(STATEMENTS, HTTP_X_EXPERIENCE_API_VERSION=version)
        assert response.status_code == 400
        assert response.json()["code"] == "xapi_version"
        assert response["X-Experience-API-Version"] == "1.0.3"
    for version in ("1.0", "1.0.0", "1.0.3"):
        assert client.get(STATEMENTS, HTTP_X_EXPERIENCE_API_VERSION=version).status_code == 200


def test_statements_bad_input_and_roles(client, refreshed):
    client.force_login(refreshed.manager_a)
    response = client.get(STATEMENTS, {"verb": "not an iri", "since": "yesterday"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"verb", "since"}
    assert response["X-Experience-API-Version"] == "1.0.3"
    client.force_login(refreshed.lead_a)
    assert client.get(STATEMENTS).status_code == 403


@pytest.mark.parametrize("extra", [0, 5])
@pytest.mark.parametrize(
    ("query", "queries"),
    [
        ("plain", 4),  # session, user, roles, the page
        ("filtered", 4),
        ("sha1", 5),  # + the addresses whose hash is asked for
        ("one", 4),
        ("next page", 4),
    ],
)
def test_statements_query_count_is_constant(
    client, refreshed, django_assert_num_queries, extra, query, queries
):
    for day in range(extra):
        activity(refreshed.staff_a, days_ago=day, object_type="webinars.session", object_id=3)
    client.force_login(refreshed.manager_a)
    email = refreshed.staff_a.email
    sha1 = hashlib.sha1(f"mailto:{email}".encode(), usedforsecurity=False).hexdigest()
    params = {
        "plain": {},
        "filtered": {
            "agent": json.dumps({"mbox": f"mailto:{email}"}),
            "verb": "http://adlnet.gov/expapi/verbs/completed",
            "activity": f"{django_settings.SITE_URL}/xapi/activities/webinars.session/3",
            "since": "2020-01-01T00:00:00Z",
        },
        "sha1": {"agent": json.dumps({"mbox_sha1sum": sha1}).replace(" ", "")},
        "one": {"statementId": str(refreshed.staff_a.engagement_events.first().statement_id)},
        "next page": {},
    }[query]
    url = STATEMENTS
    if query == "next page":
        url = client.get(STATEMENTS, {"limit": 1}).json()["more"]
    with django_assert_num_queries(queries):
        response = client.get(url, params)
    assert response.status_code == 200
    if query == "filtered":
        assert len(response.json()["statements"]) == extra


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
