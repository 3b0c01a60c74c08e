"""Checks behind /healthz: the database always; Redis and the Celery broker
when they are configured."""

from collections.abc import Callable

from django.conf import settings
from django.db import connection

from config.celery_app import app as celery_app


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_redis() -> None:
    import redis

    timeout = settings.ACADEMY_HEALTH_TIMEOUT_SECONDS
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    finally:
        client.close()


def check_broker() -> None:
    # One attempt, no retry: a health check answers now (kombu's retries would
    # sleep two seconds between attempts). The URL is read from the settings
    # each time, as the other checks read theirs.
    timeout = settings.ACADEMY_HEALTH_TIMEOUT_SECONDS
    with celery_app.connection_for_write(
        url=settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=_broker_options(timeout)
    ) as conn:
        conn.ensure_connection(max_retries=0, timeout=timeout)


def _broker_options(timeout: float) -> dict[str, object]:
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        options.update(socket_connect_timeout=timeout, socket_timeout=timeout)
    return options


def configured_checks() -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {"database": check_database}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    checks["broker"] = check_broker
    return checks


def health_report() -> tuple[bool, dict[str, dict[str, str]]]:
    """Run every configured check; return (all up, {name: {"status", "error"?}})."""
    report: dict[str, dict[str, str]] = {}
    for name, check in configured_checks().items():
        try:
            check()
        except Exception as error:  # any failure means "down", with its reason
            # The class name only: enough to act on, nothing about the network.
            report[name] = {"status": "down", "error": type(error).__name__}
        else:
            report[name] = {"status": "up"}
    return all(item["status"] == "up" for item in report.values()), report
