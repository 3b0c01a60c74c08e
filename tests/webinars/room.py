"""Helpers for live-room tests: an authenticated WebSocket client on the
real ASGI application (session cookie, Origin checked) that skips the frames
a test is not looking at."""

import asyncio
import json
from typing import Any

from asgiref.sync import sync_to_async
from channels.testing.websocket import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from config.asgi import application

TIMEOUT = 5


def session_cookie(user) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


class RoomClient:
    def __init__(
        self, session_id: int, cookie: str | None, *, query: str = "", origin: str = "http://testserver"
    ):
        headers = [(b"origin", origin.encode())]
        if cookie:
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
        path = f"/ws/webinars/{session_id}/" + (f"?{query}" if query else "")
        self.communicator = WebsocketCommunicator(application, path, headers=headers)
        self.frames: list[dict[str, Any]] = []

    @classmethod
    async def open(cls, session_id: int, user=None, **kwargs) -> "RoomClient":
        cookie = await sync_to_async(session_cookie)(user) if user is not None else None
        client = cls(session_id, cookie, **kwargs)
        connected, _code = await client.communicator.connect(timeout=TIMEOUT)
        assert connected
        return client

    async def send(self, **frame: Any) -> None:
        await self.communicator.send_to(text_data=json.dumps(frame))

    async def send_raw(self, text: str) -> None:
        await self.communicator.send_to(text_data=text)

    async def next(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        output = await self.communicator.receive_output(timeout)
        if output["type"] == "websocket.close":
            return {"type": "__closed__", "code": output.get("code")}
        frame = json.loads(output["text"])
        self.frames.append(frame)
        return frame

    async def expect(self, kind: str, timeout: float = TIMEOUT, **match: Any) -> dict[str, Any]:
        """The next frame of type ``kind`` (whose ``data`` includes ``match``), skipping others."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            frame = await self.next(max(0.05, deadline - loop.time()))
            if frame["type"] == kind and all(frame.get("data", {}).get(k) == v for k, v in match.items()):
                return frame
            if frame["type"] == "__closed__" and kind != "__closed__":
                raise AssertionError(f"closed ({frame['code']}) while waiting for {kind}: {self.frames}")

    async def closed(self) -> int:
        frame = await self.expect("__closed__")
        return frame["code"]

    async def nothing(
        self, timeout: float = 0.3, ignore: tuple[str, ...] = ("presence", "presence.list", "pong")
    ) -> None:
        """No frame (other than ``ignore``d state) arrives within ``timeout``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0 or await self.communicator.receive_nothing(remaining):
                return
            frame = await self.next()
            assert frame["type"] in ignore, f"unexpected frame {frame}"

    async def close(self) -> None:
        await self.communicator.disconnect()
