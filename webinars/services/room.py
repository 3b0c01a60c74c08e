"""The live room: its event log, presence, chat, moderation, raised hands,
announcements. Questions and polls are in ``room_questions`` and
``room_polls``.

Every function here stores first and then hands the stored ``RoomEvent`` to
``webinars.realtime`` for broadcasting after commit. Events of one session
are numbered in commit order: each writer takes the session row's lock
(``FOR NO KEY UPDATE``, which does not block inserting its children) before
writing, and ``room_event_record`` gives each event the session's next
sequence number (``RoomEvent.seq``: 1, 2, 3... with no gap) under that lock,
so once event N is committed every event before N is too."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User, Verb
from academy.services import activity_record
from webinars import realtime
from webinars.models import (
    Announcement,
    AttendanceInterval,
    ChatMessage,
    HandRaise,
    RegistrationStatus,
    RoomConnection,
    RoomEvent,
    RoomMute,
    Session,
    SessionStatus,
)
from webinars.realtime import announcement_data, chat_message_data, person, status_payload
from webinars.selectors import ATTENDEE, is_moderator
from webinars.services.attendance import (
    attendance_interval_close,
    attendance_interval_open,
    attendance_intervals_close,
    attendance_intervals_open,
)

CHAT_MAX_LENGTH = 1000
ANNOUNCEMENT_MAX_LENGTH = 500


class RoomError(ApplicationError):
    """A refused room action; ``code`` is what the client's error frame carries."""

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message, code=code, status=status)


def require_moderator(user: User, session: Session) -> None:
    if not is_moderator(user, session):
        raise RoomError(_("Only the trainers can do this."), code="forbidden", status=403)


def require_participant(user: User, session: Session) -> None:
    """Attendees (confirmed registrants) and moderators take part; observers
    (managers) only watch."""
    registered = session.registrations.filter(user=user, status=RegistrationStatus.CONFIRMED).exists()
    if not registered and not is_moderator(user, session):
        raise RoomError(_("Observers can follow the room but not take part."), code="forbidden", status=403)


def require_room_open(session: Session) -> None:
    if session.status in (SessionStatus.ENDED, SessionStatus.CANCELLED):
        raise RoomError(_("This web-conference is over."), code="room_closed", status=409)


def session_lock(session_id: int) -> Session:
    """Lock the session row for this transaction and return it fresh."""
    return Session.objects.select_for_update(no_key=True).get(pk=session_id)


def room_event_record(
    *,
    session: Session,
    type: str,
    payload: dict[str, Any],
    trainer_payload: dict[str, Any] | None = None,
    audience: str | None = None,
    target_user: User | None = None,
) -> RoomEvent:
    """Append an event to the room's log with the session's next sequence
    number and broadcast it after commit. The caller holds the session lock
    (``session_lock``); it is taken again here (a no-op when held) so that no
    caller can number two events alike, whatever it forgot."""
    spec = realtime.EVENTS[type]
    with transaction.atomic():
        session_lock(session.pk)
        last = RoomEvent.objects.filter(session_id=session.pk).aggregate(last=Max("seq"))["last"]
        event = RoomEvent.objects.create(
            session=session,
            seq=(last or 0) + 1,
            type=type,
            audience=audience or spec.audience,
            target_user=target_user,
            payload=payload,
            trainer_payload=trainer_payload,
        )
    realtime.publish_on_commit(event)
    return event


def room_status_changed(*, session: Session) -> RoomEvent:
    """Log and broadcast the session's status (called by the session
    services inside their transaction, which holds the session lock)."""
    return room_event_record(session=session, type="session.status", payload=status_payload(session))


# ---------------------------------------------------------------- presence


