"""The Celery application. Settings come from Django settings prefixed with
CELERY_; tasks are discovered in each app's tasks.py; the periodic schedule is
defined here and nowhere else."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("academy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


# Due work lives in database rows; these periodic tasks claim and process it.
app.conf.beat_schedule = {
    "academy-clear-expired-sessions": {
        "task": "academy.sessions_clear_expired",
        "schedule": crontab(hour=3, minute=17),
    },
    # Every message leaves through an outbox; this run drains them all. When
    # nothing is due it costs one query per outbox; a lost run delays
    # messages by 15 seconds, never loses them.
    "academy-outbox-drain": {"task": "academy.outbox_drain", "schedule": 15.0},
    "webinars-sessions-generate": {
        "task": "webinars.sessions_generate",
        "schedule": crontab(hour=2, minute=41),
    },
    "webinars-sessions-upkeep": {"task": "webinars.sessions_upkeep", "schedule": crontab(minute="*/15")},
    "distributors-engagement-refresh": {"task": "distributors.engagement_refresh", "schedule": 600.0},
    "distributors-engagement-history": {
        "task": "distributors.engagement_history",
        "schedule": crontab(hour=1, minute=23),
    },
    "distributors-engagement-digests": {
        "task": "distributors.engagement_digests",
        # Hourly, each manager's digest at most once a week from Monday 06:00:
        # a lost run delays it by an hour, not a week.
        "schedule": crontab(minute=7),
    },
    # Certificates past their recertification grace period read superseded
    # at once (their state is computed); this records it and cancels their
    # reminders, so a lost run changes nothing anyone sees.
    "courses-recertification-close": {
        "task": "courses.recertification_close",
        "schedule": crontab(minute=11),
    },
    "webinars-room-presence-sweep": {"task": "webinars.room_presence_sweep", "schedule": 60.0},
    # While a BigBlueButton session is live: its attendee list, should a webhook be lost.
    "webinars-bbb-attendance-poll": {"task": "webinars.bbb_attendance_poll", "schedule": 60.0},
}
