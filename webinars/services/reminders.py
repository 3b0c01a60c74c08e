"""The reminder outbox: rows created with registrations, claimed and sent by
a periodic dispatcher, exactly once per (registration, kind, revision, channel).

How a row is sent at most once and never lost
---------------------------------------------
1. **Claim** (one short transaction): due rows — pending, ``next_attempt_at``
   passed, not claimed or claimed longer ago than
   ``WEBINAR_REMINDER_CLAIM_TIMEOUT_SECONDS`` — get a fresh ``claim_token``,
   ``claimed_at`` and one more attempt. On PostgreSQL the rows are locked
   with ``SELECT ... FOR UPDATE SKIP LOCKED`` so concurrent dispatchers take
   disjoint batches; elsewhere (SQLite) each row is claimed by a conditional
   ``UPDATE ... WHERE <still due>``, which only one dispatcher can win.
2. **Send** outside any transaction, through the row's channel, with the
   row's stable idempotency key (e-mail ``Message-ID``).
3. **Mark** with ``UPDATE ... SET status='sent' WHERE id=... AND claim_token=<mine>``:
   only the holder of the claim records the send. A failure releases the
   claim and sets ``next_attempt_at`` with exponential backoff, until
   ``WEBINAR_REMINDER_MAX_ATTEMPTS`` makes the row ``failed``.

A worker that dies after claiming leaves the row claimed; once the claim
times out another dispatcher takes it, so nothing is lost and a row that
was never handed to the channel is sent once. The only window for a repeat
is a crash between the channel accepting the message and step 3 (a few
milliseconds); the repeat then carries the same idempotency key, which the
e-mail ``Message-ID`` (and any provider idempotency key) lets receivers
recognise as the same message.
"""

import datetime
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from academy.models import User
from academy.outbox import outbox_claim
from academy.tasks import task_after_commit
from webinars import ics
from webinars.channels import DEFAULT_CHANNEL, ChannelError, ReminderMessage, channel_get, channel_registry
from webinars.models import (
    Registration,
    RegistrationStatus,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Session,
    SessionStatus,
    WebinarPreference,
)

logger = logging.getLogger(__name__)

# When each timed reminder is due, relative to the session's start.
BEFORE_START = {
    ReminderKind.WEEK: datetime.timedelta(days=7),
    ReminderKind.DAY: datetime.timedelta(hours=24),
    ReminderKind.HOUR: datetime.timedelta(hours=1),
    ReminderKind.STARTING: datetime.timedelta(minutes=10),
}
TIMED_KINDS = (*BEFORE_START, ReminderKind.FOLLOW_UP)
# A follow-up waits this long when its session has not ended yet.
FOLLOW_UP_RECHECK = datetime.timedelta(minutes=15)


def _follow_up_due(session: Session) -> datetime.datetime:
    end = session.ended_at or session.ends_at
    return end + datetime.timedelta(minutes=settings.WEBINAR_FOLLOW_UP_DELAY_MINUTES)


def timed_due(session: Session, kind: str) -> datetime.datetime:
    if kind == ReminderKind.FOLLOW_UP:
        return _follow_up_due(session)
    return session.starts_at - BEFORE_START[ReminderKind(kind)]


def user_channels(user: User) -> list[str]:
    """The configured channels the person chose and can be reached on (e-mail when none)."""
    preference = WebinarPreference.objects.filter(user=user).first()
    chosen = preference.channels if preference and preference.channels else [DEFAULT_CHANNEL]
    registry = channel_registry()
    usable = [name for name in chosen if name in registry and registry[name].is_available_for(user)]
    return usable or [DEFAULT_CHANNEL]


def _rows(
    registration: Registration,
    kinds_due: list[tuple[str, datetime.datetime]],
    *,
    channels: list[str],
    revision: int = 0,
) -> list[Reminder]:
    return [
        Reminder(
            registration=registration,
            kind=kind,
            revision=revision,
            channel=channel,
            due_at=due,
            next_attempt_at=due,
        )
        for kind, due in kinds_due
        for channel in channels
    ]


def reminders_ensure(
    *, registration: Registration, now: datetime.datetime | None = None, channels: list[str] | None = None
) -> None:
    """Create the timed reminders (and follow-up) of a confirmed registration
    that are still ahead; existing rows are left alone (idempotent)."""
    if registration.status != RegistrationStatus.CONFIRMED:
        return
    now = now or timezone.now()
    session = registration.session
    channels = channels or user_channels(registration.user)
    kinds_due = [(kind, timed_due(session, kind)) for kind in TIMED_KINDS]
    rows = _rows(registration, [(k, d) for k, d in kinds_due if d > now], channels=channels)
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def notice_create(
    *, registration: Registration, kind: str, revision: int = 0, now: datetime.datetime | None = None
) -> None:
    """Queue a message due now (confirmation, waiting list, update, cancellation)."""
    now = now or timezone.now()
    rows = _rows(registration, [(kind, now)], channels=user_channels(registration.user), revision=revision)
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    _dispatch_soon()


def _dispatch_soon() -> None:
    """Nudge the dispatcher, once the rows are committed, so a notice leaves
    within seconds. Best effort: a broker hiccup must not fail the person's
    request, and the periodic run sends the rows anyway."""
    task_after_commit("webinars.reminders_dispatch", best_effort=True)


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


@dataclass
class DispatchReport:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    cancelled: int = 0
    deferred: int = 0
    lost_claims: int = 0
    errors: list[str] = field(default_factory=list)


def _due(now: datetime.datetime) -> Q:
    stale = now - datetime.timedelta(seconds=settings.WEBINAR_REMINDER_CLAIM_TIMEOUT_SECONDS)
    return Q(status=ReminderStatus.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    )


