"""The Celery application. Settings come from Django settings prefixed with
CELERY_; tasks are discovered in each app's tasks.py; the periodic schedule is
defined here and nowhere else."""

import os
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("academy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_configure.connect
def _prepare_file_broker(sender: Celery, **kwargs: object) -> None:
    # The embedded file-system broker needs its folders before the first send.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


# Due work lives in database rows; these periodic tasks claim and process it.
app.conf.beat_schedule = {
    "academy-clear-expired-sessions": {
        "task": "academy.sessions_clear_expired",
        "schedule": crontab(hour=3, minute=17),
    },
    "courses-reminders-dispatch": {
        "task": "courses.reminders_dispatch",
        "schedule": crontab(minute="*/5"),
    },
}
