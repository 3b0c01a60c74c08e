"""Celery entry points of the courses app: thin, idempotent, safe to run twice.

Course reminders leave through the kernel's outbox drain (``academy.outbox_drain``);
this module holds the periodic work that is not a message."""

from celery import shared_task

from courses import services


@shared_task(name="courses.recertification_close")
def recertification_close() -> int:
    """Hourly: supersede the certificates whose recertification grace period is over."""
    return services.recertification_close_due()
