"""Nothing lost, nothing doubled: real uvicorn servers sharing Redis and
PostgreSQL, a crowd of WebSocket clients, reconnections mid-stream, a Redis
restart under a running server. The chaos script
``tests/chaos/room_reconnect_storm.py`` runs the same code, bigger."""

import asyncio
import datetime
import os
import socket
import uuid

import pytest
from django.conf import settings
from django.utils import timezone

from academy.models import User
from tests.chaos.room_reconnect_storm import MARK, PrivateRedis, _in_thread, redis_outage, storm
from tests.webinars.factories import SessionFactory
from tests.webinars.room import session_cookie
from tests.webinars.test_room_integration import _database_url, start_servers, stop_servers
from webinars import services
from webinars.models import Registration, RegistrationStatus, RoomEvent

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _room(network, people: int) -> tuple[int, list[str]]:
    session = SessionFactory(
        trainers=[network.trainer], starts_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    tag = uuid.uuid4().hex[:6]
    users = [
        User.objects.create_user(email=f"p{n}-{tag}@storm.example", first_name="P", last_name=str(n))
        for n in range(people)
    ]
    Registration.objects.bulk_create(
        Registration(session=session, user=user, status=RegistrationStatus.CONFIRMED) for user in users
    )
    services.session_start(actor=network.trainer, session=session)
    return session.pk, [session_cookie(user) for user in users]


def _logged(session_id: int):
    def read() -> list[tuple[int, str]]:
        rows = RoomEvent.objects.filter(session_id=session_id, type="chat.message").order_by("seq")
        return [
            (r.seq, r.payload["message"]["text"])
            for r in rows
            if r.payload["message"]["text"].startswith(MARK)
        ]

    return lambda: _in_thread(read)


def _env(redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": f"storm-{uuid.uuid4().hex[:8]}",
    }


def test_crowd_over_two_servers_gets_every_message_once_in_order(network):
    """100 clients over two servers, 400 messages posted through both, 20 %
    of the clients reconnecting mid-stream (to the other server, with
    ``last_event_id`` or ``last_seq``): no gap, no duplicate, no inversion."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    env = _env(settings.REDIS_URL)
    session_id, cookies = _room(network, 100)
    processes, ports = start_servers(2, env)
    try:
        verdict, clients, _seconds = asyncio.run(
            storm(
                session_id=session_id,
                cookies=cookies,
                ports=ports,
                messages=400,
                reconnect_share=0.2,
                spread_seconds=4.0,
                logged=_logged(session_id),
                settle_seconds=20,
            )
        )
    finally:
        stop_servers(processes)
    assert verdict.messages >= 380, verdict.lines()  # a few may be refused by the rate limit
    assert sum(1 for c in clients if c.reconnects) == 20
    assert verdict.clean, verdict.lines()
    assert not [c.errors for c in clients if c.errors]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_live_room_recovers_when_redis_restarts(network):
    """A private Redis is killed under a running server and started again:
    the connected clients (no reconnection, no server restart) receive what
    was posted while it was away, then live messages again, once, in order."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    redis_server = PrivateRedis(_free_port())
    redis_server.start()
    session_id, cookies = _room(network, 12)
    processes, ports = start_servers(2, _env(f"redis://127.0.0.1:{redis_server.port}/0"))
    try:
        verdict, clients, _seconds, recovered = asyncio.run(
            redis_outage(
                session_id=session_id,
                cookies=cookies,
                ports=ports,
                stop_redis=redis_server.stop,
                start_redis=redis_server.start,
                logged=_logged(session_id),
                settle_seconds=20,
            )
        )
    finally:
        stop_servers(processes)
        redis_server.close()
    assert verdict.messages == 11, verdict.lines()
    assert verdict.clean, verdict.lines()
    assert all(len(c.chats) == 11 for c in clients), [len(c.chats) for c in clients]
    assert not [c.errors for c in clients if c.errors]
    assert recovered < 15
