"""The room as every connection starts from it, read once and shared.

A room of a thousand people joining at 14:00 would read the same chat,
questions, poll and announcements a thousand times. Here a server process
reads the room once (:func:`room_state`: about twenty queries) and every
connection's snapshot is cut from that copy in memory (:func:`snapshot_for`:
no query), the person's own part included (muted, hand raised, questions
upvoted, poll answer: the room's sets of people are read with it).

The copy is used while the room's version (``webinars.realtime.room_version``,
renewed after every logged event, poll answer and batch of arrivals and
departures, on every server) is unchanged, and for at most
``WEBINAR_ROOM_SNAPSHOT_SECONDS`` (registrations change outside the room).
The version is read before the room, so a copy is never newer than its
version says; a copy older than an event only means that the event reaches
the connection through its sequence (``RoomEvent.seq``), as it would have
reached a connection that read the database just before it."""

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from webinars import realtime
from webinars.models import (
    Announcement,
    ChatMessage,
    HandRaise,
    Poll,
    PollStatus,
    PollVote,
    Question,
    QuestionStatus,
    QuestionVote,
    Registration,
    RegistrationStatus,
    RoomMute,
    Session,
)
from webinars.realtime import (
    announcement_data,
    chat_message_data,
    person,
    poll_data,
    question_data,
    status_payload,
)
from webinars.selectors.room import (
    ANNOUNCEMENTS_SHOWN,
    CHAT_HISTORY,
    TRAINER,
    last_event_position,
    poll_results,
    present_count,
    present_list,
)


@dataclass(frozen=True)
class RoomState:
    """One server's copy of a room (never changed once built: shared by threads)."""

    session_id: int
    version: str
    built_at: float  # time.monotonic()
    session: Session | None  # None: no such session
    registrants: frozenset[int] = frozenset()  # confirmed registrants (user ids)
    last_event_id: int = 0
    last_seq: int = 0
    chat: tuple[dict[str, Any], ...] = ()
    announcements: tuple[dict[str, Any], ...] = ()
    # Each open question as attendees and as trainers see it, and who upvoted it.
    questions: tuple[tuple[dict[str, Any], dict[str, Any]], ...] = ()
    question_voters: dict[int, frozenset[int]] = field(default_factory=dict)
    # The poll shown (open, else the last closed), with and without results, and each person's answer.
    poll: dict[str, Any] | None = None
    poll_with_results: dict[str, Any] | None = None
    poll_answers: dict[int, tuple[int, ...]] = field(default_factory=dict)
    muted: tuple[dict[str, Any], ...] = ()
    muted_ids: frozenset[int] = frozenset()
    hands: tuple[dict[str, Any], ...] = ()
    hand_ids: frozenset[int] = frozenset()
    polls: tuple[dict[str, Any], ...] = ()
    present: int = 0
    people: tuple[dict[str, Any], ...] = ()
    people_ids: frozenset[int] = frozenset()


_states: dict[int, RoomState] = {}
_locks: dict[int, threading.Lock] = {}
_locks_guard = threading.Lock()


def _fresh(state: RoomState | None, version: str) -> bool:
    return (
        state is not None
        and state.version == version
        and time.monotonic() - state.built_at < settings.WEBINAR_ROOM_SNAPSHOT_SECONDS
    )


def room_state(*, session_id: int) -> RoomState:
    """The room of session ``session_id`` as this process last read it, read
    again when its version changed or it is too old. Connections arriving
    together wait for one reading instead of each making their own."""
    version = realtime.room_version(session_id=session_id)
    state = _states.get(session_id)
    if _fresh(state, version):
        return state  # type: ignore[return-value]
    with _locks_guard:
        lock = _locks.setdefault(session_id, threading.Lock())
    with lock:
        state = _states.get(session_id)
        if _fresh(state, version):
            return state  # type: ignore[return-value]
        state = room_state_read(session_id=session_id, version=version)
        _states[session_id] = state
        return state


def room_state_forget(*, session_id: int | None = None) -> None:
    """Drop this process's copy of a room (of every room with None)."""
    if session_id is None:
        _states.clear()
    else:
        _states.pop(session_id, None)


