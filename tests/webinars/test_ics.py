import datetime

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from webinars import ics, services

pytestmark = pytest.mark.django_db


def _event(data: bytes):
    calendar = icalendar.Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    return calendar, events


def test_invitation_has_stable_uid_sequence_and_utc_times(session, network):
    calendar, (event,) = _event(ics.invitation(session, user=network.staff_a))
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    uid = str(event["UID"])
    assert uid == f"webinar-{session.ical_uid}@127.0.0.1"
    assert event["SEQUENCE"] == 0
    start = event.decoded("DTSTART")
    assert start == session.starts_at and start.utcoffset() == datetime.timedelta(0)
    assert event.decoded("DTEND") - start == datetime.timedelta(minutes=60)
    assert str(event["ATTENDEE"]) == f"mailto:{network.staff_a.email}"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert "Détails et lien" in str(event["DESCRIPTION"])  # recipient's language (French)

    services.session_update(
        actor=network.trainer, session=session, starts_at=session.starts_at + datetime.timedelta(hours=2)
    )
    session.refresh_from_db()
    _calendar, (moved,) = _event(ics.invitation(session, user=network.staff_a))
    assert str(moved["UID"]) == uid and moved["SEQUENCE"] == 1
    assert moved.decoded("DTSTART") == session.starts_at

    services.session_cancel(actor=network.trainer, session=session)
    session.refresh_from_db()
    cancel_calendar, (cancelled,) = _event(ics.invitation(session, user=network.staff_a, method=ics.CANCEL))
    assert cancel_calendar["METHOD"] == "CANCEL"
    assert str(cancelled["UID"]) == uid and cancelled["SEQUENCE"] == 2 and cancelled["STATUS"] == "CANCELLED"


def test_invitation_in_english_for_an_english_reader(session, network):
    network.staff_a.language = "en"
    _calendar, (event,) = _event(ics.invitation(session, user=network.staff_a))
    assert "Details and joining link" in str(event["DESCRIPTION"])


def test_ics_download_page(client, session, network):
    client.force_login(network.staff_a)
    response = client.get(reverse("webinars:session_calendar", args=[session.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar, (event,) = _event(response.content)
    assert calendar["METHOD"] == "PUBLISH" and event["SUMMARY"] == session.title


def test_private_feed_lists_registered_sessions_without_login_and_can_be_revoked(session, network):
    from tests.webinars.factories import SessionFactory

    other = SessionFactory()
    services.registration_create(user=network.staff_a, session=session)
    services.registration_create(user=network.lead_a, session=other)
    preference = services.calendar_token_regenerate(user=network.staff_a)
    url = reverse("webinars:calendar_feed", args=[preference.calendar_token])
    anonymous = Client()
    response = anonymous.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    _calendar, events = _event(response.content)
    assert [str(e["SUMMARY"]) for e in events] == [session.title]  # not the other person's session

    renewed = services.calendar_token_regenerate(user=network.staff_a)
    assert anonymous.get(url).status_code == 404
    assert anonymous.get(reverse("webinars:calendar_feed", args=[renewed.calendar_token])).status_code == 200
    services.calendar_token_revoke(user=network.staff_a)
    assert anonymous.get(reverse("webinars:calendar_feed", args=[renewed.calendar_token])).status_code == 404
