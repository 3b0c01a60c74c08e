import time

from django.core.management.base import BaseCommand

from distributors.engagement.rollups import rollups_rebuild
from distributors.engagement.scores import snapshots_refresh


class Command(BaseCommand):
    help = "Rebuild the engagement rollups from the whole event log, then the score snapshots."

    def add_arguments(self, parser):
        parser.add_argument(
            "--months", type=int, default=12, help="Monthly snapshots to recompute (default 12)."
        )
        parser.add_argument(
            "--rollups-only", action="store_true", help="Do not recompute the score snapshots."
        )

    def handle(self, *args, months: int, rollups_only: bool, **options) -> None:
        started = time.perf_counter()
        result = rollups_rebuild()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"Rollups rebuilt from {result.events} events: {result.person_days} person-days, "
            f"{result.distributor_days} distributor-days in {elapsed:.1f} s."
        )
        if not rollups_only:
            started = time.perf_counter()
            rows = snapshots_refresh(months=months)
            self.stdout.write(
                f"Score snapshots refreshed: {rows} rows in {time.perf_counter() - started:.1f} s."
            )
