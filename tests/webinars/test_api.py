import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.academy.factories import UserFactory
from tests.webinars.conftest import end_session
from tests.webinars.factories import SeriesFactory, SessionFactory
from webinars import services
from webinars.models import Registration, Session

pytestmark = pytest.mark.django_db


def _restricted_to(territory, **kwargs):
    return SessionFactory(
        audience={"audience_everyone": False, "audience_territories": [territory]}, **kwargs
    )


# ---------------------------------------------------------------- learners


def test_session_list_is_scoped_to_the_audience_with_fixed_queries(
    client, network, django_assert_num_queries
):
    mine = [SessionFactory() for _ in range(2)] + [_restricted_to(network.territory_a)]
    hidden = _restricted_to(network.territory_b)
    services.registration_create(user=network.staff_a, session=mine[0])
    services.registration_create(user=network.lead_a, session=mine[1])
    client.force_login(network.staff_a)
    url = reverse("api:webinars-sessions")
    with django_assert_num_queries(5):  # session, user, membership, page count, sessions with counts
        response = client.get(url)
    body = response.json()
    assert response.status_code == 200
    ids = [row["id"] for row in body["results"]]
    assert set(ids) == {s.pk for s in mine} and hidden.pk not in ids
    by_id = {row["id"]: row for row in body["results"]}
    assert by_id[mine[0].pk]["my_status"] == "confirmed"
    assert by_id[mine[1].pk]["my_status"] is None  # someone else's registration is not mine
    assert by_id[mine[1].pk]["n_confirmed"] == 1
    for _ in range(3):
        SessionFactory()
    with django_assert_num_queries(5):
        assert client.get(url).json()["count"] == 6
    assert client.get(reverse("api:webinars-session", args=[hidden.pk])).status_code == 404


def test_session_list_needs_sign_in(client):
    response = client.get(reverse("api:webinars-sessions"))
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_session_detail(client, session, network):
    services.material_add(
        actor=network.trainer, session=session, title="Slides", url="https://x.example/s.pdf"
    )
    client.force_login(network.staff_a)
    body = client.get(reverse("api:webinars-session", args=[session.pk])).json()
    assert body["title"] == session.title and body["join_open"] is False
    assert body["materials"][0]["title"] == "Slides"
    assert body["trainers"] == [{"id": network.trainer.pk, "name": str(network.trainer)}]
    assert "video_url" not in body and body["recording_url"] == ""


def test_register_and_cancel(client, session, network):
    client.force_login(network.staff_a)
    url = reverse("api:webinars-registration", args=[session.pk])
    response = client.post(url)
    assert response.status_code == 201 and response.json()["status"] == "confirmed"
    again = client.post(url)
    assert again.status_code == 400 and again.json()["code"] == "already_registered"
    response = client.delete(url)
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert client.delete(url).status_code == 404


def test_register_outside_the_audience_is_404(client, network):
    hidden = _restricted_to(network.territory_b)
    client.force_login(network.staff_a)
    assert client.post(reverse("api:webinars-registration", args=[hidden.pk])).status_code == 404
    assert not Registration.objects.exists()


def test_join_link_revealed_only_when_open(client, session, network):
    services.registration_create(user=network.staff_a, session=session)
    client.force_login(network.staff_a)
    url = reverse("api:webinars-join", args=[session.pk])
    response = client.get(url)
    assert response.status_code == 403 and response.json()["code"] == "join_closed"
    with time_machine.travel(session.starts_at - datetime.timedelta(minutes=10)):
        assert client.get(url).json() == {"url": session.video_url}
        client.force_login(network.lead_a)
        assert client.get(url).json()["code"] == "not_registered"


def test_feedback_validation_and_success(client, session, network):
    services.registration_create(user=network.staff_a, session=session)
    end_session(session)
    services.attendance_mark(actor=network.trainer, session=session, user=network.staff_a, attended=True)
    client.force_login(network.staff_a)
    url = reverse("api:webinars-feedback", args=[session.pk])
    bad = client.post(url, {"rating": 9}, content_type="application/json")
    assert bad.status_code == 400 and "rating" in bad.json()["fields"]
    good = client.post(url, {"rating": 4, "comment": "Clair"}, content_type="application/json")
    assert good.status_code == 201 and good.json()["rating"] == 4


