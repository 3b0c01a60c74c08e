"""The outbox policy: how every message the platform sends leaves it.

Every message — web-conference reminders and notices, course reminders,
invitations, nudges, digests, field-report replies, password resets — is a
row written in the same transaction as the change that causes it (a
transactional outbox). Nothing is handed to a broker or a provider inside
that transaction, so a request succeeds whether or not Redis or the mail
server is up; the row is the record.

A dispatcher (:func:`outbox_drain`) sends what is due:

1. **Claim** a batch in one short transaction: due rows — ``pending``,
   ``next_attempt_at`` passed, not claimed or claimed longer ago than the
   lease (``OUTBOX_LEASE_SECONDS``) — get a fresh ``claim_token``,
   ``claimed_at`` and one more attempt. On PostgreSQL they are picked with
   ``SELECT … FOR UPDATE SKIP LOCKED``, so concurrent dispatchers take
   disjoint batches; elsewhere (SQLite) each row is won by a conditional
   ``UPDATE … WHERE <still due>``, which only one dispatcher can win.
2. **Send** each row outside any transaction through its outbox's
   ``deliver``, which passes the row's idempotency key to the channel
   (e-mail ``Message-ID``, a provider's idempotency key). The rows of a
   batch share what the outbox's ``batch()`` opens: one SMTP connection for
   a batch of e-mails, not one per message.
3. **Mark** it ``sent`` with ``UPDATE … WHERE id = … AND claim_token = <mine>``:
   only the holder of the claim records the outcome. A failure releases
   the claim with a later ``next_attempt_at`` (exponential backoff, capped),
   and after ``OUTBOX_MAX_ATTEMPTS`` the row is ``failed``: visible in the
   admin, where it can be put back in the queue.

The dispatcher **drains**: batch after batch until nothing is due or its
time budget (``OUTBOX_TIME_BUDGET_SECONDS``) is spent, and then asks for
another run at once when work is left. It stops using a batch before half
its lease has passed (releasing the rest), so a slow batch is never taken
over by a second dispatcher while the first still sends it.

What a crash costs: a dispatcher killed mid-batch leaves its rows claimed;
they are due again when the lease expires (a minute by default), and rows
that had not been handed to the channel are sent once. A message the
channel accepted just before the kill, but that was not yet marked, is sent
again with the same idempotency key: at most one repeat per killed in-flight
message. Celery only wakes dispatchers (after a commit, and every 15 seconds
from beat): a lost wake-up delays work by at most one beat period, and a
second beat or overlapping runs change nothing but who sends.
"""

import datetime
import logging
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class OutboxCancel(Exception):
    """Raised by ``deliver``: the message is no longer relevant (not sent)."""


class OutboxReject(Exception):
    """Raised by ``deliver`` (or given as a batch outcome): the channel refused
    this message for good (it would refuse it again): ``failed`` at once."""


class OutboxDefer(Exception):
    """Raised by ``deliver``: not yet, try again at ``until`` (not an attempt)."""

    def __init__(self, until: datetime.datetime) -> None:
        super().__init__(until)
        self.until = until


def outbox_claim(due: QuerySet[M], *, limit: int, claim: dict[str, Any]) -> list[int]:
    """Claim up to ``limit`` rows of ``due`` (filtered to what is due and
    ordered) by applying the ``claim`` updates to them; return their ids.

    On PostgreSQL the rows are picked with ``SELECT … FOR UPDATE SKIP LOCKED``
    and updated in the same short transaction, so a concurrent dispatcher
    skips them. Elsewhere each row is won by a conditional ``UPDATE`` that
    repeats the ``due`` filter: only one dispatcher's update matches.
    """
    manager = due.model._default_manager
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            manager.filter(pk__in=ids).update(**claim)
        return ids
    claimed: list[int] = []
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        if due.filter(pk=pk).order_by().update(**claim):
            claimed.append(pk)
    return claimed


def lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)


