"""Daily rollups of the engagement log: maintained incrementally, rebuildable.

Three tables are derived from ``EngagementEvent`` (days are UTC calendar days):

* ``PersonDay`` — per (person, day): the measures of ``MEASURES``;
* ``DistributorDay`` — per (distributor, day): the same and ``active_people``
  (distinct people with at least one action, ``ACTION_VERBS``), from the events attached to the
  distributor (the person's distributor at the time);
* ``DistributorVerbDay`` — per (distributor, day, verb): number of events.

``rollups_update`` (periodic task) reads the events added since its cursor —
the event id, not the time: events may be recorded with a past
``occurred_at`` (back-filled history) and still be counted — and recomputes
every (key, day) they touch from the log. Recomputing instead of adding
deltas makes it idempotent, and the cursor re-reads the last
``ENGAGEMENT_ROLLUP_OVERLAP`` ids so that an event committed late (its id
taken before a neighbour's) is not missed.

``rollups_rebuild`` empties the tables and rebuilds them in three
``INSERT … SELECT … GROUP BY`` statements compiled from the ORM, so the work
stays in the database. Both give the same rows as a direct aggregation over
the log (tested).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Max, Model, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from academy.models import EngagementEvent, Verb
from distributors.engagement.models import (
    MEASURES,
    DistributorDay,
    DistributorVerbDay,
    PersonDay,
    RollupCursor,
)

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


def _insert_from(model: type[Model], columns: Iterable[tuple[str, str]], rows: QuerySet) -> int:
    """``INSERT INTO <model> (columns) SELECT values FROM (<rows' SQL>)``:
    the grouped query runs in the database, whatever the number of events."""
    quote = connection.ops.quote_name
    pairs = list(columns)
    targets = ", ".join(quote(column) for column, _source in pairs)
    sources = ", ".join(f"rollup.{quote(source)}" for _column, source in pairs)
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(model._meta.db_table)} ({targets}) SELECT {sources} FROM ({sql}) rollup",  # noqa: S608
            params,
        )
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


def rollups_update() -> RollupResult:
    """Bring the rollups up to date with the events added since the last run
    (and the last ``ENGAGEMENT_ROLLUP_OVERLAP`` ids before them). Safe to run
    twice or concurrently with writers: the touched days are recomputed from
    the log. Returns what was read and rewritten."""
    with transaction.atomic():
        cursor, _created = RollupCursor.objects.select_for_update().get_or_create(name=CURSOR_NAME)
        end = EngagementEvent.objects.aggregate(end=Max("id"))["end"] or 0
        if end <= cursor.last_event_id:
            return RollupResult(0, 0, 0, cursor.last_event_id)
        start = max(0, cursor.last_event_id - settings.ENGAGEMENT_ROLLUP_OVERLAP)
        new = EngagementEvent.objects.filter(id__gt=start, id__lte=end)
        days = [
            _as_date(day)
            for day in new.order_by().annotate(day=event_day()).values_list("day", flat=True).distinct()
        ]
        runs = _day_runs(days)
        at = Q()
        on = Q()
        for first, last in runs:
            at |= Q(
                occurred_at__gte=_midnight(first), occurred_at__lt=_midnight(last) + datetime.timedelta(1)
            )
            on |= Q(day__gte=first, day__lte=last)
        actors = new.order_by().values("actor_id")
        distributors = new.filter(distributor__isnull=False).order_by().values("distributor_id")
        events = EngagementEvent.objects.filter(at)
        PersonDay.objects.filter(on, user_id__in=actors).delete()
        person_days = _insert_from(
            PersonDay, PERSON_COLUMNS, person_day_rows(events.filter(actor_id__in=actors))
        )
        touched = events.filter(distributor_id__in=distributors)
        DistributorDay.objects.filter(on, distributor_id__in=distributors).delete()
        DistributorVerbDay.objects.filter(on, distributor_id__in=distributors).delete()
        distributor_days = _insert_from(DistributorDay, DISTRIBUTOR_COLUMNS, distributor_day_rows(touched))
        _insert_from(DistributorVerbDay, VERB_COLUMNS, verb_day_rows(touched))
        read = new.filter(id__gt=cursor.last_event_id).count()
        cursor.last_event_id = end
        cursor.save(update_fields=["last_event_id", "updated_at"])
    return RollupResult(read, person_days, distributor_days, end)


def _empty(model: type[Model]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # TRUNCATE refuses tables with deferred foreign-key checks pending
            # in this transaction (rows written earlier in it): run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"TRUNCATE {connection.ops.quote_name(model._meta.db_table)}")
    else:
        model._default_manager.all()._raw_delete(connection.alias)  # type: ignore[attr-defined]


@transaction.atomic
def rollups_rebuild() -> RollupResult:
    """Empty the rollup tables and rebuild them from the whole log, in the
    database (three INSERT … SELECT statements); the cursor moves to the last
    event read."""
    cursor, _created = RollupCursor.objects.select_for_update().get_or_create(name=CURSOR_NAME)
    if connection.vendor == "postgresql":
        # Enough memory for the grouping to stay off disk (this transaction only).
        with connection.cursor() as db:
            db.execute("SELECT set_config('work_mem', %s, true)", [settings.ENGAGEMENT_REBUILD_WORK_MEM])
    end = EngagementEvent.objects.aggregate(end=Max("id"))["end"] or 0
    events = EngagementEvent.objects.filter(id__lte=end)
    for model in (PersonDay, DistributorDay, DistributorVerbDay):
        _empty(model)
    person_days = _insert_from(PersonDay, PERSON_COLUMNS, person_day_rows(events))
    distributor_days = _insert_from(DistributorDay, DISTRIBUTOR_COLUMNS, distributor_day_rows(events))
    _insert_from(DistributorVerbDay, VERB_COLUMNS, verb_day_rows(events))
    if connection.vendor == "postgresql":
        # Fresh statistics, so the planner reads the new tables well at once.
        with connection.cursor() as db:
            for model in (PersonDay, DistributorDay, DistributorVerbDay):
                db.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    cursor.last_event_id = end
    cursor.save(update_fields=["last_event_id", "updated_at"])
    return RollupResult(events.count(), person_days, distributor_days, end)