def room_connect(
    *, session: Session, user: User, channel_name: str, role: str, at: datetime.datetime | None = None
) -> RoomConnection:
    """Register an open connection. For attendees, it opens their presence
    interval (one per person, whatever the number of tabs)."""
    now = at or timezone.now()
    with transaction.atomic():
        connection, _created = RoomConnection.objects.update_or_create(
            channel_name=channel_name,
            defaults={
                "session": session,
                "user": user,
                "role": role,
                "connected_at": now,
                "last_seen_at": now,
            },
        )
        if role == ATTENDEE:
            attendance_interval_open(session=session, user=user, at=now)
        realtime.room_changed_on_commit(session_id=session.pk)
    return connection


def room_disconnect(*, channel_name: str, at: datetime.datetime | None = None) -> bool:
    """Forget a closed connection; the person's presence interval closes
    when it was their last one. Returns whether a connection was known."""
    now = at or timezone.now()
    with transaction.atomic():
        connection = (
            RoomConnection.objects.select_related("session", "user").filter(channel_name=channel_name).first()
        )
        if connection is None:
            return False
        connection.delete()
        _close_if_gone(connection.session, connection.user, now)
        realtime.room_changed_on_commit(session_id=connection.session_id)
    return True


def _close_if_gone(session: Session, user: User, at: datetime.datetime) -> None:
    if RoomConnection.objects.filter(session=session, user=user).exists():
        return
    if session.status in (SessionStatus.ENDED, SessionStatus.CANCELLED):
        return  # attendance was finalised when the session ended
    attendance_interval_close(session=session, user=user, at=at)


def room_heartbeat(*, channel_names: Iterable[str], at: datetime.datetime | None = None) -> set[str]:
    """Note that connections are alive (one batch for all the heartbeats of a
    server process). Returns the names that are unknown — swept meanwhile:
    their consumers register again."""
    names = set(channel_names)
    if not names:
        return set()
    RoomConnection.objects.filter(channel_name__in=names).update(last_seen_at=at or timezone.now())
    known = set(RoomConnection.objects.filter(channel_name__in=names).values_list("channel_name", flat=True))
    return names - known


@dataclass(frozen=True)
class RoomArrival:
    """A connection that entered the room at ``at`` (queued by its server)."""

    channel_name: str
    session_id: int
    user_id: int
    role: str
    at: datetime.datetime


@dataclass(frozen=True)
class RoomDeparture:
    """A connection that closed at ``at``."""

    channel_name: str
    at: datetime.datetime


@transaction.atomic
def room_presence_apply(
    *, arrivals: Sequence[RoomArrival] = (), departures: Sequence[RoomDeparture] = ()
) -> set[int]:
    """Write a batch of arrivals and departures of one server in one
    transaction, in a number of queries that does not grow with the batch
    (except for people without a registration: their attendance row is made
    one by one): connections registered, then closed ones forgotten; an
    attendee's presence interval opens at their first arrival (one per
    person, whatever the number of tabs) and closes at their last departure
    once they have no connection left, and their minutes are counted again.

    Arrivals are applied before departures, so a person who closed one tab
    and opened another within the batch stays present throughout. Arrivals
    in a session that has ended or been cancelled meanwhile are ignored
    (attendance is final). Safe to apply again after a failure (the
    transaction is all or nothing). Returns the sessions whose presence changed."""
    changed: set[int] = set()
    sessions = {
        session.pk: session
        for session in Session.objects.filter(
            pk__in={a.session_id for a in arrivals}, status__in=[SessionStatus.SCHEDULED, SessionStatus.LIVE]
        )
    }
    arrivals = [a for a in arrivals if a.session_id in sessions]
    if arrivals:
        RoomConnection.objects.bulk_create(
            [
                RoomConnection(
                    channel_name=a.channel_name,
                    session_id=a.session_id,
                    user_id=a.user_id,
                    role=a.role,
                    connected_at=a.at,
                    last_seen_at=a.at,
                )
                for a in arrivals
            ],
            update_conflicts=True,
            unique_fields=["channel_name"],
            update_fields=["session", "user", "role", "connected_at", "last_seen_at"],
        )
        changed |= set(sessions)
        first_at: dict[tuple[int, int], datetime.datetime] = {}
        for a in arrivals:
            if a.role == ATTENDEE:
                key = (a.session_id, a.user_id)
                first_at[key] = min(first_at.get(key, a.at), a.at)
        attendance_intervals_open(sessions=sessions, first_at=first_at)
    if departures:
        at = {d.channel_name: d.at for d in departures}
        closed = list(
            RoomConnection.objects.filter(channel_name__in=at).values_list(
                "channel_name", "session_id", "user_id"
            )
        )
        if closed:
            RoomConnection.objects.filter(channel_name__in=[name for name, _s, _u in closed]).delete()
        left: dict[tuple[int, int], datetime.datetime] = {}
        for name, session_id, user_id in closed:
            changed.add(session_id)
            key = (session_id, user_id)
            left[key] = max(left.get(key, at[name]), at[name])
        if left:
            still = set(
                RoomConnection.objects.filter(
                    session_id__in={s for s, _u in left}, user_id__in={u for _s, u in left}
                ).values_list("session_id", "user_id")
            )
            gone = {key: when for key, when in left.items() if key not in still}
            open_sessions = set(
                Session.objects.filter(
                    pk__in={s for s, _u in gone}, status__in=[SessionStatus.SCHEDULED, SessionStatus.LIVE]
                ).values_list("pk", flat=True)
            )
            # Attendance was finalised when the session ended.
            attendance_intervals_close({key: when for key, when in gone.items() if key[0] in open_sessions})
    for session_id in changed:
        realtime.room_changed_on_commit(session_id=session_id)
    return changed


