"""Course reminders: the rows scheduled by ``reminder_schedule`` when
something becomes due (a certificate's expiry, a recertification required by
a new course version, an assignment's due date) are taken by the outbox
dispatcher (``academy.outbox``: claim with a lease, mark, retry with
backoff, ``failed`` rows retried from the admin), which decides whether they
still apply and hands them to the messaging layer
(``academy.messaging.services.message_send``, the row's idempotency key as
the message's key, hence its e-mail's ``Message-ID``): e-mail, or WhatsApp /
SMS for a person who chose them.

A reminder that is no longer relevant when its turn comes (certificate
renewed, assignment completed) is cancelled instead of sent; once handed
over it also appears as an in-site notification — also when the person
stopped course reminders on every channel (the row is then cancelled).
"""

import datetime
import logging

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from academy.errors import ApplicationError
from academy.i18n import in_language_of
from academy.messaging.models import Message
from academy.messaging.services import message_send
from academy.outbox import DrainReport, Outbox, OutboxCancel, outbox_drain, outbox_retry
from academy.services import notification_create
from courses.models import (
    Certificate,
    PublicationStatus,
    Reminder,
    ReminderKind,
)
from courses.services.recertification import certificate_recertify
from courses.services.reminder_schedule import EXPIRY_KINDS

logger = logging.getLogger(__name__)

# The kind of message (academy.messaging.kinds, registered in courses.apps): a person may stop it.
REMINDER_KIND = "courses.reminder"

RECERTIFICATION_KINDS = {ReminderKind.RECERTIFICATION_NOTICE, ReminderKind.RECERTIFICATION_DUE}


def _still_relevant(reminder: Reminder, today: datetime.date) -> bool:
    if reminder.certificate_id is not None:
        certificate = reminder.certificate
        if certificate is None or certificate.state(today) != "valid":
            return False
        # Recertification reminders: only while the grace period runs.
        return reminder.kind not in RECERTIFICATION_KINDS or certificate.recertify_by is not None
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


def _recertification_message(
    reminder: Reminder, certificate: Certificate, url: str
) -> tuple[str, dict, str, str]:
    assert certificate.recertify_by is not None
    date = formats.date_format(certificate.recertify_by, "DATE_FORMAT")
    version = certificate.course.version if certificate.course is not None else None
    context = {"certificate": certificate, "days": reminder.days_before, "url": url, "version": version}
    if reminder.kind == ReminderKind.RECERTIFICATION_NOTICE:
        title = _("“%(title)s” has a new version: recertify by %(date)s") % {
            "title": certificate.title,
            "date": date,
        }
        return "courses/emails/recertification_notice", context, title, url
    title = ngettext(
        "Recertify for “%(title)s” within %(days)s day (by %(date)s)",
        "Recertify for “%(title)s” within %(days)s days (by %(date)s)",
        reminder.days_before,
    ) % {"title": certificate.title, "days": reminder.days_before, "date": date}
    return "courses/emails/recertification_due", context, title, url


def _message(reminder: Reminder) -> tuple[str, dict, str, str]:
    """Template, context, notification title and link of a reminder."""
    if reminder.certificate_id is not None:
        certificate = reminder.certificate
        assert certificate is not None
        if certificate.course is not None:
            url = reverse("courses:course", args=[certificate.course.slug])
        else:
            assert certificate.path is not None
            url = reverse("courses:path", args=[certificate.path.slug])
        if reminder.kind in RECERTIFICATION_KINDS:
            return _recertification_message(reminder, certificate, url)
        days = EXPIRY_KINDS[ReminderKind(reminder.kind)]
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


def reminder_key(reminder: Reminder) -> str:
    """The reminder's idempotency key (its ``Message-ID``)."""
    return f"course-reminder-{reminder.pk}-{reminder.kind}"


def _deliver(reminder: Reminder, now: datetime.datetime) -> None:
    today = timezone.localdate(now, reminder.user.tzinfo)
    if not _still_relevant(reminder, today):
        raise OutboxCancel
    if reminder.certificate_id is not None:
        try:
            _recertification_enrol(reminder.certificate)  # type: ignore[arg-type]
        except ApplicationError as error:  # e.g. already renewed: the reminder still goes out
            logger.info("No re-enrolment for reminder %s: %s", reminder.pk, error.message)
    template, context, _title, _url = _message(reminder)
    key = reminder_key(reminder)
    queued = message_send(
        key=key,
        kind=REMINDER_KIND,
        user=reminder.user,
        template=template,
        context=context,
        topic=f"courses.{reminder.kind}",
    )
    if queued is None and not Message.objects.filter(key=key).exists():
        # The person stopped course reminders on every channel: the site still tells them.
        _after_sent(reminder)
        raise OutboxCancel


def _after_sent(reminder: Reminder) -> None:
    with in_language_of(reminder.user):
        _template, _context, title, url = _message(reminder)
        notification_create(user=reminder.user, kind=f"courses.{reminder.kind}", title=title, url=url)


REMINDER_OUTBOX: Outbox[Reminder] = Outbox(
    name="courses.reminders",
    rows=lambda: Reminder.objects.select_related(
        "user",
        "certificate__course",
        "certificate__path",
        "certificate__user",
        "assignee__assignment__course",
        "assignee__assignment__path",
    ),
    deliver=_deliver,
    after_sent=_after_sent,
)


def reminders_dispatch(
    *, now: datetime.datetime | None = None, batch_size: int | None = None, time_budget: float | None = None
) -> DrainReport:
    """Send the reminders that are due (see ``academy.outbox``). Safe to run
    concurrently and repeatedly."""
    return outbox_drain(REMINDER_OUTBOX, now=now, batch_size=batch_size, time_budget=time_budget)


def reminder_requeue(*, reminder: Reminder, now: datetime.datetime | None = None) -> Reminder:
    """Put a failed reminder back in the queue (administrators)."""
    outbox_retry(Reminder.objects.filter(pk=reminder.pk), now=now)
    reminder.refresh_from_db()
    return reminder
