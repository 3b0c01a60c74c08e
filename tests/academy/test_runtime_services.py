"""Round trips through the real services CI provides (REDIS_URL, PostgreSQL)."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.workers import real_worker, require_redis

pytestmark = pytest.mark.redis


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
def test_celery_task_round_trip_through_a_real_worker_on_redis():
    with real_worker() as worker:
        expired = Session.objects.create(
            session_key=uuid.uuid4().hex, session_data="", expire_date=timezone.now() - timedelta(days=1)
        )
        live = Session.objects.create(
            session_key=uuid.uuid4().hex, session_data="", expire_date=timezone.now() + timedelta(days=1)
        )
        worker.send("academy.sessions_clear_expired")
        gone = worker.wait_until(lambda: not Session.objects.filter(pk=expired.pk).exists())
        assert gone, "the worker did not run the task"
        assert Session.objects.filter(pk=live.pk).exists()


def test_channels_group_message_round_trip_through_redis_layer():
    require_redis()
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


def test_a_task_queued_by_name_is_found_in_a_process_that_never_imported_it():
    """Web processes and commands do not import the apps' tasks modules; a
    service queuing work by name must still find the task."""
    script = (
        "import django; django.setup()\n"
        "import sys\n"
        "from academy.tasks import task_named\n"
        "assert 'webinars.tasks' not in sys.modules\n"
        "names = ('academy.outbox_drain', 'webinars.sessions_upkeep', 'distributors.engagement_refresh')\n"
        "for name in names:\n"
        "    assert task_named(name).name == name, name\n"
        "print('found')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("found")
