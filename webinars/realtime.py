"""The one place that broadcasts to the live room.

Services store what happened first (the database is the record), then hand
the stored ``RoomEvent`` to :func:`publish_on_commit`, which sends it once the
transaction has committed; the channel layer only carries copies and may
drop them (at most once), which the resume protocol makes up for.

Recipients are a security decision, so every event names them:

* ``everyone`` — the group :func:`group_everyone` (every connection of the
  room: attendees, trainers, observers);
* ``trainers`` — the group :func:`group_trainers` (the session's trainers and
  admins), plus the person concerned (``target_user``) through their own
  group :func:`group_user`;
* ``user`` — only the person concerned, through :func:`group_user`.

An event may carry two payloads: ``payload`` for everyone and
``trainer_payload`` for trainers (e.g. an anonymous question names its author
to trainers only).

Order and exactly once: every event has a gap-free per-session sequence
number ``seq`` (1, 2, 3..., assigned in commit order under the session lock;
see ``RoomEvent``). The everyone group receives a layer message for *every*
event: the attendees' text, or — for an event not meant for everyone — a
marker with no text (never a private payload), so each connection learns of
every sequence number. Trainers' copies go to the trainers group, personal
copies to the person's group. A connection delivers strictly in sequence: an
event ahead of the next one is held while the missing ones are read from the
database, repeats are dropped, and an event the person may not see only moves
their sequence on (``wanted_copy`` decides). Layer message fields:
``event_id``, ``seq``, ``audience``, ``target`` (user id or null),
``variant`` (the event has a trainers' payload), ``copy`` (``everyone``,
``trainers`` or ``user``), ``text`` (absent in a marker), ``close_after``.

Client frames (JSON text):

* logged events — ``{"type": <event type>, "id": <event id>, "seq": <sequence
  number>, "data": {...}}`` (``seq`` added for ordering; a client keeps the
  last one and resumes with ``?last_seq=`` or ``{"type": "resume",
  "last_seq": N}``; ``last_event_id`` still works);
* room state (not logged: the current value is what matters, a resumed
  client gets it afresh) — ``{"type": "presence"|"presence.list"|"poll.results", "data": {...}}``;
* replies to one connection — ``snapshot`` (with ``last_event_id`` and
  ``last_seq``), ``resumed`` (with ``last_event_id``, ``last_seq``,
  ``missed``), ``error`` (sent by the consumer, see ``webinars.consumers``).

Logged events (see ``EVENTS``) and their payloads:

=================  ==========  ================================================
type               recipients  data
=================  ==========  ================================================
session.status     everyone    ``{"status", "started_at", "ended_at"}``
chat.message       everyone    ``{"message": chat message}``
chat.deleted       everyone    ``{"message_id"}``
user.muted         trainers+   ``{"user": person, "muted": bool}``
question.updated   everyone    ``{"question": question}`` (author hidden to
                               attendees when anonymous; named to trainers)
poll.opened        everyone    ``{"poll": poll without results}``
poll.closed        everyone    ``{"poll": poll with final results}``
hand.updated       trainers+   ``{"user": person, "raised": bool}``
announcement       everyone    ``{"announcement": {"id", "text", "created_at"}}``
=================  ==========  ================================================

State broadcasts (not logged):

=================  ==========  ================================================
presence           everyone    ``{"count"}`` people connected
presence.list      trainers    ``{"people": [person + "role"]}``
poll.results       trainers +  ``{"poll_id", "counts": {option id: n},
                   voters      "voters"}`` (throttled to one a second)
=================  ==========  ================================================

A *person* is ``{"id", "name"}``; a *chat message* is ``{"id", "author":
person, "is_trainer", "text", "created_at"}``; a *question* is ``{"id",
"text", "author": person|null, "anonymous", "status", "pinned", "votes",
"created_at"}``; a *poll* is ``{"id", "question", "kind", "status",
"options": [{"id", "text"}], "results": {"counts", "voters"}|null}``.
"""

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from academy.models import User
from webinars.models import Announcement, ChatMessage, Poll, Question, RoomEvent, RoomEventAudience, Session

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EventSpec:
    audience: str
    doc: str


