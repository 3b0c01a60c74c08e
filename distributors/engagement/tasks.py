"""Celery entry points of engagement measurement: thin wrappers over the
services, safe to run twice (rollups recompute, digests are queued once)."""

from celery import shared_task

from distributors.engagement import services


@shared_task(name="distributors.engagement_refresh")
def engagement_refresh() -> int:
    """Every few minutes: new events into the rollups, current scores and at-risk reasons."""
    return services.engagement_refresh(months=1).snapshots


@shared_task(name="distributors.engagement_history")
def engagement_history() -> int:
    """Nightly: the twelve monthly snapshots of the trend (events may be back-filled)."""
    return services.engagement_refresh(months=12).snapshots


@shared_task(name="distributors.engagement_digests")
def engagement_digests() -> int:
    """Hourly: queue the weekly digests that are due (each once per manager and week)."""
    return services.digests_dispatch()
