"""The outbox policy (academy.outbox): what is due, leases, attempts and
backoff, draining within a budget, and work that survives a broker outage."""

import datetime
import threading
import uuid
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections
from django.db.models import F
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from academy import outbox
from academy.models import OutgoingEmail
from academy.outbox import (
    DrainReport,
    Outbox,
    OutboxCancel,
    OutboxDefer,
    backoff,
    due_q,
    outbox_claim,
    outbox_drain,
    outbox_process,
)
from academy.services import EMAIL_OUTBOX, email_enqueue
from tests.academy.factories import UserFactory

pytestmark = pytest.mark.django_db


def _emails(count, *, user=None):
    user = user or UserFactory()
    for index in range(count):
        email_enqueue(key=f"test-{index}", topic="test", user=user, template="academy/emails/test")
    return user


@pytest.fixture(autouse=True)
def _template(settings, tmp_path):
    folder = tmp_path / "academy" / "emails"
    folder.mkdir(parents=True)
    (folder / "test_subject.txt").write_text("Hello {{ user.first_name }}")
    (folder / "test_body.txt").write_text("Body for {{ user.email }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]


# ---------------------------------------------------------------- the rules, at their boundaries


@override_settings(OUTBOX_BACKOFF_SECONDS=60, OUTBOX_BACKOFF_CAP_SECONDS=3600)
def test_backoff_doubles_from_the_base_and_stops_at_the_cap():
    assert backoff(0) == backoff(1) == datetime.timedelta(seconds=60)
    assert backoff(2) == datetime.timedelta(seconds=120)
    assert backoff(6) == datetime.timedelta(seconds=1920)
    assert backoff(7) == datetime.timedelta(seconds=3600)  # 3840 capped
    assert backoff(40) == datetime.timedelta(seconds=3600)


@override_settings(OUTBOX_LEASE_SECONDS=60)
def test_a_row_is_due_from_its_next_attempt_and_once_its_lease_has_expired():
    _emails(1)
    email = OutgoingEmail.objects.get()
    now = email.next_attempt_at
    due = OutgoingEmail.objects.filter(due_q(now))
    assert due.exists()  # due at its exact next attempt
    assert not OutgoingEmail.objects.filter(due_q(now - datetime.timedelta(microseconds=1))).exists()
    OutgoingEmail.objects.update(claimed_at=now - datetime.timedelta(seconds=60))
    assert not due.exists()  # claimed exactly a lease ago: still held
    OutgoingEmail.objects.update(claimed_at=now - datetime.timedelta(seconds=60, microseconds=1))
    assert due.exists()  # lease expired: another dispatcher may take it
    for status in ("sent", "failed", "cancelled"):
        OutgoingEmail.objects.update(status=status, claimed_at=None)
        assert not due.exists(), status


@override_settings(OUTBOX_MAX_ATTEMPTS=3, OUTBOX_BACKOFF_SECONDS=60)
def test_attempts_are_retried_with_backoff_then_failed_at_the_cap(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    _emails(1)
    with mock.patch("academy.services.CalendarEmail.send", side_effect=OSError("refused")):
        first = outbox_drain(EMAIL_OUTBOX)
        email = OutgoingEmail.objects.get()
        assert (first.retried, email.status, email.attempts) == (1, "pending", 1)
        assert email.next_attempt_at == timezone.now() + datetime.timedelta(seconds=60)
        assert email.claim_token is None and email.last_error == "OSError: refused"
        time_machine.shift(datetime.timedelta(seconds=59))
        assert outbox_drain(EMAIL_OUTBOX).retried == 0  # not due yet
        time_machine.shift(datetime.timedelta(seconds=1))
        assert outbox_drain(EMAIL_OUTBOX).retried == 1  # attempt 2 of 3
        email.refresh_from_db()
        assert email.next_attempt_at == timezone.now() + datetime.timedelta(seconds=120)
        time_machine.shift(datetime.timedelta(seconds=120))
        third = outbox_drain(EMAIL_OUTBOX)
    email.refresh_from_db()
    assert (third.failed, third.retried, email.status, email.attempts) == (1, 0, "failed", 3)
    assert mail.outbox == []
    assert outbox.outbox_retry(OutgoingEmail.objects.all()) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == ("pending", 0)
    assert outbox_drain(EMAIL_OUTBOX).sent == 1 and len(mail.outbox) == 1


def _box(deliver, after_sent=None):
    return Outbox(name="test", rows=OutgoingEmail.objects.all, deliver=deliver, after_sent=after_sent)


def test_cancel_and_defer_are_not_failed_attempts():
    _emails(2)
    first, second = OutgoingEmail.objects.order_by("pk")
    later = timezone.now() + datetime.timedelta(minutes=15)

    def deliver(row, now):
        if row.pk == first.pk:
            raise OutboxCancel
        raise OutboxDefer(later)

    report = outbox_drain(_box(deliver))
    assert (report.cancelled, report.deferred, report.sent, report.retried) == (1, 1, 0, 0)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "cancelled"
    assert (second.status, second.attempts, second.next_attempt_at) == ("pending", 0, later)


def test_after_sent_runs_once_the_row_is_marked_and_its_failure_does_not_resend():
    _emails(2)
    seen = []

    def after_sent(row):
        seen.append(row.pk)
        raise RuntimeError("notification store down")

    report = outbox_drain(_box(lambda row, now: None, after_sent))
    assert report.sent == 2 and len(seen) == 2
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}
    assert outbox_drain(_box(lambda row, now: None, after_sent)).sent == 0


def test_a_dispatcher_whose_claim_was_taken_over_cannot_mark_the_row():
    _emails(1)
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    now = timezone.now()
    claim = {"claim_token": mine, "claimed_at": now, "attempts": F("attempts") + 1}
    assert len(outbox_claim(OutgoingEmail.objects.filter(due_q(now)), limit=5, claim=claim)) == 1
    row = OutgoingEmail.objects.get()
    OutgoingEmail.objects.update(claim_token=theirs)  # the lease expired and another took it
    report = DrainReport()
    outbox_process(EMAIL_OUTBOX, row, token=mine, now=now, report=report)
    assert (report.sent, report.lost_claims) == (0, 1)
    assert OutgoingEmail.objects.get().status == "pending"


def test_the_drain_goes_batch_after_batch_until_nothing_is_due():
    _emails(25)
    report = outbox_drain(EMAIL_OUTBOX, batch_size=10)
    assert report.sent == 25 and not report.more
    assert len(mail.outbox) == 25
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 25


def test_a_spent_time_budget_says_work_is_left():
    _emails(3)
    report = outbox_drain(EMAIL_OUTBOX, time_budget=0)
    assert (report.sent, report.more) == (0, True)
    assert outbox_drain(EMAIL_OUTBOX).sent == 3


@override_settings(OUTBOX_LEASE_SECONDS=60)
def test_a_slow_batch_gives_back_what_it_has_not_reached_before_half_its_lease():
    _emails(4)
    clock = {"now": 1000.0}

    def deliver(row, now):
        clock["now"] += 31  # each send takes longer than half the lease
        return None

    with mock.patch.object(outbox.time, "monotonic", side_effect=lambda: clock["now"]):
        report = outbox_drain(_box(deliver), batch_size=4, time_budget=10_000)
    # One row per claim: the rest of each batch went back unclaimed, no attempt spent.
    assert report.sent == 4 and report.released == 3 + 2 + 1
    assert list(OutgoingEmail.objects.values_list("attempts", flat=True)) == [1, 1, 1, 1]


def test_a_deactivated_recipient_gets_nothing():
    user = _emails(1)
    user.is_active = False
    user.save()
    assert outbox_drain(EMAIL_OUTBOX).cancelled == 1 and mail.outbox == []


def test_queuing_twice_with_one_key_queues_one_email():
    user = UserFactory()
    assert email_enqueue(key="k", topic="t", user=user, template="academy/emails/test") is not None
    assert email_enqueue(key="k", topic="t", user=user, template="academy/emails/test") is None
    assert OutgoingEmail.objects.count() == 1


# ---------------------------------------------------------------- broker outage


def test_inviting_while_the_broker_is_down_succeeds_and_the_email_leaves_later(
    client, network, django_capture_on_commit_callbacks
):
    broken = mock.Mock()
    broken.delay.side_effect = OperationalError("Error 111 connecting to 127.0.0.1:6390. Connection refused.")
    client.force_login(network.lead_a)
    page = reverse("distributors:invitations", args=[network.distributor_a.pk])
    data = {"email": "new.person@test.example", "first_name": "Awa", "role": "staff", "language": "fr"}
    with (
        mock.patch("academy.tasks.task_named", return_value=broken),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(page, data)
    assert response.status_code == 302, response.content.decode()[:500]
    assert broken.delay.called  # the wake-up was tried, failed, and did not fail the request
    email = OutgoingEmail.objects.get(topic="distributors.invitation")
    assert email.status == "pending" and mail.outbox == []
    # The broker is back: the next periodic run sends it.
    assert outbox.outboxes_drain().sent == 1
    assert mail.outbox[0].to == ["new.person@test.example"]


def test_every_outbox_is_registered_for_the_periodic_run():
    assert set(outbox.outboxes()) >= {"academy.emails", "courses.reminders", "webinars.reminders"}


# ---------------------------------------------------------------- PostgreSQL: concurrent dispatchers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_send_each_email_exactly_once():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED): run with DATABASE_URL=postgres://..."
        )
    # No eager wake-up: the four threads do the work.
    with mock.patch("academy.messaging.services.sending.outbox_wake"):
        _emails(120)
    barrier = threading.Barrier(4)
    reports: list[DrainReport] = []
    errors: list[BaseException] = []

    def drain():
        try:
            barrier.wait(10)
            reports.append(outbox_drain(EMAIL_OUTBOX, batch_size=7))
        except BaseException as error:  # surfaced in the test thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert sum(report.sent for report in reports) == 120
    assert len(mail.outbox) == 120
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 120
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}