EVENTS: dict[str, EventSpec] = {
    "session.status": EventSpec(RoomEventAudience.EVERYONE, "the session started or ended"),
    "chat.message": EventSpec(RoomEventAudience.EVERYONE, "a chat message was posted"),
    "chat.deleted": EventSpec(RoomEventAudience.EVERYONE, "a trainer deleted a chat message"),
    "user.muted": EventSpec(RoomEventAudience.TRAINERS, "a trainer muted or unmuted a person"),
    "question.updated": EventSpec(RoomEventAudience.EVERYONE, "a question was asked, voted or moderated"),
    "poll.opened": EventSpec(RoomEventAudience.EVERYONE, "a trainer opened a poll"),
    "poll.closed": EventSpec(RoomEventAudience.EVERYONE, "a trainer closed a poll (final results)"),
    "hand.updated": EventSpec(RoomEventAudience.TRAINERS, "a hand was raised or lowered"),
    "announcement": EventSpec(RoomEventAudience.EVERYONE, "a trainer's banner"),
}
STATES = {
    "presence": RoomEventAudience.EVERYONE,
    "presence.list": RoomEventAudience.TRAINERS,
    "poll.results": "trainers and the poll's voters",
}

ROOM_CLOSED_STATUSES = ("ended", "cancelled")

# Client frames are text: each is serialised once per group, not per recipient.
MESSAGE_TYPE = "room.frame"


def group_everyone(session_id: int) -> str:
    return f"webinar.{session_id}.everyone"


def group_trainers(session_id: int) -> str:
    return f"webinar.{session_id}.trainers"


def group_user(session_id: int, user_id: int) -> str:
    return f"webinar.{session_id}.user.{user_id}"


def group_poll_voters(session_id: int, poll_id: int) -> str:
    return f"webinar.{session_id}.poll.{poll_id}"


def group_account(user_id: int) -> str:
    """Every room connection of one person, whatever the session (revocations)."""
    return f"webinar.account.{user_id}"


# A person's standing changed (signed out, password changed, account switched
# off, left their distributor): layer message ``{"type": REVOKE_TYPE,
# "reason": <REVOKE_REASONS>, "close_code": 4403 | None, "signed_out":
# <sign_in_digest> | None}`` to
# ``group_account(user_id)``. Each connection then checks its own sign-in
# session and the room's rules again and closes (4401 / 4403) when they no
# longer hold; a ``close_code`` closes it whatever the check says. Nothing
# reaches the client but the error frame and the close.
REVOKE_TYPE = "room.revoke"
REVOKE_REASONS = frozenset({"signed_out", "password_changed", "deactivated", "membership_ended"})


def sign_in_digest(session_key: str) -> str:
    """What names a sign-in session on the channel layer: a digest, never the
    key itself (a secret that signs its holder in)."""
    return hashlib.sha256(f"academy.room.sign-in:{session_key}".encode()).hexdigest()


async def revoke(
    *, user_id: int, reason: str, close_code: int | None = None, signed_out: str | None = None
) -> None:
    """Tell every server's connections of ``user_id`` to check their right to
    stay. ``signed_out`` (a :func:`sign_in_digest`) names a sign-in session
    that ended: its connections close at once, without reading a session
    that Django may not have deleted yet (it signals the sign-out before it
    flushes the session)."""
    if reason not in REVOKE_REASONS:
        raise ValueError(f"Undocumented revocation reason: {reason}")
    message = {"type": REVOKE_TYPE, "reason": reason, "close_code": close_code, "signed_out": signed_out}
    try:
        await get_channel_layer().group_send(group_account(user_id), message)
    except Exception:  # each connection also checks again by itself (``RECHECK_SECONDS``)
        logger.exception("Room revocation of person %s not broadcast", user_id)


def revoke_on_commit(
    *, user_id: int, reason: str, close_code: int | None = None, signed_out: str | None = None
) -> None:
    """:func:`revoke` once the current transaction commits (sync callers: signal receivers)."""

    def now() -> None:
        try:
            async_to_sync(revoke)(
                user_id=user_id, reason=reason, close_code=close_code, signed_out=signed_out
            )
        except Exception:
            logger.exception("Room revocation of person %s not broadcast", user_id)

    transaction.on_commit(now)


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))


