"""Course reminders on the person's channels: SMS or WhatsApp for those who
chose them, e-mail as before for everyone else; the site notification
always."""

import pytest
from django.core import mail
from django.utils import timezone

from academy.messaging import rules
from academy.messaging.models import Message, TextMessage
from academy.models import Notification, OutgoingEmail
from academy.services import message_id
from courses.services import reminders
from tests.courses.conftest import reminders_send
from tests.messaging_provider import phone_channels

pytestmark = pytest.mark.django_db

NUMBER = "+221771234567"


def _phone(user, *, channels, email_opt_outs=()):
    user.phone = NUMBER
    user.phone_verified_at = timezone.now()
    user.message_channels = channels
    user.email_opt_outs = list(email_opt_outs)
    user.save()


def test_whatsapp_for_course_reminders(network, due_soon, settings):
    settings.SITE_URL = "https://academy.example.com"
    _phone(network.staff_a, channels={"courses.reminder": ["whatsapp"]})
    with phone_channels():
        assert reminders_send().sent == 1
    message = Message.objects.get(key=reminders.reminder_key(due_soon))
    assert message.chain == ["whatsapp", "email"] and message.kind == "courses.reminder"
    text = TextMessage.objects.get(message=message)
    assert text.template == "courses_assignment_due"
    _name, title, _date, link = text.params
    assert title == "Kits ELISA : bonnes pratiques" and link.startswith("https://academy.example.com/s/")
    assert mail.outbox == [] and not OutgoingEmail.objects.filter(message=message).exists()
    assert Notification.objects.filter(user=network.staff_a, kind="courses.due_soon").count() == 1


def test_stopped_email_but_sms_gets_one_french_sms(network, due_soon):
    _phone(network.staff_a, channels={"courses.reminder": ["sms"]}, email_opt_outs=["courses.reminder"])
    with phone_channels():
        reminders_send()
    text = TextMessage.objects.get(message__key=reminders.reminder_key(due_soon))
    assert text.channel == "sms" and text.message.chain == ["sms"]
    assert text.text.startswith('"Kits ELISA : bonnes pratiques" est à terminer')
    assert rules.sms_segments(text.text) == 1
    assert mail.outbox == []


def test_stopped_everywhere_still_notified_in_the_site(network, due_soon):
    network.staff_a.email_opt_outs = ["courses.reminder"]
    network.staff_a.save()
    report = reminders_send()
    assert report.cancelled == 1 and mail.outbox == []
    assert not Message.objects.exists()
    assert Notification.objects.filter(user=network.staff_a, kind="courses.due_soon").count() == 1


def test_default_person_gets_the_email_with_the_same_message_id(network, due_soon):
    reminders_send()
    (sent,) = mail.outbox
    key = f"course-reminder-{due_soon.pk}-due_soon"
    assert sent.extra_headers["Message-ID"] == message_id(key)
    assert "List-Unsubscribe" in sent.extra_headers
