"""Claiming due rows of an outbox (reminders, digests): the one mechanism
every app's periodic dispatcher uses, so that each due row goes to exactly
one dispatcher even when several run at once."""

from typing import Any, TypeVar

from django.db import connection, models, transaction
from django.db.models import QuerySet

M = TypeVar("M", bound=models.Model)


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
