"""Round trips through the real services CI provides (REDIS_URL, PostgreSQL)."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from config.celery_app import app as celery_app

pytestmark = pytest.mark.redis


def _require_redis():
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the worker needs a database it can open: run with DATABASE_URL=postgres://...")
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_celery_task_round_trip_through_a_real_worker_on_redis():
    _require_redis()
    database_url = _database_url()
    queue = f"academy-test-{uuid.uuid4().hex[:8]}"
    expired = Session.objects.create(
        session_key=uuid.uuid4().hex, session_data="", expire_date=timezone.now() - timedelta(days=1)
    )
    live = Session.objects.create(
        session_key=uuid.uuid4().hex, session_data="", expire_date=timezone.now() + timedelta(days=1)
    )
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
        celery_app.send_task("academy.sessions_clear_expired", queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and Session.objects.filter(pk=expired.pk).exists():
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.3)
        assert not Session.objects.filter(pk=expired.pk).exists(), "the worker did not run the task"
        assert Session.objects.filter(pk=live.pk).exists()
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def test_channels_group_message_round_trip_through_redis_layer():
    _require_redis()
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"
    group = f"test-{uuid.uuid4().hex[:8]}"

    async def round_trip():
        first = await layer.new_channel()
        second = await layer.new_channel()
        await layer.group_add(group, first)
        await layer.group_add(group, second)
        await layer.group_send(group, {"type": "room.message", "text": "Bonjour Dakar"})
        received = [await layer.receive(first), await layer.receive(second)]
        await layer.group_discard(group, first)
        await layer.group_discard(group, second)
        return received

    received = async_to_sync(round_trip)()
    assert received == [{"type": "room.message", "text": "Bonjour Dakar"}] * 2
