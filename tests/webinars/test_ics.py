import datetime
import json
import os
import shutil
import subprocess
from pathlib import Path

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from tests.webinars.conftest import reminders_send
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


# ------------------------------------------------ invitations mail programs act on


def _vobject(data: bytes):
    """The same calendar read by a second, independent parser."""
    import vobject

    return vobject.readOne(data.decode("utf-8"))


@pytest.fixture
def smtp(settings):
    """Reminders sent over SMTP to a local mail server that keeps the bytes."""
    from tests.fakes.smtp import MailServer

    with MailServer() as server:
        for name, value in server.settings().items():
            setattr(settings, name, value)
        yield server


def _received(smtp, index=-1):
    from tests.webinars.invitations import invitation_of

    return invitation_of(smtp.received()[index])


def test_confirmation_is_an_alternative_with_the_calendar_and_an_ics_attachment(smtp, session, network):
    services.registration_create(user=network.staff_a, session=session)
    assert reminders_send().sent == 1
    invitation = _received(smtp)  # asserts mixed[alternative[text/plain, text/calendar], invite.ics]
    assert invitation.message["To"] == network.staff_a.email
    assert invitation.method == "REQUEST"
    assert invitation.inline.replace(b"\r\n", b"\n") == invitation.attached.replace(b"\r\n", b"\n")
    for data in (invitation.inline, invitation.attached):
        calendar = icalendar.Calendar.from_ical(data)
        assert calendar["METHOD"] == invitation.method
        second = _vobject(data)
        assert second.method.value == "REQUEST"
        (event,) = calendar.walk("VEVENT")
        assert second.vevent.uid.value == str(event["UID"]) == ics.event_uid(session)
        assert second.vevent.sequence.value == "0"
        assert second.vevent.dtstart.value == session.starts_at
        assert second.vevent.attendee.value == f"mailto:{network.staff_a.email}"
        assert second.vevent.attendee.params["PARTSTAT"] == ["ACCEPTED"]
        assert second.vevent.attendee.params["ROLE"] == ["REQ-PARTICIPANT"]
        assert second.vevent.attendee.params["RSVP"] == ["FALSE"]
        assert second.vevent.organizer.value == f"mailto:{network.trainer.email}"
        assert second.vevent.organizer.params["CN"] == [str(network.trainer)]
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in invitation.text


def test_withdrawal_cancels_the_same_event_with_a_higher_sequence_and_a_new_registration_outranks_it(
    smtp, session, network
):
    def sent():
        reminders_send()
        invitation = _received(smtp)
        (event,) = invitation.calendar.walk("VEVENT")
        assert invitation.calendar["METHOD"] == invitation.method
        assert _vobject(invitation.attached).vevent.sequence.value == str(event["SEQUENCE"])
        return invitation.method, str(event["UID"]), int(event["SEQUENCE"]), str(event["STATUS"])

    registration = services.registration_create(user=network.staff_a, session=session)
    request = sent()
    services.registration_cancel(actor=network.staff_a, registration=registration)
    cancel = sent()
    services.registration_create(user=network.staff_a, session=session)
    again = sent()
    assert (request[0], cancel[0], again[0]) == ("REQUEST", "CANCEL", "REQUEST")
    assert request[1] == cancel[1] == again[1] == ics.event_uid(session)
    assert request[2] < cancel[2] < again[2]
    assert (cancel[3], again[3]) == ("CANCELLED", "CONFIRMED")

    services.session_cancel(actor=network.trainer, session=session)
    cancelled = sent()
    assert cancelled[0] == "CANCEL" and cancelled[1] == request[1] and cancelled[2] > again[2]


