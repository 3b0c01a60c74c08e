"""The outbox's rules at their exact edges (academy.outbox): batch size,
lease expiry, backoff at each attempt and its cap, failure at exactly the
last attempt, the half-lease release, the time budget, and claims by two
dispatchers on SQLite (conditional UPDATE) and PostgreSQL (SKIP LOCKED).
The behaviour end to end is in test_outbox.py."""

import contextlib
import datetime
import threading
import uuid
from unittest import mock

import pytest
from django.db import connection, connections, transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from academy import outbox
from academy.models import OutgoingEmail
from academy.outbox import (
    DrainReport,
    Outbox,
    OutboxCancel,
    OutboxDefer,
    OutboxReject,
    backoff,
    due_q,
    lease,
    outbox_claim,
    outbox_drain,
    outbox_process,
    outbox_retry,
    outboxes_drain,
)
from academy.services import email_enqueue
from tests.academy.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _template(settings, tmp_path):
    folder = tmp_path / "academy" / "emails"
    folder.mkdir(parents=True)
    (folder / "rule_subject.txt").write_text("Hello")
    (folder / "rule_body.txt").write_text("Body")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]


def rows(count: int, *, due_at: datetime.datetime = NOW, topic: str = "t") -> list[int]:
    """``count`` pending e-mails due by ``due_at`` (the last exactly then, each one a
    microsecond after the previous, in id order); their ids."""
    user = UserFactory()
    with mock.patch("academy.messaging.services.sending.outbox_wake"):
        for index in range(count):
            email_enqueue(
                key=f"rule-{uuid.uuid4()}-{index}", topic=topic, user=user, template="academy/emails/rule"
            )
    ids = list(OutgoingEmail.objects.order_by("pk").values_list("pk", flat=True))[-count:] if count else []
    for index, pk in enumerate(ids):
        OutgoingEmail.objects.filter(pk=pk).update(
            next_attempt_at=due_at - datetime.timedelta(microseconds=count - 1 - index)
        )
    return ids


def box(deliver=None, after_sent=None, after_failed=None) -> Outbox:
    return Outbox(
        name="rules",
        rows=OutgoingEmail.objects.all,
        deliver=deliver or (lambda row, now: None),
        after_sent=after_sent,
        after_failed=after_failed,
    )


def claim_for(token: uuid.UUID, now: datetime.datetime = NOW) -> dict:
    return {"claim_token": token, "claimed_at": now, "attempts": F("attempts") + 1}


def due(now: datetime.datetime = NOW):
    return OutgoingEmail.objects.filter(due_q(now)).order_by("next_attempt_at", "pk")


# ---------------------------------------------------------------- backoff


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(0, 60), (1, 60), (2, 120), (3, 240), (4, 480), (5, 960), (6, 1920), (7, 3600), (8, 3600), (30, 3600)],
)
@override_settings(OUTBOX_BACKOFF_SECONDS=60, OUTBOX_BACKOFF_CAP_SECONDS=3600)
def test_backoff_at_each_attempt(attempts, seconds):
    assert backoff(attempts) == datetime.timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 10), (2, 20), (3, 40), (4, 80), (5, 80), (6, 80)],
)
@override_settings(OUTBOX_BACKOFF_SECONDS=10, OUTBOX_BACKOFF_CAP_SECONDS=80)
def test_backoff_reaches_its_cap_exactly_and_stays_there(attempts, seconds):
    assert backoff(attempts) == datetime.timedelta(seconds=seconds)


@override_settings(OUTBOX_LEASE_SECONDS=45)
def test_the_lease_is_the_setting():
    assert lease() == datetime.timedelta(seconds=45)


# ---------------------------------------------------------------- what is due


@pytest.mark.parametrize(
    ("claimed_ago", "is_due"),
    [
        (None, True),
        (datetime.timedelta(0), False),
        (datetime.timedelta(seconds=29), False),
        (datetime.timedelta(seconds=30), False),  # exactly a lease ago: still held
        (datetime.timedelta(seconds=30, microseconds=1), True),
        (datetime.timedelta(seconds=31), True),
    ],
)
@override_settings(OUTBOX_LEASE_SECONDS=30)
def test_a_claim_holds_for_exactly_its_lease(claimed_ago, is_due):
    [pk] = rows(1)
    claimed_at = None if claimed_ago is None else NOW - claimed_ago
    OutgoingEmail.objects.filter(pk=pk).update(claimed_at=claimed_at, claim_token=uuid.uuid4())
    assert OutgoingEmail.objects.filter(due_q(NOW)).exists() is is_due


