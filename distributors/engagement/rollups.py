"""Daily rollups of the engagement log: maintained incrementally, rebuildable.

Three tables are derived from ``EngagementEvent`` (days are UTC calendar days):

* ``PersonDay`` — per (person, day): the measures of ``MEASURES``;
* ``DistributorDay`` — per (distributor, day): the same and ``active_people``
  (distinct people with at least one action, ``ACTION_VERBS``), from the events attached to the
  distributor (the person's distributor at the time);
* ``DistributorVerbDay`` — per (distributor, day, verb): number of events.

``rollups_update`` (periodic task) reads the events not counted yet
(``EngagementEvent.counted``), batch after batch, and recomputes every (key,
day) they touch from the log, then marks them counted. An event is seen once
its transaction has committed, whatever its id — a writer that took a lower
id and commits after a higher one is not skipped — and events with a past
``occurred_at`` (back-filled history) are counted too. Recomputing instead of
adding deltas makes it idempotent: an event counted twice changes nothing.

``rollups_rebuild`` recomputes the tables from the whole log one month at a
time, each month in its own short transaction (the month's groups from
``INSERT … SELECT … GROUP BY`` compiled from the ORM; on PostgreSQL one
statement reads the month's events once and writes only the rows that differ
from the groups, elsewhere the month's rows are deleted and inserted again;
then its events are marked counted), so dashboards keep reading the tables
during a rebuild: each day they see is either the old or the new count of
that day, both complete. Both give the same rows as a direct aggregation over
the log (tested).
"""

import datetime
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Model, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from academy import selectors as academy_selectors
from academy import services as academy_services
from academy.models import EngagementEvent, Verb
from distributors.engagement.models import (
    MEASURES,
    DistributorDay,
    DistributorVerbDay,
    PersonDay,
    RollupCursor,
)
from distributors.engagement.table_statistics import tables_analyze

CURSOR_NAME = "rollups"

# Which verbs feed which measure (``events`` counts them all).
COUNTED_VERBS: dict[str, str] = {
    "logins": Verb.LOGGED_IN,
    "lessons_completed": Verb.LESSON_COMPLETED,
    "courses_completed": Verb.COURSE_COMPLETED,
    "quizzes_passed": Verb.QUIZ_PASSED,
    "quizzes_failed": Verb.QUIZ_FAILED,
    "certificates_issued": Verb.CERTIFICATE_ISSUED,
    "webinars_registered": Verb.WEBINAR_REGISTERED,
    "webinars_attended": Verb.WEBINAR_ATTENDED,
    "replays_watched": Verb.REPLAY_WATCHED,
    "field_reports": Verb.FIELD_REPORT_SENT,
}
# What people do of their own accord (not what is done for them: enrolments by
# assignment, registrations made by a trainer, joining a team, certificates).
ACTION_VERBS = tuple(
    verb
    for verb in Verb
    if verb
    not in (
        Verb.ENROLLED,
        Verb.WEBINAR_REGISTERED,
        Verb.WEBINAR_UNREGISTERED,
        Verb.JOINED_DISTRIBUTOR,
        Verb.LEFT_DISTRIBUTOR,
        Verb.INVITATION_ACCEPTED,
        Verb.CERTIFICATE_ISSUED,
        Verb.NUDGE_SENT,
    )
)
LEARNING_VERBS = (Verb.LESSON_VIEWED, Verb.LESSON_COMPLETED, Verb.REPLAY_WATCHED)
ATTENDANCE_VERBS = (Verb.WEBINAR_ATTENDED,)


def measure_aggregates() -> dict[str, object]:
    """The SQL aggregate of each measure over a group of events."""
    aggregates: dict[str, object] = {
        "events": Count("id"),
        "actions": Count("id", filter=Q(verb__in=ACTION_VERBS)),
    }
    for name, verb in COUNTED_VERBS.items():
        aggregates[name] = Count("id", filter=Q(verb=verb))
    aggregates["minutes_learned"] = Coalesce(Sum("minutes", filter=Q(verb__in=LEARNING_VERBS)), Value(0))
    aggregates["minutes_attended"] = Coalesce(Sum("minutes", filter=Q(verb__in=ATTENDANCE_VERBS)), Value(0))
    assert set(aggregates) == set(MEASURES)
    return aggregates


