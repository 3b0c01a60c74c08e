"""Server time of the engagement pages and API, and of the rollup rebuild,
at two scales side by side, against a one-query baseline.

Fill one database per scale first (``--seed`` migrates and runs
``seed_large`` in an empty database; ``--rebuild`` is then implied)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/academy_bench_1 \\
        python tests/benchmarks/bench_engagement.py --seed --scale 1
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/academy_bench_01 \\
        python tests/benchmarks/bench_engagement.py --seed --scale 0.1

then compare them (the first URL is the small scale, the second the large)::

    python tests/benchmarks/bench_engagement.py --compare \\
        postgres://postgres@127.0.0.1:5432/academy_bench_01 \\
        postgres://postgres@127.0.0.1:5432/academy_bench_1 --rebuild

Requests go through Django's test Client in-process (no network). In
``--compare`` mode one worker process per database serves the measuring
rounds in turn (small, large, large, small, …), so both scales see the same
machine load; each round also times the baseline, a login-required view
that runs one query, in the same worker. Printed per page: p50 and p95 at
each scale, **p95(large) / p95(small)**, each p95 over the baseline's p95 at
the same scale, the page size, and ``os.getloadavg()`` (1 min) averaged over
the rounds. "cold cache" is the dashboard with the cache emptied before each
request (its rows rendered again, as after a refresh that changed them
all). ``--rebuild`` times the rollup rebuild and the score snapshots in each
database, with the load average and the time of a fixed database job
(summing 5 million generated rows; the mean of a run before and one after)
as a baseline.
"""

import argparse
import contextlib
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

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

BASELINE = "baseline (one query)"
# The dashboard with nothing in the cache (as right after a refresh that changed every row).
COLD = "manager dashboard, cold cache"


def baseline_view(request):
    """The yardstick: login required, one query of its own."""
    from django.contrib.auth import get_user_model
    from django.http import HttpResponse

    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    return HttpResponse(str(get_user_model().objects.filter(pk=request.user.pk).count()))


def _urlpatterns():
    from django.urls import include, path

    return [path("bench/baseline/", baseline_view), path("", include("config.urls"))]


def __getattr__(name):
    # This module is the URLconf of the measuring process: the project's
    # routes plus the baseline view (built on first use, once Django is set up).
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


def load1() -> float:
    return os.getloadavg()[0]


# ---------------------------------------------------------------- in a worker


def _setup() -> None:
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = "tests.benchmarks.bench_engagement"


def _info() -> dict:
    from django.db import connection

    from academy.models import EngagementEvent, User
    from distributors.models import Distributor

    return {
        "vendor": connection.vendor,
        "events": EngagementEvent.objects.count(),
        "distributors": Distributor.objects.count(),
        "people": User.objects.count(),
    }


def _fixed_job() -> float:
    """Seconds of a fixed piece of database work, to set the rebuild against the machine's speed now."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT sum(n) FROM generate_series(1, 5000000) AS n")
        else:
            cursor.execute(
                "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 5000000) "
                "SELECT sum(n) FROM s"
            )
        cursor.fetchone()
    return time.perf_counter() - started


def _rebuild() -> dict:
    from distributors.engagement.rollups import rollups_rebuild
    from distributors.engagement.scores import snapshots_refresh

    fixed = _fixed_job()
    load = load1()
    started = time.perf_counter()
    result = rollups_rebuild()
    rebuild = time.perf_counter() - started
    started = time.perf_counter()
    snapshots_refresh(months=12)
    refresh = time.perf_counter() - started
    return {
        "rebuild": rebuild,
        "refresh": refresh,
        # Before and after: the load drifts during a rebuild of a minute.
        "fixed_job": (fixed + _fixed_job()) / 2,
        "load": (load + load1()) / 2,
        "person_days": result.person_days,
        "distributor_days": result.distributor_days,
    }


class Pages:
    """The pages measured, each with a signed-in client."""

    def __init__(self) -> None:
        from django.test import Client
        from django.urls import NoReverseMatch, reverse

        from academy.models import User
        from distributors.models import Distributor

        manager = (
            User.objects.filter(role="manager", managed_territories__isnull=False).order_by("pk").first()
        )
        admin = User.objects.filter(role="admin").order_by("pk").first()
        if manager is None or admin is None:
            raise SystemExit("No manager with a territory or no admin: seed the database first (--seed).")
        distributor = Distributor.objects.filter(territory__managers=manager).order_by("pk").first()
        manager_client, admin_client = Client(), Client()
        manager_client.force_login(manager)
        admin_client.force_login(admin)
        dashboard = reverse("engagement:dashboard")
        self.pages = {
            BASELINE: (manager_client, "/bench/baseline/"),
            "manager dashboard": (manager_client, dashboard),
            "manager dashboard, filtered": (
                manager_client,
                dashboard + f"?country={distributor.country}&risk=any",
            ),
            COLD: (manager_client, dashboard),
            "distributor page": (manager_client, reverse("engagement:distributor", args=[distributor.pk])),
            "engagement API (scores)": (manager_client, reverse("api:distributors-engagement-list")),
            "admin dashboard (all)": (admin_client, dashboard),
        }
        with contextlib.suppress(NoReverseMatch):  # code from before that page
            self.pages["course headcounts, page 1"] = (manager_client, reverse("engagement:headcounts"))
        self.warmed = False

    def measure(self, requests: int, warmup: int) -> dict:
        from django.core.cache import cache

        result = {}
        for name, (client, url) in self.pages.items():
            if not self.warmed:
                for _ in range(warmup):
                    client.get(url)
            times = []
            size = 0
            status = 200
            for _ in range(requests):
                if name == COLD:
                    cache.clear()
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                status = response.status_code
                size = len(response.content)
            result[name] = {"times": times, "size": size, "status": status, "load": load1()}
        self.warmed = True
        return result


def worker() -> None:
    """Answer the parent's commands (one JSON line each) until ``quit``."""
    _setup()
    pages = None
    for line in sys.stdin:
        command, *args = line.split()
        if command == "info":
            answer = _info()
        elif command == "rebuild":
            answer = _rebuild()
        elif command == "pages":
            if pages is None:
                pages = Pages()
            answer = pages.measure(int(args[0]), int(args[1]))
        else:
            return
        print(json.dumps(answer), flush=True)


