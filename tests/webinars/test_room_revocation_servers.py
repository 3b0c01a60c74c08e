"""Room connections end with the person's right to be there on every server:
two real uvicorn servers sharing PostgreSQL and the Redis channel layer, real
WebSocket clients. Signing out through server A's sign-out page closes that
sign-in session's connection on server B; an account switched off or a
membership ended (saved by this process, which broadcasts over the servers'
layer) closes the person's connections on both.

Nothing here sends a frame to a connection that must close before it has
closed, and each must close within ``CLOSE_SECONDS`` — less than a
connection's own periodic check (``RECHECK_SECONDS``) — so only the
broadcast can close it in time."""

import asyncio
import copy
import datetime
import http.client
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session as SignInSession
from django.db import connection
from django.utils import timezone

from tests.webinars.factories import RegistrationFactory, SessionFactory
from tests.webinars.room import session_cookie
from tests.webinars.test_room_integration import _database_url, start_servers, stop_servers
from webinars import consumers, services
from webinars.models import Session

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CLOSE_SECONDS = 10.0
assert CLOSE_SECONDS < consumers.RECHECK_SECONDS


@dataclass(frozen=True)
class Servers:
    ports: list[int]
    prefix: str  # their channel layer's prefix


@pytest.fixture
def servers() -> Iterator[Servers]:
    """Two servers of the test's own: stopped before the database is emptied
    after the test, so no server is still writing while it is."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    prefix = f"revoke-it-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CHANNEL_LAYER_PREFIX": prefix,
    }
    processes, ports = start_servers(2, env)
    try:
        yield Servers(ports, prefix)
    finally:
        stop_servers(processes)


@pytest.fixture
def servers_layer(servers: Servers, settings: Any) -> Servers:
    """This process broadcasts over the servers' channel layer (same Redis, same prefix)."""
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    assert layers["default"]["BACKEND"] == "config.channel_layers.RedisChannelLayer"
    layers["default"]["CONFIG"]["prefix"] = servers.prefix
    settings.CHANNEL_LAYERS = layers
    return servers


@pytest.fixture
def room(network) -> int:
    """A live session with staff of each distributor registered."""
    session = cast(
        Session,
        SessionFactory(trainers=[network.trainer], starts_at=timezone.now() + datetime.timedelta(minutes=5)),
    )
    RegistrationFactory(session=session, user=network.staff_a)
    RegistrationFactory(session=session, user=network.staff_b)
    services.session_start(actor=network.trainer, session=session)
    return session.pk


async def _beside(function: Callable[[], Any]) -> Any:
    """The ORM (and the HTTP client) off the event loop's thread, its connection closed after."""

    def run() -> Any:
        try:
            return function()
        finally:
            connection.close()

    return await asyncio.to_thread(run)


class Socket:
    """A WebSocket client in the room, from its snapshot on."""

    def __init__(self, ws: Any, label: str) -> None:
        self.ws = ws
        self.label = label
        self.snapshot: dict[str, Any] = {}

    @classmethod
    async def open(cls, *, port: int, session_id: int, cookie: str, label: str) -> "Socket":
        import websockets

        ws = await websockets.connect(
            f"ws://127.0.0.1:{port}/ws/webinars/{session_id}/",
            additional_headers={
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
                "Origin": f"http://127.0.0.1:{port}",
            },
            open_timeout=30,
            ping_interval=None,
        )
        socket = cls(ws, label)
        socket.snapshot = (await socket.expect("snapshot", timeout=30))["data"]
        assert "last_seq" in socket.snapshot, socket.snapshot
        return socket

    async def expect(self, kind: str, timeout: float = 10) -> dict[str, Any]:
        """The next frame of type ``kind``; an error frame or a close on the way fails."""
        import websockets

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                raw = await asyncio.wait_for(self.ws.recv(), max(deadline - loop.time(), 0.01))
            except websockets.ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                raise AssertionError(f"{self.label} closed ({code}) while waiting for {kind}") from None
            except TimeoutError:
                raise AssertionError(f"{self.label}: no {kind} within {timeout} s") from None
            frame = json.loads(raw)
            if frame["type"] == kind:
                return frame
            assert frame["type"] != "error", f"{self.label}: {frame}"

    async def ends(self, started: float) -> tuple[int | None, list[str], float]:
        """The close code, the error codes received before it, and the seconds
        since ``started``; fails when it is still open ``CLOSE_SECONDS`` after."""
        import websockets

        errors: list[str] = []
        try:
            while True:
                remaining = started + CLOSE_SECONDS - time.monotonic()
                frame = json.loads(await asyncio.wait_for(self.ws.recv(), max(remaining, 0.01)))
                if frame["type"] == "error":
                    errors.append(frame["code"])
        except websockets.ConnectionClosed as closed:
            return (closed.rcvd.code if closed.rcvd else None), errors, time.monotonic() - started
        except TimeoutError:
            raise AssertionError(
                f"{self.label} still open {CLOSE_SECONDS} s after; errors {errors}"
            ) from None

    async def still_open(self) -> None:
        await self.ws.send(json.dumps({"type": "heartbeat"}))
        await self.expect("pong")

    async def close(self) -> None:
        await self.ws.close()


