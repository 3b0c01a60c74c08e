"""The web-conference reminder outbox: it decides *when* and *whether* a
message about a registration goes out, and hands it to the messaging layer.

Rows are created with registrations, exactly one per (registration, kind,
revision), and taken by the outbox dispatcher (``academy.outbox``: claim
with a lease, mark, retry with backoff, ``failed`` rows retried from the
admin). When its turn comes, a row that no longer applies (registration
cancelled, session over) is cancelled; a follow-up waits (deferred, not an
attempt) until its session's attendance is final: the session ended and
``WEBINAR_ATTENDANCE_SETTLE_MINUTES`` passed. It is then sent once, "thank
you" or "we missed you" from that final attendance; later corrections send
nothing.

Sending is ``academy.messaging.services.message_send`` with the row's
idempotency key (the e-mail's ``Message-ID``): it picks the person's
channels for the kind (WhatsApp, SMS, e-mail), writes the message and its
first channel's outbox row, and falls back from there. A person who stopped
a kind on every channel gets nothing, and the row is cancelled.
"""

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from academy.i18n import in_language_of
from academy.messaging.models import Message
from academy.messaging.services import message_send
from academy.outbox import (
    DrainReport,
    Outbox,
    OutboxCancel,
    OutboxDefer,
    outbox_drain,
    outbox_retry,
    outbox_wake,
)
from webinars import ics
from webinars.calendar_links import calendar_links
from webinars.models import (
    Registration,
    RegistrationStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Session,
    SessionStatus,
)
from webinars.selectors import registration_ref
from webinars.services.attendance import attendance_final_at

logger = logging.getLogger(__name__)

# The kinds of message (academy.messaging.kinds, registered in webinars.apps).
REMINDER_KIND = "webinars.reminder"  # the timed reminders: a person may stop them
FOLLOW_UP_KIND = "webinars.follow_up"  # replay and feedback: a person may stop them
REGISTRATION_KIND = "webinars.registration"  # confirmation, waiting list, update, cancellation

# When each timed reminder is due, relative to the session's start.
BEFORE_START = {
    ReminderKind.WEEK: datetime.timedelta(days=7),
    ReminderKind.DAY: datetime.timedelta(hours=24),
    ReminderKind.HOUR: datetime.timedelta(hours=1),
    ReminderKind.STARTING: datetime.timedelta(minutes=10),
}
TIMED_KINDS = (*BEFORE_START, ReminderKind.FOLLOW_UP)
# The kind of message of each reminder; the others (confirmation, waiting
# list, update, cancellation) are about the registration itself.
MESSAGE_KINDS: dict[str, str] = {
    **dict.fromkeys(BEFORE_START, REMINDER_KIND),
    ReminderKind.FOLLOW_UP: FOLLOW_UP_KIND,
}
# The messages a person can answer "1" (I come) or "2" (I cancel).
ANSWERABLE = (*BEFORE_START, ReminderKind.CONFIRMATION)
# The messages about an event still ahead: quiet hours never hold them past its start.
BEFORE_THE_EVENT = (*BEFORE_START, ReminderKind.CONFIRMATION, ReminderKind.WAITLISTED, ReminderKind.UPDATE)
# A follow-up waits this long when its session has not ended yet.
FOLLOW_UP_RECHECK = datetime.timedelta(minutes=15)


def _follow_up_due(session: Session) -> datetime.datetime:
    end = session.ended_at or session.ends_at
    delay = max(settings.WEBINAR_FOLLOW_UP_DELAY_MINUTES, settings.WEBINAR_ATTENDANCE_SETTLE_MINUTES)
    return end + datetime.timedelta(minutes=delay)


def timed_due(session: Session, kind: str) -> datetime.datetime:
    if kind == ReminderKind.FOLLOW_UP:
        return _follow_up_due(session)
    return session.starts_at - BEFORE_START[ReminderKind(kind)]


def _rows(
    registration: Registration,
    kinds_due: list[tuple[str, datetime.datetime]],
    *,
    revision: int = 0,
) -> list[Reminder]:
    return [
        Reminder(
            registration=registration,
            kind=kind,
            revision=revision,
            due_at=due,
            next_attempt_at=due,
        )
        for kind, due in kinds_due
    ]


