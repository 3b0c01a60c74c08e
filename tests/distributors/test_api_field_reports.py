"""API: field reports (send, list, read, triage, attachment) and the event log."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from academy.models import Verb
from academy.services import activity_record
from distributors import services
from distributors.models import FieldReport
from tests.distributors.conftest import upload
from tests.distributors.factories import FieldReportFactory
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db

JSON = "application/json"


def url(name, *args):
    return reverse(f"api:distributors-{name}", args=args)


# ------------------------------------------------------------------ field reports
@pytest.mark.parametrize("extra", [0, 3])
def test_field_report_list_constant_queries(client, activity, django_assert_num_queries, extra):
    for index in range(extra):
        report = FieldReportFactory(sender=activity.staff_a, title=f"Extra {index}")
        services.field_report_triage(actor=activity.manager_a, report=report, reply="Noted")
    client.force_login(activity.manager_a)
    with django_assert_num_queries(5):  # session, user, membership, count, rows
        body = client.get(url("field-report-list")).json()
    assert body["count"] == 2 + extra
    assert {row["distributor"]["name"] for row in body["results"]} == {"Dist A"}
    assert sum(row["n_replies"] for row in body["results"]) == extra


def test_field_report_filters(client, activity):
    client.force_login(activity.admin)

    def get(**params):
        return sorted(r["title"] for r in client.get(url("field-report-list"), params).json()["results"])

    assert get(kind="competitor_info") == ["Dist A competitor", "Dist B competitor"]
    assert get(distributor=activity.distributor_b.pk, status="new") == ["Dist B competitor", "Dist B tender"]
    assert get(country="CM") == ["Dist B competitor", "Dist B tender"]
    assert get(search="tender", urgency="normal") == ["Dist A tender", "Dist B tender"]
    response = client.get(url("field-report-list"), {"kind": "rumour", "status": "lost"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"kind", "status"}


def test_field_report_filters_are_scoped(client, activity):
    client.force_login(activity.manager_a)
    response = client.get(url("field-report-list"), {"distributor": activity.distributor_b.pk})
    assert response.status_code == 400 and "distributor" in response.json()["fields"]


def test_send_a_report_as_json(client, network):
    client.force_login(network.staff_a)
    payload = {
        "kind": "product_issue",
        "title": "Labels peel off",
        "description": "After transport",
        "urgency": "high",
    }
    response = client.post(url("field-report-list"), payload, content_type=JSON)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["country"]["code"], body["attachment"], body["replies"]) == (
        "new",
        "SN",
        None,
        [],
    )


def test_send_a_report_with_an_attachment(client, network):
    client.force_login(network.lead_a)
    payload = {
        "kind": "local_opportunity",
        "title": "Hospital tender",
        "description": "Closing in six weeks",
        "country": "CI",
        "attachment": upload("tender.pdf", pdf_bytes(), "application/pdf"),
    }
    response = client.post(url("field-report-list"), payload)  # multipart
    assert response.status_code == 201, response.json()
    attachment = response.json()["attachment"]
    assert (attachment["name"], attachment["content_type"]) == ("tender.pdf", "application/pdf")
    download = client.get(attachment["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf_bytes()
    assert download["Content-Disposition"] == 'attachment; filename="tender.pdf"'


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"kind": "gossip", "title": "", "description": "x"}, {"kind", "title"}),
        (
            {"kind": "product_issue", "title": "x", "description": "x", "country": "ZZ", "urgency": "now"},
            {"country", "urgency"},
        ),
        (
            {
                "kind": "product_issue",
                "title": "x",
                "description": "x",
                "attachment": upload("a.exe", b"MZ", "application/x-msdownload"),
            },
            {"attachment"},
        ),
        (
            {
                "kind": "product_issue",
                "title": "x",
                "description": "x",
                "attachment": upload("a.pdf", b"MZ", "application/pdf"),
            },
            {"attachment"},
        ),
    ],
)
def test_report_validation(client, network, payload, fields):
    client.force_login(network.staff_a)
    response = client.post(url("field-report-list"), payload)
    assert response.status_code == 400
    assert set(response.json()["fields"]) == fields
    assert not FieldReport.objects.exists()


@pytest.mark.parametrize(("person", "code"), [("manager_a", 403), ("trainer", 403), (None, 401)])
def test_only_distributor_staff_send_reports(client, network, person, code):
    if person:
        client.force_login(getattr(network, person))
    payload = {"kind": "product_issue", "title": "x", "description": "x"}
    assert client.post(url("field-report-list"), payload, content_type=JSON).status_code == code


def test_report_detail_with_replies(client, network, django_assert_num_queries):
    report = FieldReportFactory(sender=network.staff_a)
    services.field_report_triage(
        actor=network.manager_a, report=report, status="acknowledged", reply="Thanks"
    )
    services.field_report_triage(actor=network.manager_a, report=report, status="in_progress")
    client.force_login(network.staff_a)
    with django_assert_num_queries(5):  # session, user, membership, report, replies with authors
        body = client.get(url("field-report-detail", report.pk)).json()
    assert [(r["status_to"], r["body"]) for r in body["replies"]] == [
        ("acknowledged", "Thanks"),
        ("in_progress", ""),
    ]
    assert body["replies"][0]["author"]["id"] == network.manager_a.pk


@pytest.mark.parametrize(
    ("person", "visible"),
    [
        ("staff_a", True),
        ("lead_a", True),
        ("manager_a", True),
        ("staff_b", False),
        ("lead_b", False),
        ("manager_b", False),
        ("trainer", False),
    ],
)
def test_report_detail_and_attachment_isolation(client, network, pdf_upload, person, visible):
    report = FieldReportFactory(sender=network.staff_a, attachment=pdf_upload)
    client.force_login(getattr(network, person))
    assert client.get(url("field-report-detail", report.pk)).status_code == (200 if visible else 404)
    assert client.get(url("field-report-attachment", report.pk)).status_code == (200 if visible else 404)


def test_attachment_missing_is_404(client, network):
    report = FieldReportFactory(sender=network.staff_a)
    client.force_login(network.staff_a)
    assert client.get(url("field-report-attachment", report.pk)).status_code == 404


def test_triage_through_the_api(client, network):
    report = FieldReportFactory(sender=network.staff_a)
    client.force_login(network.manager_a)
    response = client.post(
        url("field-report-triage", report.pk), {"status": "acknowledged", "reply": "On it"}, content_type=JSON
    )
    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    assert response.json()["replies"][0]["body"] == "On it"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "archived"}, "status"),
        ({}, "reply"),
        ({"status": "new"}, "reply"),
        ({"reply": "x" * 10001}, "reply"),
    ],
)
def test_triage_validation(client, network, payload, field):
    report = FieldReportFactory(sender=network.staff_a)
    client.force_login(network.manager_a)
    response = client.post(url("field-report-triage", report.pk), payload, content_type=JSON)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_invalid_triage_transition_is_explained(client, network):
    report = FieldReportFactory(sender=network.staff_a)
    services.field_report_triage(actor=network.manager_a, report=report, status="in_progress")
    client.force_login(network.manager_a)
    response = client.post(
        url("field-report-triage", report.pk), {"status": "acknowledged"}, content_type=JSON
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_transition"


@pytest.mark.parametrize(
    ("person", "code"), [("staff_a", 403), ("lead_a", 403), ("manager_b", 404), ("lead_b", 404)]
)
def test_triage_isolation(client, network, person, code):
    report = FieldReportFactory(sender=network.staff_a)
    client.force_login(getattr(network, person))
    response = client.post(url("field-report-triage", report.pk), {"status": "closed"}, content_type=JSON)
    assert response.status_code == code
    report.refresh_from_db()
    assert report.status == "new"


# ------------------------------------------------------------------ events
@pytest.mark.parametrize("extra", [0, 4])
def test_event_list_constant_queries(client, network, django_assert_num_queries, extra):
    for person in [network.staff_a, network.lead_a] * (1 + extra):
        activity_record(actor=person, verb=Verb.LESSON_COMPLETED, object_name="Lesson", minutes=12)
    client.force_login(network.manager_a)
    # session, user, membership, rows: nothing counts the log
    with django_assert_num_queries(4):
        body = client.get(url("event-list"), {"verb": "lesson_completed", "page_size": 100}).json()
    assert "count" not in body and body["next"] is None and body["previous"] is None
    assert len(body["results"]) == 2 * (1 + extra)
    row = body["results"][0]
    assert row["xapi_verb"] == "http://adlnet.gov/expapi/verbs/completed"
    assert (row["distributor"]["name"], row["minutes"]) == ("Dist A", 12)


def _all_pages(client, params, *, limit=50):
    """Follows ``next`` from the first page; returns the pages' event ids."""
    pages = []
    response = client.get(url("event-list"), params)
    for _ in range(limit):
        body = response.json()
        pages.append([row["id"] for row in body["results"]])
        if not body["next"]:
            return pages
        response = client.get(body["next"])
    raise AssertionError("the cursor never ended")


