"""Invitation and reply e-mails leave through the outbox: queued with the
change, sent once by the dispatcher, withdrawn when no longer wanted."""

import pytest

from academy.models import OutgoingEmail
from academy.outbox import outboxes_drain
from distributors import services
from distributors.models import Invitation
from tests.distributors.factories import FieldReportFactory, InvitationFactory
from tests.workers import real_worker


@pytest.mark.django_db
def test_an_invitation_is_queued_with_it_and_sent_once(network, mailoutbox):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a, send_email=True)
    email = OutgoingEmail.objects.get(topic="distributors.invitation")
    assert email.status == "pending" and email.sensitive and invitation.token in email.body
    assert mailoutbox == []  # nothing leaves inside the inviting request
    assert outboxes_drain().sent == 1
    assert outboxes_drain().sent == 0
    assert len(mailoutbox) == 1 and invitation.token in mailoutbox[0].body
    assert mailoutbox[0].extra_headers["Message-ID"] == f"<{email.key}@127.0.0.1>"
    email.refresh_from_db()
    assert (email.status, email.body, email.html) == ("sent", "", "")  # the link is not kept
    assert Invitation.objects.get(pk=invitation.pk).send_count == 1


@pytest.mark.django_db
def test_a_resent_invitation_withdraws_the_unsent_old_link(network, mailoutbox):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a, send_email=True)
    old_token = invitation.token
    again = services.invitation_resend(actor=network.lead_a, invitation=invitation)
    assert outboxes_drain().sent == 1
    assert len(mailoutbox) == 1
    assert again.token in mailoutbox[0].body and old_token not in mailoutbox[0].body
    statuses = sorted(OutgoingEmail.objects.values_list("status", flat=True))
    assert statuses == ["cancelled", "sent"]
    assert Invitation.objects.get(pk=invitation.pk).send_count == 2


@pytest.mark.django_db
def test_a_revoked_invitation_is_not_sent(network, mailoutbox):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a, send_email=True)
    services.invitation_revoke(actor=network.lead_a, invitation=invitation)
    assert outboxes_drain().sent == 0 and mailoutbox == []
    email = OutgoingEmail.objects.get()
    assert (email.status, email.body) == ("cancelled", "")


@pytest.mark.django_db
def test_a_reply_is_emailed_once_in_the_senders_language(network, mailoutbox):
    network.staff_a.language = "en"
    network.staff_a.save()
    report = FieldReportFactory(sender=network.staff_a, title="Labels")
    reply = services.field_report_triage(actor=network.manager_a, report=report, reply="Checked.")
    assert reply.emailed_at is not None
    assert outboxes_drain().sent == 1
    assert outboxes_drain().sent == 0
    assert [m.subject for m in mailoutbox] == ["[Academy] Reply to your field report “Labels”"]
    assert mailoutbox[0].extra_headers["Message-ID"] == f"<field-report-reply-{reply.pk}@127.0.0.1>"


@pytest.mark.django_db
def test_status_only_replies_are_not_emailed(network, mailoutbox):
    report = FieldReportFactory(sender=network.staff_a)
    services.field_report_triage(actor=network.manager_a, report=report, status="closed")
    assert not OutgoingEmail.objects.exists()
    assert outboxes_drain().sent == 0 and mailoutbox == []


@pytest.mark.django_db
def test_an_email_to_a_deactivated_account_is_withdrawn(network, mailoutbox):
    report = FieldReportFactory(sender=network.staff_a)
    services.field_report_triage(actor=network.manager_a, report=report, reply="Seen.")
    network.staff_a.is_active = False
    network.staff_a.save()
    assert outboxes_drain().cancelled == 1 and mailoutbox == []


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_invitation_email_through_a_real_worker(network):
    with real_worker() as worker:
        InvitationFactory(actor=network.lead_a, distributor=network.distributor_a, send_email=True)
        worker.send("academy.outbox_drain")
        assert worker.wait_until(
            lambda: OutgoingEmail.objects.filter(topic="distributors.invitation", status="sent").exists()
        ), "the worker did not send the e-mail"
