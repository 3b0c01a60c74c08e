"""Live-room fan-out benchmark (not part of the unit run).

Starts uvicorn on 127.0.0.1 against a fresh database, creates one live
session with N registered people and their session cookies (in bulk),
connects N WebSocket clients to its room, has a few of them chat at a fixed
rate for a fixed time, and prints connect times, delivery latency (sender's
timestamp in the message → receive time) and lost messages
(sent × recipients − received), for each channel layer asked for.

    .venv/bin/python tests/benchmarks/room_fanout.py                   # 1,000 clients, in-memory layer
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python tests/benchmarks/room_fanout.py \
        --layers memory redis pubsub

Options: --clients, --senders, --rate (messages per second, all senders
together; each person may send 5 per 10 s), --duration (seconds),
--database-url (default: a SQLite file in a temporary folder). Loopback only;
every loop is bounded in count and time.
"""

import argparse
import asyncio
import datetime
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(env: dict[str, str], clients: int) -> tuple[int, list[str]]:
    """Migrate the database, create the session and the people (in bulk); returns
    the session id and one session cookie per person."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=600,
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session as HttpSession
    from django.utils import timezone

    from academy.models import User
    from webinars import services
    from webinars.models import Registration, RegistrationStatus

    trainer = User.objects.create_user(email=f"trainer-{uuid.uuid4().hex[:6]}@bench.example", role="trainer")
    session = services.session_create(
        actor=trainer,
        title="Benchmark",
        starts_at=timezone.now() + datetime.timedelta(minutes=5),
        time_zone="UTC",
        video_url="https://meet.example.com/bench",
        audience={"audience_everyone": True},
    )
    services.session_start(actor=trainer, session=session)
    tag = uuid.uuid4().hex[:6]
    users = User.objects.bulk_create(
        User(email=f"p{n}-{tag}@bench.example", first_name="P", last_name=str(n), password="!")
        for n in range(clients)
    )
    if users[0].pk is None:  # backends that do not return ids
        users = list(User.objects.filter(email__endswith=f"-{tag}@bench.example").order_by("pk"))
    Registration.objects.bulk_create(
        Registration(session=session, user=user, status=RegistrationStatus.CONFIRMED) for user in users
    )
    store = SessionStore()
    expires = timezone.now() + datetime.timedelta(days=1)
    rows, keys = [], []
    for user in users:
        key = uuid.uuid4().hex
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        rows.append(HttpSession(session_key=key, session_data=store.encode(data), expire_date=expires))
        keys.append(key)
    HttpSession.objects.bulk_create(rows, batch_size=500)
    return session.pk, keys


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
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
            "--no-access-log",
            "--backlog",
            "4096",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"uvicorn did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.2)


class Client:
    def __init__(self, index: int) -> None:
        self.index = index
        self.received = 0
        self.latencies: list[float] = []
        self.connect_seconds = float("nan")


async def run_clients(args, port: int, session_id: int, cookies: list[str]) -> dict:
    import websockets

    url = f"ws://127.0.0.1:{port}/ws/webinars/{session_id}/"
    clients = [Client(n) for n in range(args.clients)]
    sockets: list = [None] * args.clients
    ready = asyncio.Event()
    stop = asyncio.Event()
    limit = asyncio.Semaphore(args.connect_concurrency)
    marker = "bench|"
    dropped: list[int] = []

    async def reader(client: Client, ws) -> None:
        try:
            async for raw in ws:
                if marker not in raw:
                    continue
                frame = json.loads(raw)
                if frame.get("type") != "chat.message":
                    continue
                text = frame["data"]["message"]["text"]
                sent_at = float(text.rsplit("|", 1)[1])
                client.received += 1
                client.latencies.append(time.time() - sent_at)
        except websockets.ConnectionClosed:
            pass
        if not stop.is_set():
            dropped.append(client.index)

    async def connect(client: Client) -> None:
        async with limit:
            started = time.perf_counter()
            ws = await websockets.connect(
                url,
                additional_headers={
                    "Cookie": f"sessionid={cookies[client.index]}",
                    "Origin": f"http://127.0.0.1:{port}",
                },
                open_timeout=60,
                ping_interval=None,
                max_queue=None,
                compression=None,
            )
            while True:  # the snapshot arrives first
                frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if frame["type"] == "snapshot":
                    break
                if frame["type"] == "error":
                    raise RuntimeError(frame)
            client.connect_seconds = time.perf_counter() - started
            sockets[client.index] = ws

    begin = time.perf_counter()
    await asyncio.gather(*(connect(client) for client in clients))
    connect_total = time.perf_counter() - begin
    readers = [asyncio.create_task(reader(client, sockets[client.index])) for client in clients]
    await asyncio.sleep(args.settle)  # presence broadcasts of the crowd joining

    sent = 0
    senders = clients[: args.senders]
    interval = args.senders / args.rate  # each sender's period

    async def sender(client: Client, offset: float) -> None:
        nonlocal sent
        await asyncio.sleep(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + args.duration
        seq = 0
        while loop.time() < deadline and not stop.is_set():
            text = f"{marker}{client.index}|{seq}|{time.time():.6f}"
            try:
                await sockets[client.index].send(json.dumps({"type": "chat.send", "text": text}))
            except websockets.ConnectionClosed:
                return
            sent += 1
            seq += 1
            await asyncio.sleep(interval)

    await asyncio.gather(*(sender(client, n * interval / args.senders) for n, client in enumerate(senders)))
    ready.set()
    expected = sent * args.clients
    drain_deadline = time.monotonic() + args.drain
    while time.monotonic() < drain_deadline and sum(c.received for c in clients) < expected:
        await asyncio.sleep(0.2)
    stop.set()
    for ws in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    received = sum(c.received for c in clients)
    latencies = [value for c in clients for value in c.latencies]
    connects = [c.connect_seconds for c in clients]
    return {
        "dropped": len(set(dropped)),
        "clients": args.clients,
        "connect_total_s": connect_total,
        "connect_p50_ms": 1000 * percentile(connects, 0.50),
        "connect_p95_ms": 1000 * percentile(connects, 0.95),
        "sent": sent,
        "expected": expected,
        "received": received,
        "lost": expected - received,
        "latency_p50_ms": 1000 * percentile(latencies, 0.50),
        "latency_p95_ms": 1000 * percentile(latencies, 0.95),
        "latency_p99_ms": 1000 * percentile(latencies, 0.99),
        "latency_max_ms": 1000 * max(latencies) if latencies else float("nan"),
        "latency_mean_ms": 1000 * statistics.fmean(latencies) if latencies else float("nan"),
    }


def run_layer(args, layer: str) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"room-bench-{layer}-"))
    database_url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}},
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks.room_settings",
        "DEBUG": "False",
        "ACADEMY_VAR_DIR": str(folder),
        "DATABASE_URL": database_url,
        "BENCH_LAYER": layer,
        "CHANNEL_LAYER_PREFIX": f"bench{uuid.uuid4().hex[:6]}",
        "PYTHONPATH": str(ROOT),
        "CONN_MAX_AGE": str(args.conn_max_age),
    }
    if layer in ("redis", "pubsub"):
        if not os.environ.get("REDIS_URL"):
            raise SystemExit("REDIS_URL is needed for the redis and pubsub layers")
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    if args.database_url and args.database_url.startswith("postgres"):
        import psycopg
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params = conninfo_to_dict(args.database_url)
        name = params.pop("dbname")
        with psycopg.connect(make_conninfo(**{**params, "dbname": "postgres"}), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    session_id, cookies = prepare_in_subprocess(env, args.clients)
    port = free_port()
    server = start_server(env, port, folder / "server.log")
    try:
        result = asyncio.run(asyncio.wait_for(run_clients(args, port, session_id, cookies), args.timeout))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log = (folder / "server.log").read_text()
        errors = [line for line in log.splitlines() if "Error" in line]
        if errors:
            print(f"[{layer}] server log (end):\n{log[-3000:]}", file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
    result["layer"] = layer
    result["server_errors"] = len(errors)
    return result


def prepare_in_subprocess(env: dict[str, str], clients: int) -> tuple[int, list[str]]:
    """Set up the data in a child process (Django is configured once per layer there)."""
    code = (
        f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); "
        "from tests.benchmarks.room_fanout import prepare; import os; "
        f"sid, keys = prepare(dict(os.environ), {clients:d}); print(json.dumps([sid, keys]))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    ).stdout
    session_id, cookies = json.loads(output.strip().splitlines()[-1])
    return session_id, cookies


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument(
        "--rate", type=float, default=5.0, help="chat messages per second, all senders together"
    )
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--drain", type=float, default=15.0)
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--layers", nargs="+", default=["memory"], choices=["memory", "redis", "pubsub"])
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--conn-max-age", type=int, default=60, help="CONN_MAX_AGE of the server (0: a connection per call)"
    )
    args = parser.parse_args()
    if args.rate / args.senders > 0.5:
        parser.error("each person may send 5 messages per 10 s: use more senders or a lower rate")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 4 * args.clients + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    rows = [run_layer(args, layer) for layer in args.layers]
    print(
        f"\n{args.clients} clients, {args.senders} senders, {args.rate:g} msg/s for {args.duration:g} s"
        f" ({'PostgreSQL' if args.database_url.startswith('postgres') else 'SQLite'})"
    )
    header = (
        "layer",
        "connect total s",
        "connect p50 ms",
        "connect p95 ms",
        "sent",
        "expected",
        "received",
        "lost",
        "latency p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "dropped connections",
        "server errors",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print(
            f"| {r['layer']} | {r['connect_total_s']:.1f} | {r['connect_p50_ms']:.0f} "
            f"| {r['connect_p95_ms']:.0f} "
            f"| {r['sent']} | {r['expected']} | {r['received']} | {r['lost']} | {r['latency_p50_ms']:.0f} "
            f"| {r['latency_p95_ms']:.0f} | {r['latency_p99_ms']:.0f} | {r['latency_max_ms']:.0f} "
            f"| {r['dropped']} | {r['server_errors']} |"
        )


if __name__ == "__main__":
    main()
