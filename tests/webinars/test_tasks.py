import datetime
import os
import subprocess
import sys
import time
import uuid
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from config.celery_app import app as celery_app
from tests.academy.factories import UserFactory
from tests.academy.test_runtime_services import _database_url, _require_redis
from tests.webinars.factories import SeriesFactory, SessionFactory
from webinars import tasks
from webinars.models import Reminder, ReminderStatus, SessionStatus


def test_beat_runs_the_dispatcher_every_minute_and_the_upkeep():
    schedule = celery_app.conf.beat_schedule
    assert schedule["webinars-reminders-dispatch"]["schedule"] == 60.0
    assert schedule["webinars-reminders-dispatch"]["task"] == "webinars.reminders_dispatch"
    assert {"webinars.sessions_generate", "webinars.sessions_upkeep"} <= {
        e["task"] for e in schedule.values()
    }


@pytest.mark.django_db
def test_dispatch_task_sends_and_is_safe_to_run_twice(session, network):
    from webinars import services

    with mock.patch("webinars.services.reminders._dispatch_soon"):
        services.registration_create(user=network.staff_a, session=session)
    assert tasks.reminders_dispatch()["sent"] == 1
    assert tasks.reminders_dispatch()["sent"] == 0
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_generate_and_upkeep_tasks(network):
    series = SeriesFactory(actor=network.trainer)
    count = series.sessions.count()
    assert count >= 2
    assert tasks.sessions_generate() == 0
    session = SessionFactory()
    with time_machine.travel(session.ends_at + datetime.timedelta(hours=3), tick=False):
        assert tasks.sessions_upkeep()["ended"] >= 1
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_reminders_dispatched_by_a_real_worker_on_redis():
    _require_redis()
    database_url = _database_url()
    from webinars import services

    session = SessionFactory()
    with mock.patch("webinars.services.reminders._dispatch_soon"):
        registration = services.registration_create(user=UserFactory(), session=session)
    confirmation = Reminder.objects.get(registration=registration, kind="confirmation")
    queue = f"webinars-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        celery_app.send_task("webinars.reminders_dispatch", queue=queue)
        celery_app.send_task("webinars.reminders_dispatch", queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            confirmation.refresh_from_db()
            if confirmation.status == ReminderStatus.SENT:
                break
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.3)
        assert confirmation.status == ReminderStatus.SENT, "the worker did not send the reminder"
        assert confirmation.attempts == 1
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
