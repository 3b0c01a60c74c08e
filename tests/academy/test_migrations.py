"""Migrations work from an empty database and from the schema as it stood
before the activity log and engagement moved out of the distributors app
(their tables stay; only the model state and content types move)."""

import json
import sqlite3
from pathlib import Path

from tests.migrations_run import manage_on_sqlite

# The last migrations before the move: a database at this point has the old layout.
BEFORE_THE_MOVE = [("academy", "0001"), ("distributors", "0003"), ("courses", "0001"), ("webinars", "0002")]

SCHEMA = """
import json
from django.db import connection
with connection.cursor() as cursor:
    tables = sorted(t for t in connection.introspection.table_names(cursor) if not t.startswith("sqlite_"))
    schema = {
        table: sorted(
            (column.name, column.null_ok)
            for column in connection.introspection.get_table_description(cursor, table)
        )
        for table in tables
    }
print(json.dumps(schema))
"""


def _manage(database: Path, *args: str) -> str:
    return manage_on_sqlite(database, *args)


def _schema(database: Path) -> dict[str, list[list[object]]]:
    # The shell prints a line about its automatic imports first; the schema is the last line.
    return json.loads(_manage(database, "shell", "--no-imports", "-c", SCHEMA).strip().splitlines()[-1])


def test_an_older_database_migrates_to_the_same_schema_as_a_new_one(tmp_path):
    fresh, older = tmp_path / "fresh.sqlite3", tmp_path / "older.sqlite3"
    _manage(fresh, "migrate", "--no-input", "-v0")
    for app, migration in BEFORE_THE_MOVE:
        _manage(older, "migrate", app, migration, "--no-input", "-v0")
    with sqlite3.connect(older) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"distributors_engagementevent", "distributors_personday", "distributors_nudge"} <= tables
        # Content types (and so permissions and admin history) as the old layout had them.
        db.execute(
            "UPDATE django_content_type SET app_label = 'distributors' "
            "WHERE app_label IN ('academy', 'engagement') AND model IN ('engagementevent', 'nudge')"
        )
    _manage(older, "migrate", "--no-input", "-v0")

    assert _schema(older) == _schema(fresh)
    with sqlite3.connect(older) as db:
        labels = set(db.execute("SELECT app_label, model FROM django_content_type"))
    assert {
        ("academy", "engagementevent"),
        ("engagement", "nudge"),
        ("distributors", "distributor"),
    } <= labels
    assert not {("distributors", "engagementevent"), ("distributors", "nudge")} & labels
    assert "No changes detected" in _manage(older, "makemigrations", "--check", "--dry-run")
