"""Questions of the live room: ask (optionally anonymous to other attendees,
never to trainers), upvote once, and the trainers' answered / pinned /
dismissed. Each change is logged and broadcast as ``question.updated`` with
two payloads (attendees' and trainers')."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.models import User, Verb
from academy.services import activity_record
from webinars.models import Question, QuestionStatus, QuestionVote, Session
from webinars.realtime import question_data
from webinars.services.room import (
    RoomError,
    require_moderator,
    require_participant,
    require_room_open,
    room_event_record,
    session_lock,
)

QUESTION_MAX_LENGTH = 500
MODERATION_ACTIONS = ("answer", "pin", "unpin", "dismiss", "reopen")


def _broadcast(session: Session, question: Question) -> None:
    room_event_record(
        session=session,
        type="question.updated",
        payload={"question": question_data(question, for_trainers=False)},
        trainer_payload={"question": question_data(question, for_trainers=True)},
    )


def question_ask(*, session: Session, user: User, text: str, anonymous: bool = False) -> Question:
    """Ask the trainers a question (up to 500 characters). Recorded in the
    engagement log as ``QUESTION_ASKED``."""
    text = text.strip()
    if not text:
        raise RoomError(_("Write your question first."), code="invalid")
    if len(text) > QUESTION_MAX_LENGTH:
        raise RoomError(
            _("A question has at most %(count)s characters.") % {"count": QUESTION_MAX_LENGTH},
            code="too_long",
        )
    with transaction.atomic():
        session = session_lock(session.pk)
        require_room_open(session)
        require_participant(user, session)
        question = Question.objects.create(session=session, author=user, text=text, is_anonymous=anonymous)
        activity_record(actor=user, verb=Verb.QUESTION_ASKED, obj=session, context={"question": question.pk})
        _broadcast(session, question)
    return question


def _question(session: Session, question_id: int) -> Question:
    question = Question.objects.select_related("author").filter(session=session, pk=question_id).first()
    if question is None:
        raise RoomError(_("This question does not exist."), code="not_found", status=404)
    return question


def question_upvote(*, session: Session, user: User, question_id: int) -> Question:
    """Support someone else's open question, once (one's own cannot be upvoted:
    asking it already counts)."""
    with transaction.atomic():
        session = session_lock(session.pk)
        require_room_open(session)
        require_participant(user, session)
        question = _question(session, question_id)
        if question.status != QuestionStatus.OPEN:
            raise RoomError(_("This question is closed."), code="question_closed", status=409)
        if question.author_id == user.pk:
            raise RoomError(_("You cannot upvote your own question."), code="own_question", status=409)
        try:
            with transaction.atomic():
                QuestionVote.objects.create(question=question, user=user)
        except IntegrityError as error:
            raise RoomError(
                _("You have already upvoted this question."), code="already_voted", status=409
            ) from error
        Question.objects.filter(pk=question.pk).update(votes=F("votes") + 1)
        question.refresh_from_db(fields=["votes"])
        _broadcast(session, question)
    return question


def question_moderate(*, actor: User, session: Session, question_id: int, action: str) -> Question:
    """A trainer marks a question answered, pins or unpins it, dismisses it
    or reopens it. Answered questions are shown on the replay page."""
    if action not in MODERATION_ACTIONS:
        raise RoomError(_("Unknown action."), code="invalid")
    with transaction.atomic():
        session = session_lock(session.pk)
        require_moderator(actor, session)
        question = _question(session, question_id)
        if action == "answer":
            question.status = QuestionStatus.ANSWERED
            question.answered_at = timezone.now()
            question.is_pinned = False
        elif action == "dismiss":
            question.status = QuestionStatus.DISMISSED
            question.is_pinned = False
        elif action == "reopen":
            question.status = QuestionStatus.OPEN
            question.answered_at = None
        else:
            if question.status != QuestionStatus.OPEN:
                raise RoomError(_("Only open questions can be pinned."), code="question_closed", status=409)
            question.is_pinned = action == "pin"
        question.save(update_fields=["status", "answered_at", "is_pinned", "updated_at"])
        _broadcast(session, question)
    return question
