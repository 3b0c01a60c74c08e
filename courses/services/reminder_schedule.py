"""Reminder rows: scheduled when something becomes due (a certificate's
expiry, an assigned course's due date), cancelled when it no longer is.

Each reminder is a row before it is an e-mail, unique per target and kind;
the dispatcher in ``reminders`` sends the rows that are due.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from courses.models import Assignee, Certificate, Reminder, ReminderKind, ReminderStatus
from courses.services._common import local_morning

EXPIRY_KINDS = {ReminderKind.EXPIRY_60: 60, ReminderKind.EXPIRY_30: 30, ReminderKind.EXPIRY_7: 7}
DUE_SOON_DAYS = 7


def _schedule(
    *,
    kind: str,
    send_at: datetime.datetime,
    certificate: Certificate | None = None,
    assignee: Assignee | None = None,
    days_before: int = 0,
) -> Reminder:
    target = {"certificate": certificate} if certificate is not None else {"assignee": assignee}
    owner = certificate.user if certificate is not None else assignee.user  # type: ignore[union-attr]
    reminder, created = Reminder.objects.get_or_create(
        kind=kind,
        days_before=days_before,
        **target,
        defaults={"user": owner, "send_at": send_at, "next_attempt_at": send_at},
    )
    if not created and reminder.status in (ReminderStatus.PENDING, ReminderStatus.CANCELLED):
        reminder.send_at = reminder.next_attempt_at = send_at
        reminder.status = ReminderStatus.PENDING
        reminder.attempts = 0
        reminder.save(update_fields=["send_at", "next_attempt_at", "status", "attempts", "updated_at"])
    return reminder


def reminders_schedule_certificate(*, certificate: Certificate, now: datetime.datetime) -> list[Reminder]:
    """Schedule the reminders 60, 30 and 7 days before the certificate
    expires, in the holder's morning; those whose day has already passed
    are skipped."""
    if certificate.expires_on is None:
        return []
    today = timezone.localdate(now, certificate.user.tzinfo)
    scheduled = []
    for kind, days in EXPIRY_KINDS.items():
        day = certificate.expires_on - datetime.timedelta(days=days)
        if day < today:
            continue
        send_at = (
            max(local_morning(day, certificate.user), now)
            if day == today
            else local_morning(day, certificate.user)
        )
        scheduled.append(_schedule(kind=kind, send_at=send_at, certificate=certificate))
    return scheduled


def recertification_reminder_days() -> list[int]:
    """The days before the end of a recertification grace period on which
    holders are reminded (``COURSES_RECERTIFICATION_REMINDER_DAYS``),
    largest first, each once."""
    return sorted(
        {int(days) for days in settings.COURSES_RECERTIFICATION_REMINDER_DAYS if int(days) > 0}, reverse=True
    )


def reminders_schedule_recertification(*, certificate: Certificate, now: datetime.datetime) -> list[Reminder]:
    """Schedule the notice that recertification is required (now) and the
    reminders before ``recertify_by`` (``recertification_reminder_days``),
    in the holder's morning. Days already reached are left to the notice.
    Scheduling again changes nothing that was sent."""
    if certificate.recertify_by is None:
        return []
    user = certificate.user
    today = timezone.localdate(now, user.tzinfo)
    scheduled = [_schedule(kind=ReminderKind.RECERTIFICATION_NOTICE, send_at=now, certificate=certificate)]
    for days in recertification_reminder_days():
        day = certificate.recertify_by - datetime.timedelta(days=days)
        if day <= today:
            continue
        scheduled.append(
            _schedule(
                kind=ReminderKind.RECERTIFICATION_DUE,
                send_at=local_morning(day, user),
                certificate=certificate,
                days_before=days,
            )
        )
    return scheduled


def reminders_schedule_assignee(*, assignee: Assignee, now: datetime.datetime) -> list[Reminder]:
    """Schedule the “due soon” reminder (7 days before the due date, or now
    when less is left) and the “overdue” one (the morning after it)."""
    if assignee.due_on is None or assignee.completed_at is not None or assignee.released_at is not None:
        return []
    user = assignee.user
    today = timezone.localdate(now, user.tzinfo)
    scheduled = []
    if assignee.due_on >= today:
        soon = assignee.due_on - datetime.timedelta(days=DUE_SOON_DAYS)
        send_at = local_morning(soon, user) if soon > today else now
        scheduled.append(_schedule(kind=ReminderKind.DUE_SOON, send_at=send_at, assignee=assignee))
    overdue = local_morning(assignee.due_on + datetime.timedelta(days=1), user)
    scheduled.append(_schedule(kind=ReminderKind.OVERDUE, send_at=max(overdue, now), assignee=assignee))
    return scheduled


def reminders_cancel(*, certificate: Certificate | None = None, assignee: Assignee | None = None) -> int:
    """Cancel the reminders of a certificate or an assigned person not sent yet."""
    target = {"certificate": certificate} if certificate is not None else {"assignee": assignee}
    return Reminder.objects.filter(status=ReminderStatus.PENDING, **target).update(
        status=ReminderStatus.CANCELLED, updated_at=timezone.now()
    )
