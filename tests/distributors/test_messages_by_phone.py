"""Distributor messages on the person's channels: a nudge and a reply to a
field report may go by WhatsApp or SMS; an invitation goes by e-mail only."""

import pytest
from django.core import mail
from django.utils import timezone

from academy.messaging import rules
from academy.messaging.models import Message, TextMessage
from distributors import services
from distributors.engagement.services import nudge_send, nudge_template_text
from tests.distributors.factories import FieldReportFactory
from tests.messaging_provider import phone_channels

pytestmark = pytest.mark.django_db

NUMBER = "+221771234567"


def _phone(user, channels):
    user.phone = NUMBER
    user.phone_verified_at = timezone.now()
    user.message_channels = channels
    user.save()


def test_a_nudge_goes_by_sms_to_who_chose_it_and_by_email_to_the_others(network):
    _phone(network.staff_a, {"engagement.nudge": ["sms"]})
    messages = {
        language: nudge_template_text(
            key="reconnect", language=language, distributor=network.distributor_a, sender=network.manager_a
        )
        for language in ("fr", "en")
    }
    with phone_channels():
        nudge = nudge_send(
            actor=network.manager_a,
            distributor=network.distributor_a,
            audience="team",
            template="reconnect",
            messages=messages,
        )
    by_sms = Message.objects.get(key=f"nudge-{nudge.pk}-{network.staff_a.pk}")
    assert by_sms.chain == ["sms", "email"]
    text = TextMessage.objects.get(message=by_sms)
    assert text.channel == "sms" and "/s/" in text.text
    assert text.text.startswith(
        rules.sms_text(network.manager_a.get_full_name())
    )  # "Jérôme" is "Jérome" by SMS
    assert rules.sms_segments(text.text) <= 2
    by_email = Message.objects.get(key=f"nudge-{nudge.pk}-{network.lead_a.pk}")
    assert by_email.chain == ["email"]


def test_a_field_report_reply_by_whatsapp(network):
    _phone(network.staff_a, {"distributors.field_report_reply": ["whatsapp"]})
    report = FieldReportFactory(sender=network.staff_a)
    with phone_channels():
        answer = services.field_report_triage(
            actor=network.manager_a, report=report, reply="Merci, c’est noté"
        )
    message = Message.objects.get(key=f"field-report-reply-{answer.pk}")
    assert message.kind == "distributors.field_report_reply"
    assert message.chain == ["whatsapp", "email"]
    text = TextMessage.objects.get(message=message)
    assert text.template == "distributors_field_report_reply"
    assert text.params[1] == report.title and "/s/" in text.params[2]


def test_an_invitation_goes_by_email_only_even_to_a_known_phone_user(network):
    with phone_channels():
        invitation = services.invitation_create(
            actor=network.lead_a, distributor=network.distributor_a, email="new@test.example"
        )
    message = Message.objects.get(kind="distributors.invitation")
    assert message.chain == ["email"] and message.sensitive
    assert not TextMessage.objects.exists()
    assert invitation.sent_at is not None
    assert mail.outbox == []  # queued: the e-mail outbox sends it
