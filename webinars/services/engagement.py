"""After the session: feedback, replays, and preferences of each person."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User, Verb
from academy.services import activity_record
from distributors.audience import audience_includes
from webinars.models import (
    Attendance,
    Feedback,
    Session,
    SessionStatus,
    WebinarPreference,
    new_calendar_token,
)
from webinars.rules import recording_link
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
    """The person's web-conference preferences (their private calendar feed),
    created on first use. The channels of reminders are chosen with every
    other kind of message, on the profile page (``User.message_channels``)."""
    preference, _created = WebinarPreference.objects.get_or_create(user=user)
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
