"""A real Celery worker for the tests that need one (CI: PostgreSQL + Redis)."""

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery_app import app as celery_app


def require_redis() -> None:
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")


def worker_database_url() -> str:
    """The test database as a URL a separate process can open (PostgreSQL only)."""
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the worker needs a database it can open: run with DATABASE_URL=postgres://...")
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, queue: str, process: subprocess.Popen, log: Path, broker_url: str = "") -> None:
        self.queue = queue
        self.process = process
        self.log = log
        self.broker_url = broker_url

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def send(self, task: str, *args: object) -> None:
        if not self.broker_url:
            celery_app.send_task(task, args=list(args), queue=self.queue)
            return
        with celery_app.connection_for_write(url=self.broker_url) as conn:
            celery_app.send_task(task, args=list(args), queue=self.queue, connection=conn)

    def wait_until(self, done: Callable[[], bool], timeout: float = 60) -> bool:
        """Poll ``done`` until it holds (True) or ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done():
                return True
            assert self.process.poll() is None, self.output()
            time.sleep(0.3)
        return done()


def _process_env(redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_RESULT_BACKEND": redis_url,
    }


@contextmanager
def _celery_process(command: list[str], env: dict[str, str]) -> Iterator[tuple[subprocess.Popen, Path]]:
    """Output to a file, not a pipe: a process logging through a long broker
    outage would fill a pipe nobody reads and block."""
    with tempfile.TemporaryDirectory(prefix="academy-celery-") as folder:
        log = Path(folder) / "output.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, *command],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            yield process, log
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def real_worker(redis_url: str = "") -> Iterator[Worker]:
    """A Celery worker process on Redis (``redis_url``, or the settings'
    ``REDIS_URL``), reading the test database and consuming a queue of its
    own; stopped on exit. Skips the test unless REDIS_URL is set and the
    database is PostgreSQL. Tests using it need
    ``django_db(transaction=True)`` so the worker sees their rows."""
    require_redis()
    queue = f"academy-test-{uuid.uuid4().hex[:8]}"
    command = ["-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
               "--without-gossip", "--without-mingle", "--loglevel=WARNING"]  # fmt: skip
    with _celery_process(command, _process_env(redis_url or settings.REDIS_URL)) as (process, log):
        yield Worker(queue, process, log, broker_url=redis_url)


# The project's beat with one entry of the test's: ``task`` every second to ``queue``.
_BEAT = """
import sys
from config.celery_app import app
task, queue, schedule = sys.argv[1:4]
app.conf.task_always_eager = False  # the test profile runs tasks inline; beat must send them
app.conf.beat_schedule = {"test-tick": {"task": task, "schedule": 1.0, "options": {"queue": queue}}}
app.Beat(loglevel="WARNING", schedule=schedule, max_interval=1).run()
"""


class Beat:
    def __init__(self, process: subprocess.Popen, log: Path) -> None:
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def real_beat(redis_url: str, task: str, queue: str) -> Iterator[Beat]:
    """A Celery beat process on ``redis_url`` sending ``task`` to ``queue``
    every second; stopped on exit. Skips as ``real_worker`` does."""
    require_redis()
    with tempfile.TemporaryDirectory(prefix="academy-beat-") as folder:
        command = ["-c", _BEAT, task, queue, str(Path(folder) / "schedule")]
        with _celery_process(command, _process_env(redis_url)) as (process, log):
            yield Beat(process, log)
