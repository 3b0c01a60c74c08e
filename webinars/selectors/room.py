"""Reads of the live room: who may enter (and as what), the snapshot a
connection starts from, the events a reconnecting client missed, and the
questions and polls the replay page and the report keep."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from academy import roles
from academy.models import User
from academy.permissions import can
from distributors.audience import audience_includes
from webinars import realtime
from webinars.models import (
    Poll,
    PollOption,
    PollStatus,
    PollVote,
    Question,
    QuestionStatus,
    RegistrationStatus,
    RoomConnection,
    RoomEvent,
    Session,
    SessionStatus,
)

# Roles in the room, decided at connection time (:func:`room_role`).
ATTENDEE = "attendee"
TRAINER = "trainer"
OBSERVER = "observer"

CHAT_HISTORY = 50
ANNOUNCEMENTS_SHOWN = 3
RESUME_LIMIT = 500


@dataclass(frozen=True)
class RoomRefusal:
    """Why a connection is refused: WebSocket close code, error code, message."""

    close_code: int
    code: str
    message: str


@dataclass(frozen=True)
class RoomEntry:
    session: Session
    role: str  # ATTENDEE, TRAINER (moderates) or OBSERVER (managers: read only)


UNAUTHENTICATED = 4401
FORBIDDEN = 4403
UNKNOWN = 4404
NOT_OPEN = 4409
# The refusal of a manager whose territories the session's audience does not reach.
OTHER_TERRITORY = "other_territory"


def room_entry(
    *,
    user: User,
    session_id: int,
    session: Session | None = None,
    registrants: frozenset[int] | None = None,
) -> RoomEntry | RoomRefusal:
    """Who ``user`` is in the room of session ``session_id``, or why they
    cannot enter:

    * trainers of the session and admins: ``trainer``, from an hour before
      the start until the session ends;
    * managers: ``observer`` (read only), at the same times as trainers, of
      the sessions whose audience reaches their territories (company-wide
      ones included: ``webinars.observe_room``); other sessions refused (4403);
    * confirmed registrants still in the session's audience (a person who
      left a territory's distributor no longer is): ``attendee``, while joining is open (from
      ``WEBINAR_JOIN_OPENS_MINUTES`` before the start, or whenever the
      session is live) — otherwise refused with the session's status;
    * anyone else: refused (4403), without telling whether the session exists
      unless they may see it.

    A connection passes the room's shared copy (``room_state``): its
    ``session`` row and the ``registrants`` confirmed when it was read. A
    person found there is registered; anyone else is looked up (registered
    since). Without them, both are read afresh (the checks of a connection
    that is already in).
    """
    if not user.is_authenticated or not user.is_active:
        return RoomRefusal(UNAUTHENTICATED, "unauthenticated", _("Sign in to enter the room."))
    if session is None or session.pk != session_id:
        session = Session.objects.select_related("series").filter(pk=session_id).first()
    if session is None:
        return RoomRefusal(UNKNOWN, "not_found", _("This web-conference does not exist."))
    granted = roles.user_roles(user)
    if is_moderator(user, session):
        role = TRAINER
    elif roles.MANAGER in granted:
        if not can(user, "webinars.observe_room", session):
            return RoomRefusal(
                FORBIDDEN,
                OTHER_TERRITORY,
                _("This web-conference is for other territories than yours."),
            )
        role = OBSERVER
    elif _registered(user, session, registrants) and (
        session.audience_everyone or audience_includes(session, user=user)
    ):
        role = ATTENDEE
    else:
        return RoomRefusal(
            FORBIDDEN,
            "not_registered",
            _("Only people registered for this web-conference can enter its room."),
        )
    if session.status == SessionStatus.ENDED:
        return RoomRefusal(NOT_OPEN, "ended", _("This web-conference has ended."))
    if session.status == SessionStatus.CANCELLED:
        return RoomRefusal(NOT_OPEN, "cancelled", _("This web-conference has been cancelled."))
    if role == ATTENDEE and not join_is_open(session):
        return RoomRefusal(
            NOT_OPEN,
            "not_open",
            _("The room opens %(minutes)s minutes before the start.")
            % {"minutes": settings.WEBINAR_JOIN_OPENS_MINUTES},
        )
    too_early = timezone.now() < session.starts_at - TRAINER_EARLY
    if role != ATTENDEE and session.status == SessionStatus.SCHEDULED and too_early:
        return RoomRefusal(NOT_OPEN, "not_open", _("The room opens one hour before the start."))
    return RoomEntry(session=session, role=role)


def _registered(user: User, session: Session, registrants: frozenset[int] | None) -> bool:
    if registrants is not None and user.pk in registrants:
        return True
    return session.registrations.filter(user=user, status=RegistrationStatus.CONFIRMED).exists()


def last_event_id(*, session_id: int) -> int:
    return last_event_position(session_id=session_id)[0]


def last_event_position(*, session_id: int) -> tuple[int, int]:
    """The id and the sequence number of the session's last event (0, 0 when none)."""
    last = RoomEvent.objects.filter(session_id=session_id).order_by("-seq").values_list("id", "seq").first()
    return last or (0, 0)


