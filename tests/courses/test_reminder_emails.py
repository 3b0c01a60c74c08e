"""Course reminders as they reach people: text + HTML in the learner's
language with a one-click unsubscribe; once stopped, the site still tells them."""

import datetime

import pytest
from django.core import mail
from django.test import Client

from courses.models import Reminder
from tests.courses.conftest import reminders_send
from tests.emails import html_facts, parsed, text_and_html

pytestmark = pytest.mark.django_db

SITE = "https://academy.example.com"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def test_a_course_reminder_is_text_and_html_and_can_be_stopped_in_one_click(
    network, course, due_soon, time_machine
):
    assert reminders_send().sent == 1
    (message,) = mail.outbox
    sent = parsed(message)
    assert sent["Message-ID"].endswith("@academy.example.com>")
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = text_and_html(message)
    assert text.startswith("Bonjour") and 'lang="fr"' in html and "arrive à échéance" in html
    assert f"{SITE}/courses/{course.slug}/" in html_facts(html).links
    link = str(sent["List-Unsubscribe"]).strip()[1:-1]
    assert Client(enforce_csrf_checks=True).post(link, {"List-Unsubscribe": "One-Click"}).status_code == 200

    mail.outbox.clear()
    overdue = Reminder.objects.get(kind="overdue")
    time_machine.move_to(overdue.send_at + datetime.timedelta(minutes=2))
    report = reminders_send()
    assert (report.sent, report.cancelled) == (0, 1) and mail.outbox == []
    overdue.refresh_from_db()
    assert overdue.status == "cancelled"
    assert network.staff_a.notifications.filter(kind="courses.overdue").count() == 1  # on the site still