def test_event_cursor_walks_the_log_newest_first_without_gaps(client, network):
    now = timezone.now()
    ids = []
    # seven events, three of them at the very same instant: ties are broken by id
    for minutes in (50, 40, 30, 30, 30, 20, 10):
        event = activity_record(
            actor=network.staff_a,
            verb=Verb.LOGGED_IN,
            occurred_at=now - datetime.timedelta(minutes=minutes),
        )
        ids.append(event.pk)
    client.force_login(network.manager_a)
    pages = _all_pages(client, {"verb": "logged_in", "page_size": 2})
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    expected = [ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]]
    assert [pk for page in pages for pk in page] == expected
    oldest_first = _all_pages(client, {"verb": "logged_in", "page_size": 3, "ordering": "id"})
    assert [pk for page in oldest_first for pk in page] == ids


def test_event_cursor_neither_skips_nor_repeats_when_the_log_grows(client, network):
    now = timezone.now()
    for minutes in range(6, 0, -1):
        activity_record(
            actor=network.staff_a, verb=Verb.LOGGED_IN, occurred_at=now - datetime.timedelta(minutes=minutes)
        )
    client.force_login(network.manager_a)
    first = client.get(url("event-list"), {"verb": "logged_in", "page_size": 3}).json()
    newer = activity_record(actor=network.staff_a, verb=Verb.LOGGED_IN)
    second = client.get(first["next"]).json()
    seen = [row["id"] for row in first["results"] + second["results"]]
    assert len(seen) == len(set(seen)) == 6 and newer.pk not in seen
    back = client.get(second["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in first["results"]]


def test_event_cursor_rejects_a_forged_cursor(client, network):
    client.force_login(network.manager_a)
    response = client.get(url("event-list"), {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"cursor"}


def test_event_filters_and_scoping(client, network):
    old = timezone.now() - datetime.timedelta(days=90)
    activity_record(actor=network.staff_a, verb=Verb.LOGGED_IN, occurred_at=old)
    activity_record(actor=network.staff_a, verb=Verb.LOGGED_IN)
    activity_record(actor=network.staff_b, verb=Verb.LOGGED_IN)
    client.force_login(network.admin)
    since = (timezone.now() - datetime.timedelta(days=30)).isoformat()

    def get(**params):
        body = client.get(url("event-list"), {"verb": "logged_in", "page_size": 100, **params}).json()
        return len(body["results"])

    assert get() == 3
    assert get(since=since) == 2
    assert get(until=since, actor=network.staff_a.pk) == 1
    assert get(distributor=network.distributor_b.pk) == 1
    response = client.get(url("event-list"), {"verb": "danced", "since": "yesterday"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"verb", "since"}
    client.force_login(network.staff_a)
    assert get() == 2
    other = client.get(url("event-list"), {"actor": network.staff_b.pk, "page_size": 100}).json()
    assert other["results"] == []
    event_b = network.staff_b.engagement_events.get(verb="logged_in")
    assert client.get(url("event-detail", event_b.pk)).status_code == 404
    client.force_login(network.manager_b)
    assert client.get(url("event-detail", event_b.pk)).status_code == 200


def test_events_are_read_only(client, network):
    client.force_login(network.admin)
    assert client.post(url("event-list"), {"verb": "logged_in"}, content_type=JSON).status_code == 405


def test_schema_lists_the_distributors_endpoints(client, network):
    client.force_login(network.staff_a)
    schema = client.get(reverse("api-schema")).content.decode()
    for path in (
        "/api/v1/territories/",
        "/api/v1/distributors/{id}/status/",
        "/api/v1/memberships/{id}/end/",
        "/api/v1/invitations/{id}/resend/",
        "/api/v1/field-reports/{id}/triage/",
        "/api/v1/events/",
    ):
        assert path in schema
