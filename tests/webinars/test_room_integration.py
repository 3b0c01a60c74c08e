"""The live room end to end: two real ASGI servers (uvicorn) on 127.0.0.1
sharing the Redis channel layer, real WebSocket clients (``websockets``).
A message sent through one server reaches people connected to the other,
and a client resuming on the other server gets what it missed."""

import asyncio
import datetime
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.webinars.factories import RegistrationFactory, SessionFactory
from tests.webinars.room import session_cookie
from webinars import services

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the servers need a database they can open: run with DATABASE_URL=postgres://...")
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_servers(count: int, env: dict[str, str]) -> tuple[list[subprocess.Popen], list[int]]:
    processes, ports = [], []
    for _ in range(count):
        port = _free_port()
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "config.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--lifespan",
                    "off",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        ports.append(port)
    deadline = time.monotonic() + 60
    for port, process in zip(ports, processes, strict=True):
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    stop_servers(processes)
                    raise RuntimeError("the ASGI server did not start") from None
                time.sleep(0.2)
    return processes, ports


def stop_servers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


async def _expect(ws, kind: str, timeout: float = 10) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        frame = json.loads(await asyncio.wait_for(ws.recv(), max(remaining, 0.01)))
        if frame["type"] == kind:
            return frame


def test_room_across_two_servers_over_redis(network):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    import websockets

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CHANNEL_LAYER_PREFIX": f"it-{uuid.uuid4().hex[:8]}",
    }
    session = SessionFactory(
        trainers=[network.trainer], starts_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    RegistrationFactory(session=session, user=network.staff_a)
    services.session_start(actor=network.trainer, session=session)
    cookies = {user.pk: session_cookie(user) for user in (network.staff_a, network.trainer)}
    processes, ports = start_servers(2, env)

    def open_room(port: int, user, query: str = ""):
        return websockets.connect(
            f"ws://127.0.0.1:{port}/ws/webinars/{session.pk}/{query}",
            additional_headers={
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookies[user.pk]}",
                "Origin": f"http://127.0.0.1:{port}",
            },
            open_timeout=10,
        )

    async def scenario():
        async with (
            open_room(ports[0], network.staff_a) as alice,
            open_room(ports[1], network.trainer) as trainer,
        ):
            seen = (await _expect(alice, "snapshot"))["data"]["last_event_id"]
            await _expect(trainer, "snapshot")
            await alice.send(json.dumps({"type": "chat.send", "text": "Bonjour depuis le serveur 1"}))
            for ws in (alice, trainer):
                frame = await _expect(ws, "chat.message")
                assert frame["data"]["message"]["text"] == "Bonjour depuis le serveur 1"
            await alice.send(json.dumps({"type": "chat.send", "text": "x" * 5000}))
            assert (await _expect(alice, "error"))["code"] == "too_large"
            seen = max(seen, frame["id"])
        async with open_room(ports[1], network.trainer) as trainer:
            await _expect(trainer, "snapshot")
            await trainer.send(json.dumps({"type": "announce", "text": "Pause"}))
            await _expect(trainer, "announcement")
        async with open_room(ports[1], network.staff_a, f"?last_event_id={seen}") as alice:
            frame = await _expect(alice, "announcement")
            assert frame["data"]["announcement"]["text"] == "Pause"
            assert (await _expect(alice, "resumed"))["data"]["missed"] == 1
        async with websockets.connect(
            f"ws://127.0.0.1:{ports[0]}/ws/webinars/{session.pk}/",
            additional_headers={"Origin": f"http://127.0.0.1:{ports[0]}"},
        ) as anonymous:
            assert (await _expect(anonymous, "error"))["code"] == "unauthenticated"
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(anonymous.recv(), 10)
            assert closed.value.rcvd.code == 4401

    try:
        asyncio.run(scenario())
    finally:
        stop_servers(processes)
    from webinars.models import Attendance

    attendance = Attendance.objects.get(session=session, user=network.staff_a)
    assert attendance.intervals.filter(left_at__isnull=True).count() == 0