@pytest.mark.parametrize(
    ("next_in", "is_due"),
    [
        (datetime.timedelta(microseconds=1), False),
        (datetime.timedelta(0), True),
        (-datetime.timedelta(days=1), True),
    ],
)
def test_a_row_is_due_from_its_next_attempt(next_in, is_due):
    [pk] = rows(1)
    OutgoingEmail.objects.filter(pk=pk).update(next_attempt_at=NOW + next_in)
    assert OutgoingEmail.objects.filter(due_q(NOW)).exists() is is_due


@pytest.mark.parametrize(
    ("status", "is_due"), [("pending", True), ("sent", False), ("failed", False), ("cancelled", False)]
)
def test_only_pending_rows_are_due(status, is_due):
    [pk] = rows(1)
    OutgoingEmail.objects.filter(pk=pk).update(status=status)
    assert OutgoingEmail.objects.filter(due_q(NOW)).exists() is is_due


# ---------------------------------------------------------------- claims and batch size


@pytest.mark.parametrize(
    ("due_count", "limit", "claimed"), [(5, 3, 3), (3, 3, 3), (2, 3, 2), (4, 1, 1), (0, 3, 0)]
)
def test_a_claim_takes_at_most_its_limit_oldest_first(due_count, limit, claimed):
    ids = rows(due_count)
    token = uuid.uuid4()
    got = outbox_claim(due(), limit=limit, claim=claim_for(token))
    assert got == ids[:claimed]
    taken = OutgoingEmail.objects.filter(claim_token=token)
    assert sorted(taken.values_list("pk", flat=True)) == ids[:claimed]
    assert set(taken.values_list("attempts", flat=True)) <= {1}
    assert set(taken.values_list("claimed_at", flat=True)) <= {NOW}
    assert OutgoingEmail.objects.filter(claim_token__isnull=True).count() == due_count - claimed


def test_a_claim_leaves_rows_that_are_not_due():
    ids = rows(3)
    OutgoingEmail.objects.filter(pk=ids[0]).update(next_attempt_at=NOW + datetime.timedelta(seconds=1))
    assert outbox_claim(due(), limit=5, claim=claim_for(uuid.uuid4())) == ids[1:]


@pytest.mark.parametrize("skip_locked", [True, False])
def test_two_claimers_take_disjoint_rows_and_a_third_gets_none(skip_locked):
    # Both paths on every database: SQLite ignores FOR UPDATE, so there the
    # SKIP LOCKED path claims in turn (its locking is tested on PostgreSQL below).
    ids = rows(5)
    first, second, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with mock.patch.object(connection.features, "has_select_for_update_skip_locked", skip_locked):
        mine = outbox_claim(due(), limit=3, claim=claim_for(first))
        theirs = outbox_claim(due(), limit=10, claim=claim_for(second))
        nobody = outbox_claim(due(), limit=10, claim=claim_for(third))
    assert (mine, theirs, nobody) == (ids[:3], ids[3:], [])
    assert OutgoingEmail.objects.filter(claim_token=first).count() == 3
    assert OutgoingEmail.objects.filter(claim_token=second).count() == 2


class _RivalFirst(type(OutgoingEmail.objects.all())):  # type: ignore[misc]
    """A queryset of due rows that lets a rival dispatcher claim everything
    after this dispatcher listed its candidates and before it updates them."""

    rival: uuid.UUID | None = None

    def filter(self, *args, **kwargs):
        if "pk" in kwargs and _RivalFirst.rival is not None:
            OutgoingEmail.objects.update(
                claim_token=_RivalFirst.rival, claimed_at=NOW, attempts=F("attempts") + 1
            )
            _RivalFirst.rival = None
        return super().filter(*args, **kwargs)


def test_on_the_conditional_update_path_a_claimer_that_lost_the_race_claims_nothing():
    ids = rows(3)
    rival, late = uuid.uuid4(), uuid.uuid4()
    racing = due()
    racing.__class__ = _RivalFirst
    _RivalFirst.rival = rival
    with mock.patch.object(connection.features, "has_select_for_update_skip_locked", False):
        assert outbox_claim(racing, limit=3, claim=claim_for(late)) == []
    assert sorted(OutgoingEmail.objects.filter(claim_token=rival).values_list("pk", flat=True)) == ids
    assert set(OutgoingEmail.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_claimer_skips_the_rows_another_is_claiming():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED): run with DATABASE_URL=postgres://..."
        )
    ids = rows(5)
    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_three():
        try:
            with transaction.atomic():
                list(due().select_for_update()[:3].values_list("pk", flat=True))
                locked.set()
                release.wait(30)
        except BaseException as error:  # surfaced in the test thread
            errors.append(error)
        finally:
            locked.set()
            connections.close_all()

    holder = threading.Thread(target=hold_three)
    holder.start()
    try:
        assert locked.wait(30)
        assert outbox_claim(due(), limit=10, claim=claim_for(uuid.uuid4())) == ids[3:]
    finally:
        release.set()
        holder.join(30)
    assert not errors


