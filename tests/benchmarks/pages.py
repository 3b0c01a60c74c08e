"""Page throughput benchmark (not part of the unit run).

Starts uvicorn as in production (``config.asgi:application``) on 127.0.0.1
against a database it seeds, signs in through the real sign-in page as a
learner, a distributor lead, a trainer and a manager, then drives each main
page and list endpoint with a bounded loopback load at each concurrency
asked for, and prints requests per second, p50 and p95 latency and the
ratio of requests per second to the baseline: a sign-in-required view that
runs one query, served by the same server in the same run
(tests/benchmarks/pages_urls.py; only the benchmark's settings serve it).
On a shared machine the load drifts within a run, so the baseline is
measured again just before each page, and each ratio is taken against it.

    .venv/bin/python tests/benchmarks/pages.py                      # SQLite file, seed_demo
    .venv/bin/python tests/benchmarks/pages.py \\
        --database-url postgres://postgres@127.0.0.1:5432/academy_pages --scale 0.1

Options: --database-url (default: a SQLite file in a temporary folder; a
PostgreSQL database is emptied first), --scale (run ``seed_large --scale``
before ``seed_demo``), --users (concurrency levels, default 10 50),
--duration (seconds per page and level), --max-requests (per page and
level, httpx client only), --client (wrk when installed, else httpx),
--only (substring filter on page names). Every load is bounded in time and
count; nothing leaves the loopback interface.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.benchmarks.harness import free_port, percentile, start_uvicorn  # noqa: E402 (after the path above)

SETTINGS = "tests.benchmarks.pages_settings"
PASSWORD = "academy-demo"  # the published demo password
ACCOUNTS = {
    "learner": "aminata.fall@biodiag-senegal.example",
    "lead": "fatou.ndiaye@biodiag-senegal.example",
    "trainer": "claire.martin@academy.example",
    "manager": "amadou.diallo@academy.example",
}
BASELINE = "baseline (1 query)"
# wrk prints its own summary; this script adds the figures read back as JSON.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write("@@JSON@@")
  io.write(string.format('{"requests": %d, "duration_us": %d, "non_2xx_3xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d}\\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(95)))
end
"""


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def manage(env: dict[str, str], *arguments: str, timeout: int = 3600) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
        stdout=subprocess.DEVNULL,
    )


def empty_postgres(url: str) -> None:
    """Create the database if missing, else empty it."""
    import psycopg
    from psycopg import sql

    head, name = url.rsplit("/", 1)
    with psycopg.connect(f"{head}/postgres", autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


def seed(env: dict[str, str], scale: float | None) -> None:
    started = time.monotonic()
    manage(env, "migrate", "--verbosity", "0")
    if scale:
        manage(env, "seed_large", "--scale", str(scale))
    manage(env, "seed_demo")
    print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)


