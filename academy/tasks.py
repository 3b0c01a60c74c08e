"""Celery entry points of the kernel, and how a service asks for work to be
done after its transaction commits without importing the app's tasks module
(tasks call services; services only name the task)."""

import logging

from celery import Task, current_app, shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


def task_named(name: str) -> Task:
    """The task registered as ``name``. Every app's ``tasks.py`` is imported
    first if it was not yet (web processes and commands only import them
    when asked; workers at start-up)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def task_after_commit(name: str, *args: object, best_effort: bool = False) -> None:
    """Queue the task registered as ``name`` once the current transaction
    commits (at once outside one). With ``best_effort``, a broker failure is
    logged instead of raised: for wake-ups whose work a periodic run picks up
    anyway."""

    def send() -> None:
        try:
            task_named(name).delay(*args)
        except Exception:
            if not best_effort:
                raise
            logger.warning("Could not queue %s; the periodic run will do the work", name, exc_info=True)

    transaction.on_commit(send)


@shared_task(name="academy.sessions_clear_expired")
def sessions_clear_expired() -> int:
    """Delete expired sign-in sessions (what ``manage.py clearsessions`` does)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(name="academy.outbox_drain")
def outbox_drain(helper: bool = False) -> dict[str, int]:
    """Every 15 seconds, and after a commit that queued a message: send what is
    due in every outbox.

    When much is due (the first batch came back full), a run asks for
    ``OUTBOX_DISPATCHERS - 1`` helper runs so every worker drains at once;
    helpers ask for none. When the time budget ran out with work left, the
    run asks for its successor at once instead of waiting for beat."""
    from academy.outbox import outboxes_drain

    def more(*, helper: bool) -> None:
        try:
            task_named("academy.outbox_drain").delay(helper)
        except Exception:
            logger.warning("Could not queue another outbox run; beat will", exc_info=True)

    def busy() -> None:
        if not helper:
            for _ in range(settings.OUTBOX_DISPATCHERS - 1):
                more(helper=True)

    report = outboxes_drain(on_full_batch=busy)
    if report.more:
        more(helper=helper)
    return report.as_dict()
