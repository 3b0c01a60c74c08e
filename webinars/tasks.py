"""Celery entry points of the webinars app: thin, idempotent, safe to run twice."""

from celery import shared_task

from webinars import services


@shared_task(name="webinars.sessions_generate")
def sessions_generate() -> int:
    """Daily: keep every active series' sessions created a few months ahead."""
    return services.series_generate_all()


@shared_task(name="webinars.sessions_upkeep")
def sessions_upkeep() -> dict[str, int]:
    """Every quarter of an hour: end forgotten sessions, fetch new recordings."""
    return {
        "ended": services.sessions_close_overdue(),
        "recordings": services.recordings_fetch_recent(),
    }


@shared_task(name="webinars.room_presence_sweep")
def room_presence_sweep() -> int:
    """Every minute: close the presence of connections gone silent."""
    return services.room_presence_sweep()


@shared_task(name="webinars.bbb_attendance_poll")
def bbb_attendance_poll() -> int:
    """Every minute: who is in each live BigBlueButton meeting (fallback to its webhooks)."""
    return services.bbb_attendance_poll()
