"""Redis outage chaos: the academy keeps serving while Redis is away and
recovers by itself when it returns (not part of the unit run).

A private Redis (``redis-server --port P --save '' --appendonly no``) is the
cache, channel layer, broker and result backend of a real uvicorn web
server, a Celery worker and a Celery beat (the project's schedule plus a
``chaos-tick`` every 2 s) on PostgreSQL. While probing, the script kills
Redis for ``--outage`` seconds, then starts it again, empty. Probes, every
``--interval`` seconds, as a signed-in learner: the main pages and API lists
(status codes, latencies), a write that needs no Redis (a lesson marked
complete through the API), and /healthz (503 naming redis during the
outage, 200 after). Once Redis is back: a task sent afterwards must run on
the worker, and beat's ticks must reach the worker again, with no process
restarted.

Prints per phase (before, during, after) the statuses and p50 / p95 / max
latencies, the seconds until /healthz said 200 again, until the task sent
afterwards ran and until beat's first tick ran, and the load average. Exit
status 1 when a page or the write failed, /healthz answered wrongly, the
task or the tick did not run, or a process died.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redischaos \\
        .venv/bin/python tests/chaos/redis_outage.py --port 6391 --outage 15

Every wait here is bounded.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TICK_TASK = "academy.sessions_clear_expired"

_BEAT = f"""
import sys
from config.celery_app import app
app.conf.beat_schedule = {{
    **app.conf.beat_schedule,
    "chaos-tick": {{"task": {TICK_TASK!r}, "schedule": 2.0}},
}}
app.Beat(loglevel="INFO", schedule=sys.argv[1], max_interval=2).run()
"""


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)  # "path status" -> count
    failures: list[str] = field(default_factory=list)
    health: dict[int, int] = field(default_factory=dict)
    health_named_redis: int = 0

    def count(self, label: str, status: int) -> None:
        key = f"{label} {status}"
        self.statuses[key] = self.statuses.get(key, 0) + 1

    def line(self) -> str:
        values = sorted(self.latencies) or [0.0]
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        ok = sum(n for key, n in self.statuses.items() if key.endswith((" 200", " 201")))
        total = sum(self.statuses.values())
        return (
            f"{self.name:<7} requests {total:4d}, ok {ok:4d}, "
            f"latency p50 {1000 * statistics.median(values):6.1f} ms  p95 {1000 * p95:6.1f} ms  "
            f"max {1000 * values[-1]:6.1f} ms; /healthz {dict(sorted(self.health.items()))}"
        )


class Client:
    """A signed-in learner over plain HTTP (session cookie, CSRF token)."""

    def __init__(self, port: int, session_key: str) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.cookies = {"sessionid": session_key}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, float, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if method == "POST":
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Content-Type"] = "application/json"
            data = json.dumps(body or {}).encode()
        request = urllib.request.Request(  # noqa: S310 (http on loopback)
            self.base + path, data=data, headers=headers, method=method
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (loopback)
                status, content = response.status, response.read()
                for header in response.headers.get_all("Set-Cookie") or []:
                    name, _, rest = header.partition("=")
                    self.cookies[name] = rest.split(";", 1)[0]
        except urllib.error.HTTPError as error:
            status, content = error.code, error.read()
        except OSError as error:
            return 0, time.perf_counter() - started, str(error).encode()
        return status, time.perf_counter() - started, content


def prepare(env: dict[str, str]) -> tuple[str, str, int]:
    """Migrate, then make a learner enrolled in a published course; returns
    their session key, the course slug and a lesson id."""
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

    from courses import services as course_services
    from tests.academy.factories import UserFactory
    from tests.courses.factories import build_course, lessons_of
    from tests.distributors.factories import DistributorFactory, MembershipFactory, TerritoryFactory

    tag = uuid.uuid4().hex[:6]  # names unique across runs on the same database
    territory = TerritoryFactory(name=f"Chaos {tag}", countries=["SN"])
    distributor = DistributorFactory(name=f"Chaos {tag}", territory=territory, country="SN")
    user = UserFactory(email=f"learner-{tag}@chaos.example")
    learner = MembershipFactory(role="staff", user=user, distributor=distributor).user
    trainer = UserFactory(email=f"trainer-{tag}@chaos.example", role="trainer")
    course = build_course(owner=trainer, title=f"Chaos {tag}")
    course_services.enrollment_create(user=learner, course=course)
    store = SessionStore()
    store[SESSION_KEY] = str(learner.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = learner.get_session_auth_hash()
    store.create()
    assert store.session_key is not None
    return store.session_key, course.slug, lessons_of(course)[0].pk


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *command], cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def wait_for(done, timeout: float, step: float = 0.2) -> float | None:
    """The moment (``time.monotonic()``) ``done()`` held, or None after ``timeout``."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if done():
            return time.monotonic()
        time.sleep(step)
    return None


