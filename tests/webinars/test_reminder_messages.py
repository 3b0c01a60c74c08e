"""Web-conference messages on the person's channels: WhatsApp or SMS for
those who chose them, e-mail exactly as before for everyone else, and what
"1" / "2" in reply do."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from academy.messaging import rules
from academy.messaging.models import Message, TextMessage
from academy.messaging.services import inbound_receive, whatsapp_template_name
from academy.models import OutgoingEmail
from academy.services import message_id
from tests.messaging_provider import phone_channels
from tests.webinars.conftest import reminders_send
from tests.webinars.factories import SessionFactory
from webinars import services
from webinars.models import Registration, RegistrationStatus, Reminder, ReminderStatus
from webinars.services.reminders import reminder_key

pytestmark = pytest.mark.django_db

SITE = "https://academy.example.com"
NUMBER = "+221771234567"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _phone(user, *, channels=None, email_opt_outs=()):
    user.phone = NUMBER
    user.phone_verified_at = timezone.now()
    user.message_channels = channels or {}
    user.email_opt_outs = list(email_opt_outs)
    user.save()
    return user


def _day_reminder(registration):
    session = registration.session
    with time_machine.travel(session.starts_at - datetime.timedelta(hours=23), tick=False):
        reminders_send()
    reminder = registration.reminders.get(kind="day")
    assert reminder.status == ReminderStatus.SENT
    return reminder, Message.objects.get(key=reminder_key(reminder))


def test_whatsapp_for_reminders_gets_the_template_and_no_email(session, network):
    user = _phone(network.staff_a, channels={"webinars.reminder": ["whatsapp"]})
    with phone_channels():
        registration = services.registration_create(user=user, session=session)
        reminders_send()  # the confirmation: its kind has no phone channel chosen → e-mail
        mail.outbox.clear()
        _reminder, message = _day_reminder(registration)
    assert message.chain == ["whatsapp", "email"]
    assert message.kind == "webinars.reminder"
    assert message.reply_ref == f"webinars.registration:{registration.pk}"
    assert message.deadline == session.starts_at
    text = TextMessage.objects.get(message=message)
    assert text.channel == "whatsapp" and text.to == NUMBER
    assert text.template == whatsapp_template_name("webinars/emails/reminder") == "webinars_reminder"
    name, title, when, link = text.params
    assert (name, title) == (user.get_short_name(), session.title)
    local = session.starts_at.astimezone(user.tzinfo)
    assert when.startswith(f"{local.day} ") and local.strftime("%H:%M") in when
    assert link.startswith(f"{SITE}/s/")
    assert text.language == "fr"
    assert not OutgoingEmail.objects.filter(message=message).exists()
    assert mail.outbox == []


def test_stopped_email_but_sms_gets_sms_only(session, network):
    user = _phone(
        network.staff_a, channels={"webinars.reminder": ["sms"]}, email_opt_outs=["webinars.reminder"]
    )
    with phone_channels():
        registration = services.registration_create(user=user, session=session)
        reminders_send()
        mail.outbox.clear()
        _reminder, message = _day_reminder(registration)
    assert message.chain == ["sms"]  # no e-mail to fall back to: they stopped it
    text = TextMessage.objects.get(message=message)
    assert text.channel == "sms" and text.template == "" and text.segments == 1
    assert text.text.endswith("Répondez 1 pour confirmer, 2 pour annuler.")
    assert mail.outbox == []


def test_stopped_email_and_no_phone_channel_cancels_the_reminder(session, network):
    user = _phone(network.staff_a, email_opt_outs=["webinars.reminder"])
    with phone_channels():
        registration = services.registration_create(user=user, session=session)
        reminders_send()
        session_start = session.starts_at
        with time_machine.travel(session_start - datetime.timedelta(hours=23), tick=False):
            report = reminders_send()
    assert report.cancelled == 2  # the week and the day reminders: nobody to tell
    assert registration.reminders.get(kind="day").status == ReminderStatus.CANCELLED
    assert not Message.objects.filter(kind="webinars.reminder").exists()


def test_default_person_gets_the_email_as_before(session, network):
    with phone_channels():
        registration = services.registration_create(user=network.staff_a, session=session)
        reminders_send()
        mail.outbox.clear()
        reminder, message = _day_reminder(registration)
    assert message.chain == ["email"]  # no verified number
    assert not TextMessage.objects.exists()
    assert len(mail.outbox) == 2  # the week and the day reminders were both due
    key = f"webinar-reminder-{reminder.pk}-{registration.pk}-day-0"
    (sent,) = [m for m in mail.outbox if m.extra_headers["Message-ID"] == message_id(key)]
    assert message_id(key) == f"<{key}@academy.example.com>"
    assert sent.to == [network.staff_a.email]
    assert "Demain" in sent.subject
    assert "List-Unsubscribe" in sent.extra_headers


def test_french_sms_reminder_fits_one_sms_with_a_typical_title(network):
    session = SessionFactory(
        title="Nouveautés de l’analyseur XR-200",
        starts_at=(timezone.now() + datetime.timedelta(days=10)).replace(second=0, microsecond=0),
    )
    user = _phone(network.staff_a, channels={"webinars.reminder": ["sms"]})
    with phone_channels():
        registration = services.registration_create(user=user, session=session)
        for kind, before in (("week", datetime.timedelta(days=6)), ("hour", datetime.timedelta(minutes=50))):
            with time_machine.travel(session.starts_at - before, tick=False):
                reminders_send()
            reminder = registration.reminders.get(kind=kind)
            text = TextMessage.objects.get(message__key=reminder_key(reminder)).text
            assert rules.sms_encoding(text) == rules.GSM7, text
            assert rules.sms_length(text) <= 160 and rules.sms_segments(text) == 1, text
            assert "XR-200" in text and f"{SITE}/s/" in text
            assert text.endswith("Répondez 1 pour confirmer, 2 pour annuler.")


def test_english_sms_says_how_to_answer(session, network):
    user = _phone(network.staff_a, channels={"webinars.reminder": ["sms"]})
    user.language = "en"
    user.save()
    with phone_channels():
        registration = services.registration_create(user=user, session=session)
        reminders_send()
        _reminder, message = _day_reminder(registration)
    text = TextMessage.objects.get(message=message).text
    assert "tomorrow" in text and text.endswith("Reply 1 to confirm, 2 to cancel.")


def test_confirmation_by_whatsapp_keeps_the_invitation_and_email_as_last_resort(session, network):
    user = _phone(network.staff_a, channels={"webinars.registration": ["whatsapp"]})
    with phone_channels():
        registration = services.registration_create(user=user, session=session)
        reminders_send()
    confirmation = registration.reminders.get(kind="confirmation")
    message = Message.objects.get(key=reminder_key(confirmation))
    assert message.kind == "webinars.registration"
    assert message.chain == ["whatsapp", "email"]
    assert message.reply_ref == f"webinars.registration:{registration.pk}"
    assert message.deadline == session.starts_at
    assert "BEGIN:VCALENDAR" in message.rendered["whatsapp"]["calendar"]["ics"]
    assert message.rendered["whatsapp"]["calendar"]["method"] == "REQUEST"
    assert TextMessage.objects.get(message=message).template == "webinars_confirmation"
    assert mail.outbox == []


def test_the_registration_kind_cannot_be_stopped_by_email(session, network):
    user = _phone(network.staff_a, email_opt_outs=["webinars.registration"])
    services.registration_create(user=user, session=session)
    reminders_send()
    assert len(mail.outbox) == 1  # the confirmation still goes


def test_channel_choice_made_after_registering_applies_to_reminders_not_sent_yet(session, network):
    user = _phone(network.staff_a)
    with phone_channels():
        registration = services.registration_create(user=user, session=session)
        reminders_send()
        user.message_channels = {"webinars.reminder": ["sms"]}
        user.save(update_fields=["message_channels"])
        _reminder, message = _day_reminder(registration)
    assert message.chain == ["sms", "email"]


def test_replying_2_cancels_the_registration_and_1_confirms(session, network):
    user = _phone(network.staff_a, channels={"webinars.reminder": ["sms"]})
    with phone_channels():
        registration = services.registration_create(user=user, session=session)
        reminders_send()
        _reminder, message = _day_reminder(registration)
        TextMessage.objects.filter(message=message).update(status="sent")
        at = session.starts_at - datetime.timedelta(hours=22)
        yes = inbound_receive(
            channel="sms",
            provider="recording-sms",
            provider_message_id="in-1",
            from_number=NUMBER,
            text="1",
            received_at=at,
        )
        assert yes is not None and yes.outcome == "confirmed"
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.CONFIRMED
        with time_machine.travel(at, tick=False):
            no = inbound_receive(
                channel="sms",
                provider="recording-sms",
                provider_message_id="in-2",
                from_number=NUMBER,
                text="2",
                received_at=at,
            )
    assert no is not None and no.outcome == "declined"
    registration = Registration.objects.get(pk=registration.pk)
    assert registration.status == RegistrationStatus.CANCELLED
    acknowledgements = TextMessage.objects.filter(message__kind="academy.reply").order_by("id")
    assert "Merci" in acknowledgements[0].text
    assert "annul" in acknowledgements[1].text
    # A third "2": nothing left to cancel, and the person is told so.
    again = inbound_receive(
        channel="sms",
        provider="recording-sms",
        provider_message_id="in-3",
        from_number=NUMBER,
        text="2",
        received_at=at,
    )
    assert again is not None and again.outcome == "declined"
    assert "déjà annulée" in TextMessage.objects.filter(message__kind="academy.reply").latest("id").text
    assert Reminder.objects.filter(registration=registration, kind="cancellation").exists()
