"""Web-conference e-mails as they reach people: text + HTML in the
recipient's language; reminders carry a one-click unsubscribe and stop when
the person says so; registration e-mails (confirmation, cancellation) always go."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.test import Client

from academy.email_preferences import email_preference_set
from tests.emails import html_facts, parsed, text_and_html
from tests.webinars.conftest import reminders_send
from webinars import services
from webinars.calendar_links import GOOGLE, OFFICE365, OUTLOOK
from webinars.models import ReminderStatus

pytestmark = pytest.mark.django_db

SITE = "https://academy.example.com"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _week_reminder(session):
    with time_machine.travel(session.starts_at - datetime.timedelta(days=6), tick=False):
        reminders_send()


def test_confirmation_is_text_and_html_without_an_unsubscribe_link(session, network):
    network.staff_a.language = "en"
    network.staff_a.save()
    services.registration_create(user=network.staff_a, session=session)
    reminders_send()
    (message,) = mail.outbox
    sent = parsed(message)
    assert sent["List-Unsubscribe"] is None  # about the registration itself
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["Message-ID"].endswith("@academy.example.com>")
    text, html = text_and_html(message)
    assert text.startswith("Hello") and 'lang="en"' in html and "Your registration" in html
    links = html_facts(html).links
    # The academy's own pages, and the calendar services' add-to-calendar forms.
    calendars = (GOOGLE, OUTLOOK, OFFICE365)
    assert all(link.startswith((SITE, *calendars)) for link in links)
    assert all(any(link.startswith(calendar) for link in links) for calendar in calendars)


def test_a_reminder_carries_a_one_click_link_that_stops_the_next_ones(session, network):
    registration = services.registration_create(user=network.staff_a, session=session)
    reminders_send()
    mail.outbox.clear()
    _week_reminder(session)
    (message,) = mail.outbox
    sent = parsed(message)
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(sent["List-Unsubscribe"]).strip()[1:-1]
    assert link.startswith(f"{SITE}/unsubscribe/")
    text, html = text_and_html(message)
    assert text.startswith("Bonjour") and 'lang="fr"' in html
    assert "« Rappels des web-conférences »" in text and link in html
    assert Client(enforce_csrf_checks=True).post(link, {"List-Unsubscribe": "One-Click"}).status_code == 200
    mail.outbox.clear()
    with time_machine.travel(session.starts_at - datetime.timedelta(minutes=50), tick=False):
        report = reminders_send()
    assert mail.outbox == [] and report.cancelled == 2
    assert registration.reminders.get(kind="day").status == ReminderStatus.CANCELLED
    assert registration.reminders.get(kind="hour").status == ReminderStatus.CANCELLED


def test_registration_mail_is_sent_to_someone_who_stopped_every_reminder(session, network):
    for kind in ("webinars.reminder", "webinars.follow_up"):
        email_preference_set(user=network.staff_a, kind=kind, wanted=False)
    registration = services.registration_create(user=network.staff_a, session=session)
    reminders_send()
    assert [m.to for m in mail.outbox] == [[network.staff_a.email]]  # the confirmation
    _week_reminder(session)
    assert len(mail.outbox) == 1
    assert registration.reminders.get(kind="week").status == ReminderStatus.CANCELLED
    services.registration_cancel(actor=network.staff_a, registration=registration)
    reminders_send()
    assert len(mail.outbox) == 2 and parsed(mail.outbox[1])["List-Unsubscribe"] is None
