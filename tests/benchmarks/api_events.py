"""The event log's two APIs, ``/api/v1/events/`` and the xAPI statements,
at two data sizes: is a page as cheap in a big log as in a small one, and
deep in the log as at its start? (Not part of the unit run.)

For each database given (already filled by ``seed_large``, e.g. by
``bench_engagement.py --seed``), a child process serves requests through
Django's test client in-process, as the first manager (by id) with a
territory and as an administrator:

- **baseline**: a login-required view that runs one query, in the same
  process (``api_events_urls``), so each figure is also a ratio against it;
- the first page of each API, then the pages met by following ``next`` /
  ``more`` for ``--walk`` pages (deep pages included).

Prints p50 / p95 in ms and the ratio to the baseline per line, the load
average, and at the end p50 and p95 (last database) ÷ (first) per line: about 1
when the cost does not grow with the log.

    .venv/bin/python tests/benchmarks/api_events.py \\
        postgres://postgres@127.0.0.1:5432/academy_bench_01 postgres://postgres@127.0.0.1:5432/academy_bench
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.benchmarks.harness import percentile  # noqa: E402 (after the path above)


def timed(client, url: str) -> tuple[float, dict]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return elapsed, response.json() if response["Content-Type"].startswith("application/json") else {}


def measure(args: argparse.Namespace) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    from academy.models import EngagementEvent, User

    manager = User.objects.filter(role="manager", managed_territories__isnull=False).order_by("pk").first()
    admin = User.objects.filter(role="admin").order_by("pk").first()
    assert manager and admin, "the database has no seed_large data"
    figures: dict[str, list[float]] = {}

    with override_settings(ROOT_URLCONF="tests.benchmarks.api_events_urls"):
        for who, person in (("manager", manager), ("admin", admin)):
            client = Client()
            client.force_login(person)
            events = reverse("api:distributors-event-list") + "?page_size=100"
            statements = reverse("api:distributors-xapi-statements") + "?limit=100"
            starts = {"baseline (one query)": "/bench/one-query/", "events API": events, "xAPI": statements}
            for name, url in starts.items():
                for _ in range(args.warmup):
                    timed(client, url)
                figures[f"{who}: {name}, first page"] = [timed(client, url)[0] for _ in range(args.requests)]
            for name, url, link in (("events API", events, "next"), ("xAPI", statements, "more")):
                walked = []
                for _ in range(args.walk):
                    elapsed, body = timed(client, url)
                    walked.append(elapsed)
                    url = body.get(link) or ""
                    if not url:
                        break
                figures[f"{who}: {name}, {len(walked)} pages walked"] = walked
    return {
        "vendor": connection.vendor,
        "events": EngagementEvent.objects.count(),
        "load": os.getloadavg(),
        "figures": figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_urls", nargs="+")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--walk", type=int, default=100)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args)))
        return

    runs = []
    for url in args.database_urls:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        env.pop("REDIS_URL", None)
        child = subprocess.run(
            [sys.executable, __file__, url, "--child", f"--requests={args.requests}",
             f"--warmup={args.warmup}", f"--walk={args.walk}"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800, check=False,
        )  # fmt: skip
        if child.returncode:
            sys.exit(child.stderr[-3000:])
        run = json.loads(child.stdout.strip().splitlines()[-1])
        runs.append(run)
        load = run["load"]
        loads = f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        print(f"\n{run['vendor']}, {run['events']:,} events — load average {loads}")
        manager_base = statistics.median(run["figures"]["manager: baseline (one query), first page"])
        admin_base = statistics.median(run["figures"]["admin: baseline (one query), first page"])
        print(f"{'':52} {'p50 ms':>8} {'p95 ms':>8} {'p50 ÷ baseline':>15}")
        for name, values in run["figures"].items():
            base = manager_base if name.startswith("manager") else admin_base
            print(
                f"{name:52} {statistics.median(values):8.1f} {percentile(values, 0.95):8.1f} "
                f"{statistics.median(values) / base:15.2f}"
            )
    if len(runs) > 1:
        first, last = runs[0], runs[-1]
        print(f"\nwith {last['events']:,} events ÷ with {first['events']:,} events {'p50':>6} {'p95':>6}")
        for name in first["figures"]:
            if name in last["figures"]:
                big, small = last["figures"][name], first["figures"][name]
                p50 = statistics.median(big) / statistics.median(small)
                p95 = percentile(big, 0.95) / percentile(small, 0.95)
                print(f"{name:52} {p50:6.2f} {p95:6.2f}")


if __name__ == "__main__":
    main()