def reminders_ensure(*, registration: Registration, now: datetime.datetime | None = None) -> None:
    """Create the timed reminders (and follow-up) of a confirmed registration
    that are still ahead; existing rows are left alone (idempotent)."""
    if registration.status != RegistrationStatus.CONFIRMED:
        return
    now = now or timezone.now()
    session = registration.session
    kinds_due = [(kind, timed_due(session, kind)) for kind in TIMED_KINDS]
    rows = _rows(registration, [(k, d) for k, d in kinds_due if d > now])
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def notice_create(
    *, registration: Registration, kind: str, revision: int = 0, now: datetime.datetime | None = None
) -> None:
    """Queue a message due now (confirmation, waiting list, update, cancellation)."""
    now = now or timezone.now()
    rows = _rows(registration, [(kind, now)], revision=revision)
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    _dispatch_soon()


def _dispatch_soon() -> None:
    """Wake the dispatcher once the rows are committed, so a notice leaves
    within seconds (best effort: the periodic run sends them anyway)."""
    outbox_wake()


def reminders_cancel_pending(*, registrations: QuerySet[Registration] | list[Registration]) -> int:
    """Withdraw every unsent reminder of these registrations."""
    return Reminder.objects.filter(registration__in=registrations, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, claim_token=None, claimed_at=None
    )


def reminders_reschedule(*, session: Session, now: datetime.datetime | None = None) -> None:
    """After a change of time: move unsent timed reminders, withdraw those now
    in the past, and add the ones that came back ahead (e.g. one week before
    a session moved later)."""
    now = now or timezone.now()
    pending = Reminder.objects.filter(
        registration__session=session, status=ReminderStatus.PENDING, kind__in=TIMED_KINDS
    )
    for kind in TIMED_KINDS:
        due = timed_due(session, kind)
        rows = pending.filter(kind=kind)
        if due > now:
            rows.update(due_at=due, next_attempt_at=due, claim_token=None, claimed_at=None)
        else:
            rows.update(status=ReminderStatus.CANCELLED, claim_token=None, claimed_at=None)
    for registration in session.registrations.filter(status=RegistrationStatus.CONFIRMED).select_related(
        "user", "session"
    ):
        reminders_ensure(registration=registration, now=now)


def follow_ups_reschedule(*, session: Session) -> None:
    """When a session ends, its follow-ups become due after the real end."""
    due = _follow_up_due(session)
    Reminder.objects.filter(
        registration__session=session, kind=ReminderKind.FOLLOW_UP, status=ReminderStatus.PENDING
    ).update(due_at=due, next_attempt_at=due)


# ---------------------------------------------------------------- dispatch


@dataclass(frozen=True)
class ReminderMessage:
    """What one reminder row sends: the arguments of ``message_send``."""

    kind: str
    template: str
    context: dict[str, Any]
    calendar: tuple[str, bytes] | None = None
    reply_ref: str = ""
    deadline: datetime.datetime | None = None


