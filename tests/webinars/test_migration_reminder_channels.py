"""The migration that takes the channel off reminders: duplicates removed
(the lowest id kept), web-conference phone channels moved to the person's
channels by kind of message; then backwards and forwards again.

The suite runs with ``--no-migrations``, so the migrations run in a
``manage.py`` of their own on a SQLite file of the test's own (whatever
database the suite uses), as in ``tests/academy/test_migrations.py``. The rows
are written with the models as they stood before the migration."""

import json
import sqlite3
from contextlib import closing
from pathlib import Path

from tests.migrations_run import manage_on_sqlite

BEFORE = "0006_replies_coming_confirmed"
AFTER = "0007_senders_reminder_channels"

# Run by ``manage.py shell`` on a database at webinars 0006 / academy 0010:
# prints the ids it wrote, by name, as its last line.
ROWS_WRITE = """
import datetime
import json

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

apps = MigrationExecutor(connection).loader.project_state(
    [("webinars", "0006_replies_coming_confirmed"), ("academy", "0010_messaging")]
).apps
User = apps.get_model("academy", "User")
Session = apps.get_model("webinars", "Session")
Registration = apps.get_model("webinars", "Registration")
Reminder = apps.get_model("webinars", "Reminder")
WebinarPreference = apps.get_model("webinars", "WebinarPreference")

both = User.objects.create(email="both@test.example", message_channels={"webinars.follow_up": []})
whatsapp = User.objects.create(
    email="whatsapp@test.example", message_channels={"webinars.reminder": ["email"], "courses.news": ["sms"]}
)
mail_only = User.objects.create(email="mail@test.example")
nothing = User.objects.create(email="nothing@test.example")
WebinarPreference.objects.create(user=both, channels=["email", "sms", "whatsapp"])
WebinarPreference.objects.create(user=whatsapp, channels=["whatsapp", "copy"])
WebinarPreference.objects.create(user=mail_only, channels=["email"])
WebinarPreference.objects.create(user=nothing, channels=[])

now = timezone.now()
session = Session.objects.create(
    title="T", starts_at=now + datetime.timedelta(days=3), time_zone="Africa/Dakar"
)
mine = Registration.objects.create(session=session, user=both)
theirs = Registration.objects.create(session=session, user=whatsapp)
due = {"due_at": now, "next_attempt_at": now}


def reminder(pk, registration, kind, channel="email", revision=0):
    return Reminder.objects.create(
        pk=pk, registration=registration, kind=kind, channel=channel, revision=revision, **due
    ).pk


# Written out of id order: the lowest id stays, not the first written.
ids = {
    "day_email": reminder(50, mine, "day", "email"),
    "day_sms": reminder(20, mine, "day", "sms"),
    "day_copy": reminder(30, mine, "day", "copy"),
    "week": reminder(40, mine, "week", "sms"),
    "update_1_whatsapp": reminder(70, mine, "update", "whatsapp", revision=1),
    "update_1_email": reminder(60, mine, "update", "email", revision=1),
    "update_2": reminder(80, mine, "update", "email", revision=2),
    "their_day": reminder(90, theirs, "day", "whatsapp"),
}
print(json.dumps(ids))
"""

KEPT = ["day_sms", "week", "update_1_email", "update_2", "their_day"]

CHANNELS_AFTER = {
    "both@test.example": {
        "webinars.follow_up": [],  # chosen already: left alone
        "webinars.reminder": ["whatsapp", "sms"],
        "webinars.registration": ["whatsapp", "sms"],
    },
    "whatsapp@test.example": {
        "webinars.reminder": ["email"],  # chosen already: left alone
        "courses.news": ["sms"],
        "webinars.follow_up": ["whatsapp"],
        "webinars.registration": ["whatsapp"],
    },
    "mail@test.example": {},
    "nothing@test.example": {},
}

# The unique constraints as SQLite keeps them in the table's SQL.
ONCE_PER_CHANNEL = (
    'CONSTRAINT "webinar_reminder_once" UNIQUE ("registration_id", "kind", "revision", "channel")'
)
ONCE_PER_REVISION = (
    'CONSTRAINT "webinar_reminder_once_per_revision" UNIQUE ("registration_id", "kind", "revision")'
)


def _migrate(database: Path, app: str, target: str) -> None:
    # The system checks have tests of their own: skipped, they would only slow each step.
    _manage(database, "migrate", app, target, "--no-input", "--skip-checks", "-v0")


def _open(database: Path) -> "closing[sqlite3.Connection]":
    return closing(sqlite3.connect(database))


def _manage(database: Path, *args: str) -> str:
    return manage_on_sqlite(database, *args)


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _table_sql(db: sqlite3.Connection, table: str) -> str:
    """The table's and its indexes' SQL, where SQLite keeps constraint names."""
    return "\n".join(
        row[0]
        for row in db.execute("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL", [table])
    )


def _reminders(db: sqlite3.Connection) -> list[int]:
    return [row[0] for row in db.execute("SELECT id FROM webinars_reminder ORDER BY id")]


def _message_channels(db: sqlite3.Connection) -> dict[str, object]:
    return {
        email: json.loads(channels)
        for email, channels in db.execute("SELECT email, message_channels FROM academy_user")
    }


def _check_after(database: Path, ids: dict[str, int]) -> None:
    with _open(database) as db:
        assert _reminders(db) == sorted(ids[name] for name in KEPT)
        assert _message_channels(db) == CHANNELS_AFTER
        assert "channel" not in _columns(db, "webinars_reminder")
        assert "channels" not in _columns(db, "webinars_webinarpreference")
        assert _table_sql(db, "webinars_reminder").count("UNIQUE") == 1
        assert ONCE_PER_REVISION in _table_sql(db, "webinars_reminder")


def test_reminders_keep_the_lowest_id_and_phone_channels_move_to_the_person_both_ways(tmp_path):
    database = tmp_path / "webinars.sqlite3"
    _migrate(database, "webinars", BEFORE)
    _migrate(database, "academy", "0010_messaging")
    # The shell prints a line about its automatic imports first; the ids are the last line.
    ids = json.loads(_manage(database, "shell", "--no-imports", "-c", ROWS_WRITE).strip().splitlines()[-1])
    with _open(database) as db:
        assert len(_reminders(db)) == len(ids) == 8
        assert "channel" in _columns(db, "webinars_reminder")
        assert "channels" in _columns(db, "webinars_webinarpreference")
        assert ONCE_PER_CHANNEL in _table_sql(db, "webinars_reminder")

    _migrate(database, "webinars", AFTER)
    _check_after(database, ids)

    # Backwards: the columns come back with their defaults; what moved stays.
    _migrate(database, "webinars", BEFORE)
    with _open(database) as db:
        assert _reminders(db) == sorted(ids[name] for name in KEPT)
        assert set(db.execute("SELECT channel FROM webinars_reminder")) == {("email",)}
        assert set(db.execute("SELECT channels FROM webinars_webinarpreference")) == {("[]",)}
        assert db.execute("SELECT COUNT(*) FROM webinars_webinarpreference").fetchone() == (4,)
        assert _message_channels(db) == CHANNELS_AFTER
        assert _table_sql(db, "webinars_reminder").count("UNIQUE") == 1
        assert ONCE_PER_CHANNEL in _table_sql(db, "webinars_reminder")

    # And forwards again: nothing more removed, nothing overwritten.
    _migrate(database, "webinars", AFTER)
    _check_after(database, ids)
