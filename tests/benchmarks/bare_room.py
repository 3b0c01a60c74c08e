"""The live-room benchmark's baseline: a broadcast WebSocket server with no
Django, a plain ASGI application served by the same uvicorn.

It speaks just enough of the room's protocol for ``room_fanout.py``'s
clients: ``/healthz`` answers ``ok``; a WebSocket on any path is accepted
and sent a ``snapshot`` frame; each ``chat.send`` frame is sent back to
every connection of the process as a ``chat.message`` frame; a
``heartbeat`` gets a ``pong``. No authentication, no database, no channel
layer: what is left of the room's connect and fan-out cost is the ASGI
server's and the clients'.

    .venv/bin/python -m uvicorn tests.benchmarks.bare_room:application --port 8001
"""

import asyncio
import json
from typing import Any

_connections: set[Any] = set()

_SNAPSHOT = json.dumps(
    {
        "type": "snapshot",
        "data": {
            "session": {"id": 0, "title": "Benchmark", "status": "live"},
            "role": "attendee",
            "me": {"id": 0, "name": "P", "muted": False, "hand_raised": False},
            "chat": [],
            "questions": [],
            "poll": None,
            "announcements": [],
            "present": 0,
            "last_event_id": 0,
            "last_seq": 0,
        },
    }
)


async def _http(scope: dict[str, Any], receive: Any, send: Any) -> None:
    body = b"ok" if scope["path"] == "/healthz" else b"not found"
    status = 200 if scope["path"] == "/healthz" else 404
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]}
    )
    await send({"type": "http.response.body", "body": body})


async def _websocket(scope: dict[str, Any], receive: Any, send: Any) -> None:
    seq = 0
    while True:
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.send", "text": _SNAPSHOT})
            _connections.add(send)
        elif message["type"] == "websocket.disconnect":
            _connections.discard(send)
            return
        elif message["type"] == "websocket.receive":
            frame = json.loads(message.get("text") or "{}")
            if frame.get("type") == "heartbeat":
                await send({"type": "websocket.send", "text": '{"type":"pong"}'})
            elif frame.get("type") == "chat.send":
                seq += 1
                text = json.dumps(
                    {"type": "chat.message", "seq": seq, "data": {"message": {"text": frame.get("text", "")}}}
                )
                await asyncio.gather(
                    *(peer({"type": "websocket.send", "text": text}) for peer in list(_connections)),
                    return_exceptions=True,
                )


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        await _http(scope, receive, send)
    elif scope["type"] == "websocket":
        await _websocket(scope, receive, send)
