"""Live-room fan-out benchmark (not part of the unit run).

Starts uvicorn on 127.0.0.1 against a fresh database, creates one live
session with N registered people and their session cookies (in bulk),
connects N WebSocket clients to its room, has a few of them chat at a fixed
rate for a fixed time, closes every client, and prints: the time to connect
them all, each client's time to snapshot (connect → first ``snapshot``
frame, p50 / p95), delivery latency (sender's timestamp in the message →
receive time), lost messages (sent × recipients − received), failed
connects, connections dropped by the server, server errors (tracebacks and
errors in the server logs), and the time to drain: from the last close until
the servers are idle again (under 5 % of a core for half a second) with no
presence row left in the database.

The baseline is measured first in the same run, by the same clients: a bare
broadcast server with no Django (``tests/benchmarks/bare_room.py``, served
by the same uvicorn); the ``× bare`` column is the ratio of connect-all
times. The load average (1 minute) is printed when the clients are
connected, and at the start and the end of the run (the machine is shared:
read ratios, not absolute times).

    .venv/bin/python tests/benchmarks/room_fanout.py                   # 1,000 clients, in-memory layer
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python tests/benchmarks/room_fanout.py \
        --layers memory redis pubsub
    REDIS_URL=redis://127.0.0.1:6379/5 .venv/bin/python tests/benchmarks/room_fanout.py \
        --clients 3000 --processes 2 --layers redis \
        --database-url postgres://postgres@127.0.0.1:5432/academy_bench   # 2 ASGI processes

Options: --clients, --processes (ASGI processes, clients split between them;
needs the Redis layer), --senders, --rate (messages per second, all senders
together; each person may send 5 per 10 s), --duration (seconds),
--database-url (default: a SQLite file in a temporary folder; a PostgreSQL
database is dropped and created again), --no-bare. ``BENCH_CPROFILE=<prefix>``
runs each Django server under cProfile (statistics in ``<prefix>-<port>.prof``).
Loopback only; every loop is bounded in count and time.
"""

import argparse
import asyncio
import contextlib
import datetime
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.benchmarks.harness import free_port, migrate, percentile, start_uvicorn  # noqa: E402 (after the path above)


def prepare(env: dict[str, str], clients: int) -> tuple[int, list[str]]:
    """Migrate the database, create the session and the people (in bulk); returns
    the session id and one session cookie per person."""
    migrate(env, timeout=600)
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


# A server under cProfile (``BENCH_CPROFILE=<file prefix>``; its event loop's
# thread): statistics written when it stops, to <prefix>-<port>.prof.
PROFILED = """
import cProfile, signal, sys
import uvicorn
path = sys.argv[1]
sys.argv = ["uvicorn", *sys.argv[2:]]
profile = cProfile.Profile()
def written(*_):
    profile.disable()
    profile.dump_stats(path)
    sys.exit(0)
# uvicorn shuts down on SIGTERM, then raises it again for the handler it found.
signal.signal(signal.SIGTERM, written)
profile.enable()
uvicorn.main()
"""


def start_server(
    env: dict[str, str], port: int, log: Path, app: str = "config.asgi:application"
) -> subprocess.Popen:
    profile = env.get("BENCH_CPROFILE")
    runner = ["-c", PROFILED, f"{profile}-{port}.prof"] if profile else None
    return start_uvicorn(env, port, log, app=app, runner=runner)


class Client:
    def __init__(self, index: int) -> None:
        self.index = index
        self.received = 0
        self.latencies: list[float] = []
        self.connect_seconds = float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def presence_rows(database_url: str, session_id: int) -> int:
    """Open room connections of the session, read straight from the database."""
    query = "SELECT COUNT(*) FROM webinars_roomconnection WHERE session_id = %s"
    if database_url.startswith("postgres"):
        import psycopg

        with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as conn:
            return conn.execute(query, (session_id,)).fetchone()[0]
    import sqlite3

    path = database_url.split("sqlite:///", 1)[1]
    with sqlite3.connect(path, timeout=30) as conn:
        return conn.execute(query.replace("%s", "?"), (session_id,)).fetchone()[0]