def _claims_seen(count: int, *, batch_size: int | None = None):
    """Drain ``count`` rows; the size of each claim, in order."""
    rows(count)
    tokens: list[uuid.UUID] = []

    def deliver(row, now):
        tokens.append(row.claim_token)

    report = outbox_drain(box(deliver), now=NOW, batch_size=batch_size, time_budget=10_000)
    sizes = [tokens.count(token) for token in dict.fromkeys(tokens)]
    return sizes, report


@pytest.mark.parametrize(
    ("count", "batch_size", "sizes"),
    [(7, 3, [3, 3, 1]), (6, 3, [3, 3]), (3, 3, [3]), (2, 3, [2]), (1, 1, [1]), (4, 1, [1, 1, 1, 1])],
)
def test_the_drain_claims_exactly_its_batch_size_each_time(count, batch_size, sizes):
    seen, report = _claims_seen(count, batch_size=batch_size)
    assert seen == sizes
    assert (report.sent, report.more, report.released) == (count, False, 0)


def test_each_claimed_batch_is_sent_inside_one_batch_context():
    rows(5)
    events: list[str] = []

    @contextlib.contextmanager
    def batch():
        events.append("open")
        yield
        events.append("close")

    shared = Outbox(
        name="rules",
        rows=OutgoingEmail.objects.all,
        deliver=lambda row, now: events.append("send"),
        batch=batch,
    )
    report = outbox_drain(shared, now=NOW, batch_size=2, time_budget=10_000)
    assert report.sent == 5
    batches = ["open", "send", "send", "close"]
    assert events == batches + batches + ["open", "send", "close"]


def test_a_batch_context_closes_even_when_a_send_fails():
    rows(2)
    closed: list[bool] = []

    @contextlib.contextmanager
    def batch():
        try:
            yield
        finally:
            closed.append(True)

    def deliver(row, now):
        raise OSError("connection reset")

    report = outbox_drain(
        Outbox(name="rules", rows=OutgoingEmail.objects.all, deliver=deliver, batch=batch),
        now=NOW,
        batch_size=5,
        time_budget=10_000,
    )
    assert (report.retried, closed) == (2, [True])


def test_an_outbox_without_a_batch_context_sends_as_before():
    rows(2)
    assert outbox_drain(box(), now=NOW, batch_size=5, time_budget=10_000).sent == 2


@override_settings(OUTBOX_BATCH_SIZE=2)
def test_the_batch_size_defaults_to_the_setting():
    assert _claims_seen(5)[0] == [2, 2, 1]


@pytest.mark.parametrize(("count", "calls"), [(2, 0), (3, 1), (7, 1)])
def test_on_full_batch_is_called_once_when_a_claim_comes_back_full(count, calls):
    rows(count)
    called = mock.Mock()
    outbox_drain(box(), now=NOW, batch_size=3, on_full_batch=called, time_budget=10_000)
    assert called.call_count == calls


def test_nothing_due_ends_the_drain_with_an_empty_report():
    rows(1, due_at=NOW + datetime.timedelta(seconds=1))
    report = outbox_drain(box(), now=NOW, batch_size=3, time_budget=10_000)
    assert report.as_dict() == {
        "sent": 0,
        "retried": 0,
        "failed": 0,
        "cancelled": 0,
        "deferred": 0,
        "released": 0,
        "more": 0,
    }


# ---------------------------------------------------------------- attempts


def _claimed_row(*, attempts_before: int):
    [pk] = rows(1)
    OutgoingEmail.objects.filter(pk=pk).update(attempts=attempts_before)
    token = uuid.uuid4()
    assert outbox_claim(due(), limit=1, claim=claim_for(token)) == [pk]
    return OutgoingEmail.objects.get(pk=pk), token


def _refused(row, now):
    raise OSError("refused")


