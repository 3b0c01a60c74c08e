"""Reminder e-mails: the rows scheduled by ``reminder_schedule`` when
something becomes due are sent once by a periodic dispatcher.

``reminders_dispatch`` claims due rows (``pending`` → ``sending``) in one
short transaction — ``SELECT ... FOR UPDATE SKIP LOCKED`` where the database
supports it, so concurrent dispatchers never claim the same row — then
sends each claimed row and marks it ``sent``. A send that raises puts the
row back to ``pending`` with an exponential backoff, up to ``MAX_ATTEMPTS``,
then ``failed``. A row is never sent twice: a dispatcher that dies after
claiming leaves it in ``sending`` for an administrator to look at rather than
risk a second e-mail.
"""

import datetime
import logging
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from academy.errors import ApplicationError
from academy.i18n import in_language_of
from academy.outbox import outbox_claim
from academy.services import email_send, notification_create
from courses.models import (
    Certificate,
    PublicationStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from courses.services.recertification import certificate_recertify
from courses.services.reminder_schedule import EXPIRY_KINDS

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = datetime.timedelta(minutes=5)
BATCH_SIZE = 200


@dataclass
class DispatchResult:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0


def reminders_claim(*, now: datetime.datetime, limit: int = BATCH_SIZE) -> list[int]:
    """Claim up to ``limit`` due reminders for this dispatcher: they move to
    ``sending`` in one transaction. Rows locked by another dispatcher are
    skipped (see :func:`academy.outbox.outbox_claim`)."""
    due = Reminder.objects.filter(status=ReminderStatus.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "id"
    )
    return outbox_claim(
        due, limit=limit, claim={"status": ReminderStatus.SENDING, "claimed_at": now, "updated_at": now}
    )


def _still_relevant(reminder: Reminder, today: datetime.date) -> bool:
    if reminder.certificate_id is not None:
        certificate = reminder.certificate
        return certificate is not None and certificate.state(today) == "valid"
    assignee = reminder.assignee
    return (
        assignee is not None
        and assignee.completed_at is None
        and assignee.released_at is None
        and assignee.assignment.cancelled_at is None
    )


def _recertification_enrol(certificate: Certificate) -> None:
    """Enrol the holder again so the course waits for them in “My learning”."""
    item = certificate.course or certificate.path
    if item is None or item.status != PublicationStatus.PUBLISHED:
        return
    certificate_recertify(user=certificate.user, certificate=certificate)


def _message(reminder: Reminder) -> tuple[str, dict, str, str]:
    """Template, context, notification title and link of a reminder."""
    if reminder.certificate_id is not None:
        certificate = reminder.certificate
        assert certificate is not None
        days = EXPIRY_KINDS[ReminderKind(reminder.kind)]
        if certificate.course is not None:
            url = reverse("courses:course", args=[certificate.course.slug])
        else:
            assert certificate.path is not None
            url = reverse("courses:path", args=[certificate.path.slug])
        context = {"certificate": certificate, "days": days, "url": url}
        title = ngettext(
            "Your certificate “%(title)s” expires in %(days)s day",
            "Your certificate “%(title)s” expires in %(days)s days",
            days,
        ) % {"title": certificate.title, "days": days}
        return "courses/emails/certificate_expiry", context, title, url
    assignee = reminder.assignee
    assert assignee is not None
    assignment = assignee.assignment
    item = assignment.item
    url = (
        reverse("courses:course", args=[item.slug])
        if assignment.course_id
        else reverse("courses:path", args=[item.slug])
    )
    context = {
        "assignee": assignee,
        "item": item,
        "url": url,
        "overdue": reminder.kind == ReminderKind.OVERDUE,
    }
    if reminder.kind == ReminderKind.OVERDUE:
        title = _("“%(title)s” is overdue") % {"title": item.title}
    else:
        title = _("“%(title)s” is due soon") % {"title": item.title}
    return "courses/emails/assignment_due", context, title, url


def _send(reminder: Reminder, now: datetime.datetime, result: DispatchResult) -> None:
    today = timezone.localdate(now, reminder.user.tzinfo)
    if not _still_relevant(reminder, today):
        Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.CANCELLED, updated_at=now)
        result.cancelled += 1
        return
    if reminder.certificate_id is not None:
        try:
            _recertification_enrol(reminder.certificate)  # type: ignore[arg-type]
        except ApplicationError as error:  # e.g. already renewed: the reminder still goes out
            logger.info("No re-enrolment for reminder %s: %s", reminder.pk, error.message)
    try:
        template, context, title, url = _message(reminder)
        email_send(user=reminder.user, template=template, context=context)
    except Exception as error:  # any failure of the mail system: retried later
        logger.warning("Reminder %s could not be sent: %s", reminder.pk, error)
        attempts = reminder.attempts + 1
        final = attempts >= MAX_ATTEMPTS
        Reminder.objects.filter(pk=reminder.pk).update(
            status=ReminderStatus.FAILED if final else ReminderStatus.PENDING,
            attempts=attempts,
            next_attempt_at=now + BACKOFF_BASE * 2 ** (attempts - 1),
            last_error=f"{type(error).__name__}: {error}"[:2000],
            updated_at=now,
        )
        if final:
            result.failed += 1
        else:
            result.retried += 1
        return
    Reminder.objects.filter(pk=reminder.pk).update(
        status=ReminderStatus.SENT, sent_at=now, attempts=reminder.attempts + 1, last_error="", updated_at=now
    )
    with in_language_of(reminder.user):
        template, context, title, url = _message(reminder)
        notification_create(user=reminder.user, kind=f"courses.{reminder.kind}", title=title, url=url)
    result.sent += 1


def reminders_dispatch(*, now: datetime.datetime | None = None, limit: int = BATCH_SIZE) -> DispatchResult:
    """Send the reminders that are due, each at most once (see the module
    docstring). Safe to run concurrently and repeatedly."""
    now = now or timezone.now()
    result = DispatchResult()
    ids = reminders_claim(now=now, limit=limit)
    claimed = (
        Reminder.objects.filter(pk__in=ids, status=ReminderStatus.SENDING)
        .select_related(
            "user",
            "certificate__course",
            "certificate__path",
            "certificate__user",
            "assignee__assignment__course",
            "assignee__assignment__path",
        )
        .order_by("next_attempt_at", "id")
    )
    for reminder in claimed:
        _send(reminder, now, result)
    return result


def reminder_requeue(*, reminder: Reminder, now: datetime.datetime | None = None) -> Reminder:
    """Put a failed or stuck reminder back in the queue (administrators)."""
    now = now or timezone.now()
    Reminder.objects.filter(pk=reminder.pk).update(
        status=ReminderStatus.PENDING, attempts=0, next_attempt_at=now, updated_at=now
    )
    reminder.refresh_from_db()
    return reminder
