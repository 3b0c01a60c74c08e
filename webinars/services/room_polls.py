"""Polls: prepared by a trainer before the session, opened live (one at a
time), answered once per person (the answer can change until the poll
closes), closed with final results that the replay page and the report keep."""

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User, Verb
from academy.permissions import require
from academy.services import activity_record
from webinars.models import Poll, PollKind, PollOption, PollStatus, PollVote, Session, SessionStatus
from webinars.realtime import poll_data
from webinars.selectors import poll_results
from webinars.services.room import (
    RoomError,
    require_moderator,
    require_participant,
    require_room_open,
    room_event_record,
    session_lock,
)

MIN_OPTIONS = 2
MAX_OPTIONS = 10


@transaction.atomic
def poll_create(*, actor: User, session: Session, question: str, options: Sequence[str], kind: str) -> Poll:
    """Prepare a poll (2 to 10 answers) for a session that has not ended."""
    require(actor, "webinars.manage_session", session)
    if session.status in (SessionStatus.ENDED, SessionStatus.CANCELLED):
        raise ApplicationError(_("This web-conference is over."), code="room_closed")
    question = question.strip()
    answers = [text.strip() for text in options if text and text.strip()]
    errors: dict[str, list[str]] = {}
    if not question:
        errors["question"] = [_("Write the question.")]
    elif len(question) > 300:
        errors["question"] = [_("A question has at most %(count)s characters.") % {"count": 300}]
    if not MIN_OPTIONS <= len(answers) <= MAX_OPTIONS:
        errors["options"] = [
            _("Give between %(min)s and %(max)s answers.") % {"min": MIN_OPTIONS, "max": MAX_OPTIONS}
        ]
    elif any(len(text) > 200 for text in answers):
        errors["options"] = [_("An answer has at most %(count)s characters.") % {"count": 200}]
    elif len(set(answers)) != len(answers):
        errors["options"] = [_("Each answer must be different.")]
    if kind not in PollKind.values:
        errors["kind"] = [_("Choose one answer or several answers.")]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    poll = Poll.objects.create(session=session, question=question, kind=kind, created_by=actor)
    PollOption.objects.bulk_create(
        PollOption(poll=poll, text=text, position=index) for index, text in enumerate(answers)
    )
    return poll


@transaction.atomic
def poll_delete(*, actor: User, poll: Poll) -> None:
    """Remove a prepared poll that was never opened."""
    require(actor, "webinars.manage_session", poll.session)
    if poll.status != PollStatus.DRAFT:
        raise ApplicationError(_("Only a poll that was never opened can be removed."), code="poll_used")
    poll.delete()


def _poll(session: Session, poll_id: int) -> Poll:
    poll = Poll.objects.filter(session=session, pk=poll_id).prefetch_related("options").first()
    if poll is None:
        raise RoomError(_("This poll does not exist."), code="not_found", status=404)
    return poll


def poll_open(*, actor: User, session: Session, poll_id: int) -> Poll:
    """Open a prepared poll live; only one poll is open at a time."""
    with transaction.atomic():
        session = session_lock(session.pk)
        require_moderator(actor, session)
        require_room_open(session)
        poll = _poll(session, poll_id)
        if poll.status != PollStatus.DRAFT:
            raise RoomError(_("This poll has already been opened."), code="poll_used", status=409)
        if Poll.objects.filter(session=session, status=PollStatus.OPEN).exists():
            raise RoomError(_("Close the open poll first."), code="poll_open", status=409)
        poll.status = PollStatus.OPEN
        poll.opened_at = timezone.now()
        poll.save(update_fields=["status", "opened_at", "updated_at"])
        room_event_record(session=session, type="poll.opened", payload={"poll": poll_data(poll)})
    return poll


def poll_close(*, actor: User | None, session: Session, poll_id: int) -> Poll:
    """Close an open poll: its final results go to everyone and stay."""
    with transaction.atomic():
        session = session_lock(session.pk)
        if actor is not None:
            require_moderator(actor, session)
        poll = _poll(session, poll_id)
        if poll.status != PollStatus.OPEN:
            raise RoomError(_("This poll is not open."), code="poll_closed", status=409)
        poll.status = PollStatus.CLOSED
        poll.closed_at = timezone.now()
        poll.save(update_fields=["status", "closed_at", "updated_at"])
        room_event_record(
            session=session, type="poll.closed", payload={"poll": poll_data(poll, results=poll_results(poll))}
        )
    return poll


def polls_close_open(*, session: Session) -> None:
    """When the session ends, a poll left open closes with its results."""
    for poll_id in Poll.objects.filter(session=session, status=PollStatus.OPEN).values_list("pk", flat=True):
        poll_close(actor=None, session=session, poll_id=poll_id)


def poll_vote(*, session: Session, user: User, poll_id: int, option_ids: Sequence[int]) -> Poll:
    """Answer the open poll (one answer, or several for a multiple-choice
    poll); answering again replaces the previous answer. The first answer is
    recorded in the engagement log (``POLL_ANSWERED``). Live results are
    sent by the caller (throttled), the votes being stored here."""
    chosen = list(dict.fromkeys(option_ids))
    with transaction.atomic():
        session = session_lock(session.pk)
        require_room_open(session)
        require_participant(user, session)
        poll = _poll(session, poll_id)
        if poll.status != PollStatus.OPEN:
            raise RoomError(_("This poll is closed."), code="poll_closed", status=409)
        valid = {option.pk for option in poll.options.all()}
        if not chosen or any(option_id not in valid for option_id in chosen):
            raise RoomError(_("Choose one of the answers."), code="invalid")
        if poll.kind == PollKind.SINGLE and len(chosen) != 1:
            raise RoomError(_("Choose only one answer."), code="invalid")
        previous = PollVote.objects.filter(poll=poll, user=user)
        first = not previous.exists()
        previous.delete()
        try:
            with transaction.atomic():
                PollVote.objects.bulk_create(
                    PollVote(poll=poll, user=user, option_id=option_id) for option_id in chosen
                )
        except IntegrityError as error:  # two tabs answering at the same instant
            raise RoomError(
                _("Your answer was not saved; try again."), code="conflict", status=409
            ) from error
        if first:
            activity_record(actor=user, verb=Verb.POLL_ANSWERED, obj=session, context={"poll": poll.pk})
    return poll