def seq_of_event_id(*, session_id: int, event_id: int) -> int:
    """The sequence number a client that saw event ``event_id`` has reached:
    ids grow with the sequence within a session (both follow commit order),
    so it is the sequence of the last event with an id up to ``event_id``."""
    seq = (
        RoomEvent.objects.filter(session_id=session_id, id__lte=event_id)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
    )
    return seq or 0


def room_log_after(
    *,
    session_id: int,
    user: User,
    is_trainer: bool,
    after_seq: int,
    upto_seq: int | None = None,
    limit: int | None = None,
) -> list[tuple[int, dict[str, Any] | None]] | None:
    """Every logged event after sequence ``after_seq`` (up to ``upto_seq``),
    oldest first, as ``(seq, frame)`` — the frame is None for an event the
    person may not see, which only moves their sequence on. None when more
    than ``limit`` were logged since (the client then needs a fresh
    snapshot)."""
    limit = RESUME_LIMIT if limit is None else limit
    events = RoomEvent.objects.filter(session_id=session_id, seq__gt=after_seq)
    if upto_seq is not None:
        events = events.filter(seq__lte=upto_seq)
    rows = list(events.order_by("seq")[: limit + 1])
    if len(rows) > limit:
        return None
    return [
        (
            event.seq,
            realtime.event_frame(event, for_trainers=is_trainer)
            if realtime.event_visible(event, user_id=user.pk, is_trainer=is_trainer)
            else None,
        )
        for event in rows
    ]


def room_events_after(
    *, session_id: int, user: User, is_trainer: bool, after: int, limit: int | None = None
) -> list[dict[str, Any]] | None:
    """Frames of the logged events after event id ``after`` that the person
    may see, oldest first; None when more than ``limit`` were logged since
    (the client then needs a fresh snapshot)."""
    log = room_log_after(
        session_id=session_id,
        user=user,
        is_trainer=is_trainer,
        after_seq=seq_of_event_id(session_id=session_id, event_id=after),
        limit=limit,
    )
    if log is None:
        return None
    return [frame for _seq, frame in log if frame is not None]


def poll_list(*, session: Session) -> QuerySet[Poll]:
    """A session's polls with their answers, in the order they were prepared."""
    return Poll.objects.filter(session=session).prefetch_related("options").order_by("id")


