"""After the session: feedback, replays, and preferences of each person."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User, Verb
from academy.services import activity_record
from distributors.audience import audience_includes
from webinars.channels import DEFAULT_CHANNEL, channel_registry
from webinars.models import (
    Attendance,
    Feedback,
    RegistrationStatus,
    Reminder,
    ReminderStatus,
    Session,
    SessionStatus,
    WebinarPreference,
    new_calendar_token,
)
from webinars.rules import recording_link
from webinars.services import reminders
from webinars.services._common import full_clean, not_found


@transaction.atomic
def feedback_submit(*, user: User, session: Session, rating: int, comment: str = "") -> Feedback:
    """An attendee rates an ended session (1 to 5) with an optional comment, once."""
    if session.status != SessionStatus.ENDED:
        raise ApplicationError(_("Feedback opens when the web-conference has ended."), code="not_ended")
    if not Attendance.objects.filter(session=session, user=user, attended=True).exists():
        raise ApplicationError(
            _("Only people who attended can give feedback."), code="not_attended", status=403
        )
    feedback = Feedback(session=session, user=user, rating=rating, comment=comment.strip())
    full_clean(feedback, validate_constraints=False)
    try:
        with transaction.atomic():
            feedback.save()
    except IntegrityError as error:
        raise ApplicationError(_("You have already given your feedback."), code="already_given") from error
    activity_record(actor=user, verb=Verb.FEEDBACK_GIVEN, obj=session, context={"rating": rating})
    return feedback


def replay_watch(*, user: User, session: Session) -> str:
    """Record that ``user`` opens the recording; returns its link."""
    if not audience_includes(session, user=user):
        raise not_found(_("This web-conference does not exist."))
    link = recording_link(session)
    if not link:
        raise ApplicationError(_("There is no recording yet."), code="no_recording", status=404)
    activity_record(actor=user, verb=Verb.REPLAY_WATCHED, obj=session)
    return link


def preference_get(*, user: User) -> WebinarPreference:
    """The person's preferences (created with e-mail on first use)."""
    preference, _created = WebinarPreference.objects.get_or_create(
        user=user, defaults={"channels": [DEFAULT_CHANNEL]}
    )
    return preference


@transaction.atomic
def preference_channels_set(*, user: User, channels: list[str]) -> WebinarPreference:
    """Choose the reminder channels. Reminders not sent yet follow the choice."""
    registry = channel_registry()
    unknown = [name for name in channels if name not in registry]
    if unknown or not channels:
        message = _("Choose at least one of the available channels.")
        raise ApplicationError(message, fields={"channels": [message]})
    unreachable = [
        str(registry[name].label) for name in channels if not registry[name].is_available_for(user)
    ]
    if unreachable:
        message = _("You cannot be reached by %(channels)s: complete your profile first.") % {
            "channels": ", ".join(unreachable)
        }
        raise ApplicationError(message, fields={"channels": [message]})
    preference = preference_get(user=user)
    preference.channels = list(dict.fromkeys(channels))
    preference.save(update_fields=["channels", "updated_at"])
    now = timezone.now()
    upcoming = user.webinar_registrations.filter(
        status=RegistrationStatus.CONFIRMED,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__gt=now,
    ).select_related("session", "user")
    Reminder.objects.filter(registration__in=upcoming, status=ReminderStatus.PENDING).exclude(
        channel__in=preference.channels
    ).update(status=ReminderStatus.CANCELLED)
    for registration in upcoming:
        reminders.reminders_ensure(registration=registration, now=now, channels=preference.channels)
    return preference


def calendar_token_regenerate(*, user: User) -> WebinarPreference:
    """A new private calendar-feed address; the previous one stops working."""
    preference = preference_get(user=user)
    preference.calendar_token = new_calendar_token()
    preference.save(update_fields=["calendar_token", "updated_at"])
    return preference


def calendar_token_revoke(*, user: User) -> WebinarPreference:
    """Switch the calendar feed off."""
    preference = preference_get(user=user)
    preference.calendar_token = None
    preference.save(update_fields=["calendar_token", "updated_at"])
    return preference
