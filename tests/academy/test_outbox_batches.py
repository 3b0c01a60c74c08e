"""Outboxes that send a whole claimed batch at once (``Outbox.deliver_batch``,
as the xAPI forwarding to a learning record store does) and choose their own
batch size (``Outbox.batch_size``): each row's outcome as the channel gives
it, a row the channel says nothing about, a batch that fails as a whole, and
``OutboxReject`` failing a row at its first attempt."""

import datetime

import pytest

from academy.models import OutboxStatus, OutgoingEmail
from academy.outbox import Outbox, OutboxReject, outbox_drain
from tests.academy.test_outbox_rules import NOW, _template, rows  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def batch_box(deliver_batch, batch_size=None) -> Outbox:
    def one_by_one(row, now):
        raise AssertionError("a batch outbox sends no row alone")

    return Outbox(
        name="batches",
        rows=OutgoingEmail.objects.all,
        deliver=one_by_one,
        deliver_batch=deliver_batch,
        batch_size=batch_size,
    )


def test_each_row_of_a_batch_gets_the_outcome_the_channel_gives_it(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 5
    first, second, third, fourth = rows(4)
    calls = []

    def deliver_batch(batch, now):
        calls.append(([row.pk for row in batch], now))
        return {first: None, second: RuntimeError("busy"), third: OutboxReject("bad statement")}

    report = outbox_drain(batch_box(deliver_batch), now=NOW)

    assert calls == [([first, second, third, fourth], NOW)]
    assert (report.sent, report.retried, report.failed) == (1, 2, 1)
    status = dict(OutgoingEmail.objects.values_list("pk", "status"))
    assert status[first] == OutboxStatus.SENT
    assert status[third] == OutboxStatus.FAILED
    retried = OutgoingEmail.objects.get(pk=second)
    assert retried.status == OutboxStatus.PENDING and retried.last_error == "RuntimeError: busy"
    assert retried.next_attempt_at > NOW
    # A row the channel said nothing about is not taken as sent: it is retried.
    silent = OutgoingEmail.objects.get(pk=fourth)
    assert silent.status == OutboxStatus.PENDING
    assert silent.last_error == "RuntimeError: no outcome for this row"
    assert "OutboxReject: bad statement" in report.errors


def test_a_batch_that_fails_as_a_whole_spends_an_attempt_of_each_row(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 5
    ids = rows(3)

    def deliver_batch(batch, now):
        raise ConnectionError("store down")

    report = outbox_drain(batch_box(deliver_batch), now=NOW)

    assert (report.sent, report.retried, report.failed) == (0, 3, 0)
    for row in OutgoingEmail.objects.filter(pk__in=ids):
        assert row.status == OutboxStatus.PENDING
        assert row.attempts == 1
        assert row.last_error == "ConnectionError: store down"


def test_a_reject_fails_the_row_at_its_first_attempt(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 5
    (only,) = rows(1)

    report = outbox_drain(batch_box(lambda batch, now: {only: OutboxReject("refused")}), now=NOW)

    row = OutgoingEmail.objects.get(pk=only)
    assert row.status == OutboxStatus.FAILED and row.attempts == 1
    assert row.last_error == "OutboxReject: refused"
    assert report.failed == 1


def test_an_outbox_s_own_batch_size_is_used(settings):
    settings.OUTBOX_BATCH_SIZE = 50
    rows(5)
    sizes = []

    def deliver_batch(batch, now):
        sizes.append(len(batch))
        return {row.pk: None for row in batch}

    report = outbox_drain(batch_box(deliver_batch, batch_size=lambda: 2), now=NOW)

    assert sizes == [2, 2, 1]
    assert report.sent == 5


def test_a_batch_size_given_to_the_drain_wins_over_the_outbox_s(settings):
    rows(3)
    sizes = []

    def deliver_batch(batch, now):
        sizes.append(len(batch))
        return {row.pk: None for row in batch}

    outbox_drain(batch_box(deliver_batch, batch_size=lambda: 1), batch_size=3, now=NOW)

    assert sizes == [3]


def test_a_batch_is_handed_over_in_due_order_whatever_the_id():
    first, second = rows(2)
    OutgoingEmail.objects.filter(pk=second).update(next_attempt_at=NOW - datetime.timedelta(hours=1))
    seen = []

    def deliver_batch(batch, now):
        seen.extend(row.pk for row in batch)
        return {row.pk: None for row in batch}

    outbox_drain(batch_box(deliver_batch), now=NOW)

    assert seen == [second, first]