def closed_poll_results(*, session: Session) -> list[dict[str, Any]]:
    """Closed polls with final results, for the replay page, the session
    report and the API: each ``{"id", "question", "kind", "voters",
    "options": [{"id", "text", "votes", "percent"}]}`` (two queries)."""
    polls = list(
        Poll.objects.filter(session=session, status=PollStatus.CLOSED)
        .prefetch_related(
            Prefetch(
                "options", queryset=PollOption.objects.annotate(n=Count("votes")).order_by("position", "id")
            )
        )
        .annotate(voters=Count("votes__user", distinct=True))
        .order_by("closed_at", "id")
    )
    results = []
    for poll in polls:
        options = list(poll.options.all())
        results.append(
            {
                "id": poll.pk,
                "question": poll.question,
                "kind": poll.kind,
                "voters": poll.voters,
                "options": [
                    {
                        "id": option.pk,
                        "text": option.text,
                        "votes": option.n,  # type: ignore[attr-defined]
                        "percent": round(100 * option.n / poll.voters) if poll.voters else 0,  # type: ignore[attr-defined]
                    }
                    for option in options
                ],
            }
        )
    return results


def answered_questions(*, session: Session) -> QuerySet[Question]:
    """Questions the trainers marked answered, most voted first (the replay
    page shows no author names: a replay is seen by a wider audience)."""
    return Question.objects.filter(session=session, status=QuestionStatus.ANSWERED).order_by(
        "-votes", "answered_at", "id"
    )


# ------------------------------------------------- room state and joining


def is_moderator(user: User, session: Session) -> bool:
    """Trainers of the session and admins moderate the room."""
    return bool(can(user, "webinars.manage_session", session))


def present_count(*, session_id: int) -> int:
    """People (not connections) in the room now."""
    return RoomConnection.objects.filter(session_id=session_id).values("user").distinct().count()


def present_list(*, session_id: int) -> list[dict[str, Any]]:
    """People in the room, for trainers: person, role in the room, since when."""
    rows = (
        RoomConnection.objects.filter(session_id=session_id)
        .values("user_id", "user__first_name", "user__last_name", "user__email", "role")
        .annotate(n=Count("pk"))
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    people = []
    for row in rows:
        name = (
            f"{row['user__first_name']} {row['user__last_name']}".strip() or row["user__email"].split("@")[0]
        )
        people.append({"id": row["user_id"], "name": name, "role": row["role"]})
    return people


def poll_results(poll: Poll) -> dict[str, Any]:
    """Votes per answer (``counts``, keyed by answer id as text, every answer
    present) and the number of people who answered (``voters``)."""
    counts = {str(option.pk): 0 for option in poll.options.all()}
    for row in PollVote.objects.filter(poll=poll).values("option_id").annotate(n=Count("pk")).order_by():
        counts[str(row["option_id"])] = row["n"]
    voters = PollVote.objects.filter(poll=poll).values("user_id").distinct().count()
    return {"counts": counts, "voters": voters}


def open_poll_results(*, poll_id: int) -> dict[str, Any] | None:
    """The live results of a poll while it is open (``poll.results`` state
    frames), or None once it is closed or gone."""
    poll = Poll.objects.filter(pk=poll_id, status=PollStatus.OPEN).prefetch_related("options").first()
    return None if poll is None else {"poll_id": poll.pk, **poll_results(poll)}


# Trainers may open the room this long before the start.
TRAINER_EARLY = datetime.timedelta(minutes=60)


def join_window(session: Session) -> tuple[datetime.datetime, datetime.datetime]:
    opens = session.starts_at - datetime.timedelta(minutes=settings.WEBINAR_JOIN_OPENS_MINUTES)
    return opens, session.ends_at


def join_is_open(session: Session, *, now: datetime.datetime | None = None) -> bool:
    """Whether registrants may join now: from ``WEBINAR_JOIN_OPENS_MINUTES``
    before the start until the end (or while live)."""
    if session.status in (SessionStatus.CANCELLED, SessionStatus.ENDED):
        return False
    if session.status == SessionStatus.LIVE:
        return True
    opens, closes = join_window(session)
    return opens <= (now or timezone.now()) < closes
