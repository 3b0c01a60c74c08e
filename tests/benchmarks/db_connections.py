"""PostgreSQL connections held by one web server under load: the bounded
pool (the default) against persistent per-thread connections
(``DATABASE_POOL=false CONN_MAX_AGE=60``). Not part of the unit run.

Creates a fresh database (``--database-url``, dropped and created again),
a person and their session, then for each mode starts uvicorn on
127.0.0.1 (``config.asgi``, local settings), has ``--users`` concurrent
clients ask for a login-required page for ``--seconds`` seconds, samples
the server's connections in ``pg_stat_activity`` every 0.2 s, and prints
requests per second, errors, the peak and final number of connections and
the load average.

    .venv/bin/python tests/benchmarks/db_connections.py \\
        --database-url postgres://postgres@127.0.0.1:5432/academy_bench_connections --users 10 --seconds 10
"""

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.benchmarks.harness import free_port, migrate, start_uvicorn  # noqa: E402 (after the path above)


def prepare(env: dict[str, str]) -> str:
    """Migrate and create one learner with a session; returns its cookie."""
    migrate(env)
    script = (
        "import datetime, django, uuid; django.setup()\n"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from academy.models import User\n"
        "user = User.objects.create_user(\n"
        "    email=f'bench-{uuid.uuid4().hex[:6]}@bench.example', password=None)\n"
        "store = SessionStore()\n"
        "store.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "
        "'django.contrib.auth.backends.ModelBackend', HASH_SESSION_KEY: user.get_session_auth_hash()})\n"
        "store.set_expiry(datetime.timedelta(days=1)); store.create(); print(store.session_key)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout.strip().splitlines()[-1]


def backends(dsn: str, name: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name]
        ).fetchone()
        return int(row[0]) if row else 0


async def load(port: int, cookie: str, users: int, seconds: float, path: str) -> tuple[int, int]:
    done = errors = 0
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", cookies={"sessionid": cookie}, limits=limits, timeout=30
    ) as client:

        async def user() -> None:
            nonlocal done, errors
            while time.monotonic() < deadline:
                try:
                    response = await client.get(path)
                    if response.status_code == 200:
                        done += 1
                    else:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1

        await asyncio.gather(*(user() for _ in range(users)))
    return done, errors


def run(args: argparse.Namespace, mode: str, env: dict[str, str], cookie: str, dsn: str, name: str) -> None:
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="db-connections-")) / "server.log"
    server = start_uvicorn(env, port, log)
    try:
        peak = 0
        stop = False

        async def sample() -> None:
            nonlocal peak
            while not stop:
                peak = max(peak, await asyncio.to_thread(backends, dsn, name))
                await asyncio.sleep(0.2)

        async def both() -> tuple[int, int]:
            nonlocal stop
            sampler = asyncio.create_task(sample())
            result = await load(port, cookie, args.users, args.seconds, args.path)
            stop = True
            await sampler
            return result

        started = time.perf_counter()
        done, errors = asyncio.run(both())
        elapsed = time.perf_counter() - started
        after = backends(dsn, name)
        load_avg = os.getloadavg()
        print(
            f"{mode:44s} {done / elapsed:7.0f} req/s  errors {errors:4d}  connections: peak {peak:4d}, "
            f"after {after:4d}   load {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f}"
        )
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to drop and create")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--path", default="/profile/", help="a login-required page")
    args = parser.parse_args()

    params = conninfo_to_dict(args.database_url)
    name = str(params.pop("dbname"))
    dsn = make_conninfo(**{**params, "dbname": "postgres"})
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    folder = tempfile.mkdtemp(prefix="db-connections-")
    base = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CONN_MAX_AGE", "REDIS"))},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "ACADEMY_VAR_DIR": folder,
        "DATABASE_URL": args.database_url,
    }
    cookie = prepare(base)
    print(f"{args.users} concurrent users for {args.seconds:.0f} s on {args.path}")
    modes = {
        f"pool (max {args.pool_size}, the default)": {"DATABASE_POOL_MAX_SIZE": str(args.pool_size)},
        "no pool, CONN_MAX_AGE=60": {"DATABASE_POOL": "false", "CONN_MAX_AGE": "60"},
        "no pool, CONN_MAX_AGE=0": {"DATABASE_POOL": "false", "CONN_MAX_AGE": "0"},
    }
    for mode, extra in modes.items():
        run(args, mode, {**base, **extra}, cookie, dsn, name)


if __name__ == "__main__":
    main()
