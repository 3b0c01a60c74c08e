import datetime
from unittest import mock

import pytest
import time_machine
from django.core import mail

from academy import tasks as academy_tasks
from config.celery_app import app as celery_app
from tests.academy.factories import UserFactory
from tests.webinars.factories import SeriesFactory, SessionFactory
from tests.workers import real_worker
from webinars import tasks
from webinars.models import Reminder, ReminderStatus, SessionStatus


def test_beat_runs_the_dispatcher_every_minute_and_the_upkeep():
    schedule = celery_app.conf.beat_schedule
    assert schedule["academy-outbox-drain"]["schedule"] == 15.0
    assert schedule["academy-outbox-drain"]["task"] == "academy.outbox_drain"
    assert {"webinars.sessions_generate", "webinars.sessions_upkeep"} <= {
        e["task"] for e in schedule.values()
    }


@pytest.mark.django_db
def test_dispatch_task_sends_and_is_safe_to_run_twice(session, network):
    from webinars import services

    with mock.patch("webinars.services.reminders._dispatch_soon"):
        services.registration_create(user=network.staff_a, session=session)
    # The reminder is handed over to the messaging layer, then its e-mail sent
    # (one run or two, as the outboxes come); a further run sends nothing.
    first = academy_tasks.outbox_drain()["sent"]
    second = academy_tasks.outbox_drain()["sent"] if first == 1 else 0
    assert first + second == 2
    assert academy_tasks.outbox_drain()["sent"] == 0
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
    from webinars import services

    with real_worker() as worker:
        session = SessionFactory()
        with mock.patch("webinars.services.reminders._dispatch_soon"):
            registration = services.registration_create(user=UserFactory(), session=session)
        confirmation = Reminder.objects.get(registration=registration, kind="confirmation")
        worker.send("academy.outbox_drain")
        worker.send("academy.outbox_drain")

        def sent() -> bool:
            confirmation.refresh_from_db()
            return confirmation.status == ReminderStatus.SENT

        assert worker.wait_until(sent), "the worker did not send the reminder"
        assert confirmation.attempts == 1
