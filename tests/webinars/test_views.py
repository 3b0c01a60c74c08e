import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.academy.factories import UserFactory
from tests.files import csv_rows
from tests.webinars.conftest import end_session
from tests.webinars.factories import SeriesFactory, SessionFactory
from webinars import services
from webinars.models import Series, Session

pytestmark = pytest.mark.django_db


def _restricted_to(territory, **kwargs):
    return SessionFactory(
        audience={"audience_everyone": False, "audience_territories": [territory]}, **kwargs
    )


def test_pages_need_sign_in(client, session):
    for name, args in (
        ("sessions", []),
        ("session_detail", [session.pk]),
        ("manage", []),
        ("attendance_report", []),
    ):
        response = client.get(reverse(f"webinars:{name}", args=args))
        assert response.status_code == 302 and "/login/" in response.url


def test_learner_sees_the_sessions_of_their_audience(client, network, django_assert_num_queries):
    SessionFactory(title="Rendez-vous ouvert")
    _restricted_to(network.territory_a, title="Spécial Afrique de l’Ouest")
    hidden = _restricted_to(network.territory_b, title="Spécial Afrique centrale")
    client.force_login(network.staff_a)
    with django_assert_num_queries(6):  # session, user, membership, unread notifications, count, sessions
        body = client.get(reverse("webinars:sessions")).content.decode()
    assert "Rendez-vous ouvert" in body and "Spécial Afrique de l’Ouest" in body
    assert "Spécial Afrique centrale" not in body
    SessionFactory()
    with django_assert_num_queries(6):
        client.get(reverse("webinars:sessions"))
    assert client.get(reverse("webinars:session_detail", args=[hidden.pk])).status_code == 404
    assert client.post(reverse("webinars:session_register", args=[hidden.pk])).status_code == 404


def test_empty_state(client, network):
    client.force_login(network.staff_a)
    assert "Aucune web-conférence" in client.get(reverse("webinars:sessions")).content.decode()


def test_register_join_and_cancel_from_the_session_page(client, session, network):
    client.force_login(network.staff_a)
    detail = reverse("webinars:session_detail", args=[session.pk])
    assert "S’inscrire" in client.get(detail).content.decode()
    response = client.post(reverse("webinars:session_register", args=[session.pk]), follow=True)
    body = response.content.decode()
    assert "Vous êtes inscrit" in body and "Annuler mon inscription" in body
    join = reverse("webinars:session_join", args=[session.pk])
    assert client.get(join).status_code == 302  # back to the page with a message: not open yet
    with time_machine.travel(session.starts_at - datetime.timedelta(minutes=5)):
        response = client.get(join)
        assert response.status_code == 302 and response.url == session.video_url
        assert "Rejoindre" in client.get(detail).content.decode()
    response = client.post(reverse("webinars:session_unregister", args=[session.pk]), follow=True)
    assert "Votre inscription est annulée" in response.content.decode()


def test_feedback_page_shows_errors_next_to_fields(client, session, network):
    services.registration_create(user=network.staff_a, session=session)
    end_session(session)
    services.attendance_mark(actor=network.trainer, session=session, user=network.staff_a, attended=True)
    client.force_login(network.staff_a)
    url = reverse("webinars:session_feedback", args=[session.pk])
    response = client.post(url, {"rating": "9"})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    response = client.post(url, {"rating": "5", "comment": "Très clair"})
    assert response.status_code == 302
    mine = client.get(reverse("webinars:mine")).content.decode()
    assert session.title in mine


def test_preferences_page(client, network):
    client.force_login(network.staff_a)
    url = reverse("webinars:preferences")
    page = client.get(url).content.decode()
    assert reverse("academy:profile") in page  # channels are chosen there
    client.post(reverse("webinars:calendar_feed_token"), {"action": "regenerate"})
    assert "/webinars/calendar/" in client.get(url).content.decode()