async def wait_drained(pids: list[int], rows, timeout: float) -> tuple[float, int]:
    """Seconds until the servers are idle again (under 5 % of a core over
    half a second) with no presence row left (``rows()``; None: not
    counted), and the rows left when ``timeout`` passed first."""
    begin = time.perf_counter()
    window = 0.5
    last = [cpu_seconds(pid) for pid in pids]
    left = -1
    while time.perf_counter() - begin < timeout:
        start = time.perf_counter()
        await asyncio.sleep(window)
        now = [cpu_seconds(pid) for pid in pids]
        busy = max(b - a for a, b in zip(last, now, strict=True))
        last = now
        left = 0 if rows is None else await asyncio.to_thread(rows)
        if busy < 0.05 * window and left == 0:
            return start - begin, 0
    return float("nan"), left


async def run_clients(
    args, ports: list[int], session_id: int, cookies: list[str] | None, pids: list[int], rows
) -> dict:
    import websockets

    clients = [Client(n) for n in range(args.clients)]
    sockets: list = [None] * args.clients
    stop = asyncio.Event()
    limit = asyncio.Semaphore(args.connect_concurrency)
    marker = "bench|"
    dropped: list[int] = []
    failed: list[str] = []

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
        port = ports[client.index % len(ports)]
        url = f"ws://127.0.0.1:{port}/ws/webinars/{session_id}/"
        headers = {"Origin": f"http://127.0.0.1:{port}"}
        if cookies is not None:
            headers["Cookie"] = f"sessionid={cookies[client.index]}"
        async with limit:
            started = time.perf_counter()
            try:
                ws = await websockets.connect(
                    url,
                    additional_headers=headers,
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
            except Exception as error:  # counted as lost connections
                failed.append(f"{type(error).__name__}: {error}")
                return
            client.connect_seconds = time.perf_counter() - started
            sockets[client.index] = ws

    begin = time.perf_counter()
    await asyncio.gather(*(connect(client) for client in clients))
    connect_total = time.perf_counter() - begin
    load_connected = os.getloadavg()[0]
    connected = [client for client in clients if sockets[client.index] is not None]
    readers = [asyncio.create_task(reader(client, sockets[client.index])) for client in connected]
    await asyncio.sleep(args.settle)  # presence broadcasts of the crowd joining

    sent = 0
    senders = connected[: args.senders]
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
    # Each message reaches every connected client (a server broadcasts only
    # to its own connections when there is no channel layer: the bare one).
    recipients = len(connected) if cookies is not None or len(ports) == 1 else len(connected) // len(ports)
    expected = sent * recipients
    drain_deadline = time.monotonic() + args.drain
    while time.monotonic() < drain_deadline and sum(c.received for c in clients) < expected:
        await asyncio.sleep(0.2)
    stop.set()
    leave = time.perf_counter()
    closing = asyncio.Semaphore(200)

    async def close(ws) -> None:
        async with closing:
            with contextlib.suppress(Exception):
                await ws.close()

    await asyncio.gather(*(close(sockets[c.index]) for c in connected))
    for task in readers:
        task.cancel()
    closed = time.perf_counter() - leave
    drained, rows_left = await wait_drained(pids, rows, args.drain_timeout)
    received = sum(c.received for c in clients)
    latencies = [value for c in clients for value in c.latencies]
    connects = [c.connect_seconds for c in connected]
    return {
        "dropped": len(set(dropped)),
        "failed": len(failed),
        "failures": failed[:5],
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
        "close_s": closed,
        "drain_s": drained,
        "rows_left": rows_left,
        "load_connected": load_connected,
    }


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def server_errors(log: str) -> list[str]:
    """Tracebacks and error lines of a server log."""
    return [line for line in log.splitlines() if "Traceback" in line or "Error" in line]


def run_bare(args) -> dict:
    """The baseline: the same clients against ``bare_room`` (no Django) on as many processes."""
    folder = Path(tempfile.mkdtemp(prefix="room-bench-bare-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ports = [free_port() for _ in range(args.processes)]
    servers = [
        start_server(env, port, folder / f"server{n}.log", app="tests.benchmarks.bare_room:application")
        for n, port in enumerate(ports)
    ]
    try:
        result = asyncio.run(
            asyncio.wait_for(run_clients(args, ports, 0, None, [s.pid for s in servers], None), args.timeout)
        )
    finally:
        for server in servers:
            stop_server(server)
        errors = [
            e for n in range(len(servers)) for e in server_errors((folder / f"server{n}.log").read_text())
        ]
        shutil.rmtree(folder, ignore_errors=True)
    result["layer"] = "bare (no Django)"
    result["server_errors"] = len(errors)
    return result


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
    elif args.processes > 1:
        raise SystemExit("several processes need a shared channel layer: --layers redis")
    if args.database_url and args.database_url.startswith("postgres"):
        import psycopg
        from psycopg.conninfo import conninfo_to_dict, make_conninfo

        params = conninfo_to_dict(args.database_url)
        name = params.pop("dbname")
        with psycopg.connect(make_conninfo(**{**params, "dbname": "postgres"}), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    session_id, cookies = prepare_in_subprocess(env, args.clients)
    ports = [free_port() for _ in range(args.processes)]
    servers = [start_server(env, port, folder / f"server{n}.log") for n, port in enumerate(ports)]
    try:
        result = asyncio.run(
            asyncio.wait_for(
                run_clients(
                    args,
                    ports,
                    session_id,
                    cookies,
                    [s.pid for s in servers],
                    lambda: presence_rows(database_url, session_id),
                ),
                args.timeout,
            )
        )
    finally:
        for server in servers:
            stop_server(server)
        logs = [(folder / f"server{n}.log").read_text() for n in range(len(servers))]
        errors = [line for log in logs for line in server_errors(log)]
        if errors:
            for n, log in enumerate(logs):
                print(f"[{layer}] server {n} log (end):\n{log[-3000:]}", file=sys.stderr)
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
    parser.add_argument(
        "--drain-timeout", type=float, default=120.0, help="longest wait for the servers to be idle again"
    )
    parser.add_argument("--connect-concurrency", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--layers", nargs="+", default=["memory"], choices=["memory", "redis", "pubsub"])
    parser.add_argument(
        "--processes", type=int, default=1, help="ASGI processes (clients split between them; needs redis)"
    )
    parser.add_argument("--no-bare", action="store_true", help="skip the bare-server baseline")
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--conn-max-age", type=int, default=60, help="CONN_MAX_AGE of the server without the pool (SQLite)"
    )
    args = parser.parse_args()
    if args.rate / args.senders > 0.5:
        parser.error("each person may send 5 messages per 10 s: use more senders or a lower rate")
    if args.processes < 1:
        parser.error("--processes is at least 1")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, 4 * args.clients + 1024))
    resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    load_before = os.getloadavg()
    rows = [] if args.no_bare else [run_bare(args)]
    rows += [run_layer(args, layer) for layer in args.layers]
    bare = None if args.no_bare else rows[0]
    print(
        f"\n{args.clients} clients over {args.processes} process(es), {args.senders} senders, "
        f"{args.rate:g} msg/s for {args.duration:g} s"
        f" ({'PostgreSQL' if args.database_url.startswith('postgres') else 'SQLite'}); "
        f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
        f"after {' '.join(f'{v:.2f}' for v in os.getloadavg())}"
    )
    header = (
        "server",
        "connect all s",
        "× bare",
        "snapshot p50 ms",
        "snapshot p95 ms",
        "load (1 min) connected",
        "sent",
        "expected",
        "received",
        "lost",
        "latency p50 ms",
        "p95 ms",
        "p99 ms",
        "failed connects",
        "dropped connections",
        "server errors",
        "close s",
        "drained s",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        ratio = f"{r['connect_total_s'] / bare['connect_total_s']:.1f}" if bare else "–"
        drained = (
            f"{r['drain_s']:.1f}"
            if r["drain_s"] == r["drain_s"]
            else f"> {args.drain_timeout:g} ({r['rows_left']} rows left)"
        )
        print(
            f"| {r['layer']} | {r['connect_total_s']:.1f} | {ratio} | {r['connect_p50_ms']:.0f} "
            f"| {r['connect_p95_ms']:.0f} | {r['load_connected']:.2f} "
            f"| {r['sent']} | {r['expected']} | {r['received']} | {r['lost']} | {r['latency_p50_ms']:.0f} "
            f"| {r['latency_p95_ms']:.0f} | {r['latency_p99_ms']:.0f} "
            f"| {r['failed']} | {r['dropped']} | {r['server_errors']} | {r['close_s']:.1f} | {drained} |"
        )
        for failure in r["failures"]:
            print(f"  {r['layer']}: failed connect: {failure[:200]}", file=sys.stderr)


if __name__ == "__main__":
    main()
