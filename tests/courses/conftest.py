import datetime

import pytest
from django.utils import timezone

from courses import services
from courses.models import Reminder
from tests.courses.factories import build_course


@pytest.fixture
def course(network):
    """A published French course by the network's trainer: two text lessons
    and a quiz of two questions (pass mark 50 %, at most 2 attempts)."""
    return build_course(owner=network.trainer, max_attempts=2, title="Kits ELISA : bonnes pratiques")


@pytest.fixture
def due_soon(network, course):
    """An assignment due in 3 days: its “due soon” reminder is due now."""
    services.assignment_create(
        actor=network.manager_a,
        distributor=network.distributor_a,
        course=course,
        target="people",
        people=[network.staff_a],
        due_on=timezone.localdate() + datetime.timedelta(days=3),
    )
    return Reminder.objects.get(kind="due_soon")


def reminders_send(**kwargs):
    """Hand the due course reminders over to the messaging layer, then send
    the e-mails they queued (in production the hand-over's wake-up runs the
    e-mail outbox next). Returns the reminders' report."""
    from academy.outbox import outbox_drain
    from academy.services import EMAIL_OUTBOX
    from courses.services import reminders

    report = reminders.reminders_dispatch(**kwargs)
    outbox_drain(EMAIL_OUTBOX, now=kwargs.get("now"))
    return report