def test_replays_page(client, session, network):
    end_session(session)
    Session.objects.filter(pk=session.pk).update(recording_url="https://video.example.com/r/9")
    client.force_login(network.staff_a)
    assert session.title in client.get(reverse("webinars:replays")).content.decode()
    watch = client.get(reverse("webinars:session_replay_watch", args=[session.pk]))
    assert watch.url == "https://video.example.com/r/9"


# ---------------------------------------------------------------- trainers


def test_trainer_pages_refuse_learners_and_managers(client, network):
    for person in (network.staff_a, network.manager_a):
        client.force_login(person)
        assert client.get(reverse("webinars:manage")).status_code == 403
        assert client.get(reverse("webinars:series_create")).status_code == 403


def test_manage_page_query_count(client, network, django_assert_num_queries):
    for _ in range(2):
        SessionFactory(trainers=[network.trainer])
    SeriesFactory(actor=network.trainer)
    client.force_login(network.trainer)
    with django_assert_num_queries(9):
        response = client.get(reverse("webinars:manage"))
    assert response.status_code == 200
    SessionFactory(trainers=[network.trainer])
    SeriesFactory(actor=network.trainer)
    with django_assert_num_queries(9):
        client.get(reverse("webinars:manage"))


def test_series_form_previews_then_creates(client, network):
    client.force_login(network.trainer)
    url = reverse("webinars:series_create")
    data = {
        "title": "Rendez-vous mensuel",
        "language": "fr",
        "trainers": [network.trainer.pk],
        "rrule": "FREQ=MONTHLY;BYDAY=1TH",
        "start_date": "2026-01-01",
        "start_time": "14:00",
        "time_zone": "Africa/Abidjan",
        "duration_minutes": "60",
        "video_provider": "external",
        "video_url": "https://meet.example.com/rdv",
        "is_active": "on",
        "audience_everyone": "on",
        "audience_leads": "on",
        "audience_staff": "on",
    }
    network.trainer.time_zone = "Asia/Tokyo"
    network.trainer.save()
    with time_machine.travel(datetime.datetime(2026, 2, 10, tzinfo=datetime.UTC)):
        preview = client.post(url, {**data, "preview": "1", "time_zone": "Europe/Paris"})
        body = preview.content.decode()
        # In the series' zone, with the trainer's own time beside it.
        assert preview.status_code == 200 and "jeudi 5 mars 2026, 14:00" in body
        assert "(Europe/Paris · 22:00" in body
        assert not Series.objects.exists()
        bad = client.post(url, {**data, "rrule": "FREQ=MINUTELY"})
        assert bad.status_code == 200 and "errorlist" in bad.content.decode()
        created = client.post(url, data)
    assert created.status_code == 302
    series = Series.objects.get()
    assert series.sessions.count() >= 2
    edit = client.get(reverse("webinars:series_edit", args=[series.pk])).content.decode()
    assert 'value="2026-01-01"' in edit and 'value="14:00"' in edit


