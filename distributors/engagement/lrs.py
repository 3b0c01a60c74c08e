"""Forwarding of the engagement log to a learning record store (LRS).

When ``XAPI_LRS_URL`` is set, every recorded event gets a
``StatementForward`` row in the same transaction (``activity_record``); this
outbox (``academy.outbox``: claim, lease, backoff) sends them as xAPI 1.0.3
statements (without ``stored``, which the LRS sets), ``XAPI_LRS_BATCH_SIZE``
per ``POST <XAPI_LRS_URL>/statements``, with HTTP Basic credentials
(``XAPI_LRS_USERNAME``/``XAPI_LRS_PASSWORD``) and
``X-Experience-API-Version: 1.0.3``.

What each answer does:

* **200**: the whole batch is stored (sent).
* **400 or 409** for a batch: one statement spoils it (a store refuses a
  whole request for one bad or conflicting statement), so each statement is
  then sent alone with ``PUT <URL>/statements?statementId=<id>``: 204 is
  stored; 409 means the store already holds a statement with that id —
  statements are immutable and the id is the event's, so it counts as sent
  (a repeat after a crash, or the same event with a name changed since);
  400 is a statement the store will never take: that row is ``failed`` at
  once with the store's message (visible in the admin, where it can be put
  back in the queue), and the rest of the batch is not held up.
* **Anything else** (401/403, 5xx, a timeout, a refused connection): the
  whole batch is retried later with the outbox's backoff, and ``failed``
  after ``OUTBOX_MAX_ATTEMPTS``. Events recorded while the store is down wait
  in the queue and all leave once it answers again.

Statement ids are stable, so a batch that reached the store but was not
marked sent (a dispatcher killed in between) is sent again after its lease
and the store keeps each id once. Nothing is sent while ``XAPI_LRS_URL`` is
empty (rows already queued wait). The dispatcher runs every 15 seconds
(beat), which also gathers the events of those seconds into batches.
"""

import datetime
from typing import Any

import httpx
from django.conf import settings
from django.db.models import QuerySet

from academy.models import StatementForward
from academy.outbox import Outbox, OutboxDefer, OutboxReject
from distributors.engagement.api.xapi import XAPI_VERSION, statement, verb_displays

# Rows wait this long when forwarding has been switched off since they were queued.
SWITCHED_OFF_RECHECK = datetime.timedelta(hours=1)


class LRSError(Exception):
    """The store did not take the statements this time (retried)."""


def _client() -> httpx.Client:
    return httpx.Client(
        base_url=settings.XAPI_LRS_URL,
        auth=(settings.XAPI_LRS_USERNAME, settings.XAPI_LRS_PASSWORD),
        headers={"X-Experience-API-Version": XAPI_VERSION},
        timeout=settings.XAPI_LRS_TIMEOUT_SECONDS,
    )


def _failure(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}: {response.text[:500]}"


def statements_forward(rows: list[StatementForward], now: datetime.datetime) -> dict[Any, Exception | None]:
    """Send the statements of ``rows`` to the LRS; the outcome of each row
    by id (None: stored). Raises for a failure of the whole batch."""
    if not settings.XAPI_LRS_URL:
        raise OutboxDefer(now + SWITCHED_OFF_RECHECK)
    displays = verb_displays()
    statements = {row.pk: statement(row.event, displays, stored=False) for row in rows}
    with _client() as client:
        response = client.post("statements", json=list(statements.values()))
        if response.status_code == 200:
            return dict.fromkeys(statements)
        if response.status_code not in (400, 409):
            raise LRSError(_failure(response))
        outcomes: dict[Any, Exception | None] = {}
        for pk, data in statements.items():
            alone = client.put("statements", params={"statementId": data["id"]}, json=data)
            if alone.status_code in (204, 409):
                outcomes[pk] = None
            elif alone.status_code == 400:
                outcomes[pk] = OutboxReject(_failure(alone))
            else:
                outcomes[pk] = LRSError(_failure(alone))
        return outcomes


def _deliver_one(row: StatementForward, now: datetime.datetime) -> None:
    error = statements_forward([row], now)[row.pk]
    if error is not None:
        raise error


def _rows() -> QuerySet[StatementForward]:
    return StatementForward.objects.select_related("event__actor", "event__distributor")


STATEMENT_OUTBOX: Outbox[StatementForward] = Outbox(
    name="engagement.statements",
    rows=_rows,
    deliver=_deliver_one,
    deliver_batch=statements_forward,
    batch_size=lambda: settings.XAPI_LRS_BATCH_SIZE,
)