def test_my_registrations_and_attendance_are_mine_only(client, network, django_assert_num_queries):
    sessions = [SessionFactory() for _ in range(3)]
    for session in sessions:
        services.registration_create(user=network.staff_a, session=session)
        services.registration_create(user=network.lead_a, session=session)
    end_session(sessions[0])
    client.force_login(network.staff_a)
    with django_assert_num_queries(4):
        body = client.get(reverse("api:webinars-my-registrations")).json()
    assert body["count"] == 2
    with django_assert_num_queries(4):
        past = client.get(reverse("api:webinars-my-attendance")).json()
    assert past["count"] == 1 and past["results"][0]["attended"] is False


def test_preferences_and_calendar_token(client, network):
    client.force_login(network.staff_a)
    url = reverse("api:webinars-preferences")
    assert client.get(url).json() == {"calendar_feed_url": ""}
    # Channels are chosen on the profile, with every kind of message.
    assert client.put(url, {"channels": ["sms"]}, content_type="application/json").status_code == 405
    token = client.post(reverse("api:webinars-calendar-token")).json()
    assert token["calendar_feed_url"].startswith("http://testserver/webinars/calendar/")
    assert client.delete(reverse("api:webinars-calendar-token")).json()["calendar_feed_url"] == ""


# ---------------------------------------------------------------- trainers


def test_series_list_create_and_preview(client, network, django_assert_num_queries):
    client.force_login(network.trainer)
    SeriesFactory(actor=network.trainer)
    SeriesFactory(actor=network.trainer)
    SeriesFactory()  # someone else's
    url = reverse("api:webinars-series-list")
    with django_assert_num_queries(6):  # session, user, membership, role check, count, series, trainers
        body = client.get(url).json()
    assert body["count"] == 2 and body["results"][0]["n_upcoming"] >= 1
    payload = {
        "title": "Trimestriel",
        "rrule": "FREQ=MONTHLY;INTERVAL=3;BYDAY=2WE",
        "start_date": "2026-01-14",
        "start_time": "10:00",
        "time_zone": "Europe/Paris",
        "language": "en",
    }
    created = client.post(url, payload, content_type="application/json")
    assert created.status_code == 201, created.json()
    bad = client.post(url, {**payload, "rrule": "FREQ=SECONDLY"}, content_type="application/json")
    assert bad.status_code == 400 and "rrule" in bad.json()["fields"]
    preview = client.post(
        reverse("api:webinars-series-preview"),
        {
            "rrule": "FREQ=WEEKLY;BYDAY=TU",
            "start_date": "2026-01-06",
            "start_time": "09:00",
            "time_zone": "UTC",
            "count": 2,
        },
        content_type="application/json",
    )
    assert preview.status_code == 200 and len(preview.json()["dates"]) == 2


def test_series_of_another_trainer_is_404_and_learners_are_403(client, network):
    other = SeriesFactory()
    client.force_login(network.trainer)
    assert client.get(reverse("api:webinars-series", args=[other.pk])).status_code == 404
    client.force_login(network.staff_a)
    assert client.get(reverse("api:webinars-series-list")).status_code == 403


