"""A real Celery worker for the tests that need one (CI: PostgreSQL + Redis)."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
    def __init__(self, queue: str, process: subprocess.Popen) -> None:
        self.queue = queue
        self.process = process

    def send(self, task: str, *args: object) -> None:
        celery_app.send_task(task, args=list(args), queue=self.queue)

    def wait_until(self, done: Callable[[], bool], timeout: float = 60) -> bool:
        """Poll ``done`` until it holds (True) or ``timeout`` passes (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done():
                return True
            assert self.process.poll() is None, self.process.stdout.read()
            time.sleep(0.3)
        return done()


@contextmanager
def real_worker() -> Iterator[Worker]:
    """A Celery worker process on Redis, reading the test database and
    consuming a queue of its own; stopped on exit. Skips the test unless
    REDIS_URL is set and the database is PostgreSQL. Tests using it need
    ``django_db(transaction=True)`` so the worker sees their rows."""
    require_redis()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": settings.REDIS_URL,
    }
    queue = f"academy-test-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        yield Worker(queue, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
