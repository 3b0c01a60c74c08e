"""Registration, cancellation and the waiting list."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User, Verb
from academy.permissions import can
from academy.services import activity_record
from distributors.audience import audience_includes
from distributors.selectors import membership_current
from webinars.models import Registration, RegistrationStatus, ReminderKind, Session, SessionStatus
from webinars.services import reminders
from webinars.services._common import not_found


def _lock(session: Session) -> Session:
    """The session row, locked until the end of the transaction: counting
    places and taking one happen as one step (SQLite serialises writers)."""
    return Session.objects.select_for_update().get(pk=session.pk)


def registration_is_open(session: Session, *, now: datetime.datetime | None = None) -> bool:
    """Whether people may still register, cancel or be promoted from the
    waiting list: the session is scheduled and has not started yet."""
    return session.status == SessionStatus.SCHEDULED and (now or timezone.now()) < session.starts_at


def confirmed_count(session: Session) -> int:
    return session.registrations.filter(status=RegistrationStatus.CONFIRMED).count()


@transaction.atomic
def registration_create(*, user: User, session: Session) -> Registration:
    """Register ``user``: a confirmed place while there is one, else the
    waiting list. Refused once the session has started, when it is cancelled,
    or when the person is already registered. Queues the confirmation (with
    its calendar invitation) or the waiting-list notice, and the reminders
    still ahead."""
    session = _lock(session)
    if not audience_includes(session, user=user):
        raise not_found(_("This web-conference does not exist."))
    now = timezone.now()
    if session.status == SessionStatus.CANCELLED:
        raise ApplicationError(_("This web-conference has been cancelled."), code="cancelled")
    if not registration_is_open(session, now=now):
        raise ApplicationError(
            _("Registration is closed: the web-conference has started."), code="registration_closed"
        )
    if session.registrations.filter(user=user).exclude(status=RegistrationStatus.CANCELLED).exists():
        raise ApplicationError(_("You are already registered."), code="already_registered")
    full = session.capacity is not None and confirmed_count(session) >= session.capacity
    membership = membership_current(user=user)
    registration = Registration(
        session=session,
        user=user,
        distributor=membership.distributor if membership else None,
        status=RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED,
    )
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as error:  # a second click in another tab
        raise ApplicationError(_("You are already registered."), code="already_registered") from error
    if registration.status == RegistrationStatus.CONFIRMED:
        reminders.notice_create(registration=registration, kind=ReminderKind.CONFIRMATION, now=now)
        reminders.reminders_ensure(registration=registration, now=now)
    else:
        reminders.notice_create(registration=registration, kind=ReminderKind.WAITLISTED, now=now)
    activity_record(
        actor=user,
        verb=Verb.WEBINAR_REGISTERED,
        obj=session,
        distributor=registration.distributor,
        context={"status": registration.status},
    )
    return registration


@transaction.atomic
def registration_cancel(*, actor: User, registration: Registration) -> Registration:
    """Cancel a registration (the person, or a trainer of the session). Their
    unsent reminders are withdrawn, a cancellation (``METHOD:CANCEL``) is
    queued for a confirmed place, and the first person waiting takes it."""
    session = _lock(registration.session)
    registration = Registration.objects.select_for_update().select_related("user").get(pk=registration.pk)
    if registration.user_id != actor.pk and not can(actor, "webinars.manage_session", session):
        raise not_found(_("This registration does not exist."))
    if registration.status == RegistrationStatus.CANCELLED:
        raise ApplicationError(_("This registration is already cancelled."), code="already_cancelled")
    if not registration_is_open(session):
        raise ApplicationError(
            _("The web-conference has started; the registration can no longer be cancelled."),
            code="registration_closed",
        )
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "cancelled_at", "updated_at"])
    reminders.reminders_cancel_pending(registrations=[registration])
    if was_confirmed:
        reminders.notice_create(registration=registration, kind=ReminderKind.CANCELLATION)
    activity_record(
        actor=registration.user,
        verb=Verb.WEBINAR_UNREGISTERED,
        obj=session,
        distributor=registration.distributor,
    )
    if was_confirmed:
        waitlist_promote(session=session)
    return registration


def waitlist_promote(*, session: Session) -> list[Registration]:
    """Give free places to the people waiting, first come first served (the
    caller holds the session lock). Each gets a confirmation saying a place
    freed up, with the invitation, and their reminders."""
    if not registration_is_open(session):
        return []
    waiting = session.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by("created_at", "id")
    if session.capacity is not None:
        free = session.capacity - confirmed_count(session)
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting.select_related("user", "session"))
    now = timezone.now()
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at", "updated_at"])
        reminders.notice_create(registration=registration, kind=ReminderKind.CONFIRMATION, now=now)
        reminders.reminders_ensure(registration=registration, now=now)
    return promoted