def test_organizer_is_a_real_mailbox(session, network, settings):
    settings.DEFAULT_FROM_EMAIL = "Academy <webinars@academy.example>"

    def organizer(data: bytes):
        (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
        return str(event["ORGANIZER"]), str(event["ORGANIZER"].params["CN"])

    assert organizer(ics.invitation(session, user=network.staff_a)) == (
        f"mailto:{network.trainer.email}",
        str(network.trainer),
    )
    from tests.webinars.factories import SessionFactory

    assert organizer(ics.download(SessionFactory(trainers=[]))) == (
        "mailto:webinars@academy.example",
        "Academy",
    )
    settings.WEBINAR_INVITATION_ORGANIZER = "Formation <formation@academy.example>"
    assert organizer(ics.invitation(session, user=network.staff_a)) == (
        "mailto:formation@academy.example",
        "Formation",
    )


def test_private_feed_tells_calendar_programs_how_often_to_read_it(client, session, network):
    services.registration_create(user=network.staff_a, session=session)
    network.staff_a.time_zone = "Africa/Abidjan"
    network.staff_a.save()
    token = services.calendar_token_regenerate(user=network.staff_a).calendar_token
    response = client.get(reverse("webinars:calendar_feed", args=[token]))
    assert response.status_code == 200
    lines = response.content.decode().split("\r\n")
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in lines
    assert "X-PUBLISHED-TTL:PT1H" in lines
    assert "NAME:Mes web-conférences" in lines and "X-WR-CALNAME:Mes web-conférences" in lines
    assert "X-WR-TIMEZONE:Africa/Abidjan" in lines
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar.decoded("REFRESH-INTERVAL") == datetime.timedelta(hours=1)
    second = _vobject(response.content)
    assert second.contents["refresh-interval"][0].value == "PT1H"
    assert second.vevent.summary.value == session.title


def test_calendar_links_encode_the_title_and_carry_the_page(client, network):
    from urllib.parse import parse_qs, urlsplit

    from tests.webinars.factories import SessionFactory
    from webinars.calendar_links import calendar_links

    session = SessionFactory(
        trainers=[network.trainer],
        title="Qualité & sécurité #3 : 100% réussite?",
        agenda="Ordre du jour : café & ça va",
        starts_at=datetime.datetime(2027, 3, 5, 14, 30, tzinfo=datetime.UTC),
        duration_minutes=90,
    )
    links = calendar_links(session)
    page = ics.session_url(session)

    google = urlsplit(links.google)
    assert (google.scheme, google.netloc, google.path) == ("https", "calendar.google.com", "/calendar/render")
    assert "#" not in links.google and " " not in links.google and "+" not in links.google
    query = parse_qs(google.query, strict_parsing=True)
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == [session.title]
    assert query["dates"] == ["20270305T143000Z/20270305T160000Z"]
    assert query["location"] == [page]
    assert query["details"][0].startswith("Ordre du jour : café & ça va") and page in query["details"][0]

    for link, host in ((links.outlook, "outlook.live.com"), (links.office365, "outlook.office.com")):
        outlook = urlsplit(link)
        assert (outlook.netloc, outlook.path) == (host, "/calendar/0/deeplink/compose")
        assert "#" not in link and " " not in link and "+" not in link
        query = parse_qs(outlook.query, strict_parsing=True)
        assert query["rru"] == ["addevent"] and query["path"] == ["/calendar/action/compose"]
        assert query["subject"] == [session.title]
        assert (query["startdt"], query["enddt"]) == (["2027-03-05T14:30:00Z"], ["2027-03-05T16:00:00Z"])
        assert query["location"] == [page] and page in query["body"][0]
    assert links.ics.endswith(reverse("webinars:session_calendar", args=[session.pk]))

    services.registration_create(user=network.staff_a, session=session)
    client.force_login(network.staff_a)
    html = client.get(reverse("webinars:session_detail", args=[session.pk])).content.decode()
    for link in (links.google, links.outlook, links.office365):
        assert f'href="{link.replace("&", "&amp;")}"' in html
    assert reverse("webinars:session_calendar", args=[session.pk]) in html


JS_READERS = Path(__file__).resolve().parents[1] / "js"


def _icaljs(data: bytes) -> dict:
    """The calendar as ical.js (Thunderbird's parser) reads it (``tests/js``)."""
    if shutil.which("node") is None or not (JS_READERS / "node_modules" / "ical.js").is_dir():
        if os.environ.get("CI"):
            pytest.fail("ical.js is missing: .ci/run installs it (npm install --prefix tests/js)")
        pytest.skip("ical.js is not installed: npm install --prefix tests/js")
    done = subprocess.run(
        ["node", str(JS_READERS / "read_ics.mjs")], input=data, capture_output=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


def test_thunderbirds_parser_reads_the_invitation_its_withdrawal_and_the_feed(session, network):
    registration = services.registration_create(user=network.staff_a, session=session)
    request = _icaljs(ics.invitation(session, user=network.staff_a))
    assert request["method"] == "REQUEST"
    (event,) = request["events"]
    assert event["uid"] == ics.event_uid(session) and event["summary"] == session.title
    assert event["start"] == session.starts_at.isoformat().replace("+00:00", ".000Z")
    assert event["organizer"] == f"mailto:{network.trainer.email}" and event["organizerName"] == str(
        network.trainer
    )
    assert event["attendees"] == [
        {
            "address": f"mailto:{network.staff_a.email}",
            "partstat": "ACCEPTED",
            "role": "REQ-PARTICIPANT",
            "rsvp": "FALSE",
        }
    ]

    services.registration_cancel(actor=network.staff_a, registration=registration)
    registration.refresh_from_db()
    sequence = ics.invitation_sequence(registration, method=ics.CANCEL)
    cancel = _icaljs(ics.invitation(session, user=network.staff_a, method=ics.CANCEL, sequence=sequence))
    assert cancel["method"] == "CANCEL"
    assert cancel["events"][0]["uid"] == event["uid"] and cancel["events"][0]["sequence"] > event["sequence"]
    assert cancel["events"][0]["status"] == "CANCELLED"

    services.registration_create(user=network.staff_a, session=session)
    feed = _icaljs(ics.feed([session], user=network.staff_a))
    assert (feed["method"], feed["name"], feed["refresh"]) == ("PUBLISH", "Mes web-conférences", "PT1H")
    assert [e["uid"] for e in feed["events"]] == [event["uid"]]
