"""Celery entry points: thin, idempotent, and one round trip through a real worker."""

import pytest

from distributors import services, tasks
from distributors.models import Invitation
from tests.distributors.factories import FieldReportFactory, InvitationFactory
from tests.workers import real_worker


@pytest.mark.django_db
def test_invitation_task_sends_once(network, mailoutbox):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    assert tasks.invitation_email_send.delay(invitation.pk, invitation.token).get() is True
    assert tasks.invitation_email_send.delay(invitation.pk, invitation.token).get() is False
    assert len(mailoutbox) == 1
    assert Invitation.objects.get(pk=invitation.pk).send_count == 1


@pytest.mark.django_db
def test_reply_task_sends_once_in_the_senders_language(network, mailoutbox):
    network.staff_a.language = "en"
    network.staff_a.save()
    report = FieldReportFactory(sender=network.staff_a, title="Labels")
    reply = services.field_report_triage(actor=network.manager_a, report=report, reply="Checked.")
    assert tasks.field_report_reply_email_send.delay(reply.pk).get() is True
    assert tasks.field_report_reply_email_send.delay(reply.pk).get() is False
    assert [m.subject for m in mailoutbox] == ["[Academy] Reply to your field report “Labels”"]


@pytest.mark.django_db
def test_status_only_replies_are_not_emailed(network, mailoutbox):
    report = FieldReportFactory(sender=network.staff_a)
    reply = services.field_report_triage(actor=network.manager_a, report=report, status="closed")
    assert tasks.field_report_reply_email_send.delay(reply.pk).get() is False
    assert tasks.field_report_reply_email_send.delay(0).get() is False
    assert mailoutbox == []


def test_tasks_retry_transient_mail_errors():
    for task in (tasks.invitation_email_send, tasks.field_report_reply_email_send):
        assert task.max_retries == 5
        assert ConnectionError in task.autoretry_for


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_invitation_email_through_a_real_worker(network):
    with real_worker() as worker:
        invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
        worker.send("distributors.invitation_email_send", invitation.pk, invitation.token)
        worker.wait_until(lambda: Invitation.objects.get(pk=invitation.pk).sent_at is not None)
        assert Invitation.objects.get(pk=invitation.pk).send_count == 1, "the worker did not send the e-mail"