@override_settings(OUTBOX_DISPATCHERS=3, OUTBOX_BATCH_SIZE=2)
def test_a_run_that_finds_much_due_calls_in_helpers_and_helpers_call_in_nobody():
    from academy import tasks

    _emails(3)
    queued = mock.Mock()
    with mock.patch("academy.tasks.task_named", return_value=queued):
        assert tasks.outbox_drain()["sent"] == 3
        assert [call.args for call in queued.delay.call_args_list] == [(True,), (True,)]
        queued.reset_mock()
        assert tasks.outbox_drain()["sent"] == 0
        assert queued.delay.call_args_list == []  # nothing due: no helpers


@override_settings(OUTBOX_TIME_BUDGET_SECONDS=0)
def test_a_run_out_of_time_queues_its_successor():
    from academy import tasks

    _emails(1)
    queued = mock.Mock()
    with mock.patch("academy.tasks.task_named", return_value=queued):
        assert tasks.outbox_drain(True)["more"] == 1
    assert [call.args for call in queued.delay.call_args_list] == [(True,)]


def test_failed_emails_are_shown_to_admins_and_sent_again_from_the_admin(client, network):
    _emails(2)
    with mock.patch("academy.services.CalendarEmail.send", side_effect=OSError("mailbox full")):
        outbox_drain(EMAIL_OUTBOX)
    OutgoingEmail.objects.filter(key="test-0").update(status="failed")
    client.force_login(network.admin)
    url = reverse("admin:academy_outgoingemail_changelist")
    page = client.get(url, {"status__exact": "failed"}).content.decode()
    assert "Hello" in page and page.count("test-0") == 0  # the list shows subjects, not keys
    detail = client.get(
        reverse("admin:academy_outgoingemail_change", args=[OutgoingEmail.objects.get(key="test-0").pk])
    )
    assert "OSError: mailbox full" in detail.content.decode()
    response = client.post(
        url, {"action": "retry", "_selected_action": list(OutgoingEmail.objects.values_list("pk", flat=True))}
    )
    assert response.status_code == 302
    retried = OutgoingEmail.objects.get(key="test-0")
    assert (retried.status, retried.attempts) == ("pending", 0)
    assert OutgoingEmail.objects.get(key="test-1").attempts == 1  # a pending row is left as it was
    assert (
        client.get(reverse("admin:academy_outgoingemail_add")).status_code == 403
    )  # nobody writes one by hand
