"""Live-room chaos: nothing lost, nothing doubled (not part of the unit run).

Two modes, each against real uvicorn processes on 127.0.0.1 sharing Redis
and PostgreSQL:

* ``storm`` — N WebSocket clients spread over S servers; every client posts
  chat messages through its server; a share of them drop their connection
  mid-stream and reconnect to another server with ``?last_event_id=`` or
  ``?last_seq=``. Each client checks what it received against the log.
* ``redis-restart`` — a private Redis (``redis-server --port 6390 --save ''
  --appendonly no``) is killed under a running server while people chat,
  then started again; the connected clients must get what was posted while
  it was away and live delivery again, with no server restart.

Prints clients, messages, per-client gaps / duplicates / inversions (totals
and worst client), seconds, and the load average. Exit status 1 when any
client saw a gap, a duplicate or an inversion.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/roomchaos REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python tests/chaos/room_reconnect_storm.py storm --clients 100 --messages 1000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/roomchaos \\
        .venv/bin/python tests/chaos/room_reconnect_storm.py redis-restart --port 6390

The pytest tests ``tests/webinars/test_room_storm.py`` run the same code,
smaller. Every loop here is bounded in count and time.
"""

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MARK = "storm|"


@dataclass
class StormClient:
    """One person's view of the room across their connections."""

    index: int
    cookie: str
    port: int
    start_seq: int = 0
    last_seq: int = 0
    last_event_id: int = 0
    seqs: list[int] = field(default_factory=list)  # every logged event, in arrival order
    chats: list[tuple[int, str]] = field(default_factory=list)  # (seq, text) of the storm's messages
    errors: list[str] = field(default_factory=list)
    reconnects: int = 0
    sent: int = 0
    error_seen: asyncio.Event = field(default_factory=asyncio.Event)
    ws: Any = None
    reader: asyncio.Task | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)  # sending, or moving to another server


@dataclass
class Verdict:
    clients: int
    messages: int
    gaps: list[int]
    duplicates: list[int]
    inversions: list[int]

    @property
    def clean(self) -> bool:
        return not any(self.gaps) and not any(self.duplicates) and not any(self.inversions)

    @property
    def perfect(self) -> int:
        return sum(
            1 for n in range(self.clients) if not (self.gaps[n] or self.duplicates[n] or self.inversions[n])
        )

    def lines(self) -> list[str]:
        def stats(values: list[int]) -> str:
            worst = max(values, default=0)
            bad = sum(1 for v in values if v)
            return f"total {sum(values)}, clients affected {bad}, worst {worst}"

        return [
            f"clients       {self.clients}",
            f"messages      {self.messages}",
            f"gaps          {stats(self.gaps)}",
            f"duplicates    {stats(self.duplicates)}",
            f"inversions    {stats(self.inversions)}",
            f"exactly once, in order: {self.perfect}/{self.clients}",
        ]


def judge(clients: list[StormClient], expected: list[tuple[int, str]]) -> Verdict:
    """Per client: the storm's messages logged after its snapshot, each once,
    in sequence; and no logged event twice or backwards."""
    gaps, duplicates, inversions = [], [], []
    for client in clients:
        want = [(seq, text) for seq, text in expected if seq > client.start_seq]
        got_seqs = [seq for seq, _text in client.chats]
        gaps.append(len({s for s, _t in want} - set(got_seqs)))
        duplicates.append(len(client.seqs) - len(set(client.seqs)))
        inversions.append(sum(1 for a, b in zip(client.seqs, client.seqs[1:], strict=False) if b <= a))
    return Verdict(len(clients), len(expected), gaps, duplicates, inversions)


def _headers(client: StormClient, port: int) -> dict[str, str]:
    return {"Cookie": f"sessionid={client.cookie}", "Origin": f"http://127.0.0.1:{port}"}


async def _open(client: StormClient, session_id: int, port: int, query: str = "") -> None:
    import websockets

    client.ready.clear()
    client.port = port
    client.ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/webinars/{session_id}/{query}",
        additional_headers=_headers(client, port),
        open_timeout=30,
        ping_interval=None,
        max_queue=None,
        compression=None,
    )
    client.reader = asyncio.get_running_loop().create_task(_read(client, client.ws, first=not query))


async def _read(client: StormClient, ws: Any, *, first: bool) -> None:
    import websockets

    try:
        async for raw in ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "snapshot":
                data = frame["data"]
                client.last_seq, client.last_event_id = data["last_seq"], data["last_event_id"]
                if first:
                    client.start_seq = data["last_seq"]
                else:
                    client.errors.append(f"snapshot on resume at {data['last_seq']}")
                client.ready.set()
            elif kind == "resumed":
                client.last_seq = max(client.last_seq, frame["data"]["last_seq"])
                client.ready.set()
            elif kind == "error":
                client.errors.append(frame.get("code", "?"))
                client.error_seen.set()
            elif "seq" in frame:
                client.seqs.append(frame["seq"])
                client.last_seq, client.last_event_id = frame["seq"], frame["id"]
                if kind == "chat.message" and frame["data"]["message"]["text"].startswith(MARK):
                    client.chats.append((frame["seq"], frame["data"]["message"]["text"]))
    except websockets.ConnectionClosed:
        pass