def room_state_read(*, session_id: int, version: str = "") -> RoomState:
    """Read the room from the database (the event position first, so that
    nothing logged after it is missed)."""
    built_at = time.monotonic()
    last_id, last_seq = last_event_position(session_id=session_id)
    session = Session.objects.select_related("series").filter(pk=session_id).first()
    if session is None:
        return RoomState(session_id=session_id, version=version, built_at=built_at, session=None)
    trainer_ids = set(session.trainers.values_list("pk", flat=True))
    if session.series is not None:
        trainer_ids |= set(session.series.trainers.values_list("pk", flat=True))
    registrants = frozenset(
        Registration.objects.filter(session=session, status=RegistrationStatus.CONFIRMED).values_list(
            "user_id", flat=True
        )
    )
    chat = list(
        ChatMessage.objects.filter(session=session, deleted_at__isnull=True)
        .select_related("author")
        .order_by("-id")[:CHAT_HISTORY]
    )
    questions = list(
        Question.objects.filter(session=session, status=QuestionStatus.OPEN)
        .select_related("author")
        .order_by("-is_pinned", "-votes", "created_at", "id")
    )
    voters: dict[int, set[int]] = {question.pk: set() for question in questions}
    for question_id, user_id in QuestionVote.objects.filter(question__in=questions).values_list(
        "question_id", "user_id"
    ):
        voters[question_id].add(user_id)
    poll = (
        Poll.objects.filter(session=session, status__in=[PollStatus.OPEN, PollStatus.CLOSED])
        .prefetch_related("options")
        .order_by("-status", "-closed_at", "-id")  # "open" sorts after "closed": open first
        .first()
    )
    answers: dict[int, list[int]] = {}
    poll_plain = poll_full = None
    if poll is not None:
        for user_id, option_id in PollVote.objects.filter(poll=poll).values_list("user_id", "option_id"):
            answers.setdefault(user_id, []).append(option_id)
        poll_plain = poll_data(poll, results=None)
        poll_full = poll_data(poll, results=poll_results(poll))
    hands = list(
        HandRaise.objects.filter(session=session, lowered_at__isnull=True)
        .select_related("user")
        .order_by("created_at")
    )
    mutes = list(RoomMute.objects.filter(session=session).select_related("user"))
    people = present_list(session_id=session_id)
    return RoomState(
        session_id=session_id,
        version=version,
        built_at=built_at,
        session=session,
        registrants=registrants,
        last_event_id=last_id,
        last_seq=last_seq,
        chat=tuple(
            chat_message_data(m, is_trainer=m.author_id in trainer_ids or m.author.role == "admin")
            for m in reversed(chat)
        ),
        announcements=tuple(
            announcement_data(a)
            for a in Announcement.objects.filter(session=session).order_by("-id")[:ANNOUNCEMENTS_SHOWN]
        ),
        questions=tuple(
            (question_data(q, for_trainers=False), question_data(q, for_trainers=True)) for q in questions
        ),
        question_voters={pk: frozenset(ids) for pk, ids in voters.items()},
        poll=poll_plain,
        poll_with_results=poll_full,
        poll_answers={user_id: tuple(ids) for user_id, ids in answers.items()},
        muted=tuple(person(mute.user) for mute in mutes),
        muted_ids=frozenset(mute.user_id for mute in mutes),
        hands=tuple(person(hand.user) for hand in hands),
        hand_ids=frozenset(hand.user_id for hand in hands),
        polls=tuple(
            {"id": p.pk, "question": p.question, "status": p.status}
            for p in Poll.objects.filter(session=session).order_by("id")
        ),
        present=present_count(session_id=session_id),
        people=tuple(people),
        people_ids=frozenset(p["id"] for p in people),
    )


def snapshot_for(state: RoomState, *, user: Any, role: str) -> dict[str, Any]:
    """The snapshot of one connection, cut from the room's copy (no query):
    the session, the person's own state, the latest chat, open questions
    (pinned, then most voted, then oldest; ``voted`` for the person), the
    poll (results once the person answered, always for trainers and once
    closed), announcements, who is present (the list for trainers only),
    prepared polls, raised hands and muted people (trainers), and
    ``last_event_id`` with its sequence ``last_seq``."""
    session = state.session
    if session is None:
        raise Session.DoesNotExist(f"Session {state.session_id} does not exist.")
    is_trainer = role == TRAINER
    poll = None
    if state.poll is not None and state.poll_with_results is not None:
        mine = list(state.poll_answers.get(user.pk, ()))
        show = is_trainer or bool(mine) or state.poll["status"] == PollStatus.CLOSED
        poll = {**(state.poll_with_results if show else state.poll), "my_answer": mine}
    snapshot: dict[str, Any] = {
        "session": {"id": session.pk, "title": session.title, **status_payload(session)},
        "role": role,
        "me": {**person(user), "muted": user.pk in state.muted_ids, "hand_raised": user.pk in state.hand_ids},
        "chat": list(state.chat),
        "questions": [
            {
                **(trainers if is_trainer else attendees),
                "voted": user.pk in state.question_voters[attendees["id"]],
            }
            for attendees, trainers in state.questions
        ],
        "poll": poll,
        "announcements": list(state.announcements),
        # A person whose arrival is not written yet (``room_presence_apply``) counts themselves.
        "present": state.present + (0 if user.pk in state.people_ids else 1),
        "last_event_id": state.last_event_id,
        "last_seq": state.last_seq,
    }
    if is_trainer:
        snapshot["people"] = list(state.people)
        snapshot["hands"] = list(state.hands)
        snapshot["muted"] = list(state.muted)
        snapshot["polls"] = list(state.polls)
    return snapshot


def room_snapshot(*, user: Any, session: Session, role: str) -> dict[str, Any]:
    """Everything a connection starts from (:func:`snapshot_for` of the
    room's shared copy, :func:`room_state`)."""
    return snapshot_for(room_state(session_id=session.pk), user=user, role=role)