def reminders_claim(*, now: datetime.datetime, limit: int, token: uuid.UUID) -> list[int]:
    """Claim up to ``limit`` due rows for ``token``; returns their ids.

    Each due row goes to exactly one caller, also when several dispatchers
    run at once (see the module docstring)."""
    return outbox_claim(
        Reminder.objects.filter(_due(now)).order_by("next_attempt_at", "id"),
        limit=limit,
        claim={"claim_token": token, "claimed_at": now, "attempts": F("attempts") + 1},
    )


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


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
        if session.status != SessionStatus.ENDED:
            return "defer"
    site = settings.SITE_URL
    context = {
        "session": session,
        "registration": registration,
        "session_url": site + reverse("webinars:session_detail", args=[session.pk]),
        "join_url": site + reverse("webinars:session_join", args=[session.pk]),
        "replay_url": site + reverse("webinars:session_replay", args=[session.pk]),
        "feedback_url": site + reverse("webinars:session_feedback", args=[session.pk]),
        "preferences_url": site + reverse("webinars:preferences"),
        "kind": kind,
    }
    template = kind
    attachments: list[tuple[str, bytes, str]] = []
    if kind in (ReminderKind.WEEK, ReminderKind.DAY, ReminderKind.HOUR):
        template = "reminder"
    elif kind == ReminderKind.FOLLOW_UP:
        attendance = getattr(registration, "attendance", None)
        attended = bool(attendance and attendance.attended)
        template = "follow_up_attended" if attended else "follow_up_missed"
    if kind in (ReminderKind.CONFIRMATION, ReminderKind.UPDATE) and (
        registration.status == RegistrationStatus.CONFIRMED
    ):
        attachments.append(
            (
                "invitation.ics",
                ics.invitation(session, user=user, method=ics.REQUEST),
                "text/calendar; method=REQUEST",
            )
        )
    elif kind == ReminderKind.CANCELLATION:
        attachments.append(
            (
                "cancellation.ics",
                ics.invitation(session, user=user, method=ics.CANCEL),
                "text/calendar; method=CANCEL",
            )
        )
    return ReminderMessage(
        user=user,
        kind=kind,
        template=f"webinars/emails/{template}",
        context=context,
        idempotency_key=f"webinar-reminder-{reminder.pk}-{reminder.registration_id}-{kind}-{reminder.revision}",
        attachments=attachments,
    )


def _release(reminder: Reminder, token: uuid.UUID, **changes: object) -> int:
    return Reminder.objects.filter(pk=reminder.pk, claim_token=token).update(
        claim_token=None, claimed_at=None, **changes
    )


def reminder_process(
    *, reminder: Reminder, token: uuid.UUID, now: datetime.datetime, report: DispatchReport
) -> None:
    """Send one claimed row and record the outcome (only while still holding the claim)."""
    decision = _message(reminder, now)
    if decision == "cancel":
        report.cancelled += _release(reminder, token, status=ReminderStatus.CANCELLED)
        return
    if decision == "defer":
        # Waiting for the session to end is not a failed attempt.
        report.deferred += _release(
            reminder, token, next_attempt_at=now + FOLLOW_UP_RECHECK, attempts=F("attempts") - 1
        )
        return
    assert isinstance(decision, ReminderMessage)
    channel = channel_get(reminder.channel) or channel_get(DEFAULT_CHANNEL)
    try:
        if channel is None:
            raise ChannelError(f"Unknown channel {reminder.channel!r}")
        channel.send(decision)
    except Exception as error:  # any failure of a channel is retried, then reported
        message = f"{type(error).__name__}: {error}"[:2000]
        report.errors.append(message)
        if reminder.attempts >= settings.WEBINAR_REMINDER_MAX_ATTEMPTS:
            report.failed += _release(reminder, token, status=ReminderStatus.FAILED, last_error=message)
        else:
            report.retried += _release(
                reminder, token, next_attempt_at=now + _backoff(reminder.attempts), last_error=message
            )
        logger.warning("Reminder %s not sent (attempt %s): %s", reminder.pk, reminder.attempts, message)
        return
    marked = Reminder.objects.filter(pk=reminder.pk, claim_token=token, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.SENT, sent_at=timezone.now(), claim_token=None, claimed_at=None, last_error=""
    )
    if marked:
        report.sent += 1
    else:
        report.lost_claims += 1
        logger.warning("Reminder %s was sent after its claim had expired", reminder.pk)


def reminders_retry(*, reminders: QuerySet[Reminder], now: datetime.datetime | None = None) -> int:
    """Put the failed ones among ``reminders`` back in the queue, due now
    with their attempts reset (administrators); returns how many."""
    return reminders.filter(status=ReminderStatus.FAILED).update(
        status=ReminderStatus.PENDING,
        attempts=0,
        next_attempt_at=now or timezone.now(),
        claim_token=None,
        claimed_at=None,
    )


def reminders_dispatch(*, now: datetime.datetime | None = None, batch_size: int = 200) -> DispatchReport:
    """Send every due reminder (in batches) and report what happened.

    Safe to run several times at once and after a crash: see the module docstring."""
    report = DispatchReport()
    while True:
        current = now or timezone.now()
        token = uuid.uuid4()
        ids = reminders_claim(now=current, limit=batch_size, token=token)
        if not ids:
            return report
        rows = (
            Reminder.objects.filter(pk__in=ids, claim_token=token)
            .select_related("registration__session", "registration__user", "registration__attendance")
            .order_by("next_attempt_at", "id")
        )
        for reminder in rows:
            reminder_process(reminder=reminder, token=token, now=current, report=report)
        if len(ids) < batch_size:
            return report