async def _reconnect(client: StormClient, session_id: int, ports: list[int], pause: float) -> None:
    """Drop the connection, wait, come back on another server from where it was."""
    old = client.ws
    await old.close()
    if client.reader is not None:
        await client.reader
    await asyncio.sleep(pause)
    others = [p for p in ports if p != client.port] or ports
    query = f"?last_seq={client.last_seq}" if client.index % 2 else f"?last_event_id={client.last_event_id}"
    client.reconnects += 1
    await _open(client, session_id, random.choice(others), query)
    await asyncio.wait_for(client.ready.wait(), 30)


async def storm(
    *,
    session_id: int,
    cookies: list[str],
    ports: list[int],
    messages: int,
    reconnect_share: float = 0.2,
    spread_seconds: float = 4.0,
    logged: Callable[[], list[tuple[int, str]]],
    settle_seconds: float = 20.0,
    seed: int = 7,
) -> tuple[Verdict, list[StormClient], float]:
    """Connect everyone, chat ``messages`` messages (from every client in
    turn, through its own server), reconnect ``reconnect_share`` of the
    clients mid-stream, wait until everyone has everything (or
    ``settle_seconds``), judge. ``logged`` reads the storm's messages from the
    database as ``(seq, text)``."""
    rng = random.Random(seed)
    started = time.monotonic()
    clients = [StormClient(n, cookie, ports[n % len(ports)]) for n, cookie in enumerate(cookies)]
    limit = asyncio.Semaphore(50)

    async def join(client: StormClient) -> None:
        async with limit:
            await _open(client, session_id, client.port)
            await asyncio.wait_for(client.ready.wait(), 30)

    await asyncio.gather(*(join(c) for c in clients))
    per_client = [
        messages // len(clients) + (1 if n < messages % len(clients) else 0) for n in range(len(clients))
    ]

    async def chat(client: StormClient) -> None:
        count = per_client[client.index]
        for k in range(count):
            # Evenly over the spread, with jitter; a person may post 5 per 10 s.
            await asyncio.sleep(rng.uniform(0, 2 * spread_seconds / max(count, 1)))
            async with client.lock:
                await client.ws.send(json.dumps({"type": "chat.send", "text": f"{MARK}{client.index}|{k}"}))
                client.sent += 1

    movers = rng.sample(clients, int(len(clients) * reconnect_share))

    async def move(client: StormClient) -> None:
        await asyncio.sleep(rng.uniform(0.2, spread_seconds))
        async with client.lock:
            await _reconnect(client, session_id, ports, rng.uniform(0.05, 0.5))

    await asyncio.gather(*(chat(c) for c in clients), *(move(c) for c in movers))
    posted = time.monotonic()
    expected: list[tuple[int, str]] = []
    previous = -1
    deadline = time.monotonic() + settle_seconds
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        expected = logged()
        # Every message sent is stored or refused (rate limit: an error frame);
        # one sent as its connection closed may be neither: then wait for a still log.
        refused = sum(c.errors.count("rate_limited") for c in clients)
        still = len(expected) == previous
        previous = len(expected)
        if len(expected) < sum(c.sent for c in clients) - refused and not still:
            continue
        if all({s for s, _t in expected if s > c.start_seq} <= {s for s, _t in c.chats} for c in clients):
            break
    await asyncio.sleep(0.5)  # late duplicates, if any, show up
    for client in clients:
        await client.ws.close()
        if client.reader is not None:
            await client.reader
    print(f"settled {time.monotonic() - posted:.1f} s after the last message was sent", file=sys.stderr)
    return judge(clients, logged()), clients, time.monotonic() - started