@pytest.mark.parametrize(
    ("max_attempts", "attempt", "status"),
    [
        (3, 1, "pending"),
        (3, 2, "pending"),
        (3, 3, "failed"),  # exactly the last attempt
        (3, 4, "failed"),
        (1, 1, "failed"),
        (6, 5, "pending"),
        (6, 6, "failed"),
    ],
)
@override_settings(OUTBOX_BACKOFF_SECONDS=60, OUTBOX_BACKOFF_CAP_SECONDS=3600)
def test_a_row_fails_at_exactly_its_last_attempt(settings, max_attempts, attempt, status):
    settings.OUTBOX_MAX_ATTEMPTS = max_attempts
    row, token = _claimed_row(attempts_before=attempt - 1)
    report = DrainReport()
    outbox_process(box(_refused), row, token=token, now=NOW, report=report)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claim_token, row.claimed_at) == (status, attempt, None, None)
    assert row.last_error == "OSError: refused"
    assert report.errors == ["OSError: refused"]
    if status == "failed":
        assert (report.failed, report.retried) == (1, 0)
        assert row.next_attempt_at == NOW
    else:
        assert (report.failed, report.retried) == (0, 1)
        assert row.next_attempt_at == NOW + backoff(attempt)


def test_an_error_message_is_kept_to_2000_characters():
    row, token = _claimed_row(attempts_before=0)

    def deliver(row, now):
        raise ValueError("x" * 5000)

    report = DrainReport()
    outbox_process(box(deliver), row, token=token, now=NOW, report=report)
    row.refresh_from_db()
    assert row.last_error == ("ValueError: " + "x" * 5000)[:2000]
    assert len(report.errors[0]) == 2000


def test_a_sent_row_is_marked_and_released():
    row, token = _claimed_row(attempts_before=0)
    OutgoingEmail.objects.filter(pk=row.pk).update(last_error="old")
    report = DrainReport()
    outbox_process(box(), row, token=token, now=NOW, report=report)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claim_token, row.claimed_at, row.last_error) == (
        "sent",
        1,
        None,
        None,
        "",
    )
    assert row.sent_at is not None
    assert (report.sent, report.lost_claims, report.errors) == (1, 0, [])


def test_cancel_and_defer_release_the_claim():
    cancelled, token = _claimed_row(attempts_before=0)
    report = DrainReport()

    def cancel(row, now):
        raise OutboxCancel

    outbox_process(box(cancel), cancelled, token=token, now=NOW, report=report)
    cancelled.refresh_from_db()
    assert (cancelled.status, cancelled.claim_token, cancelled.attempts) == ("cancelled", None, 1)
    OutgoingEmail.objects.all().delete()

    deferred, token = _claimed_row(attempts_before=2)
    until = NOW + datetime.timedelta(hours=1)

    def defer(row, now):
        raise OutboxDefer(until)

    outbox_process(box(defer), deferred, token=token, now=NOW, report=report)
    deferred.refresh_from_db()
    assert (deferred.status, deferred.claim_token, deferred.claimed_at) == ("pending", None, None)
    assert (deferred.attempts, deferred.next_attempt_at) == (2, until)  # waiting is not an attempt
    assert (report.cancelled, report.deferred, report.errors) == (1, 1, [])


def test_after_sent_is_called_with_the_row_and_not_when_the_claim_was_lost():
    row, token = _claimed_row(attempts_before=0)
    seen = []
    report = DrainReport()
    outbox_process(box(after_sent=seen.append), row, token=token, now=NOW, report=report)
    assert [sent.pk for sent in seen] == [row.pk]
    OutgoingEmail.objects.all().delete()
    lost, token = _claimed_row(attempts_before=0)
    OutgoingEmail.objects.update(claim_token=uuid.uuid4())
    outbox_process(box(after_sent=seen.append), lost, token=token, now=NOW, report=report)
    assert len(seen) == 1 and (report.sent, report.lost_claims) == (1, 1)


# ---------------------------------------------------------------- half the lease, the time budget


def _drain_with_sends_taking(seconds: float, *, count: int, batch_size: int, budget: float = 10_000):
    rows(count)
    clock = {"now": 1000.0}
    claims: list[uuid.UUID] = []

    def deliver(row, now):
        claims.append(row.claim_token)
        clock["now"] += seconds

    with mock.patch.object(outbox.time, "monotonic", side_effect=lambda: clock["now"]):
        report = outbox_drain(box(deliver), now=NOW, batch_size=batch_size, time_budget=budget)
    return report, [claims.count(token) for token in dict.fromkeys(claims)]