def backoff(attempts: int) -> datetime.timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1, 2, 4 …
    times ``OUTBOX_BACKOFF_SECONDS``, at most ``OUTBOX_BACKOFF_CAP_SECONDS``)."""
    seconds = settings.OUTBOX_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return datetime.timedelta(seconds=min(seconds, settings.OUTBOX_BACKOFF_CAP_SECONDS))


def due_q(now: datetime.datetime) -> Q:
    """Rows a dispatcher may claim at ``now``."""
    return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - lease())
    )


@dataclass
class Outbox(Generic[M]):
    """One table of messages and how to send one of its rows.

    The model has the fields ``status`` (``OutboxStatus`` values),
    ``next_attempt_at``, ``attempts``, ``last_error``, ``claim_token``,
    ``claimed_at`` and ``sent_at``. ``deliver(row, now)`` sends the row,
    passing its idempotency key to the channel, or raises ``OutboxCancel`` /
    ``OutboxDefer`` (or ``OutboxReject``); any other exception is a failed
    attempt. ``deliver_batch(rows, now)``, when given, sends a whole claimed
    batch at once instead (an HTTP API that takes many messages per call)
    and returns the outcome of each row by id: ``None`` for sent, or the
    exception ``deliver`` would have raised.
    ``after_sent(row)`` runs once the row is marked sent (e.g. the in-site
    notification that goes with an e-mail); ``after_failed(row)`` once it is
    marked failed (refused, or out of attempts): the messaging layer falls
    back to the next channel. ``batch()``, when given, is a
    context entered around the sending of each claimed batch: what a channel
    shares between the messages of one batch (one SMTP connection)."""

    name: str
    rows: Callable[[], QuerySet[M]]
    deliver: Callable[[M, datetime.datetime], None]
    after_sent: Callable[[M], None] | None = None
    after_failed: Callable[[M], None] | None = None
    batch: Callable[[], AbstractContextManager[object]] = nullcontext
    deliver_batch: Callable[[list[M], datetime.datetime], dict[Any, Exception | None]] | None = None
    # The outbox's own batch size (read at each drain), else OUTBOX_BATCH_SIZE.
    batch_size: Callable[[], int] | None = None


@dataclass
class DrainReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    deferred: int = 0
    released: int = 0
    lost_claims: int = 0
    more: bool = False
    errors: list[str] = field(default_factory=list)

    def add(self, other: "DrainReport") -> None:
        for name in ("sent", "retried", "failed", "cancelled", "deferred", "released", "lost_claims"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.more = self.more or other.more
        self.errors.extend(other.errors)

    @property
    def handled(self) -> int:
        """Rows this run claimed and dealt with, whatever the outcome."""
        return self.sent + self.retried + self.failed + self.cancelled + self.deferred + self.lost_claims

    def as_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "retried": self.retried,
            "failed": self.failed,
            "cancelled": self.cancelled,
            "deferred": self.deferred,
            "released": self.released,
            "more": int(self.more),
        }


def _release(box: Outbox[Any], row: Any, token: uuid.UUID, **changes: object) -> int:
    return (
        box.rows()
        .model._default_manager.filter(pk=row.pk, claim_token=token)
        .update(claim_token=None, claimed_at=None, **changes)
    )


def outbox_process(
    box: Outbox[M], row: M, *, token: uuid.UUID, now: datetime.datetime, report: DrainReport
) -> None:
    """Send one claimed row and record the outcome (only while holding its claim)."""
    try:
        box.deliver(row, now)
    except Exception as error:  # any failure of a channel is retried, then reported
        outbox_record(box, row, token=token, now=now, report=report, error=error)
    else:
        outbox_record(box, row, token=token, now=now, report=report, error=None)


def outbox_record(
    box: Outbox[M],
    row: M,
    *,
    token: uuid.UUID,
    now: datetime.datetime,
    report: DrainReport,
    error: Exception | None,
) -> None:
    """Record the outcome of sending one claimed row (only while holding its
    claim): sent when ``error`` is None, else cancelled, deferred, failed at
    once (``OutboxReject``) or retried later."""
    attempts = row.attempts  # type: ignore[attr-defined]
    if isinstance(error, OutboxCancel):
        report.cancelled += _release(box, row, token, status=OutboxStatus.CANCELLED)
        return
    if isinstance(error, OutboxDefer):
        # Waiting (e.g. for a session to end) is not a failed attempt.
        report.deferred += _release(box, row, token, next_attempt_at=error.until, attempts=F("attempts") - 1)
        return
    if error is not None:
        message = f"{type(error).__name__}: {error}"[:2000]
        report.errors.append(message)
        if attempts >= settings.OUTBOX_MAX_ATTEMPTS or isinstance(error, OutboxReject):
            failed = _release(box, row, token, status=OutboxStatus.FAILED, last_error=message)
            report.failed += failed
            if failed and box.after_failed is not None:
                row.last_error = message  # type: ignore[attr-defined]
                try:
                    box.after_failed(row)
                except Exception:  # the failure is recorded; what follows it must not undo that
                    logger.exception("%s %s: after-failure step failed", box.name, row.pk)
        else:
            report.retried += _release(
                box, row, token, next_attempt_at=now + backoff(attempts), last_error=message
            )
        logger.warning("%s %s not sent (attempt %s): %s", box.name, row.pk, attempts, message)
        return
    marked = _release(box, row, token, status=OutboxStatus.SENT, sent_at=timezone.now(), last_error="")
    if not marked:
        report.lost_claims += 1
        logger.warning("%s %s was sent after its claim had been taken over", box.name, row.pk)
        return
    report.sent += 1
    if box.after_sent is not None:
        try:
            box.after_sent(row)
        except Exception:  # the message is out: a follow-up failure must not resend it
            logger.exception("%s %s: after-send step failed", box.name, row.pk)


def _deliver_batch(box: Outbox[M], rows: list[M], now: datetime.datetime) -> dict[Any, Exception | None]:
    assert box.deliver_batch is not None
    try:
        return box.deliver_batch(rows, now)
    except Exception as error:  # the whole batch failed: each row spends an attempt
        return {row.pk: error for row in rows}


def outbox_drain(
    box: Outbox[M],
    *,
    now: datetime.datetime | None = None,
    batch_size: int | None = None,
    time_budget: float | None = None,
    on_full_batch: Callable[[], None] | None = None,
    max_batches: int | None = None,
) -> DrainReport:
    """Send what is due in ``box``, batch after batch, until nothing is due,
    ``max_batches`` batches are done, or ``time_budget`` seconds have passed
    (``report.more`` then says work is left). Safe to run several times at once and after a crash: see the
    module docstring. ``now`` fixes the clock (tests). ``on_full_batch`` is
    called once when the first claim came back full (much is due)."""
    report = DrainReport()
    batch_size = batch_size or (box.batch_size() if box.batch_size else settings.OUTBOX_BATCH_SIZE)
    budget = settings.OUTBOX_TIME_BUDGET_SECONDS if time_budget is None else time_budget
    started = time.monotonic()
    stop_using_claim = settings.OUTBOX_LEASE_SECONDS / 2
    batches = 0
    while True:
        if time.monotonic() - started >= budget:
            report.more = box.rows().filter(due_q(now or timezone.now())).exists()
            return report
        current = now or timezone.now()
        token = uuid.uuid4()
        ids = outbox_claim(
            box.rows().filter(due_q(current)).order_by("next_attempt_at", "pk"),
            limit=batch_size,
            claim={"claim_token": token, "claimed_at": current, "attempts": F("attempts") + 1},
        )
        if not ids:
            return report
        if on_full_batch is not None and len(ids) == batch_size:
            on_full_batch()
            on_full_batch = None
        claimed_at = time.monotonic()
        rows = list(box.rows().filter(pk__in=ids, claim_token=token).order_by("next_attempt_at", "pk"))
        with box.batch():
            if box.deliver_batch is not None:
                outcomes = _deliver_batch(box, rows, current)
                for row in rows:
                    error = outcomes.get(row.pk, RuntimeError("no outcome for this row"))
                    outbox_record(box, row, token=token, now=current, report=report, error=error)
                rows = []
            for index, row in enumerate(rows):
                if time.monotonic() - claimed_at >= stop_using_claim:
                    # Give back what this claim has not reached: due again at once, no attempt spent.
                    rest = [other.pk for other in rows[index:]]
                    report.released += (
                        box.rows()
                        .model._default_manager.filter(pk__in=rest, claim_token=token)
                        .update(claim_token=None, claimed_at=None, attempts=F("attempts") - 1)
                    )
                    break
                outbox_process(box, row, token=token, now=current, report=report)
        batches += 1
        if (len(ids) < batch_size and not report.released) or (
            max_batches is not None and batches >= max_batches
        ):
            return report


def outbox_retry(rows: QuerySet[M], *, now: datetime.datetime | None = None) -> int:
    """Put the failed ones among ``rows`` back in the queue, due now with
    their attempts reset (administrators); returns how many."""
    return rows.filter(status=OutboxStatus.FAILED).update(
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now or timezone.now(),
        claim_token=None,
        claimed_at=None,
    )


# ---------------------------------------------------------------- registry

_outboxes: dict[str, Outbox[Any]] = {}


def outbox_register(box: Outbox[Any]) -> None:
    """Make ``box`` part of every dispatcher run (apps call this in ready())."""
    _outboxes[box.name] = box


def outboxes() -> dict[str, Outbox[Any]]:
    return dict(_outboxes)


def outboxes_drain(
    *, time_budget: float | None = None, on_full_batch: Callable[[], None] | None = None
) -> DrainReport:
    """Drain every registered outbox within one time budget shared between
    them, one batch of each in turn until none has anything due;
    ``on_full_batch`` is called at most once, for the first full batch."""
    budget = settings.OUTBOX_TIME_BUDGET_SECONDS if time_budget is None else time_budget
    started = time.monotonic()
    total = DrainReport()
    once = [on_full_batch] if on_full_batch is not None else []

    def full() -> None:
        if once:
            once.pop()()

    # Round after round, one batch of each outbox in turn: the messages a
    # batch of reminders queues leave in the same run, not after every
    # reminder has been handed over (2,000 due at once would otherwise hold
    # the first WhatsApp message back for a whole budget).
    while True:
        worked = False
        for box in _outboxes.values():
            left = budget - (time.monotonic() - started)
            if left <= 0:
                now = timezone.now()
                total.more = any(other.rows().filter(due_q(now)).exists() for other in _outboxes.values())
                return total
            report = outbox_drain(box, time_budget=left, on_full_batch=full, max_batches=1)
            total.add(report)
            worked = worked or report.handled > 0
        if not worked:
            return total
    return total


def outbox_wake() -> None:
    """Ask for a dispatcher run once the current transaction commits, so a
    message leaves within seconds. Best effort: the periodic run sends the
    rows anyway, so a broker that is down costs at most one beat period."""
    from academy.tasks import task_after_commit

    task_after_commit("academy.outbox_drain", best_effort=True)