def event_frame(event: RoomEvent, *, for_trainers: bool) -> dict[str, Any]:
    """The frame a client receives for ``event`` (trainers' variant or not)."""
    data = event.trainer_payload if for_trainers and event.trainer_payload is not None else event.payload
    return {"type": event.type, "id": event.pk, "seq": event.seq, "data": data}


def closes_room(frame: dict[str, Any]) -> bool:
    """Whether a client frame ends the room (connections close after it)."""
    return (
        frame.get("type") == "session.status" and frame.get("data", {}).get("status") in ROOM_CLOSED_STATUSES
    )


# The copies of an event the layer carries (``copy`` of a layer message).
COPY_EVERYONE = "everyone"
COPY_TRAINERS = "trainers"
COPY_USER = "user"


def wanted_copy(
    *, audience: str, target_user_id: int | None, has_trainer_payload: bool, user_id: int, is_trainer: bool
) -> str | None:
    """Which copy of an event a person's connection delivers, or None when
    the event is not for them (their sequence still moves past it)."""
    if audience == RoomEventAudience.EVERYONE:
        return COPY_TRAINERS if is_trainer and has_trainer_payload else COPY_EVERYONE
    if audience == RoomEventAudience.TRAINERS and is_trainer:
        return COPY_TRAINERS
    if target_user_id is not None and target_user_id == user_id:
        return COPY_USER
    return None


def event_visible(event: RoomEvent, *, user_id: int, is_trainer: bool) -> bool:
    """Whether a person may receive ``event`` (used when resuming)."""
    return (
        wanted_copy(
            audience=event.audience,
            target_user_id=event.target_user_id,
            has_trainer_payload=event.trainer_payload is not None,
            user_id=user_id,
            is_trainer=is_trainer,
        )
        is not None
    )


def _routes(event: RoomEvent) -> list[tuple[str, dict[str, Any]]]:
    """Layer messages of an event. The everyone group gets one for every
    event — the attendees' text, or for an event not meant for everyone a
    marker without text — so every connection sees every sequence number;
    trainers' and personal copies go to their own groups only."""
    session_id = event.session_id
    base: dict[str, Any] = {
        "type": MESSAGE_TYPE,
        "event_id": event.pk,
        "seq": event.seq,
        "audience": event.audience,
        "target": event.target_user_id,
        "variant": event.trainer_payload is not None,
    }
    if event.type == "session.status" and event.payload.get("status") in ROOM_CLOSED_STATUSES:
        # Connections close after passing this on: the room is over.
        base["close_after"] = True
    routes: list[tuple[str, dict[str, Any]]] = []
    everyone = {**base, "copy": COPY_EVERYONE}
    if event.audience == RoomEventAudience.EVERYONE:
        everyone["text"] = dumps(event_frame(event, for_trainers=False))
    routes.append((group_everyone(session_id), everyone))
    if event.audience == RoomEventAudience.TRAINERS or event.trainer_payload is not None:
        text = dumps(event_frame(event, for_trainers=True))
        routes.append((group_trainers(session_id), {**base, "copy": COPY_TRAINERS, "text": text}))
    if event.target_user_id is not None and event.audience != RoomEventAudience.EVERYONE:
        text = dumps(event_frame(event, for_trainers=False))
        routes.append(
            (group_user(session_id, event.target_user_id), {**base, "copy": COPY_USER, "text": text})
        )
    return routes


async def publish(event: RoomEvent) -> None:
    """Send a stored event to its recipients (async callers)."""
    if event.type not in EVENTS:
        raise ValueError(f"Undocumented room event type: {event.type}")
    layer = get_channel_layer()
    for group, message in _routes(event):
        try:
            await layer.group_send(group, message)
        except Exception:  # a layer failure must not undo what is stored; clients resume
            logger.exception("Room event %s not broadcast to %s", event.pk, group)


def publish_on_commit(event: RoomEvent) -> None:
    """Send ``event`` once the current transaction commits (sync callers:
    services, whether called from a consumer, a page or a task)."""
    transaction.on_commit(lambda: _publish_now(event))


def _publish_now(event: RoomEvent) -> None:
    room_changed(session_id=event.session_id)
    try:
        async_to_sync(publish)(event)
    except Exception:  # what is stored stays; clients get it when they resume
        logger.exception("Room event %s not broadcast", event.pk)