def room_presence_sweep(*, now: datetime.datetime | None = None) -> int:
    """Forget connections silent for ``WEBINAR_ROOM_STALE_SECONDS`` (a
    server that died, a phone that lost signal): presence intervals of people
    left with no connection close at their last sign of life. Returns how
    many connections were removed."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(seconds=settings.WEBINAR_ROOM_STALE_SECONDS)
    stale = list(RoomConnection.objects.filter(last_seen_at__lt=limit).select_related("session", "user"))
    for connection in stale:
        with transaction.atomic():
            if RoomConnection.objects.filter(pk=connection.pk).delete()[0]:
                _close_if_gone(connection.session, connection.user, connection.last_seen_at)
                realtime.room_changed_on_commit(session_id=connection.session_id)
    return len(stale)


def room_connections_clear(*, session: Session) -> None:
    """When the session ends: its connections are over (attendance is final)."""
    RoomConnection.objects.filter(session=session).delete()


def open_intervals(*, session: Session) -> Iterable[AttendanceInterval]:
    return AttendanceInterval.objects.filter(attendance__session=session, left_at__isnull=True)


# ---------------------------------------------------------------- chat


def chat_post(*, session: Session, user: User, text: str) -> ChatMessage:
    """Post a chat message (plain text up to 1,000 characters). Refused when
    the person is muted or the room is over. The first message of a person in
    a session is recorded in the engagement log (``CHAT_POSTED``): the log
    counts who took part, not how much they typed."""
    text = text.strip()
    if not text:
        raise RoomError(_("Write a message first."), code="invalid")
    if len(text) > CHAT_MAX_LENGTH:
        raise RoomError(
            _("A message has at most %(count)s characters.") % {"count": CHAT_MAX_LENGTH}, code="too_long"
        )
    with transaction.atomic():
        session = session_lock(session.pk)
        require_room_open(session)
        require_participant(user, session)
        if RoomMute.objects.filter(session=session, user=user).exists():
            raise RoomError(_("A trainer has muted you in this chat."), code="muted", status=403)
        first = not ChatMessage.objects.filter(session=session, author=user).exists()
        message = ChatMessage.objects.create(session=session, author=user, text=text)
        if first:
            activity_record(actor=user, verb=Verb.CHAT_POSTED, obj=session)
        room_event_record(
            session=session,
            type="chat.message",
            payload={"message": chat_message_data(message, is_trainer=is_moderator(user, session))},
        )
    return message


def chat_delete(*, actor: User, session: Session, message_id: int) -> ChatMessage:
    """A trainer removes a chat message for everyone (kept, marked deleted)."""
    with transaction.atomic():
        session = session_lock(session.pk)
        require_moderator(actor, session)
        message = ChatMessage.objects.filter(session=session, pk=message_id, deleted_at__isnull=True).first()
        if message is None:
            raise RoomError(_("This message does not exist."), code="not_found", status=404)
        message.deleted_at = timezone.now()
        message.deleted_by = actor
        message.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
        room_event_record(session=session, type="chat.deleted", payload={"message_id": message.pk})
    return message


def room_mute(*, actor: User, session: Session, user_id: int, muted: bool) -> bool:
    """A trainer mutes (or unmutes) a person in the chat for this session;
    the person and the trainers are told."""
    with transaction.atomic():
        session = session_lock(session.pk)
        require_moderator(actor, session)
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            raise RoomError(_("This person does not exist."), code="not_found", status=404)
        if is_moderator(user, session):
            raise RoomError(_("A trainer cannot be muted."), code="invalid")
        if muted:
            try:
                with transaction.atomic():
                    RoomMute.objects.get_or_create(session=session, user=user, defaults={"muted_by": actor})
            except IntegrityError:
                pass  # muted at the same moment by another trainer
        else:
            RoomMute.objects.filter(session=session, user=user).delete()
        room_event_record(
            session=session,
            type="user.muted",
            payload={"user": person(user), "muted": muted},
            target_user=user,
        )
    return muted


# ---------------------------------------------------------------- hands and announcements


def hand_set(*, session: Session, user: User, raised: bool) -> bool:
    """Raise or lower one's hand (idempotent); trainers and the person are told."""
    with transaction.atomic():
        session = session_lock(session.pk)
        require_room_open(session)
        require_participant(user, session)
        current = HandRaise.objects.filter(session=session, user=user, lowered_at__isnull=True).first()
        if raised and current is None:
            HandRaise.objects.create(session=session, user=user)
        elif not raised and current is not None:
            current.lowered_at = timezone.now()
            current.lowered_by = user
            current.save(update_fields=["lowered_at", "lowered_by", "updated_at"])
        else:
            return raised
        room_event_record(
            session=session,
            type="hand.updated",
            payload={"user": person(user), "raised": raised},
            target_user=user,
        )
    return raised


