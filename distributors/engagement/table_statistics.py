"""Planner statistics of the tables that jobs rewrite in bulk (the rollups,
the score snapshots): refreshed at the end of each job rather than left to
autovacuum, which may come minutes later."""

from django.db import connection
from django.db.models import Model


def tables_analyze(*models: type[Model]) -> None:
    """Fresh planner statistics for tables just rewritten in bulk (PostgreSQL's
    ``ANALYZE``), so the next reads get a good plan at once instead of
    waiting for autovacuum: without them the filtered dashboard joined the
    score snapshots the slow way. Other databases: nothing to do."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as db:
        for model in models:
            db.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
