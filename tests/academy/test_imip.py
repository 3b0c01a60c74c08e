"""Invitations by e-mail (``academy.imip``): the MIME tree Outlook's writer
rules and Gmail/Thunderbird invitations use, read back from the bytes sent."""

from email import message_from_bytes, policy

import pytest
from django.core import mail

from academy import services
from academy.services import RenderedEmail
from tests.academy.factories import UserFactory

pytestmark = pytest.mark.django_db

ICS = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
    b"UID:one@academy.example\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270105T140000Z\r\n"
    b"SUMMARY:Caf\xc3\xa9\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture
def rendered(monkeypatch):
    def render(**kwargs):
        return RenderedEmail(subject="Invitation", body="Bonjour", html=kwargs["context"].get("html", ""))

    monkeypatch.setattr(services, "email_render", render)


def _sent():
    return message_from_bytes(mail.outbox[-1].message().as_bytes(linesep="\r\n"), policy=policy.default)


def _tree(part):
    if part.is_multipart():
        return (part.get_content_type(), [_tree(child) for child in part.iter_parts()])
    return part.get_content_type()


def test_with_html_the_calendar_is_the_last_alternative_and_also_attached(rendered):
    user = UserFactory()
    services.email_send(
        user=user,
        template="unused",
        context={"html": "<p>Bonjour</p>"},
        attachments=[("agenda.txt", "Ordre du jour", "text/plain")],
        calendar=("REQUEST", ICS),
    )
    message = _sent()
    assert _tree(message) == (
        "multipart/mixed",
        [
            ("multipart/alternative", ["text/plain", "text/html", "text/calendar"]),
            "application/ics",
            "text/plain",
        ],
    )
    alternative, invite, agenda = message.iter_parts()
    calendar = list(alternative.iter_parts())[-1]
    assert b"\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n" in mail.outbox[
        -1
    ].message().as_bytes(linesep="\r\n")
    assert calendar.get_content_charset() == "utf-8"
    assert calendar.get_param("method") == "REQUEST" and not calendar.is_attachment()
    assert calendar.get_content().replace("\r\n", "\n") == ICS.decode().replace("\r\n", "\n")
    assert invite.get_filename() == "invite.ics" and invite.get_content() == ICS
    assert agenda.get_filename() == "agenda.txt"


def test_without_html_the_alternative_is_text_and_calendar(rendered):
    services.email_send(user=UserFactory(), template="unused", context={}, calendar=("REQUEST", ICS))
    assert _tree(_sent()) == (
        "multipart/mixed",
        [("multipart/alternative", ["text/plain", "text/calendar"]), "application/ics"],
    )


def test_without_a_calendar_nothing_changes(rendered):
    services.email_send(user=UserFactory(), template="unused", context={})
    assert _tree(_sent()) == "text/plain"


def test_the_mime_method_must_be_the_calendar_method(rendered):
    with pytest.raises(ValueError, match="METHOD"):
        services.email_send(user=UserFactory(), template="unused", context={}, calendar=("CANCEL", ICS))
    assert mail.outbox == []
