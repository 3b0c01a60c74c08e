"""The migration that takes the channel off reminders: duplicates removed
(the oldest kept), web-conference channels moved to the person's channels
by kind of message. Run backwards then forwards on a real schema
(django-test-migrations is not a dependency: Django's executor does it).

The suite runs with ``--no-migrations``; this test needs the migrations, so
it runs when asked for them::

    .venv/bin/pytest --migrations tests/webinars/test_migration_reminder_channels.py
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("webinars", "0006_replies_coming_confirmed"), ("academy", "0010_messaging")]
AFTER = [("webinars", "0007_senders_reminder_channels")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _migrations_enabled() -> bool:
    from django.db.migrations.loader import MigrationLoader

    return MigrationLoader.migrations_module("webinars")[0] is not None and bool(
        MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    )


@pytest.mark.django_db(transaction=True)
def test_reminders_keep_one_row_and_phone_channels_move_to_the_person():
    if not _migrations_enabled():
        pytest.skip("needs the migrations: run with --migrations")
    apps = _migrate(BEFORE)
    try:
        User = apps.get_model("academy", "User")
        Session = apps.get_model("webinars", "Session")
        Registration = apps.get_model("webinars", "Registration")
        Reminder = apps.get_model("webinars", "Reminder")
        WebinarPreference = apps.get_model("webinars", "WebinarPreference")
        sms = User.objects.create(email="sms@test.example", message_channels={"webinars.follow_up": []})
        mail_only = User.objects.create(email="mail@test.example")
        WebinarPreference.objects.create(user=sms, channels=["email", "sms", "whatsapp"])
        WebinarPreference.objects.create(user=mail_only, channels=["email"])
        now = timezone.now()
        session = Session.objects.create(
            title="T", starts_at=now + datetime.timedelta(days=3), time_zone="Africa/Dakar"
        )
        registration = Registration.objects.create(session=session, user=sms)
        due = {"due_at": now, "next_attempt_at": now}
        first = Reminder.objects.create(registration=registration, kind="day", channel="email", **due)
        Reminder.objects.create(registration=registration, kind="day", channel="sms", **due)
        Reminder.objects.create(registration=registration, kind="day", channel="copy", **due)
        week = Reminder.objects.create(registration=registration, kind="week", channel="sms", **due)
        updated = Reminder.objects.create(registration=registration, kind="update", revision=1, **due)
    except Exception:
        _migrate(AFTER)
        raise
    apps = _migrate(AFTER)
    Reminder = apps.get_model("webinars", "Reminder")
    User = apps.get_model("academy", "User")
    assert sorted(Reminder.objects.values_list("pk", flat=True)) == sorted([first.pk, week.pk, updated.pk])
    moved = User.objects.get(email="sms@test.example").message_channels
    assert moved == {
        "webinars.follow_up": [],  # chosen already: left alone
        "webinars.reminder": ["whatsapp", "sms"],
        "webinars.registration": ["whatsapp", "sms"],
    }
    assert User.objects.get(email="mail@test.example").message_channels == {}
    assert "channels" not in {
        f.name for f in apps.get_model("webinars", "WebinarPreference")._meta.get_fields()
    }
