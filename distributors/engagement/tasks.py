"""Celery entry points of engagement measurement: thin wrappers over the
services, safe to run twice (rollups recompute, digests and nudges are
sent once)."""

from smtplib import SMTPException

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


@shared_task(
    name="distributors.engagement_digests",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def engagement_digests() -> int:
    return services.digests_dispatch()


@shared_task(
    name="distributors.nudge_deliver",
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def nudge_deliver(nudge_id: int) -> int:
    return services.nudge_deliver(nudge_id=nudge_id)