async def redis_outage(
    *,
    session_id: int,
    cookies: list[str],
    ports: list[int],
    stop_redis: Callable[[], None],
    start_redis: Callable[[], None],
    logged: Callable[[], list[tuple[int, str]]],
    before: int = 3,
    during: int = 5,
    after: int = 3,
    settle_seconds: float = 30.0,
) -> tuple[Verdict, list[StormClient], float, float]:
    """Connect everyone, chat, kill Redis, chat (stored, not broadcast),
    start Redis, chat; the connected clients must end with every message
    once, in order, with no new connection. Messages are posted by the
    clients in turn, through their servers. Returns the verdict, the clients, the seconds, and
    the seconds from Redis' return to the first message posted during the
    outage arriving everywhere."""
    started = time.monotonic()
    clients = [StormClient(n, cookie, ports[n % len(ports)]) for n, cookie in enumerate(cookies)]
    for client in clients:
        await _open(client, session_id, client.port)
        await asyncio.wait_for(client.ready.wait(), 30)

    turn = iter(range(10**6))

    async def say(label: str, count: int) -> None:
        for k in range(count):
            client = clients[next(turn) % len(clients)]
            await client.ws.send(json.dumps({"type": "chat.send", "text": f"{MARK}{label}|{k}"}))
            await asyncio.sleep(0.05)

    async def everyone_has(texts: set[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(texts <= {t for _s, t in c.chats} for c in clients):
                return True
            await asyncio.sleep(0.1)
        return False

    await say("before", before)
    await everyone_has({f"{MARK}before|{k}" for k in range(before)}, 10)
    await asyncio.to_thread(stop_redis)
    await asyncio.sleep(1.0)
    await say("during", during)
    await asyncio.sleep(1.0)
    await asyncio.to_thread(start_redis)
    back = time.monotonic()
    await everyone_has({f"{MARK}during|{k}" for k in range(during)}, settle_seconds)
    recovered = time.monotonic() - back
    await say("after", after)
    await everyone_has({f"{MARK}after|{k}" for k in range(after)}, 10)
    await asyncio.sleep(0.5)
    for client in clients:
        if client.reconnects:
            client.errors.append("reconnected")
        await client.ws.close()
        if client.reader is not None:
            await client.reader
    return judge(clients, logged()), clients, time.monotonic() - started, recovered


# ----------------------------------------------------------------- command line


class PrivateRedis:
    """``redis-server --port P --save '' --appendonly no``, killed and started at will."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None
        self.folder = tempfile.mkdtemp(prefix="room-redis-")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.folder,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def _logged_reader(session_id: int) -> Callable[[], list[tuple[int, str]]]:
    def read() -> list[tuple[int, str]]:
        from webinars.models import RoomEvent

        rows = RoomEvent.objects.filter(session_id=session_id, type="chat.message").order_by("seq")
        return [
            (row.seq, row.payload["message"]["text"])
            for row in rows
            if row.payload["message"]["text"].startswith(MARK)
        ]

    return lambda: _in_thread(read)


def _in_thread(function: Callable[[], Any]) -> Any:
    """Django's ORM refuses to run in an event loop's thread: run it beside."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    def run() -> Any:
        try:
            return function()
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["storm", "redis-restart"])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--reconnect-share", type=float, default=0.2)
    parser.add_argument("--spread", type=float, default=20.0, help="seconds over which the chat is spread")
    parser.add_argument("--port", type=int, default=6390, help="private Redis port (redis-restart)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("several servers need PostgreSQL: --database-url or DATABASE_URL=postgres://...")
    sys.path.insert(0, str(ROOT))
    from tests.benchmarks.room_fanout import free_port, prepare, start_server

    redis_server = None
    if args.mode == "redis-restart":
        redis_server = PrivateRedis(args.port)
        redis_server.start()
        redis_url = f"redis://127.0.0.1:{args.port}/0"
    else:
        redis_url = os.environ.get("REDIS_URL", "")
        if not redis_url:
            parser.error("storm needs REDIS_URL")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis_url,
        "CHANNEL_LAYER_PREFIX": f"chaos-{uuid.uuid4().hex[:8]}",
    }
    logs = Path(tempfile.mkdtemp(prefix="room-chaos-"))
    keep_logs = False
    processes = []
    try:
        session_id, cookies = prepare(env, args.clients)
        ports = [free_port() for _ in range(args.servers)]
        processes = [start_server(env, port, logs / f"uvicorn-{port}.log") for port in ports]
        if args.mode == "storm":
            verdict, clients, seconds = asyncio.run(
                storm(
                    session_id=session_id,
                    cookies=cookies,
                    ports=ports,
                    messages=args.messages,
                    reconnect_share=args.reconnect_share,
                    spread_seconds=args.spread,
                    logged=_logged_reader(session_id),
                    settle_seconds=60,
                )
            )
            extra = [f"reconnected   {sum(1 for c in clients if c.reconnects)} clients"]
        else:
            assert redis_server is not None
            verdict, clients, seconds, recovered = asyncio.run(
                redis_outage(
                    session_id=session_id,
                    cookies=cookies,
                    ports=ports,
                    stop_redis=redis_server.stop,
                    start_redis=redis_server.start,
                    logged=_logged_reader(session_id),
                )
            )
            extra = [f"recovered     {recovered:.2f} s after Redis returned (no server restart)"]
        errors = sorted({e for c in clients for e in c.errors})
        load = os.getloadavg()
        print(f"mode          {args.mode} ({args.servers} servers)")
        for line in [*verdict.lines(), *extra]:
            print(line)
        print(f"client errors {errors or 'none'}")
        print(f"seconds       {seconds:.1f}")
        print(f"load average  {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
        if verdict.clean and not errors:
            return 0
        keep_logs = True
        print(f"server logs   {logs}")
        return 1
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        if redis_server is not None:
            redis_server.close()
        if not keep_logs:
            shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