# ---------------------------------------------------------------- the parent


class Worker:
    def __init__(self, url: str) -> None:
        self.url = url
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "DATABASE_URL": url},
        )

    def ask(self, command: str) -> dict:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"The worker on {self.url} stopped (see its error above).")
        return json.loads(line)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
        self.process.wait(timeout=30)


def _print_rebuild(label: str, figures: dict) -> None:
    print(
        f"{label}: rollup rebuild {figures['rebuild']:.1f} s ({figures['person_days']} person-days, "
        f"{figures['distributor_days']} distributor-days), score snapshots {figures['refresh']:.1f} s; "
        f"fixed database job {figures['fixed_job']:.2f} s "
        f"(rebuild = {figures['rebuild'] / figures['fixed_job']:.0f}×); "
        f"load {figures['load']:.2f}"
    )


def compare(args) -> None:
    small, large = Worker(args.compare[0]), Worker(args.compare[1])
    try:
        for label, item in (("small", small), ("large", large)):
            info = item.ask("info")
            print(
                f"{label}: {info['vendor']}, {info['events']} events, {info['distributors']} distributors, "
                f"{info['people']} people"
            )
        if args.rebuild:
            for label, item in (("small", small), ("large", large)):
                _print_rebuild(label, item.ask("rebuild"))
        collected: dict[str, dict[str, dict]] = {"small": {}, "large": {}}
        per_round = max(1, args.requests // args.rounds)
        for round_number in range(args.rounds):
            order = [("small", small), ("large", large)]
            if round_number % 2:
                order.reverse()
            for label, item in order:
                for name, figures in item.ask(f"pages {per_round} {args.warmup}").items():
                    entry = collected[label].setdefault(name, {"times": [], "loads": []})
                    entry["times"] += figures["times"]
                    entry["loads"].append(figures["load"])
                    entry["size"], entry["status"] = figures["size"], figures["status"]
    finally:
        small.close()
        large.close()
    base = {label: percentile(collected[label][BASELINE]["times"], 0.95) for label in collected}
    print(
        f"\n{'page':28} {'p50 S':>7} {'p95 S':>7} {'p50 L':>7} {'p95 L':>7} {'L/S p95':>8} "
        f"{'S/base':>7} {'L/base':>7} {'KB S':>5} {'KB L':>5} {'load':>5}"
    )
    for name in collected["small"]:
        s, l_ = collected["small"][name], collected["large"][name]
        if s["status"] != 200 or l_["status"] != 200:
            print(f"{name:28} status {s['status']} / {l_['status']}")
            continue
        p95s, p95l = percentile(s["times"], 0.95), percentile(l_["times"], 0.95)
        load = statistics.mean(s["loads"] + l_["loads"])
        print(
            f"{name:28} {statistics.median(s['times']):7.1f} {p95s:7.1f} "
            f"{statistics.median(l_['times']):7.1f} {p95l:7.1f} {p95l / p95s:8.2f} "
            f"{p95s / base['small']:7.1f} {p95l / base['large']:7.1f} "
            f"{s['size'] / 1024:5.0f} {l_['size'] / 1024:5.0f} {load:5.2f}"
        )
    print(
        f"\n{args.rounds} rounds × {per_round} requests per page and scale; times in ms; "
        "load = 1-min average."
    )


def single(args) -> None:
    _setup()
    from django.core.management import call_command

    if args.seed:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("seed_large", scale=args.scale, no_refresh=True)
        print(f"seed_large --scale {args.scale}: {time.perf_counter() - started:.1f} s (load {load1():.2f})")
    info = _info()
    print(
        f"database: {info['vendor']}, events: {info['events']}, distributors: {info['distributors']}, "
        f"people: {info['people']}"
    )
    if args.seed or args.rebuild:
        _print_rebuild("this database", _rebuild())
    if args.pages:
        pages = Pages().measure(args.requests, args.warmup)
        base = percentile(pages[BASELINE]["times"], 0.95)
        print(f"{'page':28} {'p50 ms':>8} {'p95 ms':>8} {'÷ base':>7} {'KB':>6} {'load':>5}")
        for name, figures in pages.items():
            p95 = percentile(figures["times"], 0.95)
            print(
                f"{name:28} {statistics.median(figures['times']):8.1f} {p95:8.1f} {p95 / base:7.1f} "
                f"{figures['size'] / 1024:6.0f} {figures['load']:5.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--compare", nargs=2, metavar=("SMALL_URL", "LARGE_URL"), help="two database URLs")
    parser.add_argument("--seed", action="store_true", help="migrate and run seed_large first (DATABASE_URL)")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--rebuild", action="store_true", help="time the rollup rebuild and the snapshots")
    parser.add_argument("--no-pages", dest="pages", action="store_false", help="do not measure the pages")
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page (and scale)")
    parser.add_argument("--rounds", type=int, default=4, help="--compare: alternating rounds")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
    elif args.compare:
        if args.seed:
            parser.error("--seed works on one database (DATABASE_URL), not with --compare.")
        compare(args)
    else:
        single(args)


if __name__ == "__main__":
    main()
