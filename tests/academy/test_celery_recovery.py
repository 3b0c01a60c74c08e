"""A real Celery worker and a real beat outlive a restart of their Redis
(a private one, killed and started again empty): no restart of theirs, and
what is sent after Redis returns is processed (PostgreSQL + Redis only)."""

import datetime
import time
import uuid

import pytest
import redis
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.workers import real_beat, real_worker

TASK = "academy.sessions_clear_expired"


def _expired_session() -> Session:
    return Session.objects.create(
        session_key=uuid.uuid4().hex,
        session_data="",
        expire_date=timezone.now() - datetime.timedelta(days=1),
    )


def _queued(url: str, queue: str) -> int:
    """Messages waiting in ``queue`` (a Redis list per priority step)."""
    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        return sum(
            client.llen(key) for key in client.scan_iter(match=f"{queue}*") if client.type(key) == b"list"
        )
    finally:
        client.close()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_and_beat_keep_working_across_a_redis_restart(private_redis):
    # Beat sends to a queue nobody consumes: what waits there is what it sent.
    beat_queue = f"academy-test-beat-{uuid.uuid4().hex[:8]}"
    with real_worker(private_redis.url) as worker, real_beat(private_redis.url, TASK, beat_queue) as beat:
        before = _expired_session()
        worker.send(TASK)
        assert worker.wait_until(lambda: not Session.objects.filter(pk=before.pk).exists()), worker.output()
        assert worker.wait_until(lambda: _queued(private_redis.url, beat_queue) > 0, 30), beat.output()

        private_redis.stop()
        time.sleep(4)  # both notice: the worker's BRPOP fails, beat's sends fail
        private_redis.start()  # empty: no persistence
        assert _queued(private_redis.url, beat_queue) == 0

        after = _expired_session()
        worker.send(TASK)
        assert worker.wait_until(lambda: not Session.objects.filter(pk=after.pk).exists(), 90), (
            worker.output()
        )
        assert worker.wait_until(lambda: _queued(private_redis.url, beat_queue) > 0, 60), beat.output()
        assert worker.process.poll() is None and beat.process.poll() is None


def test_workers_and_beat_reconnect_for_as_long_as_the_broker_is_away():
    # Celery's default gives up after 100 attempts and the worker exits.
    from config.celery_app import app

    assert app.conf.broker_connection_retry is True
    assert app.conf.broker_connection_max_retries is None
    assert app.conf.worker_cancel_long_running_tasks_on_connection_loss is True