def event_day() -> TruncDate:
    return TruncDate("occurred_at", tzinfo=datetime.UTC)


def person_day_rows(events: QuerySet[EngagementEvent]) -> QuerySet:
    """Per (person, day) of ``events``: ``user_id``, ``day`` and the measures."""
    return (
        events.order_by()
        .annotate(day=event_day(), user_id=F("actor_id"))
        .values("user_id", "day")
        .annotate(**measure_aggregates())  # type: ignore[arg-type]
        # In the order of the unique index, so inserting appends to it.
        .order_by("user_id", "day")
    )


def distributor_day_rows(events: QuerySet[EngagementEvent]) -> QuerySet:
    """Per (distributor, day) of ``events``: the measures and ``active_people``."""
    return (
        events.filter(distributor__isnull=False)
        .order_by()
        .annotate(day=event_day())
        .values("distributor", "day")
        .annotate(
            active_people=Count("actor", distinct=True, filter=Q(verb__in=ACTION_VERBS)),
            **measure_aggregates(),  # type: ignore[arg-type]
        )  # type: ignore[arg-type]
    )


def verb_day_rows(events: QuerySet[EngagementEvent]) -> QuerySet:
    """Per (distributor, day, verb) of ``events``: the number of events."""
    return (
        events.filter(distributor__isnull=False)
        .order_by()
        .annotate(day=event_day())
        .values("distributor", "day", "verb")
        .annotate(events=Count("id"))
        .order_by("distributor", "day", "verb")
    )


# (column of the rollup table, name of the value in the grouped query)
PERSON_COLUMNS = (("user_id", "user_id"), ("day", "day"), *((m, m) for m in MEASURES))
DISTRIBUTOR_COLUMNS = (
    ("distributor_id", "distributor"),
    ("day", "day"),
    ("active_people", "active_people"),
    *((m, m) for m in MEASURES),
)
VERB_COLUMNS = (("distributor_id", "distributor"), ("day", "day"), ("verb", "verb"), ("events", "events"))


def _insert_sql(model: type[Model], columns: Iterable[tuple[str, str]], rows: QuerySet) -> tuple[str, tuple]:
    """``INSERT INTO <model> (columns) SELECT values FROM (<rows' SQL>)`` and its parameters."""
    quote = connection.ops.quote_name
    pairs = list(columns)
    targets = ", ".join(quote(column) for column, _source in pairs)
    sources = ", ".join(f"rollup.{quote(source)}" for _column, source in pairs)
    sql, params = rows.query.sql_with_params()
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({targets}) SELECT {sources} FROM ({sql}) rollup",  # noqa: S608
        params,
    )


