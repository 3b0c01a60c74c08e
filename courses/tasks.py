from celery import shared_task

from courses import services


@shared_task(name="courses.reminders_dispatch")
def reminders_dispatch() -> dict[str, int]:
    """Send the reminder e-mails that are due (each at most once). Run
    every few minutes by beat; safe to overlap."""
    result = services.reminders_dispatch()
    return {
        "sent": result.sent,
        "retried": result.retried,
        "failed": result.failed,
        "cancelled": result.cancelled,
    }
