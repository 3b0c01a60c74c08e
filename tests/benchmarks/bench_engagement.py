"""Server time of the engagement pages and API, and of the rollup rebuild,
on whatever database DATABASE_URL points at (SQLite file by default).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/academy_bench \\
        python tests/benchmarks/bench_engagement.py --seed --scale 1

``--seed`` migrates and fills an empty database with ``seed_large``; without
it the data already there is used. Requests go through Django's test Client
in-process (no network): a few warm-up requests, then ``--requests`` timed
ones; p50 and p95 are printed per page, then the rebuild time.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", action="store_true", help="migrate and run seed_large first")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--pages-only", action="store_true", help="skip the rebuild (rollups already built)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from academy.models import EngagementEvent, User
    from distributors.engagement.rollups import rollups_rebuild
    from distributors.engagement.scores import snapshots_refresh
    from distributors.models import Distributor

    if args.seed:
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("seed_large", scale=args.scale, no_refresh=True)
        print(f"seed_large --scale {args.scale}: {time.perf_counter() - started:.1f} s")

    print(
        f"database: {connection.vendor}, events: {EngagementEvent.objects.count()}, "
        f"distributors: {Distributor.objects.count()}, people: {User.objects.count()}"
    )
    if not args.pages_only:
        rebuild_and_refresh(rollups_rebuild, snapshots_refresh)
    measure_pages(args)


def rebuild_and_refresh(rollups_rebuild, snapshots_refresh) -> None:
    started = time.perf_counter()
    result = rollups_rebuild()
    rebuild = time.perf_counter() - started
    print(
        f"rollup rebuild: {rebuild:.1f} s "
        f"({result.person_days} person-days, {result.distributor_days} distributor-days)"
    )
    started = time.perf_counter()
    snapshots_refresh(months=12)
    print(f"score snapshots (current + 12 months): {time.perf_counter() - started:.1f} s")


def measure_pages(args) -> None:
    from django.test import Client
    from django.urls import reverse

    from academy.models import User
    from distributors.models import Distributor

    manager = User.objects.filter(role="manager", managed_territories__isnull=False).order_by("pk").first()
    admin = User.objects.filter(role="admin").order_by("pk").first()
    distributor = Distributor.objects.filter(territory__managers=manager).order_by("pk").first()
    client = Client()
    client.force_login(manager)
    pages = {
        "manager dashboard": reverse("engagement:dashboard"),
        "manager dashboard, filtered": reverse("engagement:dashboard")
        + f"?country={distributor.country}&risk=any",
        "distributor page": reverse("engagement:distributor", args=[distributor.pk]),
        "engagement API (scores)": reverse("api:distributors-engagement-list"),
        "xAPI statements (100)": reverse("api:distributors-xapi-statements"),
    }
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'KB':>6}")
    for name, url in pages.items():
        for _ in range(args.warmup):
            client.get(url)
        times = []
        size = 0
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            size = len(response.content)
        print(f"{name:34} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f} {size / 1024:6.0f}")
    admin_client = Client()
    admin_client.force_login(admin)
    url = reverse("engagement:dashboard")
    for _ in range(args.warmup):
        admin_client.get(url)
    times = []
    for _ in range(args.requests):
        started = time.perf_counter()
        admin_client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    print(f"{'admin dashboard (all)':34} {statistics.median(times):8.1f} {percentile(times, 0.95):8.1f}")


if __name__ == "__main__":
    main()
