"""The weekly digest and nudges as they reach people: text + HTML in the
recipient's language, automatic, with a one-click unsubscribe, nudges
answered to their manager; and each person's choice honoured."""

import datetime
import re

import pytest
from django.core import mail
from django.test import Client

from academy.models import Notification, OutgoingEmail
from academy.outbox import outboxes_drain
from distributors.engagement.services import digest_send, digests_dispatch, nudge_send, nudge_template_text
from tests.emails import parsed, text_and_html

pytestmark = pytest.mark.django_db

SITE = "https://academy.example.com"
MONDAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


def _nudge(network):
    messages = {
        language: nudge_template_text(
            key="reconnect", language=language, distributor=network.distributor_a, sender=network.manager_a
        )
        for language in ("fr", "en")
    }
    return nudge_send(
        actor=network.manager_a,
        distributor=network.distributor_a,
        audience="team",
        template="reconnect",
        messages=messages,
    )


def _sent_to(user):
    (message,) = [m for m in mail.outbox if m.to == [user.email]]
    return message


def _unsubscribe_link(message) -> str:
    return str(parsed(message)["List-Unsubscribe"]).strip()[1:-1]


def test_a_nudge_invites_a_reply_that_reaches_the_manager(network):
    network.staff_a.language = "en"
    network.staff_a.save()
    _nudge(network)
    assert outboxes_drain().sent == 2
    for person, hello, footer in (
        (network.staff_a, "Hello", "You receive this e-mail because"),
        (network.lead_a, "Bonjour", "Vous recevez cet e-mail parce que"),
    ):
        message = _sent_to(person)
        sent = parsed(message)
        assert sent.get_content_type() == "multipart/alternative"
        assert sent["Reply-To"] == network.manager_a.email
        assert sent["Auto-Submitted"] == "auto-generated"
        assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert _unsubscribe_link(message).startswith(f"{SITE}/unsubscribe/")
        assert sent["Message-ID"].endswith("@academy.example.com>")
        text, html = text_and_html(message)
        assert text.startswith(hello) and hello in html
        assert footer in text and footer in html
        assert f'lang="{person.language}"' in html
    text, _html = text_and_html(_sent_to(network.staff_a))
    assert "Just reply" in text


def test_a_person_who_stopped_nudges_gets_none_by_e_mail_but_still_on_the_site(network):
    _nudge(network)
    outboxes_drain()
    link = _unsubscribe_link(_sent_to(network.staff_a))
    assert Client(enforce_csrf_checks=True).post(link, {"List-Unsubscribe": "One-Click"}).status_code == 200
    mail.outbox.clear()
    _nudge(network)
    outboxes_drain()
    assert [m.to for m in mail.outbox] == [[network.lead_a.email]]
    assert Notification.objects.filter(user=network.staff_a, kind="engagement.nudge").count() == 2


def test_the_digest_carries_its_unsubscribe_link_and_stops_when_used(network):
    assert digests_dispatch(today=MONDAY) == 2
    outboxes_drain()
    message = _sent_to(network.manager_a)
    sent = parsed(message)
    assert sent["Auto-Submitted"] == "auto-generated" and sent["Reply-To"] is None
    text, html = text_and_html(message)
    assert "Synthèse hebdomadaire de l’engagement" in text and 'lang="fr"' in html
    assert re.search(rf'href="{SITE}/distributors/engagement/', html)  # the dashboard, absolute
    link = _unsubscribe_link(message)
    Client().get(link)  # a link scanner: nothing changes
    assert digests_dispatch(today=MONDAY + datetime.timedelta(days=7)) == 2
    Client().post(link)
    assert digests_dispatch(today=MONDAY + datetime.timedelta(days=14)) == 1  # manager B only
    network.manager_a.refresh_from_db()
    assert digest_send(manager=network.manager_a, week=MONDAY + datetime.timedelta(days=21)) is None
    assert not OutgoingEmail.objects.filter(
        topic="engagement.digest", to=network.manager_a.email, key__endswith="2026-03-16"
    ).exists()