def test_hosted_sessions_create_update_and_scope(client, network, django_assert_num_queries):
    client.force_login(network.trainer)
    url = reverse("api:webinars-hosted-sessions")
    start = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=5)).replace(microsecond=0)
    created = client.post(
        url,
        {
            "title": "Lancement kit",
            "starts_at": start.isoformat(),
            "time_zone": "Africa/Dakar",
            "capacity": 20,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert created.json()["trainers"] == [{"id": network.trainer.pk, "name": str(network.trainer)}]
    SessionFactory(trainers=[network.trainer])
    SessionFactory()  # another trainer's
    with django_assert_num_queries(6):  # session, user, membership, count, sessions, trainers
        body = client.get(url).json()
    assert body["count"] == 2
    SessionFactory(trainers=[network.trainer])
    with django_assert_num_queries(6):
        assert client.get(url).json()["count"] == 3
    patch = client.patch(
        reverse("api:webinars-hosted-session", args=[pk]), {"capacity": 0}, content_type="application/json"
    )
    assert patch.status_code == 400 and "capacity" in patch.json()["fields"]
    patch = client.patch(
        reverse("api:webinars-hosted-session", args=[pk]),
        {"title": "Lancement du kit"},
        content_type="application/json",
    )
    assert patch.json()["title"] == "Lancement du kit"
    other = SessionFactory()
    assert client.get(reverse("api:webinars-hosted-session", args=[other.pk])).status_code == 404
    bad = client.post(
        url, {"title": "", "starts_at": "demain", "time_zone": "Mars/Base"}, content_type="application/json"
    )
    assert bad.status_code == 400 and {"title", "starts_at", "time_zone"} <= set(bad.json()["fields"])


def test_hosted_actions(client, session, network):
    client.force_login(network.trainer)
    start = reverse("api:webinars-hosted-session-action", args=[session.pk, "start"])
    too_early = client.post(start)
    assert too_early.status_code == 400 and too_early.json()["code"] == "too_early"
    with time_machine.travel(session.starts_at):
        assert client.post(start).json()["status"] == "live"
        assert (
            client.post(reverse("api:webinars-hosted-session-action", args=[session.pk, "end"])).json()[
                "status"
            ]
            == "ended"
        )
    assert (
        client.post(reverse("api:webinars-hosted-session-action", args=[session.pk, "cancel"])).status_code
        == 400
    )
    client.force_login(network.staff_a)
    assert client.post(start).status_code == 403


def test_registrants_attendance_and_feedback_for_the_trainer(
    client, session, network, django_assert_num_queries
):
    for person in (network.staff_a, network.lead_a, network.staff_b):
        services.registration_create(user=person, session=session)
    end_session(session)
    client.force_login(network.trainer)
    url = reverse("api:webinars-hosted-registrants", args=[session.pk])
    # session, user, membership, hosted session (+ trainers, materials), host check, count, rows
    with django_assert_num_queries(9):
        body = client.get(url).json()
    assert body["count"] == 3
    assert {row["distributor"]["name"] for row in body["results"]} == {"Dist A", "Dist B"}
    mark = client.post(
        reverse("api:webinars-hosted-attendance", args=[session.pk]),
        {"user": network.staff_a.pk, "attended": True, "minutes": 55},
        content_type="application/json",
    )
    assert mark.status_code == 200 and mark.json()["minutes_attended"] == 55
    bad = client.post(
        reverse("api:webinars-hosted-attendance", args=[session.pk]),
        {"user": network.staff_a.pk, "attended": True, "minutes": -3},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "minutes" in bad.json()["fields"]
    upload = SimpleUploadedFile("report.csv", b"email,duration\n" + network.lead_a.email.encode() + b",50\n")
    imported = client.post(
        reverse("api:webinars-hosted-attendance-import", args=[session.pk]), {"file": upload}
    )
    assert imported.status_code == 200 and imported.json()["attended"] == 1
    broken = SimpleUploadedFile("report.csv", b"who,when\nx,y\n")
    refused = client.post(
        reverse("api:webinars-hosted-attendance-import", args=[session.pk]), {"file": broken}
    )
    assert refused.status_code == 400 and "file" in refused.json()["fields"]
    services.feedback_submit(user=network.staff_a, session=Session.objects.get(pk=session.pk), rating=5)
    feedback = client.get(reverse("api:webinars-hosted-feedback", args=[session.pk])).json()
    assert feedback["summary"]["average"] == 5.0 and feedback["results"][0]["rating"] == 5
    client.force_login(UserFactory(role="trainer"))
    assert client.get(url).status_code == 404


# ---------------------------------------------------------------- managers


def test_attendance_report_is_limited_to_the_manager_territory(client, network, django_assert_num_queries):
    for _ in range(2):
        session = SessionFactory(starts_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1))
        for person in (network.staff_a, network.lead_a, network.staff_b):
            services.registration_create(user=person, session=session)
        end_session(session)
        services.attendance_mark(
            actor=session.trainers.first(), session=session, user=network.staff_a, attended=True
        )
    client.force_login(network.manager_a)
    url = reverse("api:webinars-attendance-report")
    with django_assert_num_queries(5):
        body = client.get(url, {"months": 3}).json()
    rows = body["results"]
    assert {row["distributor_name"] for row in rows} == {"Dist A"}
    assert sum(row["registered"] for row in rows) == 4 and sum(row["attended"] for row in rows) == 2
    assert rows[0]["rate"] == 0.5
    client.force_login(network.staff_a)
    assert client.get(url).status_code == 403


def test_schema_lists_the_webinar_endpoints(client, network):
    client.force_login(network.staff_a)
    schema = client.get(reverse("api-schema")).content.decode()
    for path in (
        "/api/v1/webinars/sessions/",
        "/api/v1/webinars/hosted-sessions/",
        "/api/v1/webinars/reports/attendance/",
    ):
        assert path in schema
