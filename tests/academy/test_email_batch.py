"""The e-mails of one dispatch batch share one SMTP connection, and a fault
of the mail server costs only the e-mails it touches."""

import pytest
from django.test import override_settings

from academy.models import OutgoingEmail
from academy.outbox import OutboxStatus, outbox_drain
from academy.services import EMAIL_OUTBOX, RenderedEmail, email_enqueue_rendered, message_id
from tests.fakes.smtp import MailServer

pytestmark = pytest.mark.django_db


def queue(count: int, *, to: str = "person{}@example.com") -> list[OutgoingEmail]:
    emails = []
    for index in range(count):
        email = email_enqueue_rendered(
            key=f"batch-test-{index}",
            topic="tests.batch",
            to=to.format(index),
            rendered=RenderedEmail(subject=f"Hello {index}", body="Body", html=""),
        )
        assert email is not None
        emails.append(email)
    return emails


def statuses() -> list[str]:
    return list(OutgoingEmail.objects.order_by("pk").values_list("status", flat=True))


def test_a_batch_of_emails_goes_through_one_connection():
    emails = queue(5)
    with MailServer() as server, override_settings(**server.settings()):
        report = outbox_drain(EMAIL_OUTBOX, batch_size=10)
    assert report.sent == 5
    assert statuses() == [OutboxStatus.SENT] * 5
    (session,) = server.sessions
    assert session.messages == [message_id(email.key) for email in emails]
    assert session.quit  # closed properly once the batch was out


def test_each_batch_opens_its_own_connection():
    queue(5)
    with MailServer() as server, override_settings(**server.settings()):
        report = outbox_drain(EMAIL_OUTBOX, batch_size=2)
    assert report.sent == 5
    assert [len(session.messages) for session in server.sessions] == [2, 2, 1]
    assert all(session.quit for session in server.sessions)


def test_a_refused_recipient_fails_only_its_email():
    queue(4, to="person{}@example.com")
    refused = "person1@example.com"
    with MailServer(refuse=frozenset({refused})) as server, override_settings(**server.settings()):
        report = outbox_drain(EMAIL_OUTBOX, batch_size=10)
    assert (report.sent, report.retried) == (3, 1)
    failed = OutgoingEmail.objects.get(to=refused)
    assert failed.status == OutboxStatus.PENDING and "SMTPRecipientsRefused" in failed.last_error
    assert len(server.delivered()) == 3


def test_a_session_the_server_drops_is_opened_again_for_the_rest():
    emails = queue(5)
    with MailServer(drop_after=2) as server, override_settings(**server.settings()):
        report = outbox_drain(EMAIL_OUTBOX, batch_size=10)
    # the third e-mail met the closed session (retried later); the fourth and
    # fifth went through a new one
    assert (report.sent, report.retried) == (4, 1)
    assert [len(session.messages) for session in server.sessions] == [2, 2]
    third = OutgoingEmail.objects.get(pk=emails[2].pk)
    assert third.status == OutboxStatus.PENDING and third.attempts == 1
    assert message_id(third.key) not in server.delivered()


def test_a_mail_server_that_is_down_costs_one_attempt_per_email():
    queue(3)
    with MailServer() as server:
        settings = server.settings()
    # the server is stopped: nothing listens on its port any more
    with override_settings(**settings):
        report = outbox_drain(EMAIL_OUTBOX, batch_size=10)
    assert (report.sent, report.retried) == (0, 3)
    assert all(email.attempts == 1 for email in OutgoingEmail.objects.all())