@pytest.mark.parametrize(
    ("seconds", "sizes", "released"),
    [
        (29, [2, 2], 2),  # 29 s: the second row starts at 29 s < 30 s, the third at 58 s
        (30, [1, 1, 1, 1], 3 + 2 + 1),  # exactly half the lease: give back the rest
        (31, [1, 1, 1, 1], 3 + 2 + 1),
        (14, [3, 1], 1),
        (0, [4], 0),
    ],
)
@override_settings(OUTBOX_LEASE_SECONDS=60)
def test_a_claim_is_used_until_exactly_half_its_lease(seconds, sizes, released):
    report, seen = _drain_with_sends_taking(seconds, count=4, batch_size=4)
    assert seen == sizes
    assert (report.sent, report.released) == (4, released)
    # Given-back rows spent no attempt: each was sent at its first.
    assert list(OutgoingEmail.objects.values_list("attempts", flat=True)) == [1, 1, 1, 1]
    assert set(OutgoingEmail.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.parametrize(
    ("budget", "sent", "more"),
    [(10, 1, True), (20, 2, True), (19, 2, True), (21, 3, False), (0, 0, True)],
)
def test_the_drain_stops_once_its_time_budget_is_spent(budget, sent, more):
    # One row per claim, each send takes 10 s: a new claim starts while elapsed < budget.
    report, _sizes = _drain_with_sends_taking(10, count=3, batch_size=1, budget=budget)
    assert (report.sent, report.more) == (sent, more)


def test_a_spent_budget_with_nothing_due_says_no_more():
    rows(1, due_at=NOW + datetime.timedelta(hours=1))
    assert outbox_drain(box(), now=NOW, time_budget=0).more is False


# ---------------------------------------------------------------- reports, retry, the registry


def test_reports_add_every_count():
    total = DrainReport(sent=1, retried=2, failed=3, cancelled=4, deferred=5, released=6, lost_claims=7)
    total.add(
        DrainReport(
            sent=10,
            retried=20,
            failed=30,
            cancelled=40,
            deferred=50,
            released=60,
            lost_claims=70,
            errors=["e"],
        )
    )
    assert (total.sent, total.retried, total.failed, total.cancelled, total.deferred, total.released) == (
        11,
        22,
        33,
        44,
        55,
        66,
    )
    assert (total.lost_claims, total.errors, total.more) == (77, ["e"], False)
    total.add(DrainReport(more=True))
    assert total.more is True
    total.add(DrainReport(more=False))
    assert total.more is True
    assert total.as_dict() == {
        "sent": 11,
        "retried": 22,
        "failed": 33,
        "cancelled": 44,
        "deferred": 55,
        "released": 66,
        "more": 1,
    }


def test_retry_puts_only_failed_rows_back_due_at_once():
    failed, sent, pending = rows(3)
    OutgoingEmail.objects.filter(pk=failed).update(
        status="failed", attempts=6, claim_token=uuid.uuid4(), claimed_at=NOW
    )
    OutgoingEmail.objects.filter(pk=sent).update(status="sent", attempts=2)
    OutgoingEmail.objects.filter(pk=pending).update(attempts=3)
    later = NOW + datetime.timedelta(days=1)
    assert outbox_retry(OutgoingEmail.objects.all(), now=later) == 1
    row = OutgoingEmail.objects.get(pk=failed)
    assert (row.status, row.attempts, row.next_attempt_at, row.claim_token, row.claimed_at) == (
        "pending",
        0,
        later,
        None,
        None,
    )
    assert OutgoingEmail.objects.get(pk=sent).attempts == 2
    assert OutgoingEmail.objects.get(pk=pending).attempts == 3


def test_retry_without_a_time_makes_the_row_due_now():
    [pk] = rows(1)
    OutgoingEmail.objects.filter(pk=pk).update(
        status="failed", next_attempt_at=NOW + datetime.timedelta(days=9)
    )
    before = timezone.now()
    outbox_retry(OutgoingEmail.objects.all())
    row = OutgoingEmail.objects.get(pk=pk)
    assert before <= row.next_attempt_at <= timezone.now()


def test_every_registered_outbox_is_drained_and_a_spent_budget_says_more():
    rows(2)
    first, second = box(), box()
    first.name, second.name = "rules-1", "rules-2"
    with mock.patch.dict(outbox._outboxes, {"rules-1": first, "rules-2": second}, clear=True):
        assert set(outbox.outboxes()) == {"rules-1", "rules-2"}
        total = outboxes_drain(time_budget=10_000)
        assert (total.sent, total.more) == (2, False)
        rows(1)
        assert outboxes_drain(time_budget=0).as_dict()["more"] == 1
        full = mock.Mock()
        rows(3)
        with override_settings(OUTBOX_BATCH_SIZE=1):
            total = outboxes_drain(time_budget=10_000, on_full_batch=full)
        assert total.sent == 4 and full.call_count == 1


def test_register_adds_an_outbox_by_name():
    added = box()
    added.name = "rules-added"
    with mock.patch.dict(outbox._outboxes, {}, clear=True):
        outbox.outbox_register(added)
        assert outbox.outboxes() == {"rules-added": added}


def test_a_defer_carries_its_time():
    until = NOW + datetime.timedelta(minutes=5)
    defer = OutboxDefer(until)
    assert (defer.until, defer.args) == (until, (until,))


@override_settings(OUTBOX_TIME_BUDGET_SECONDS=0)
def test_the_shared_budget_defaults_to_the_setting():
    rows(1)
    with mock.patch.dict(outbox._outboxes, {"rules": box()}, clear=True):
        total = outboxes_drain()
    assert (total.sent, total.more) == (0, True)


def test_a_wake_up_queues_one_dispatcher_run_after_the_commit(django_capture_on_commit_callbacks):
    queued = mock.Mock()
    with mock.patch("academy.tasks.task_named", return_value=queued) as named:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            outbox.outbox_wake()
        assert not named.called  # nothing before the commit
        assert len(callbacks) == 1
        callbacks[0]()
    named.assert_called_once_with("academy.outbox_drain")
    queued.delay.assert_called_once_with()


def test_a_wake_up_while_the_broker_is_down_is_only_logged(django_capture_on_commit_callbacks):
    broken = mock.Mock()
    broken.delay.side_effect = ConnectionError("broker down")
    with (
        mock.patch("academy.tasks.task_named", return_value=broken),
        django_capture_on_commit_callbacks(execute=True),
    ):
        outbox.outbox_wake()
    assert broken.delay.called


@override_settings(OUTBOX_TIME_BUDGET_SECONDS=0)
def test_a_drain_budget_defaults_to_the_setting():
    rows(1)
    report = outbox_drain(box(), now=NOW)
    assert (report.sent, report.more) == (0, True)


def _refuse(row, now):
    raise OutboxReject("550 mailbox unknown")


def test_after_failed_runs_once_with_the_failed_row_and_its_error():
    (pk,) = rows(1)
    seen: list[tuple[int, str]] = []
    report = outbox_drain(
        box(_refuse, after_failed=lambda row: seen.append((row.pk, row.last_error))), now=NOW
    )
    assert report.failed == 1
    assert seen == [(pk, "OutboxReject: 550 mailbox unknown")]
    # A retry is not a failure: nothing runs.
    rows(1)
    seen.clear()
    outbox_drain(box(lambda row, now: 1 / 0, after_failed=lambda row: seen.append(row.pk)), now=NOW)
    assert seen == []


def test_after_failed_does_not_run_when_the_claim_was_taken_over():
    rows(1)
    seen: list[int] = []

    def refuse_late(row, now):
        OutgoingEmail.objects.filter(pk=row.pk).update(claim_token=uuid.uuid4())  # another dispatcher took it
        raise OutboxReject("too late")

    report = outbox_drain(box(refuse_late, after_failed=lambda row: seen.append(row.pk)), now=NOW)
    assert (report.failed, seen) == (0, [])


def test_a_failing_after_failed_step_leaves_the_row_failed(caplog):
    (pk,) = rows(1)

    def broken(row):
        raise RuntimeError("fallback broke")

    report = outbox_drain(box(_refuse, after_failed=broken), now=NOW)
    assert report.failed == 1
    assert OutgoingEmail.objects.get(pk=pk).status == "failed"
    assert f"rules {pk}: after-failure step failed" in caplog.text


def test_the_drain_claims_the_earliest_due_first_whatever_the_id():
    first, second = rows(2)
    OutgoingEmail.objects.filter(pk=first).update(next_attempt_at=NOW)
    OutgoingEmail.objects.filter(pk=second).update(next_attempt_at=NOW - datetime.timedelta(minutes=1))
    order: list[int] = []
    outbox_drain(box(lambda row, now: order.append(row.pk)), now=NOW, batch_size=1, time_budget=10_000)
    assert order == [second, first]


@override_settings(OUTBOX_BATCH_SIZE=1)
def test_full_batches_without_a_callback_are_fine():
    rows(2)
    with mock.patch.dict(outbox._outboxes, {"rules": box()}, clear=True):
        assert outboxes_drain(time_budget=10_000).sent == 2


@pytest.mark.parametrize(("max_batches", "sent"), [(1, 1), (2, 2), (3, 3), (None, 3)])
def test_a_drain_stops_after_its_batches(max_batches, sent):
    rows(3)
    report = outbox_drain(box(), now=NOW, batch_size=1, max_batches=max_batches, time_budget=10_000)
    assert report.sent == sent


def test_outboxes_take_turns_one_batch_each_so_messages_queued_by_another_leave_at_once():
    # Each reminder of outbox "one" queues a message in outbox "two" (as web-conference
    # reminders queue texts): the messages go out between the reminders' batches.
    rows(3, topic="one")
    order: list[str] = []

    def hand_over(row, now):
        order.append("one")
        rows(1, topic="two")

    def send(row, now):
        order.append("two")

    one = Outbox(name="one", rows=lambda: OutgoingEmail.objects.filter(topic="one"), deliver=hand_over)
    two = Outbox(name="two", rows=lambda: OutgoingEmail.objects.filter(topic="two"), deliver=send)
    with (
        mock.patch.dict(outbox._outboxes, {"one": one, "two": two}, clear=True),
        override_settings(OUTBOX_BATCH_SIZE=1),
    ):
        report = outboxes_drain(time_budget=10_000)
    assert order == ["one", "two", "one", "two", "one", "two"]
    assert (report.sent, report.more) == (6, False)


def _two_outboxes(budget: float, *, second_rows: int):
    """Outbox one: one row whose send takes 60 s. Outbox two: ``second_rows``
    rows, 45 s each. One row per claim; the clock is the sends' durations."""
    rows(1, topic="one")
    rows(second_rows, topic="two")
    clock = {"now": 1000.0}

    def taking(seconds):
        def deliver(row, now):
            clock["now"] += seconds

        return deliver

    one = Outbox(name="one", rows=lambda: OutgoingEmail.objects.filter(topic="one"), deliver=taking(60))
    two = Outbox(name="two", rows=lambda: OutgoingEmail.objects.filter(topic="two"), deliver=taking(45))
    with (
        mock.patch.dict(outbox._outboxes, {"one": one, "two": two}, clear=True),
        mock.patch.object(outbox.time, "monotonic", side_effect=lambda: clock["now"]),
        override_settings(OUTBOX_BATCH_SIZE=1, OUTBOX_TIME_BUDGET_SECONDS=50),
    ):
        return outboxes_drain(time_budget=budget)


@pytest.mark.parametrize(
    ("budget", "second_rows", "sent", "more"),
    [
        # The second outbox gets what the first left: 40 s, one 45 s send.
        (100, 2, 2, True),
        (100, 1, 2, False),
        # Half a second left is still time to start.
        (60.5, 2, 2, True),
        # No time left: the second outbox is not drained; work is left only if it has some.
        (60, 0, 1, False),
        (60, 1, 1, True),
    ],
)
def test_outboxes_share_one_time_budget(budget, second_rows, sent, more):
    total = _two_outboxes(budget, second_rows=second_rows)
    assert (total.sent, total.more) == (sent, more)


@override_settings(OUTBOX_LEASE_SECONDS=60)
def test_rows_given_back_are_unclaimed_with_their_attempt_returned():
    # Sends take half the lease: each claim sends one row and gives the rest back,
    # and the budget ends the drain after the second claim.
    ids = rows(4)
    report, _sizes = _drain_with_sends_taking(30, count=0, batch_size=4, budget=31)
    assert (report.sent, report.released, report.more) == (2, 3 + 2, True)
    left = OutgoingEmail.objects.filter(pk__in=ids[2:]).order_by("pk")
    assert list(left.values_list("status", "claim_token", "claimed_at", "attempts")) == [
        ("pending", None, None, 0),
        ("pending", None, None, 0),
    ]


@override_settings(OUTBOX_LEASE_SECONDS=60)
def test_a_slow_batch_gives_back_only_the_rows_it_still_holds():
    _first, *rest = rows(3)
    rival = uuid.uuid4()
    clock = {"now": 1000.0}

    def deliver(row, now):
        # While the first row is sent, another dispatcher takes the others over.
        OutgoingEmail.objects.filter(pk__in=rest).update(claim_token=rival)
        clock["now"] += 30

    with mock.patch.object(outbox.time, "monotonic", side_effect=lambda: clock["now"]):
        report = outbox_drain(box(deliver), now=NOW, batch_size=3, time_budget=10_000)
    assert (report.sent, report.released) == (1, 0)
    assert list(OutgoingEmail.objects.filter(pk__in=rest).values_list("claim_token", "attempts")) == [
        (rival, 1),
        (rival, 1),
    ]


@override_settings(OUTBOX_BACKOFF_SECONDS=60, OUTBOX_MAX_ATTEMPTS=3)
def test_the_drain_hands_its_clock_to_each_send():
    [pk] = rows(1)
    seen = []

    def deliver(row, now):
        seen.append(now)
        raise OSError("refused")

    outbox_drain(box(deliver), now=NOW, time_budget=10_000)
    assert seen == [NOW]
    row = OutgoingEmail.objects.get(pk=pk)
    assert (row.claimed_at, row.next_attempt_at) == (None, NOW + datetime.timedelta(seconds=60))


def _raise(error):
    def deliver(row, now):
        raise error

    return deliver


@pytest.mark.parametrize(
    ("deliver", "attempts_before", "count"),
    [
        (_raise(OutboxCancel()), 0, "cancelled"),
        (_raise(OutboxDefer(NOW + datetime.timedelta(hours=1))), 0, "deferred"),
        (_raise(OSError("refused")), 0, "retried"),
        (_raise(OSError("refused")), 5, "failed"),
        (lambda row, now: None, 0, "sent"),
    ],
)
@override_settings(OUTBOX_MAX_ATTEMPTS=6)
def test_one_report_counts_every_row_of_each_outcome(deliver, attempts_before, count):
    report = DrainReport()
    for _index in range(3):
        row, token = _claimed_row(attempts_before=attempts_before)
        outbox_process(box(deliver), row, token=token, now=NOW, report=report)
    assert getattr(report, count) == 3


def test_outcomes_are_logged_with_the_outbox_and_the_row(caplog):
    row, token = _claimed_row(attempts_before=1)
    report = DrainReport()
    with caplog.at_level("WARNING", logger="academy.outbox"):
        outbox_process(box(_refused), row, token=token, now=NOW, report=report)
    assert [record.getMessage() for record in caplog.records] == [
        f"rules {row.pk} not sent (attempt 2): OSError: refused"
    ]


def test_a_claim_lost_after_sending_and_a_failed_follow_up_are_logged(caplog):
    row, token = _claimed_row(attempts_before=0)
    OutgoingEmail.objects.filter(pk=row.pk).update(claim_token=uuid.uuid4())
    with caplog.at_level("WARNING", logger="academy.outbox"):
        outbox_process(box(), row, token=token, now=NOW, report=DrainReport())
    assert [record.getMessage() for record in caplog.records] == [
        f"rules {row.pk} was sent after its claim had been taken over"
    ]
    caplog.clear()
    OutgoingEmail.objects.all().delete()
    row, token = _claimed_row(attempts_before=0)

    def after_sent(row):
        raise RuntimeError("store down")

    with caplog.at_level("WARNING", logger="academy.outbox"):
        outbox_process(box(after_sent=after_sent), row, token=token, now=NOW, report=DrainReport())
    assert [record.getMessage() for record in caplog.records] == [f"rules {row.pk}: after-send step failed"]


def test_a_batch_is_sent_in_due_order_whatever_the_id():
    first, second = rows(2)
    OutgoingEmail.objects.filter(pk=second).update(next_attempt_at=NOW - datetime.timedelta(minutes=1))
    order: list[int] = []
    outbox_drain(box(lambda row, now: order.append(row.pk)), now=NOW, batch_size=2, time_budget=10_000)
    assert order == [second, first]


def test_a_row_taken_over_between_the_claim_and_the_send_is_not_sent():
    first, second = rows(2)
    claim = outbox.outbox_claim

    def claim_then_lose_one(*args, **kwargs):
        ids = claim(*args, **kwargs)
        OutgoingEmail.objects.filter(pk=second).update(claim_token=uuid.uuid4())
        return ids

    sent: list[int] = []
    with mock.patch.object(outbox, "outbox_claim", side_effect=claim_then_lose_one):
        report = outbox_drain(
            box(lambda row, now: sent.append(row.pk)), now=NOW, batch_size=2, time_budget=10_000
        )
    assert sent == [first]
    assert (report.sent, report.lost_claims) == (1, 0)


def test_a_report_counts_every_claim_lost():
    report = DrainReport()
    for _index in range(2):
        row, token = _claimed_row(attempts_before=0)
        OutgoingEmail.objects.filter(pk=row.pk).update(claim_token=uuid.uuid4())
        outbox_process(box(), row, token=token, now=NOW, report=report)
    assert (report.sent, report.lost_claims) == (0, 2)
