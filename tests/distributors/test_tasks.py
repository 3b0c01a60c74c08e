"""Celery entry points: thin, idempotent, and one round trip through a real worker."""

import os
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from config.celery_app import app as celery_app
from distributors import services, tasks
from distributors.models import Invitation
from tests.distributors.factories import FieldReportFactory, InvitationFactory


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
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the worker needs a database it can open: run with DATABASE_URL=postgres://...")
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    database_url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    queue = f"academy-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        celery_app.send_task(
            "distributors.invitation_email_send", args=[invitation.pk, invitation.token], queue=queue
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and Invitation.objects.get(pk=invitation.pk).sent_at is None:
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.3)
        assert Invitation.objects.get(pk=invitation.pk).send_count == 1, "the worker did not send the e-mail"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
