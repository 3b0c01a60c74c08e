"""What the benchmark scripts share: a free loopback port, percentiles,
migrating a database in a child process, and starting uvicorn on
127.0.0.1 (waiting for ``/healthz``, bounded in time)."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` from 0 to 1); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def migrate(env: dict[str, str], *, timeout: float = 900) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
    )


def start_uvicorn(
    env: dict[str, str],
    port: int,
    log: Path,
    *,
    app: str = "config.asgi:application",
    runner: list[str] | None = None,
) -> subprocess.Popen:
    """uvicorn serving ``app`` on 127.0.0.1:``port`` (``runner`` replaces
    ``-m uvicorn``, e.g. to run it under a profiler), once ``/healthz``
    answers; its output goes to ``log``."""
    process = subprocess.Popen(
        [sys.executable, *(runner or ["-m", "uvicorn"]), app,
         "--host", "127.0.0.1", "--port", str(port), "--lifespan", "off",
         "--log-level", "warning", "--no-access-log", "--backlog", "4096"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
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