async def publish_state(
    *, session_id: int, kind: str, data: dict[str, Any], groups: list[str] | None = None
) -> None:
    """Send room state that is not logged (``STATES``) to its groups:
    presence to everyone, the presence list to trainers, poll results to
    ``groups`` (trainers and the poll's voters)."""
    if kind not in STATES:
        raise ValueError(f"Undocumented room state: {kind}")
    if groups is None:
        groups = [group_trainers(session_id) if kind == "presence.list" else group_everyone(session_id)]
    text = dumps({"type": kind, "data": data})
    layer = get_channel_layer()
    for group in groups:
        try:
            await layer.group_send(group, {"type": MESSAGE_TYPE, "text": text})
        except Exception:
            logger.exception("Room state %s not broadcast to %s", kind, group)


# ---------------------------------------------- the room's version

# What a snapshot shows is read once per room and server process and shared
# by every connection while the room's version is unchanged
# (``webinars.selectors.room_state``). The version is a token in the cache
# (shared by the servers when it is Redis), replaced after each logged event
# (:func:`_publish_now`), each poll answer and each batch of arrivals and
# departures: the next connection of every server reads the room afresh.
VERSION_SECONDS = 24 * 60 * 60


def _version_key(session_id: int) -> str:
    return f"room-version:{session_id}"


def room_version(*, session_id: int) -> str:
    """The room's current version (a new one when the cache has none: a
    restarted cache makes every server read the room afresh); a token that
    matches nothing when the cache is away (nothing is shared meanwhile)."""
    key = _version_key(session_id)
    try:
        version = cache.get(key)
        if version is None:
            version = uuid.uuid4().hex
            if not cache.add(key, version, VERSION_SECONDS):
                version = cache.get(key) or version
        return str(version)
    except Exception:
        logger.warning("Room version of session %s unknown (cache away)", session_id, exc_info=True)
        return f"unknown-{uuid.uuid4().hex}"


def room_changed(*, session_id: int) -> None:
    """A new version for the room: what a snapshot shows has changed. A cache
    that is away leaves shared snapshots as they are for at most
    ``WEBINAR_ROOM_SNAPSHOT_SECONDS``; logged events still reach every
    connection through their sequence."""
    try:
        cache.set(_version_key(session_id), uuid.uuid4().hex, VERSION_SECONDS)
    except Exception:
        logger.warning("Room version of session %s not renewed (cache away)", session_id, exc_info=True)


def room_changed_on_commit(*, session_id: int) -> None:
    transaction.on_commit(lambda: room_changed(session_id=session_id))


# ---------------------------------------------- payloads (shapes documented above)


def display_name(user: User) -> str:
    """The name other people see: full name, else the address' local part
    (an address is never shown to other attendees)."""
    return user.get_full_name() or user.email.split("@", 1)[0]


def person(user: User) -> dict[str, Any]:
    return {"id": user.pk, "name": display_name(user)}


def status_payload(session: Session) -> dict[str, Any]:
    return {"status": session.status, "started_at": session.started_at, "ended_at": session.ended_at}


def chat_message_data(message: ChatMessage, *, is_trainer: bool) -> dict[str, Any]:
    return {
        "id": message.pk,
        "author": person(message.author),
        "is_trainer": is_trainer,
        "text": message.text,
        "created_at": message.created_at,
    }


def announcement_data(announcement: Announcement) -> dict[str, Any]:
    return {"id": announcement.pk, "text": announcement.text, "created_at": announcement.created_at}


def question_data(question: Question, *, for_trainers: bool, voted: bool | None = None) -> dict[str, Any]:
    """A question as a client shows it: the author is hidden from attendees
    when it was asked anonymously."""
    show_author = for_trainers or not question.is_anonymous
    data = {
        "id": question.pk,
        "text": question.text,
        "author": person(question.author) if show_author else None,
        "anonymous": question.is_anonymous,
        "status": question.status,
        "pinned": question.is_pinned,
        "votes": question.votes,
        "created_at": question.created_at,
    }
    if voted is not None:
        data["voted"] = voted
    return data


def poll_data(poll: Poll, *, results: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "id": poll.pk,
        "question": poll.question,
        "kind": poll.kind,
        "status": poll.status,
        "options": [{"id": option.pk, "text": option.text} for option in poll.options.all()],
        "results": results,
    }