def test_one_off_session_form(client, network):
    client.force_login(network.trainer)
    url = reverse("webinars:session_create")
    data = {
        "title": "Lancement du test intolérances",
        "language": "fr",
        "trainers": [network.trainer.pk],
        "starts_at_local": "2030-03-05T10:00",
        "time_zone": "Africa/Dakar",
        "duration_minutes": "90",
        "video_provider": "external",
        "video_url": "https://meet.example.com/lancement",
        "audience_everyone": "on",
        "audience_leads": "on",
        "audience_staff": "on",
    }
    bad = client.post(url, {**data, "starts_at_local": "demain"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    response = client.post(url, data)
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.starts_at == datetime.datetime(2030, 3, 5, 10, tzinfo=datetime.UTC)  # Dakar is UTC
    edit = client.get(reverse("webinars:session_edit", args=[session.pk])).content.decode()
    assert "2030-03-05T10:00" in edit


def test_session_manage_page_shows_registrants_with_distributor(
    client, session, network, django_assert_num_queries
):
    services.registration_create(user=network.staff_a, session=session)
    services.registration_create(user=network.lead_b, session=session)
    client.force_login(network.trainer)
    url = reverse("webinars:session_manage", args=[session.pk])
    # (the 13th: closed polls with their results)
    with django_assert_num_queries(13):
        body = client.get(url).content.decode()
    assert "Dist A" in body and "Dist B" in body
    services.registration_create(user=network.staff_b, session=session)
    with django_assert_num_queries(13):
        client.get(url)
    client.force_login(UserFactory(role="trainer"))
    assert client.get(url).status_code == 404


def test_start_end_and_attendance_from_the_manage_page(client, session, network):
    services.registration_create(user=network.staff_a, session=session)
    client.force_login(network.trainer)
    with time_machine.travel(session.starts_at - datetime.timedelta(minutes=10)):
        client.post(reverse("webinars:session_start", args=[session.pk]))
    session.refresh_from_db()
    assert session.status == "live"
    with time_machine.travel(session.ends_at):
        response = client.post(reverse("webinars:session_end", args=[session.pk]), follow=True)
    assert "présence a été calculée" in response.content.decode()
    client.post(
        reverse("webinars:attendance_mark", args=[session.pk]),
        {"user": network.staff_a.pk, "attended": "on", "minutes": "42"},
    )
    assert session.attendances.get(user=network.staff_a).minutes_attended == 42


def test_attendance_import_page_reports_errors(client, session, network):
    end_session(session)
    client.force_login(network.trainer)
    url = reverse("webinars:attendance_import", args=[session.pk])
    upload = SimpleUploadedFile("r.csv", b"email,duration\nnobody,abc\n")
    response = client.post(url, {"file": upload})
    body = response.content.decode()
    assert response.status_code == 200 and "Ligne 2" in body


def test_registrants_csv_export(client, session, network):
    network.staff_a.first_name = "=HYPERLINK(1)"
    network.staff_a.save()
    services.registration_create(user=network.staff_a, session=session)
    client.force_login(network.trainer)
    response = client.get(reverse("webinars:registrants_export", args=[session.pk, "csv"]))
    assert response["Content-Type"].startswith("text/csv")
    [_header, row] = csv_rows(response)
    assert row[0].startswith("'=HYPERLINK(1)") and row[2] == "Dist A"


def test_registrants_csv_quotes_out_every_formula_cell(client, session, network):
    network.staff_a.first_name = "@SUM(1+1)"
    network.staff_a.email = "=cmd@test.example"
    network.staff_a.save()
    network.distributor_a.name = "-2+3"
    network.distributor_a.save()
    services.registration_create(user=network.staff_a, session=session)
    client.force_login(network.trainer)
    response = client.get(reverse("webinars:registrants_export", args=[session.pk, "csv"]))
    [_header, row] = csv_rows(response)
    assert row[:3] == [f"'@SUM(1+1) {network.staff_a.last_name}", "'=cmd@test.example", "'-2+3"]
    assert row[-1] == "0"


# ---------------------------------------------------------------- managers and home


def test_manager_report_page_is_limited_to_their_territory(
    client, session, network, django_assert_num_queries
):
    services.registration_create(user=network.staff_a, session=session)
    services.registration_create(user=network.staff_b, session=session)
    with time_machine.travel(session.ends_at):
        end_session(session)
        client.force_login(network.manager_a)
        with django_assert_num_queries(5):
            body = client.get(reverse("webinars:attendance_report")).content.decode()
    assert "Dist A" in body and "Dist B" not in body
    client.force_login(network.staff_a)
    assert client.get(reverse("webinars:attendance_report")).status_code == 403


def test_home_panels(client, session, network):
    services.registration_create(user=network.staff_a, session=session)
    client.force_login(network.staff_a)
    body = client.get(reverse("academy:home")).content.decode()
    assert "Prochaine web-conférence" in body and session.title in body
    client.force_login(network.trainer)
    body = client.get(reverse("academy:home")).content.decode()
    assert "Mes prochaines web-conférences" in body and session.title in body
    client.force_login(network.manager_a)
    assert "Participation aux web-conférences" in client.get(reverse("academy:home")).content.decode()