async def _all_end(sockets: list[Socket], started: float) -> list[tuple[int | None, list[str], float]]:
    return list(await asyncio.gather(*(s.ends(started) for s in sockets)))


def _run(scenario: Callable[[list[Socket]], Any]) -> None:
    async def wrapped() -> None:
        sockets: list[Socket] = []
        try:
            await scenario(sockets)
        finally:
            for socket in sockets:
                await socket.close()

    asyncio.run(wrapped())


def _http(port: int, method: str, path: str, headers: dict[str, str], body: str = "") -> tuple[int, str, str]:
    """Status, ``Set-Cookie`` and body of one request to server ``port``."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        client.request(method, path, body=body or None, headers=headers)
        response = client.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read().decode()
    finally:
        client.close()


def _sign_out(port: int, cookie: str) -> int:
    """Sign out as a browser does on server ``port``: a page's sign-out form
    (CSRF cookie and token) posted to the sign-out view. The response status."""
    session = f"{settings.SESSION_COOKIE_NAME}={cookie}"
    status, set_cookie, html = _http(port, "GET", "/", {"Cookie": session})
    assert status == 200, status
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    csrf = re.search(rf"{settings.CSRF_COOKIE_NAME}=([^;]+)", set_cookie)
    assert token and csrf, "the page has no sign-out form"
    status, _set_cookie, _html = _http(
        port,
        "POST",
        "/logout/",
        {
            "Cookie": f"{session}; {settings.CSRF_COOKIE_NAME}={csrf.group(1)}",
            "Origin": f"http://127.0.0.1:{port}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        f"csrfmiddlewaretoken={token.group(1)}",
    )
    return status


def test_signing_out_on_one_server_closes_that_session_on_the_other(servers, room, network):
    a, b = servers.ports
    here, elsewhere = session_cookie(network.staff_a), session_cookie(network.staff_a)
    bob = session_cookie(network.staff_b)

    async def scenario(sockets: list[Socket]) -> None:
        here_a = await Socket.open(port=a, session_id=room, cookie=here, label="signed-out session on A")
        here_b = await Socket.open(port=b, session_id=room, cookie=here, label="signed-out session on B")
        other_device = await Socket.open(port=b, session_id=room, cookie=elsewhere, label="other device")
        bob_b = await Socket.open(port=b, session_id=room, cookie=bob, label="someone else")
        sockets += [here_a, here_b, other_device, bob_b]
        started = time.monotonic()
        assert await _beside(lambda: _sign_out(a, here)) == 302
        ended = await _all_end([here_b, here_a], started)
        assert [(code, errors) for code, errors, _s in ended] == [(4401, ["signed_out"])] * 2, ended
        await asyncio.sleep(1.0)  # the other connections have checked the same revocation
        await other_device.still_open()
        await bob_b.still_open()

    _run(scenario)
    assert not SignInSession.objects.filter(session_key=here).exists()
    assert SignInSession.objects.filter(session_key=elsewhere).exists()


def test_an_account_switched_off_closes_it_on_both_servers(servers_layer, room, network):
    a, b = servers_layer.ports
    user = network.staff_a
    cookies = [session_cookie(user), session_cookie(user)]
    bob = session_cookie(network.staff_b)

    def switch_off() -> None:
        user.is_active = False
        user.save(update_fields=["is_active"])  # autocommit: broadcast at once

    async def scenario(sockets: list[Socket]) -> None:
        alice_a = await Socket.open(port=a, session_id=room, cookie=cookies[0], label="switched off, A")
        alice_b = await Socket.open(port=b, session_id=room, cookie=cookies[1], label="switched off, B")
        bob_a = await Socket.open(port=a, session_id=room, cookie=bob, label="someone else, A")
        bob_b = await Socket.open(port=b, session_id=room, cookie=bob, label="someone else, B")
        sockets += [alice_a, alice_b, bob_a, bob_b]
        started = time.monotonic()
        await _beside(switch_off)
        ended = await _all_end([alice_a, alice_b], started)
        assert [(code, errors) for code, errors, _s in ended] == [(4401, ["signed_out"])] * 2, ended
        await bob_a.still_open()
        await bob_b.still_open()

    _run(scenario)


def test_a_membership_ended_closes_it_on_both_servers_with_4403(servers_layer, room, network):
    from distributors import services as network_services
    from distributors.selectors import membership_current

    a, b = servers_layer.ports
    user = network.staff_a
    cookie, bob = session_cookie(user), session_cookie(network.staff_b)

    def leave() -> None:
        membership = membership_current(user=user)
        assert membership is not None
        network_services.membership_end(membership=membership, ended_by=network.lead_a)

    async def scenario(sockets: list[Socket]) -> None:
        alice_a = await Socket.open(port=a, session_id=room, cookie=cookie, label="left, A")
        alice_b = await Socket.open(port=b, session_id=room, cookie=cookie, label="left, B")
        bob_b = await Socket.open(port=b, session_id=room, cookie=bob, label="someone else, B")
        sockets += [alice_a, alice_b, bob_b]
        started = time.monotonic()
        await _beside(leave)
        ended = await _all_end([alice_a, alice_b], started)
        assert [(code, errors) for code, errors, _s in ended] == [(4403, ["no_longer_allowed"])] * 2, ended
        await bob_b.still_open()

    _run(scenario)