def discover(env: dict[str, str]) -> dict[str, tuple[str, str]]:
    """The pages to measure: name → (role, path), read from the seeded data."""
    code = r"""
import json
import django
django.setup()
from django.urls import reverse
from academy.models import User
from courses.models import Enrollment, LessonKind, Lesson
learner = User.objects.get(email=LEARNER)
enrollment = (
    Enrollment.objects.filter(user=learner, status="active").select_related("course").order_by("pk").first()
)
course = enrollment.course
lesson = (
    Lesson.objects.filter(module__course=course, kind=LessonKind.TEXT)
    .order_by("module__position", "position")
    .first()
)
print(json.dumps({"course": course.slug, "lesson": lesson.pk}))
"""
    result = subprocess.run(
        [sys.executable, "-c", f"LEARNER = {ACCOUNTS['learner']!r}\n{code}"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    )
    found = json.loads(result.stdout.strip().splitlines()[-1])
    course, lesson = found["course"], found["lesson"]
    return {
        BASELINE: ("learner", "/__benchmark__/baseline/"),
        "learner home": ("learner", "/"),
        "catalogue": ("learner", "/courses/"),
        "course page": ("learner", f"/courses/{course}/"),
        "lesson page": ("learner", f"/courses/{course}/lessons/{lesson}/"),
        "my learning": ("learner", "/courses/my/"),
        "learner webinars": ("learner", "/webinars/"),
        "learner registrations": ("learner", "/webinars/mine/"),
        "API courses": ("learner", "/api/v1/courses/"),
        "API enrolments": ("learner", "/api/v1/enrolments/"),
        "API webinar sessions": ("learner", "/api/v1/webinars/sessions/"),
        "lead home": ("lead", "/"),
        "lead team page": ("lead", "/distributors/mine/"),
        "API memberships (lead)": ("lead", "/api/v1/memberships/"),
        "trainer courses (authoring)": ("trainer", "/courses/authoring/"),
        "trainer webinars (manage)": ("trainer", "/webinars/manage/"),
        "API hosted sessions": ("trainer", "/api/v1/webinars/hosted-sessions/"),
        "manager home": ("manager", "/"),
        "manager dashboard": ("manager", "/distributors/engagement/"),
        "API distributors (manager)": ("manager", "/api/v1/distributors/"),
    }


def sign_in(base: str, email: str) -> str:
    """Sign in through the sign-in page; returns the session cookie header."""
    import httpx

    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/login/")
        page.raise_for_status()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if token is None:
            raise RuntimeError("no CSRF token on the sign-in page")
        response = client.post(
            "/login/",
            data={"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1)},
            headers={"Referer": f"{base}/login/"},
        )
        if response.status_code != 302 or "sessionid" not in client.cookies:
            raise RuntimeError(f"sign-in as {email} failed: {response.status_code}")
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def check(base: str, path: str, cookie: str) -> int:
    import httpx

    response = httpx.get(base + path, headers={"Cookie": cookie}, timeout=60)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: {response.status_code} (expected 200)")
    return len(response.content)


def run_wrk(url: str, cookie: str, users: int, duration: float, script: Path) -> dict:
    threads = min(users, 2)
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{users}",
            f"-d{max(1, round(duration))}s",  # wrk counts whole seconds
            "--timeout",
            "30s",
            "-s",
            str(script),
            "-H",
            f"Cookie: {cookie}",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
    )
    if result.returncode != 0:
        raise RuntimeError(f"wrk failed: {result.stderr.strip()}")
    figures = json.loads(result.stdout.split("@@JSON@@", 1)[1])
    return {
        "requests": figures["requests"],
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "p50": figures["p50_us"] / 1000,
        "p95": figures["p95_us"] / 1000,
        "errors": figures["non_2xx_3xx"] + figures["socket_errors"],
    }


async def run_httpx(url: str, cookie: str, users: int, duration: float, max_requests: int) -> dict:
    import httpx

    times: list[float] = []
    errors = 0
    deadline = time.monotonic() + duration
    limits = httpx.Limits(max_connections=users, max_keepalive_connections=users)

    async with httpx.AsyncClient(headers={"Cookie": cookie}, limits=limits, timeout=30) as client:

        async def user() -> None:
            nonlocal errors
            while time.monotonic() < deadline and len(times) + errors < max_requests:
                started = time.perf_counter()
                try:
                    response = await client.get(url)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    times.append((time.perf_counter() - started) * 1000)
                else:
                    errors += 1

        started = time.monotonic()
        await asyncio.gather(*(user() for _ in range(users)))
        elapsed = time.monotonic() - started
    return {
        "requests": len(times),
        "rps": len(times) / elapsed,
        "p50": statistics.median(times) if times else float("nan"),
        "p95": percentile(times, 0.95),
        "errors": errors,
    }


def measure(args, url: str, cookie: str, users: int, script: Path) -> dict:
    """A warm-up, then the measured load, on one address."""
    if args.client == "wrk":
        run_wrk(url, cookie, users, args.warmup, script)
        return run_wrk(url, cookie, users, args.duration, script)
    asyncio.run(run_httpx(url, cookie, users, args.warmup, args.max_requests))
    return asyncio.run(run_httpx(url, cookie, users, args.duration, args.max_requests))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="")
    parser.add_argument("--scale", type=float, default=0.0, help="run seed_large --scale first")
    parser.add_argument("--users", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument(
        "--client", choices=["wrk", "httpx"], default="wrk" if shutil.which("wrk") else "httpx"
    )
    parser.add_argument("--only", default="", help="measure only the pages whose name contains this")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args()
    if not 0 < args.duration <= 120 or any(not 0 < users <= 500 for users in args.users):
        parser.error("--duration must be in (0, 120] s and --users in (0, 500]")

    folder = Path(tempfile.mkdtemp(prefix="academy-pages-"))
    url = args.database_url or f"sqlite:///{folder / 'academy.sqlite3'}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "MEDIA_ROOT": str(folder / "media"),
        "PRIVATE_MEDIA_ROOT": str(folder / "private"),
    }
    if url.startswith("postgres"):
        empty_postgres(url)
    seed(env, args.scale or None)
    # The baseline is measured first at each level, whatever --only asks for.
    pages = {
        name: page
        for name, page in discover(env).items()
        if name == BASELINE or args.only.lower() in name.lower()
    }

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_uvicorn(env, port, folder / "server.log")
    script = folder / "report.lua"
    script.write_text(WRK_SCRIPT)
    results: dict[str, dict[int, dict]] = {}
    try:
        cookies = {role: sign_in(base, email) for role, email in ACCOUNTS.items()}
        sizes = {name: check(base, path, cookies[role]) for name, (role, path) in pages.items()}
        vendor = "PostgreSQL" if url.startswith("postgres") else "SQLite"
        data = f"seed_large --scale {args.scale:g} + seed_demo" if args.scale else "seed_demo"
        print(
            f"database: {vendor} ({data})"
            f", client: {args.client}, {args.duration:g} s per page and level, load before: {load()}",
            flush=True,
        )
        for users in args.users:
            print(f"\n{users} concurrent users (baseline measured just before each page)")
            print(
                f"{'page':30} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'base/s':>7} {'ratio':>6} "
                f"{'KB':>5} {'err':>4}  load"
            )
            for name, (role, path) in pages.items():
                if name == BASELINE:
                    continue
                baseline_role, baseline_path = pages[BASELINE]
                baseline = measure(args, base + baseline_path, cookies[baseline_role], users, script)
                figures = measure(args, base + path, cookies[role], users, script)
                figures["baseline_rps"] = baseline["rps"]
                figures["baseline_p50"] = baseline["p50"]
                figures["ratio"] = figures["rps"] / baseline["rps"] if baseline["rps"] else float("nan")
                figures["load"] = load()
                results.setdefault(name, {})[users] = figures
                print(
                    f"{name:30} {figures['rps']:8.1f} {figures['p50']:8.1f} {figures['p95']:8.1f} "
                    f"{baseline['rps']:7.1f} {figures['ratio']:6.2f} {sizes[name] / 1024:5.0f} "
                    f"{figures['errors'] + baseline['errors']:4d}  {figures['load']}",
                    flush=True,
                )
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))
        shutil.rmtree(folder, ignore_errors=True)
    below = [
        f"{name} @ {users}"
        for name, levels in results.items()
        for users, figures in levels.items()
        if figures["ratio"] < 0.5
    ]
    print(f"\nload average after: {load()}")
    print("below 0.5× the baseline: " + (", ".join(below) if below else "none"))


if __name__ == "__main__":
    main()