def since(start: float, moment: float | None) -> float | None:
    return None if moment is None else moment - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=6391, help="private Redis port")
    parser.add_argument("--outage", type=float, default=15.0, help="seconds Redis stays down")
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between probe rounds")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error(
            "the server, worker and beat share PostgreSQL: --database-url or DATABASE_URL=postgres://..."
        )
    if shutil.which("redis-server") is None:
        parser.error("redis-server is not installed")
    sys.path.insert(0, str(ROOT))
    from tests.benchmarks.room_fanout import free_port
    from tests.chaos.room_reconnect_storm import PrivateRedis

    redis_server = PrivateRedis(args.port)
    redis_server.start()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis_server.url,
        "CELERY_BROKER_URL": redis_server.url,
        "CELERY_RESULT_BACKEND": redis_server.url,
        "CHANNEL_LAYER_PREFIX": f"chaos-{uuid.uuid4().hex[:8]}",
        "LOG_LEVEL": "INFO",
    }
    logs = Path(tempfile.mkdtemp(prefix="redis-chaos-"))
    keep_logs = False
    processes: dict[str, subprocess.Popen] = {}
    try:
        session_key, slug, lesson_id = prepare(env)
        from config.celery_app import app as celery_app

        port = free_port()
        processes["web"] = spawn(
            ["-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
             "--lifespan", "off", "--log-level", "warning", "--no-access-log"],
            env, logs / "web.log",
        )  # fmt: skip
        processes["worker"] = spawn(
            ["-m", "celery", "-A", "config", "worker", "--pool=solo", "--without-gossip", "--without-mingle",
             "--loglevel=INFO"],
            env, logs / "worker.log",
        )  # fmt: skip
        processes["beat"] = spawn(["-c", _BEAT, str(logs / "beat-schedule")], env, logs / "beat.log")
        pids = {name: process.pid for name, process in processes.items()}
        client = Client(port, session_key)
        if wait_for(lambda: client.request("GET", "/healthz")[0] == 200, 60, 0.5) is None:
            raise RuntimeError("the web server did not start")
        client.request("GET", "/profile/")  # sets the CSRF cookie
        worker_log = logs / "worker.log"

        def worker_ran(task_id: str) -> bool:
            return f"[{task_id}] succeeded" in worker_log.read_text(errors="replace")

        def ticks_after(offset: int) -> int:
            text = worker_log.read_text(errors="replace")[offset:]
            return len(re.findall(rf"Task {re.escape(TICK_TASK)}\[[^\]]+\] succeeded", text))

        pages = ["/", "/courses/", "/courses/my/", f"/courses/{slug}/",
                 f"/courses/{slug}/lessons/{lesson_id}/", "/webinars/", "/api/v1/me/",
                 "/api/v1/courses/", "/api/v1/enrolments/", "/api/v1/webinars/sessions/"]  # fmt: skip
        write = f"/api/v1/lessons/{lesson_id}/complete/"

        def probe(phase: Phase, during: bool) -> None:
            for path in pages:
                status, seconds, _ = client.request("GET", path)
                phase.latencies.append(seconds)
                phase.count(path, status)
                if status != 200:
                    phase.failures.append(f"{phase.name}: GET {path} {status}")
            status, seconds, body = client.request("POST", write)
            phase.latencies.append(seconds)
            phase.count("POST " + write, status)
            if status not in (200, 201):
                phase.failures.append(f"{phase.name}: POST {write} {status} {body[:200]!r}")
            status, _seconds, body = client.request("GET", "/healthz")
            phase.health[status] = phase.health.get(status, 0) + 1
            if during:
                down = json.loads(body or b"{}").get("down", [])
                if status == 503 and "redis" in down:
                    phase.health_named_redis += 1
                else:
                    phase.failures.append(f"during: /healthz {status} {body[:200]!r}")

        def run_phase(phase: Phase, seconds: float, during: bool = False) -> None:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                probe(phase, during)
                time.sleep(args.interval)

        # Before: everything works, beat ticks reach the worker.
        before = Phase("before")
        first = uuid.uuid4().hex
        celery_app.send_task(TICK_TASK, task_id=first)
        run_phase(before, 3)
        if wait_for(lambda: worker_ran(first) and ticks_after(0) > 1, 30) is None:
            raise RuntimeError("the worker or beat did not work before the outage")

        during = Phase("during")
        redis_server.stop()
        run_phase(during, args.outage, during=True)

        redis_server.start()
        returned = time.monotonic()
        offset = len(worker_log.read_text(errors="replace"))
        after = Phase("after")
        sent = uuid.uuid4().hex
        celery_app.send_task(TICK_TASK, task_id=sent)
        healthy = since(returned, wait_for(lambda: client.request("GET", "/healthz")[0] == 200, 60, 0.25))
        task_seconds = since(returned, wait_for(lambda: worker_ran(sent), 90))
        tick_ran = since(returned, wait_for(lambda: ticks_after(offset) > 0, 90))
        run_phase(after, 3)
        alive = {
            name: process.poll() is None and process.pid == pids[name] for name, process in processes.items()
        }

        failures = [*before.failures, *during.failures, *after.failures]
        if healthy is None:
            failures.append("after: /healthz never said 200 again")
        if task_seconds is None:
            failures.append("after: the task sent once Redis was back did not run")
        if tick_ran is None:
            failures.append("after: no beat tick reached the worker once Redis was back")
        if not all(alive.values()):
            failures.append(f"a process died or restarted: {alive}")
        load = os.getloadavg()
        print(f"outage        Redis killed for {args.outage:.0f} s, started again empty")
        for phase in (before, during, after):
            print(phase.line())
        print(
            f"during        /healthz 503 naming redis "
            f"{during.health_named_redis}/{sum(during.health.values())}"
        )
        print(f"recovery      /healthz 200 {healthy:.2f} s after Redis returned" if healthy is not None
              else "recovery      /healthz never 200")  # fmt: skip
        print(f"              task sent afterwards ran {task_seconds:.2f} s after Redis returned"
              if task_seconds is not None else "              task sent afterwards never ran")  # fmt: skip
        print(f"              first beat tick ran {tick_ran:.2f} s after Redis returned"
              if tick_ran is not None else "              no beat tick after Redis returned")  # fmt: skip
        print(
            "processes     "
            + ", ".join(f"{name} {'alive, same pid' if ok else 'DIED'}" for name, ok in alive.items())
        )
        print(f"failures      {len(failures)}")
        for failure in failures[:20]:
            print(f"  {failure}")
        print(f"load average  {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} CPUs)")
        if not failures:
            return 0
        keep_logs = True
        print(f"logs          {logs}")
        return 1
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        redis_server.close()
        if not keep_logs:
            shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