def _message(reminder: Reminder, now: datetime.datetime) -> ReminderMessage | str:
    """The message to send, or why not: ``"cancel"`` (no longer relevant) or ``"defer"``."""
    registration = reminder.registration
    session = registration.session
    user = registration.user
    kind = reminder.kind
    if kind != ReminderKind.CANCELLATION:
        if not registration.is_active or session.status == SessionStatus.CANCELLED:
            return "cancel"
        if kind in BEFORE_START and (
            registration.status != RegistrationStatus.CONFIRMED
            or now >= (session.ends_at if kind == ReminderKind.STARTING else session.starts_at)
            or session.status == SessionStatus.ENDED
        ):
            return "cancel"
    if kind == ReminderKind.FOLLOW_UP:
        if registration.status != RegistrationStatus.CONFIRMED:
            return "cancel"
        final_at = attendance_final_at(session)
        if final_at is None or now < final_at:
            return "defer"
    site = settings.SITE_URL
    context = {
        "session": session,
        "registration": registration,
        "session_url": site + reverse("webinars:session_detail", args=[session.pk]),
        "join_url": site + reverse("webinars:session_join", args=[session.pk]),
        "replay_url": site + reverse("webinars:session_replay", args=[session.pk]),
        "feedback_url": site + reverse("webinars:session_feedback", args=[session.pk]),
        # Where the person chooses their channels for every kind of message.
        "preferences_url": site + reverse("academy:profile") + "#emails",
        "kind": kind,
        # Replies "1"/"2" act on the registration (SMS and WhatsApp say so).
        "answerable": kind in ANSWERABLE,
    }
    template = kind
    calendar: tuple[str, bytes] | None = None
    if kind in (ReminderKind.WEEK, ReminderKind.DAY, ReminderKind.HOUR):
        template = "reminder"
    elif kind == ReminderKind.FOLLOW_UP:
        attendance = getattr(registration, "attendance", None)
        attended = bool(attendance and attendance.attended)
        template = "follow_up_attended" if attended else "follow_up_missed"
    if kind in (ReminderKind.CONFIRMATION, ReminderKind.UPDATE) and (
        registration.status == RegistrationStatus.CONFIRMED
    ):
        calendar = (ics.REQUEST, _invitation(registration, ics.REQUEST))
        with in_language_of(user):
            context["calendar_links"] = calendar_links(session)
    elif kind == ReminderKind.CANCELLATION:
        calendar = (ics.CANCEL, _invitation(registration, ics.CANCEL))
    return ReminderMessage(
        kind=MESSAGE_KINDS.get(kind, REGISTRATION_KIND),
        template=f"webinars/emails/{template}",
        context=context,
        calendar=calendar,
        reply_ref=registration_ref(registration) if kind in ANSWERABLE else "",
        deadline=session.starts_at if kind in BEFORE_THE_EVENT else None,
    )


def _invitation(registration: Registration, method: str) -> bytes:
    sequence = ics.invitation_sequence(registration, method=method)
    return ics.invitation(registration.session, user=registration.user, method=method, sequence=sequence)


def reminder_key(reminder: Reminder) -> str:
    """The row's idempotency key, the same on every attempt: the message's
    key, hence its e-mail's ``Message-ID``."""
    return f"webinar-reminder-{reminder.pk}-{reminder.registration_id}-{reminder.kind}-{reminder.revision}"


def _deliver(reminder: Reminder, now: datetime.datetime) -> None:
    decision = _message(reminder, now)
    if decision == "cancel":
        raise OutboxCancel
    if decision == "defer":
        final_at = attendance_final_at(reminder.registration.session)
        raise OutboxDefer(final_at if final_at is not None and final_at > now else now + FOLLOW_UP_RECHECK)
    assert isinstance(decision, ReminderMessage)
    key = reminder_key(reminder)
    queued = message_send(
        key=key,
        kind=decision.kind,
        user=reminder.registration.user,
        template=decision.template,
        context=decision.context,
        topic=f"webinars.{reminder.kind}",
        reply_ref=decision.reply_ref,
        deadline=decision.deadline,
        calendar=decision.calendar,
    )
    # None: queued by an earlier attempt (the same key), or the person takes
    # this kind on no channel (they stopped it): nothing was handed over.
    if queued is None and not Message.objects.filter(key=key[:200]).exists():
        raise OutboxCancel


REMINDER_OUTBOX: Outbox[Reminder] = Outbox(
    name="webinars.reminders",
    rows=lambda: Reminder.objects.select_related(
        "registration__session", "registration__user", "registration__attendance"
    ),
    deliver=_deliver,
)


def reminders_retry(*, reminders: QuerySet[Reminder], now: datetime.datetime | None = None) -> int:
    """Put the failed ones among ``reminders`` back in the queue, due now
    with their attempts reset (administrators); returns how many."""
    return outbox_retry(reminders, now=now)


def reminders_dispatch(
    *, now: datetime.datetime | None = None, batch_size: int | None = None, time_budget: float | None = None
) -> DrainReport:
    """Send every due reminder (batch after batch) and report what happened.
    Safe to run several times at once and after a crash (``academy.outbox``)."""
    return outbox_drain(REMINDER_OUTBOX, now=now, batch_size=batch_size, time_budget=time_budget)