def hand_lower(*, actor: User, session: Session, user_id: int) -> None:
    """A trainer lowers someone's hand (or everyone's with ``user_id`` 0)."""
    with transaction.atomic():
        session = session_lock(session.pk)
        require_moderator(actor, session)
        raised = HandRaise.objects.filter(session=session, lowered_at__isnull=True).select_related("user")
        if user_id:
            raised = raised.filter(user_id=user_id)
        now = timezone.now()
        for hand in raised:
            hand.lowered_at = now
            hand.lowered_by = actor
            hand.save(update_fields=["lowered_at", "lowered_by", "updated_at"])
            room_event_record(
                session=session,
                type="hand.updated",
                payload={"user": person(hand.user), "raised": False},
                target_user=hand.user,
            )


def announcement_create(*, actor: User, session: Session, text: str) -> Announcement:
    """A trainer's banner for everyone (kept with the session)."""
    text = text.strip()
    if not text:
        raise RoomError(_("Write the announcement first."), code="invalid")
    if len(text) > ANNOUNCEMENT_MAX_LENGTH:
        raise RoomError(
            _("An announcement has at most %(count)s characters.") % {"count": ANNOUNCEMENT_MAX_LENGTH},
            code="too_long",
        )
    with transaction.atomic():
        session = session_lock(session.pk)
        require_moderator(actor, session)
        require_room_open(session)
        announcement = Announcement.objects.create(session=session, author=actor, text=text)
        room_event_record(
            session=session, type="announcement", payload={"announcement": announcement_data(announcement)}
        )
    return announcement