def _insert_from(model: type[Model], columns: Iterable[tuple[str, str]], rows: QuerySet) -> int:
    """Insert the groups of ``rows`` into ``model``: the grouped query runs in
    the database, whatever the number of events. Returns the rows written."""
    sql, params = _insert_sql(model, columns, rows)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _day_runs(days: Iterable[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """Consecutive days grouped into (first, last) runs."""
    runs: list[tuple[datetime.date, datetime.date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + datetime.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


@dataclass
class RollupResult:
    events: int
    person_days: int
    distributor_days: int
    last_event_id: int


def _as_date(value: object) -> datetime.date:
    # SQLite returns the truncated day as text.
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def _recount(new: QuerySet[EngagementEvent]) -> tuple[int, int]:
    """Recompute, from the whole log, every (person, day) and (distributor,
    day) that the events of ``new`` touch; returns the rows written."""
    days = [
        _as_date(day)
        for day in new.order_by().annotate(day=event_day()).values_list("day", flat=True).distinct()
    ]
    at = Q()
    on = Q()
    for first, last in _day_runs(days):
        at |= Q(occurred_at__gte=_midnight(first), occurred_at__lt=_midnight(last) + datetime.timedelta(1))
        on |= Q(day__gte=first, day__lte=last)
    actors = new.order_by().values("actor_id")
    distributors = new.filter(distributor__isnull=False).order_by().values("distributor_id")
    events = EngagementEvent.objects.filter(at)
    PersonDay.objects.filter(on, user_id__in=actors).delete()
    person_days = _insert_from(PersonDay, PERSON_COLUMNS, person_day_rows(events.filter(actor_id__in=actors)))
    touched = events.filter(distributor_id__in=distributors)
    DistributorDay.objects.filter(on, distributor_id__in=distributors).delete()
    DistributorVerbDay.objects.filter(on, distributor_id__in=distributors).delete()
    distributor_days = _insert_from(DistributorDay, DISTRIBUTOR_COLUMNS, distributor_day_rows(touched))
    _insert_from(DistributorVerbDay, VERB_COLUMNS, verb_day_rows(touched))
    return person_days, distributor_days


def _lock() -> RollupCursor:
    """The rollup jobs' lock (one refresh or rebuild batch at a time), held
    until the end of the current transaction."""
    cursor, _created = RollupCursor.objects.select_for_update().get_or_create(name=CURSOR_NAME)
    return cursor


def rollups_update(*, batch_size: int | None = None, time_budget: float | None = None) -> RollupResult:
    """Count every committed event not counted yet into the rollups, in
    batches of ``batch_size`` events (one transaction each), until none is
    left or ``time_budget`` seconds have passed. Safe to run twice or
    concurrently with writers and with itself. Returns what was read and
    rewritten."""
    batch_size = batch_size or settings.ENGAGEMENT_ROLLUP_BATCH
    time_budget = settings.ENGAGEMENT_ROLLUP_TIME_BUDGET if time_budget is None else time_budget
    started = time.monotonic()
    result = RollupResult(0, 0, 0, 0)
    while True:
        with transaction.atomic():
            cursor = _lock()
            ids = academy_selectors.activity_uncounted(limit=batch_size)
            if ids:
                person_days, distributor_days = _recount(EngagementEvent.objects.filter(id__in=ids))
                academy_services.activity_mark_counted(ids=ids)
                cursor.last_event_id = max(cursor.last_event_id, ids[-1])
                cursor.save(update_fields=["last_event_id", "updated_at"])
                result.events += len(ids)
                result.person_days += person_days
                result.distributor_days += distributor_days
            result.last_event_id = cursor.last_event_id
        if len(ids) < batch_size or time.monotonic() - started > time_budget:
            return result


def _months(first: datetime.date, last: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """[start, end) of each calendar month from ``first``'s to ``last``'s."""
    months = []
    start = first.replace(day=1)
    while start <= last:
        end = (start + datetime.timedelta(days=32)).replace(day=1)
        months.append((start, end))
        start = end
    return months


# The unique key of each rollup table (its upsert target).
PERSON_KEY = ("user_id", "day")
DISTRIBUTOR_KEY = ("distributor_id", "day")
VERB_KEY = ("distributor_id", "day", "verb")


def _month_write(start: datetime.date, end: datetime.date) -> tuple[int, int, int]:
    """Make the three rollups' rows of the days in [``start``, ``end``) those
    of the log and return (events, person-days, distributor-days) there.

    On PostgreSQL in one statement that reads the month's events once and
    writes only what differs: the events are copied into a common table
    expression named like the events' table, which the grouped queries
    compiled from the ORM then read instead of the table (in a plain
    ``WITH`` a name is the table inside its own definition and the
    expression after it); for each rollup the groups are compared with the
    rows there (``EXCEPT``), rows no longer grouped are deleted and new or
    changed groups upserted. A rebuild of unchanged rollups then writes
    nothing: no index, foreign-key check or log record for 1.4 million rows.
    Elsewhere: delete the days' rows, three ``INSERT … SELECT`` and a count."""
    events = EngagementEvent.objects.filter(occurred_at__gte=_midnight(start), occurred_at__lt=_midnight(end))
    tables = (
        ("person", PersonDay, PERSON_COLUMNS, PERSON_KEY, person_day_rows(events)),
        ("distributor", DistributorDay, DISTRIBUTOR_COLUMNS, DISTRIBUTOR_KEY, distributor_day_rows(events)),
        ("verb", DistributorVerbDay, VERB_COLUMNS, VERB_KEY, verb_day_rows(events)),
    )
    if connection.vendor != "postgresql":
        for _name, model, _columns, _key, _rows in tables:
            model.objects.filter(day__gte=start, day__lt=end).delete()
        written = [_insert_from(model, columns, rows) for _name, model, columns, _key, rows in tables]
        return events.count(), written[0], written[1]
    quote = connection.ops.quote_name
    fields = ("id", "actor_id", "distributor_id", "verb", "minutes", "occurred_at")
    month_sql, month_params = events.values(*fields).order_by().query.sql_with_params()
    parts = [f"WITH {quote(EngagementEvent._meta.db_table)} AS MATERIALIZED ({month_sql})"]
    params: list[Any] = list(month_params)
    for name, model, columns, key, rows in tables:
        table = quote(model._meta.db_table)
        names = [column for column, _source in columns]
        listed = ", ".join(quote(column) for column in names)
        keys = ", ".join(quote(column) for column in key)
        sources = ", ".join(f"rollup.{quote(source)} AS {quote(column)}" for column, source in columns)
        rows_sql, rows_params = rows.query.sql_with_params()
        same_key = " AND ".join(f"t.{quote(column)} = g.{quote(column)}" for column in key)
        updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in names if c not in key)
        parts.append(
            # Names quoted, values as parameters.
            f", {name}_new AS MATERIALIZED (SELECT {sources} FROM ({rows_sql}) rollup)"  # noqa: S608
            f", {name}_old AS MATERIALIZED (SELECT {listed} FROM {table} WHERE day >= %s AND day < %s)"
            f", {name}_gone AS (DELETE FROM {table} t USING (SELECT {keys} FROM {name}_old"
            f" EXCEPT SELECT {keys} FROM {name}_new) g WHERE {same_key} RETURNING 1)"
            f", {name}_put AS (INSERT INTO {table} ({listed}) SELECT {listed} FROM (SELECT * FROM {name}_new"
            f" EXCEPT SELECT * FROM {name}_old) changed ON CONFLICT ({keys}) DO UPDATE SET {updates}"
            " RETURNING 1)"
        )
        params += [*rows_params, start, end]
    parts.append(
        " SELECT (SELECT COALESCE(SUM(events), 0)::bigint FROM person_new),"
        " (SELECT COUNT(*) FROM person_new), (SELECT COUNT(*) FROM distributor_new)"
    )
    with connection.cursor() as cursor:
        cursor.execute("".join(parts), params)
        total, person_days, distributor_days = cursor.fetchone()
    return total, person_days, distributor_days


def rollups_rebuild(*, on_batch: Callable[[datetime.date], None] | None = None) -> RollupResult:
    """Recompute the rollup tables from the whole log, one month per short
    transaction (readers are never blocked for more than a month's rows'
    writing; they see each day complete, old or new), and mark the events
    counted. ``on_batch(month)`` is called inside each month's transaction
    once its rows are written (for tests and progress)."""
    span = EngagementEvent.objects.aggregate(first=Min("occurred_at"), last=Max("occurred_at"), end=Max("id"))
    result = RollupResult(0, 0, 0, span["end"] or 0)
    if span["first"] is None:
        with transaction.atomic():
            for model in (PersonDay, DistributorDay, DistributorVerbDay):
                model.objects.all().delete()
        return result
    first, last = span["first"].astimezone(datetime.UTC).date(), span["last"].astimezone(datetime.UTC).date()
    # Rows of days outside the log's span (their events are gone) go first.
    with transaction.atomic():
        _lock()
        for model in (PersonDay, DistributorDay, DistributorVerbDay):
            model.objects.exclude(day__gte=first, day__lte=last).delete()
    for start, end in _months(first, last):
        with transaction.atomic():
            cursor = _lock()
            if connection.vendor == "postgresql":
                with connection.cursor() as db:
                    # Enough memory for the grouping to stay off disk (this transaction only).
                    db.execute(
                        "SELECT set_config('work_mem', %s, true)", [settings.ENGAGEMENT_REBUILD_WORK_MEM]
                    )
                    # The commit does not wait for the disk: after a crash the last
                    # months may be missing from the rollups, never half-written,
                    # and a rebuild (or the next refresh of their events) writes them.
                    db.execute("SET LOCAL synchronous_commit = off")
            events, person_days, distributor_days = _month_write(start, end)
            academy_services.activity_mark_counted(occurred_from=_midnight(start), occurred_to=_midnight(end))
            result.events += events
            result.person_days += person_days
            result.distributor_days += distributor_days
            cursor.last_event_id = max(cursor.last_event_id, result.last_event_id)
            cursor.save(update_fields=["last_event_id", "updated_at"])
            if on_batch is not None:
                on_batch(start)
    tables_analyze(PersonDay, DistributorDay, DistributorVerbDay)
    return result
