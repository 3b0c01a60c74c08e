"""The live room's WebSocket: ``/ws/webinars/<session id>/``.

The consumer authenticates (session cookie; the Origin is checked by
``AllowedHostsOriginValidator`` in ``config.asgi``), validates every frame
against ``webinars.room_messages``, calls a service in a worker thread
(``room_database``: no database call in async code, and no connection
waiting for another's) and lets the service's broadcast reach everyone
through ``webinars.realtime``.

Frames are read as they arrive and handled in order by the connection's own
worker task: the consumer never stops reading while a service runs, so the
server keeps reading the socket (the ASGI server pauses reading until the
application takes each message: a slow handler would starve its pings and
pongs, and the keepalive would close the connection), and rate limits are
measured when a frame arrives, not when its turn to be handled comes.

Refusals: the connection is accepted, an error frame says why, then it is
closed with an application code: 4401 not signed in, 4403 not allowed,
4404 unknown session, 4409 room not open (before the join window, ended,
cancelled). Bad frames (malformed, unknown, too large, too frequent,
refused by a rule) get an error frame and the connection stays usable.

Rate limits (token buckets, measured at arrival): every connection may
send ``CONNECTION_LIMIT`` frames per ``CONNECTION_WINDOW`` seconds (in this
process's memory); per person and session — all their connections, on every
server, and across reconnects (buckets in the cache: ``webinars.room_limits``)
— chat is limited to 5 messages per 10 seconds, questions to 3 per 30
seconds, announcements to 5 per 10 seconds. A bucket of N per T seconds
holds N tokens and gets one back every T / N seconds: a burst of N is
accepted, then one every T / N seconds, so a client that never sends more
than N in any T seconds is never refused.

Order: logged events reach each connection in sequence (``RoomEvent.seq``),
once, whichever server's broadcast arrives first: an event ahead of the next
one waits while the missing ones are read from the database (after
``GAP_WAIT_SECONDS``), see ``webinars.realtime``.

Resume: a client that saw sequence number S connects with ``?last_seq=S``
(or ``?last_event_id=N``, or sends ``{"type": "resume", "last_seq": S}``)
and receives the logged events after it that it may see, then a ``resumed``
frame with the current presence and poll; more than 500 missed events get a
fresh snapshot instead.

Joining (the 14:00 storm): a connection reads its sign-in session and
person (``academy.websocket_auth``, in a pool of threads) and the person's
roles; admission and the snapshot come from the room's copy shared by the
server's connections (``selectors.room_state``, read again after each change
of the room's version), and the arrival is written with the server's other
arrivals and departures in the next batch (``PresenceBatch``): three queries
per connection in a crowd.

Channel layer outages (Redis restarted): relays and connections keep
reading with backoff; once Redis is back each relay joins its group again
and its connections catch up from the database (``GroupRelay``). A relay
also renews its membership every ``GROUP_RENEW_SECONDS``, and at once after
one of its connections lost the layer: a Redis restarted without any error
reaching the relay, or a membership past the layer's ``group_expiry``, is
noticed and repaired within that time.
"""

import asyncio
import contextlib
import copy
import datetime
import functools
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import DatabaseSyncToAsync
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from channels.utils import await_many_dispatch
from channels_redis.core import RedisChannelLayer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User
from webinars import realtime, room_limits, room_messages, selectors, services
from webinars.models import Session
from webinars.room_limits import TokenBucket

logger = logging.getLogger(__name__)

CONNECTION_LIMIT = 30
CONNECTION_WINDOW = 10.0
ACTION_LIMITS: dict[str, tuple[int, float]] = {
    "chat.send": (5, 10.0),
    "question.ask": (3, 30.0),
    "announce": (5, 10.0),
}
# Heartbeats of all the connections of a process are written in one batch this often.
HEARTBEAT_FLUSH_SECONDS = 10.0
# Presence counts and poll results are broadcast at most this often per room.
STATE_THROTTLE_SECONDS = 1.0
# A connection that heard of event N but not of an earlier one waits this
# long for it (another server's broadcast may be a little late) before
# reading the missing events from the database.
GAP_WAIT_SECONDS = 0.2
# A relay that lost the channel layer tries again after this, doubling up to the maximum.
RELAY_RETRY_SECONDS = 0.5
RELAY_RETRY_MAX_SECONDS = 5.0
# A relay renews its group membership this often (the layer forgets
# memberships after ``group_expiry``, and a restarted Redis has none).
GROUP_RENEW_SECONDS = 30.0
# State frames (presence, poll results) kept for a connection still starting.
HELD_STATES = 50
# Logged broadcasts kept for a connection still starting (beyond: read from the database).
RESUME_BUFFER = 2000


# Each connection checks again, at the first frame (heartbeats included) this
# long after its last check, that its sign-in session still holds and the
# room's rules still let the person in: a revocation broadcast that was lost
# (``room.revoke``) is made up for within this time plus a heartbeat.
RECHECK_SECONDS = 15.0

# The rate limits' clock (seconds): the wall clock, as the person's buckets
# are shared by the servers (``webinars.room_limits``); replaced in tests.
CLOCK: Callable[[], float] = time.time
# A connection's frames accepted but not yet handled when it closes are still
# handled (stored) for at most this long.
DRAIN_SECONDS = 30.0


_room_executors: dict[int, ThreadPoolExecutor] = {}


def room_database(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """``function`` (a service or selector) as a coroutine function run in the
    room's own pool of database threads (``WEBINAR_ROOM_DATABASE_THREADS``).

    Channels' ``database_sync_to_async`` is thread-sensitive: every
    connection's database work would wait in one thread, behind every other
    connection's — a chat message queued behind thirty others. Room services
    are independent transactions (order within a connection comes from its
    worker, order across connections from ``RoomEvent.seq``), so they run
    side by side here; stale connections are closed before and after, as
    Channels does. ``WEBINAR_ROOM_DATABASE_THREADS = 0`` keeps Channels' one
    thread (the test profile on SQLite's in-memory database)."""
    threads = settings.WEBINAR_ROOM_DATABASE_THREADS
    if threads <= 0:
        return DatabaseSyncToAsync(function, thread_sensitive=True)
    executor = _room_executors.get(threads)
    if executor is None:
        executor = _room_executors[threads] = ThreadPoolExecutor(
            max_workers=threads, thread_name_prefix="room-database"
        )
    return DatabaseSyncToAsync(function, thread_sensitive=False, executor=executor)


# Room state broadcasts already scheduled (by room and poll).
_pending_state: dict[tuple[str, int, int], asyncio.Task] = {}


def _scheduled(task: asyncio.Task | None) -> bool:
    """Whether ``task`` will still run in this event loop."""
    return task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop()


def _schedule_state(key: tuple[str, int, int], send: Callable[[], Any]) -> None:
    """Run ``send`` once in ``STATE_THROTTLE_SECONDS`` however many changes
    happen meanwhile (one presence broadcast for a crowd joining)."""
    if _scheduled(_pending_state.get(key)):
        return

    async def later() -> None:
        await asyncio.sleep(STATE_THROTTLE_SECONDS)
        _pending_state.pop(key, None)
        try:
            await send()
        except Exception:
            logger.exception("Room state %s not sent", key)

    _pending_state[key] = asyncio.get_running_loop().create_task(later())


async def broadcast_presence(session_id: int) -> None:
    count = await room_database(selectors.present_count)(session_id=session_id)
    people = await room_database(selectors.present_list)(session_id=session_id)
    await realtime.publish_state(session_id=session_id, kind="presence", data={"count": count})
    await realtime.publish_state(session_id=session_id, kind="presence.list", data={"people": people})


async def broadcast_poll_results(session_id: int, poll_id: int) -> None:
    data = await room_database(selectors.open_poll_results)(poll_id=poll_id)
    if data is None:
        return  # closed meanwhile: the final results went out with poll.closed
    await realtime.publish_state(
        session_id=session_id,
        kind="poll.results",
        data=data,
        groups=[realtime.group_trainers(session_id), realtime.group_poll_voters(session_id, poll_id)],
    )


def room_enter(
    *,
    user: Any,
    session_id: int,
    channel_name: str,
    resume_seq: int | None = None,
    resume_event_id: int | None = None,
) -> selectors.RoomRefusal | dict[str, Any]:
    """Everything a new connection needs from the database, in one trip: who
    the person is in the room (or why not), and the snapshot — plus, when
    resuming (from a sequence number, or from an event id for older
    clients), the log after that point (None when too many: the snapshot is
    sent instead). Both come from the room's shared copy
    (``selectors.room_state``): a connection of a crowd reads nothing but
    the person's roles. The connection's arrival is written in the server's
    next batch (``PresenceBatch``), or here and now when batches are off
    (``WEBINAR_ROOM_PRESENCE_FLUSH_SECONDS = 0``)."""
    state = selectors.room_state(session_id=session_id)
    entry = selectors.room_entry(
        user=user, session_id=session_id, session=state.session, registrants=state.registrants
    )
    if isinstance(entry, selectors.RoomRefusal):
        return entry
    if not presence_batched():
        services.room_connect(session=entry.session, user=user, channel_name=channel_name, role=entry.role)
        realtime.room_changed(session_id=session_id)
        state = selectors.room_state(session_id=session_id)
    is_trainer = entry.role == selectors.TRAINER
    resume = _resume_point(session_id=session_id, seq=resume_seq, event_id=resume_event_id)
    log = None
    if resume is not None:
        log = selectors.room_log_after(
            session_id=session_id, user=user, is_trainer=is_trainer, after_seq=resume
        )
    snapshot = selectors.snapshot_for(state, user=user, role=entry.role)
    # The connection's own copy of the row: the room's copy is shared by every connection.
    session = copy.copy(entry.session)
    return {"session": session, "role": entry.role, "snapshot": snapshot, "resume": resume, "log": log}


def presence_batched() -> bool:
    """Whether arrivals and departures are written in batches (``PresenceBatch``)."""
    return settings.WEBINAR_ROOM_PRESENCE_FLUSH_SECONDS > 0


def _resume_point(*, session_id: int, seq: int | None, event_id: int | None) -> int | None:
    if seq is not None:
        return seq
    if event_id is not None:
        return selectors.seq_of_event_id(session_id=session_id, event_id=event_id)
    return None


def poll_answer(*, session: Session, user: Any, poll_id: int, option_ids: list[int]) -> None:
    """Answer the poll; the room's shared copy (the person's answer, the
    results) is read again by the next connection (answers are not logged)."""
    services.poll_vote(session=session, user=user, poll_id=poll_id, option_ids=option_ids)
    realtime.room_changed(session_id=session.pk)


def room_resume(
    *, user: Any, session: Session, role: str, seq: int | None, event_id: int | None
) -> dict[str, Any]:
    """What a ``resume`` frame needs: the log after the client's point and the snapshot."""
    resume = _resume_point(session_id=session.pk, seq=seq, event_id=event_id) or 0
    log = selectors.room_log_after(
        session_id=session.pk, user=user, is_trainer=role == selectors.TRAINER, after_seq=resume
    )
    snapshot = selectors.room_snapshot(user=user, session=session, role=role)
    return {"snapshot": snapshot, "resume": resume, "log": log}


def signed_out_refusal() -> selectors.RoomRefusal:
    """The refusal of a connection whose sign-in session ended (in the active language)."""
    return selectors.RoomRefusal(
        selectors.UNAUTHENTICATED, "signed_out", _("You are signed out; sign in again to enter the room.")
    )


def room_recheck(*, user_id: int, session_key: str | None, session_id: int) -> selectors.RoomRefusal | None:
    """Why a connection that entered the room must leave now, or None: its
    sign-in session is gone (signed out, expired) or no longer matches the
    account (password changed: the auth hash differs), the account is
    switched off, or the room's rules (``room_entry``) no longer let the
    person in. Reads the session and the person afresh, as Django does for a
    request."""
    signed_out = signed_out_refusal()
    if not session_key:
        return signed_out
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key).load()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or data.get(SESSION_KEY) != user._meta.pk.value_to_string(user):
        return signed_out
    stored_hash = data.get(HASH_SESSION_KEY) or ""
    hashes = [user.get_session_auth_hash(), *user.get_session_auth_fallback_hash()]
    if not any(constant_time_compare(stored_hash, known) for known in hashes):
        return signed_out
    entry = selectors.room_entry(user=user, session_id=session_id)
    return entry if isinstance(entry, selectors.RoomRefusal) else None


class PresenceBatch:
    """This server's arrivals and departures, written to the database in one
    batch every ``WEBINAR_ROOM_PRESENCE_FLUSH_SECONDS`` instead of one
    transaction per connection (``services.room_presence_apply``): a crowd
    of a thousand joining in a few seconds costs a few batches, not three
    thousand writes queued before their snapshots.

    After each batch the rooms it changed get a new version (their shared
    copy is read again) and one presence broadcast each. A batch that fails
    (the database away) is kept, in order, and tried again at the next tick,
    with whatever arrived meanwhile: nothing is dropped.

    What a server killed outright (``kill -9``) loses: the arrivals and
    departures of its last tick, at most. A lost arrival is a presence
    interval that never opened for the last second of that connection (the
    client reconnects to another server and opens one there); a lost
    departure leaves the connection's row, which the stale-presence sweep
    (``room_presence_sweep``, after ``WEBINAR_ROOM_STALE_SECONDS``) closes at
    its last heartbeat."""

    def __init__(self) -> None:
        self.arrivals: list[services.RoomArrival] = []
        self.departures: list[services.RoomDeparture] = []
        self.task: asyncio.Task | None = None
        self.lock = asyncio.Lock()

    _batches: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PresenceBatch]" = (
        weakref.WeakKeyDictionary()
    )

    @classmethod
    def get(cls) -> "PresenceBatch":
        """The batch of the running event loop (one per server process)."""
        loop = asyncio.get_running_loop()
        batch = cls._batches.get(loop)
        if batch is None:
            batch = cls._batches[loop] = cls()
        return batch

    def arrive(self, arrival: "services.RoomArrival") -> None:
        self.arrivals.append(arrival)
        self._schedule()

    def depart(self, departure: "services.RoomDeparture") -> None:
        self.departures.append(departure)
        self._schedule()

    def pending(self) -> set[str]:
        """Channels whose arrival is not written yet."""
        return {arrival.channel_name for arrival in self.arrivals}

    def _schedule(self) -> None:
        if _scheduled(self.task):
            return

        async def tick() -> None:
            await asyncio.sleep(settings.WEBINAR_ROOM_PRESENCE_FLUSH_SECONDS)
            self.task = None
            if not await self.flush():
                self._schedule()  # tried again at the next tick

        self.task = asyncio.get_running_loop().create_task(tick())

    async def flush(self) -> bool:
        """Write what is pending in one transaction; False (kept for the
        next try) when the database refused it."""
        async with self.lock:
            arrivals, departures = self.arrivals, self.departures
            if not arrivals and not departures:
                return True
            self.arrivals, self.departures = [], []
            try:
                changed = await room_database(services.room_presence_apply)(
                    arrivals=arrivals, departures=departures
                )
            except Exception:
                logger.exception(
                    "Room presence not written (%s arrivals, %s departures); trying again",
                    len(arrivals),
                    len(departures),
                )
                self.arrivals[:0] = arrivals
                self.departures[:0] = departures
                return False
        for session_id in changed:
            _schedule_state(("presence", session_id, 0), functools.partial(broadcast_presence, session_id))
        return True


# Heartbeats of this process, written to the database in one batch.
_pending_heartbeats: set[str] = set()
_heartbeat_flush: list[asyncio.Task] = []


def _schedule_heartbeat_flush() -> None:
    if _heartbeat_flush and _scheduled(_heartbeat_flush[0]):
        return

    async def flush() -> None:
        await asyncio.sleep(HEARTBEAT_FLUSH_SECONDS)
        names = set(_pending_heartbeats)
        _pending_heartbeats.difference_update(names)
        try:
            batch = PresenceBatch.get()
            await batch.flush()  # arrivals first: a new connection's heartbeat is not "unknown"
            unknown = await room_database(services.room_heartbeat)(channel_names=names)
            unknown -= batch.pending()  # not written yet (the last batch failed): not swept
            layer = get_channel_layer()
            for name in unknown:
                await layer.send(name, {"type": "room.present_again"})
        except Exception:
            logger.exception("Room heartbeats not recorded")

    _heartbeat_flush[:] = [asyncio.get_running_loop().create_task(flush())]


async def group_renew(layer: Any, group: str, channel: str) -> bool:
    """Add ``channel`` to ``group`` again, refreshing its expiry; True when it
    was no longer a member (Redis restarted empty, or the membership expired).

    ``group_add`` does not say whether the channel was a member: on Redis
    this does what channels_redis' ``group_add`` does (ZADD of the channel
    with the time, EXPIRE of the group), reading ZADD's count; on the
    in-memory layer it looks before adding."""
    if isinstance(layer, RedisChannelLayer):
        key = layer._group_key(group)
        connection = layer.connection(layer.consistent_hash(group))
        added = await connection.zadd(key, {channel: time.time()})
        await connection.expire(key, layer.group_expiry)
        return bool(added)
    groups = getattr(layer, "groups", None)
    missing = isinstance(groups, dict) and channel not in groups.get(group, {})
    await layer.group_add(group, channel)
    return missing


class GroupRelay:
    """One channel-layer membership per group and server process: each
    broadcast crosses the layer once per process and is handed to the
    process's connections in the group directly, instead of once per
    connection through its own channel (a queue, a task and a dispatch per
    recipient: most of the cost of a big room).

    The relay outlives the layer's failures: when Redis goes away its receive
    loop waits (``RELAY_RETRY_SECONDS``, doubling up to
    ``RELAY_RETRY_MAX_SECONDS``), joins its group again once Redis answers
    (a restarted Redis has forgotten every group), then asks each member
    connection to catch up from the database from its last sequence, so
    what was logged meanwhile is delivered, in order, once.

    A Redis restarted between two reads leaves no error to see, only a
    group without this relay in it; the layer also drops memberships older
    than ``group_expiry``. So the relay renews its membership every
    ``GROUP_RENEW_SECONDS`` and when a member connection lost the layer
    (``layer_trouble``); a membership found missing is restored and the
    members catch up as after an outage."""

    _relays: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, GroupRelay]]" = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, group: str) -> None:
        self.group = group
        self.members: set[RoomConsumer] = set()
        self.channel = ""
        self.task: asyncio.Task | None = None
        self.renew_task: asyncio.Task | None = None
        self.renew_now = asyncio.Event()
        self.lock = asyncio.Lock()

    @classmethod
    def get(cls, group: str) -> "GroupRelay":
        relays = cls._relays.setdefault(asyncio.get_running_loop(), {})
        relay = relays.get(group)
        if relay is None:
            relay = relays[group] = cls(group)
        return relay

    async def add(self, consumer: "RoomConsumer") -> None:
        async with self.lock:
            self.members.add(consumer)
            # Emptied and forgotten while this consumer waited for the lock: known again.
            self._relays.setdefault(asyncio.get_running_loop(), {}).setdefault(self.group, self)
            if self.task is None:
                layer = get_channel_layer()
                # The default prefix: channels_redis reads all of a process's channels in one loop.
                self.channel = await layer.new_channel()
                joined = True
                try:
                    await layer.group_add(self.group, self.channel)
                except Exception:  # the layer is away: the loop joins once it is back
                    logger.warning("Room relay %s could not join its group; retrying", self.group)
                    joined = False
                self.task = asyncio.get_running_loop().create_task(self._run(joined))
                self.renew_task = asyncio.get_running_loop().create_task(self._renew())

    async def remove(self, consumer: "RoomConsumer") -> None:
        async with self.lock:
            self.members.discard(consumer)
            if self.members:
                return
            self._relays.get(asyncio.get_running_loop(), {}).pop(self.group, None)
            if self.task is None:
                return
            self.task.cancel()
            self.task = None
            if self.renew_task is not None:
                self.renew_task.cancel()
                self.renew_task = None
            try:
                await get_channel_layer().group_discard(self.group, self.channel)
            except Exception:  # the membership expires by itself
                logger.warning("Room relay %s could not leave its group", self.group)

    async def _run(self, joined: bool = True) -> None:
        if not joined:
            await self._rejoin()
        layer = get_channel_layer()
        while True:
            try:
                message = await layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning(
                    "Room relay %s lost the channel layer; reconnecting", self.group, exc_info=True
                )
                await self._rejoin()
                layer = get_channel_layer()
                continue
            revoke = message.get("type") == realtime.REVOKE_TYPE
            for consumer in list(self.members):
                try:
                    if revoke:
                        await consumer.room_revoke(message)
                    else:
                        await consumer.room_frame(message)
                except OSError:
                    pass  # the client has gone; its disconnect removes it from the group
                except Exception:
                    logger.exception("Room frame not delivered to %s", consumer.channel_name)

    def layer_trouble(self) -> None:
        """A member connection lost the channel layer: renew the membership
        as soon as the layer answers, without waiting for the period."""
        self.renew_now.set()

    async def _renew(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.renew_now.wait(), GROUP_RENEW_SECONDS)
            self.renew_now.clear()
            delay = RELAY_RETRY_SECONDS
            while True:
                try:
                    missing = await group_renew(get_channel_layer(), self.group, self.channel)
                except asyncio.CancelledError:
                    raise
                except Exception:  # the layer is away: try again with backoff
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, RELAY_RETRY_MAX_SECONDS)
                    continue
                break
            if missing:
                logger.warning(
                    "Room relay %s was no longer in its group (Redis restarted or the membership "
                    "expired); joined again",
                    self.group,
                )
                for consumer in list(self.members):
                    consumer.catch_up_soon()

    async def _rejoin(self) -> None:
        """Wait for the layer to answer, join the group again, then have the
        members catch up with what was logged while the layer was away."""
        delay = RELAY_RETRY_SECONDS
        while True:
            await asyncio.sleep(delay)
            try:
                await get_channel_layer().group_add(self.group, self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                delay = min(delay * 2, RELAY_RETRY_MAX_SECONDS)
                continue
            break
        logger.info("Room relay %s joined its group again", self.group)
        for consumer in list(self.members):
            consumer.catch_up_soon()


class RoomConsumer(AsyncJsonWebsocketConsumer):
    session: Session
    role: str = ""

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels closes stale database connections before every handler,
        with a hop to the database thread; in a room of 1,000 people that is
        1,000 hops per chat message queued behind real database work. Here the
        database is only reached through ``room_database``, which closes
        stale connections itself, so handlers run directly."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """As ``AsyncConsumer.__call__``, but the connection's own channel is
        read through ``_channel_receive``, which survives the channel layer
        going away (Redis restarted) instead of ending the connection."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.base_send = send
        with contextlib.suppress(StopConsumer):
            await await_many_dispatch([receive, self._channel_receive], self.dispatch)

    async def _channel_receive(self) -> dict[str, Any]:
        delay = RELAY_RETRY_SECONDS
        while True:
            try:
                return await self.channel_layer.receive(self.channel_name)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Said once per outage, not once per retry: the room recovers by itself.
                if delay == RELAY_RETRY_SECONDS:
                    logger.warning(
                        "Room connection %s lost the channel layer (%s); retrying", self.channel_name, error
                    )
                    # The relays may not have seen the error (one read per
                    # process reaches Redis): have them check their groups.
                    for relay in getattr(self, "joined_groups", {}).values():
                        relay.layer_trouble()
                await asyncio.sleep(delay)
                delay = min(delay * 2, RELAY_RETRY_MAX_SECONDS)

    # ------------------------------------------------------------ lifecycle

    async def connect(self) -> None:
        self.session_id = int(self.scope["url_route"]["kwargs"]["session_id"])
        self.user = self.scope.get("user")
        self.language = self._language()
        self.joined_groups: dict[str, GroupRelay] = {}
        self.registered = False
        self.is_trainer = False
        # Logged events go out strictly in sequence (``RoomEvent.seq``):
        # ``next_seq`` is the next one this connection delivers (None until
        # its snapshot or resume is sent), ``pending`` what arrived ahead of
        # it (seq → text, or None for an event not meant for this person),
        # ``seen_seq`` the highest sequence heard of, ``early`` broadcasts
        # that arrived before the person's role was known.
        self.next_seq: int | None = None
        self.pending: dict[int, tuple[str | None, bool]] = {}
        self.seen_seq = 0
        self.early: list[dict[str, Any]] | None = []
        self.held_states: list[str] = []
        self.output_lock = asyncio.Lock()
        self.fill_task: asyncio.Task | None = None
        self.connection_bucket = TokenBucket(CONNECTION_LIMIT, CONNECTION_WINDOW, clock=CLOCK)
        # Frames accepted on arrival, handled in order by ``worker``.
        self.inbox: asyncio.Queue[tuple[str, dict[str, Any], str]] = asyncio.Queue()
        self.worker: asyncio.Task | None = None
        self.gone = False
        # Set once the person's right to stay ended: nothing more is handled.
        self.revoked = False
        self.session_key = getattr(self.scope.get("session"), "session_key", None)
        self.recheck_at = time.monotonic() + RECHECK_SECONDS
        await self.accept()
        if self.user is None or not self.user.is_authenticated:
            await self._refuse(
                selectors.UNAUTHENTICATED, "unauthenticated", self._tr(_, "Sign in to enter the room.")
            )
            return
        # Join before reading the log, so nothing falls in between. These two
        # groups carry nothing privileged; their broadcasts wait in
        # ``early`` until the role is known (dropped if the connection is refused).
        await self._join(realtime.group_everyone(self.session_id))
        await self._join(realtime.group_user(self.session_id, self.user.pk))
        await self._join(realtime.group_account(self.user.pk))
        resume_seq = self._query_int("last_seq")
        resume_event_id = None if resume_seq is not None else self._query_int("last_event_id")
        async with self.output_lock:
            entered_at = timezone.now()
            try:
                entry = await self._db(
                    room_enter,
                    user=self.user,
                    session_id=self.session_id,
                    channel_name=self.channel_name,
                    resume_seq=resume_seq,
                    resume_event_id=resume_event_id,
                )
            except Exception:
                logger.exception("Room entry failed in session %s", self.session_id)
                self.early = None
                # 1011: the server failed; the client retries with backoff.
                await self._refuse(1011, "server_error", self._tr(_, "Something went wrong; try again."))
                return
            if isinstance(entry, selectors.RoomRefusal):
                self.early = None
                await self._refuse(entry.close_code, entry.code, entry.message)
                return
            self.session, self.role = entry["session"], entry["role"]
            self.is_trainer = self.role == selectors.TRAINER
            self.registered = True
            if not self._arrive_in_batch(entered_at):
                self._presence_changed()
            early, self.early = self.early or [], None
            for message in early:
                self._accept(message)
            await self._start_from(entry["resume"], entry["log"], entry["snapshot"])
            await self._drain()
        if self.is_trainer:
            # Trainers' copies of what was logged since the snapshot was read
            # come from the database: the trainers group is joined only now.
            await self._join(realtime.group_trainers(self.session_id))
            await self._catch_up()

    async def disconnect(self, code: int) -> None:
        """Handle what was accepted, leave the groups, then record the
        departure — whatever failed before it (a channel layer refusing
        ``group_discard``: the memberships expire by themselves)."""
        self.gone = True
        left_at = timezone.now()
        try:
            await self._drain_inbox()
            fill_task = getattr(self, "fill_task", None)
            if fill_task is not None:
                fill_task.cancel()
                self.fill_task = None
            for relay in list(getattr(self, "joined_groups", {}).values()):
                try:
                    await relay.remove(self)
                except Exception:
                    logger.warning("Room connection %s could not leave %s", self.channel_name, relay.group)
        finally:
            self.joined_groups = {}
            await self._leave(left_at)

    async def _leave(self, at: datetime.datetime) -> None:
        if not getattr(self, "registered", False):
            return
        self.registered = False
        if presence_batched():
            PresenceBatch.get().depart(services.RoomDeparture(channel_name=self.channel_name, at=at))
            return
        try:
            await self._db(services.room_disconnect, channel_name=self.channel_name, at=at)
        except Exception:  # the sweep closes the interval later
            logger.exception("Room disconnect of %s not recorded", self.channel_name)
        self._presence_changed()

    # ------------------------------------------------------------ inbound

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.registered or self.revoked:
            return
        ref = ""
        try:
            if not self.connection_bucket.take():
                raise room_messages.InvalidMessage(
                    "rate_limited", self._tr(_, "You are sending too fast; wait a moment.")
                )
            with translation.override(self.language):
                kind, fields, ref = room_messages.parse(text_data, bytes_data)
            await self._admit(kind)
        except room_messages.InvalidMessage as error:
            await self._error(error.code, error.message, error.ref or ref)
            return
        # Handled in turn by the worker; reading goes on meanwhile.
        self.inbox.put_nowait((kind, fields, ref))
        if self.worker is None or self.worker.done():
            self.worker = asyncio.get_running_loop().create_task(self._work())

    async def _work(self) -> None:
        """Handle the accepted frames in arrival order, one at a time."""
        while not self.inbox.empty():
            kind, fields, ref = self.inbox.get_nowait()
            try:
                if not self.revoked and time.monotonic() >= self.recheck_at:
                    await self._recheck()
                if self.revoked:
                    continue  # the person may no longer act here: dropped
                await self._handle(kind, fields)
            except room_messages.InvalidMessage as error:
                await self._error(error.code, error.message, error.ref or ref)
            except ApplicationError as error:
                await self._error(error.code, error.message, ref)
            except Exception:
                if self.gone:  # the reply had nowhere to go; what was stored stays
                    logger.info("Room frame handled after %s closed", self.channel_name, exc_info=True)
                else:
                    logger.exception("Room message failed in session %s", self.session_id)
                    message = self._tr(_, "Something went wrong; try again.")
                    with contextlib.suppress(Exception):
                        await self._error("server_error", message, ref)
            finally:
                self.inbox.task_done()

    async def _drain_inbox(self) -> None:
        """On close: what was accepted is still handled (a chat message sent
        just before the connection dropped is stored), within ``DRAIN_SECONDS``."""
        worker = getattr(self, "worker", None)
        if worker is None or worker.done():
            return
        try:
            await asyncio.wait_for(asyncio.shield(worker), DRAIN_SECONDS)
        except TimeoutError:
            worker.cancel()
            logger.warning("Room frames of %s dropped after %s s", self.channel_name, DRAIN_SECONDS)
        except Exception:
            logger.exception("Room frames of %s not handled", self.channel_name)

    async def _admit(self, kind: str) -> None:
        """Role and rate checks, on arrival (``InvalidMessage`` when refused)."""
        if kind in room_messages.MODERATOR_ONLY and not self.is_trainer:
            raise room_messages.InvalidMessage("forbidden", self._tr(_, "Only the trainers can do this."))
        if kind not in room_messages.READ_ONLY and self.role == selectors.OBSERVER:
            raise room_messages.InvalidMessage(
                "forbidden", self._tr(_, "Observers can follow the room but not take part.")
            )
        if kind in ACTION_LIMITS and not await self._person_allows(kind):
            raise room_messages.InvalidMessage(
                "rate_limited", self._tr(_, "You are sending too fast; wait a moment.")
            )

    async def _handle(self, kind: str, fields: dict[str, Any]) -> None:
        handler = self._FRAME_HANDLERS.get(kind)
        if handler is not None:
            await handler(self, fields)

    # ------------------------------------------------------------ frames
    # One handler per frame type of ``room_messages.SCHEMAS``, called with
    # the validated fields once ``_handle`` has checked role and rate.

    async def _on_heartbeat(self, fields: dict[str, Any]) -> None:
        await self._heartbeat()

    async def _on_resume(self, fields: dict[str, Any]) -> None:
        if "last_seq" not in fields and "last_event_id" not in fields:
            with translation.override(self.language):
                message = _("“%(field)s” is required.") % {"field": "last_seq"}
            raise room_messages.InvalidMessage("invalid", message)
        await self._resume(fields.get("last_seq"), fields.get("last_event_id"))

    async def _on_chat_send(self, fields: dict[str, Any]) -> None:
        await self._db(services.chat_post, session=self.session, user=self.user, text=fields["text"])

    async def _on_chat_delete(self, fields: dict[str, Any]) -> None:
        await self._db(
            services.chat_delete, actor=self.user, session=self.session, message_id=fields["message_id"]
        )

    async def _on_user_mute(self, fields: dict[str, Any]) -> None:
        await self._db(
            services.room_mute,
            actor=self.user,
            session=self.session,
            user_id=fields["user_id"],
            muted=fields["muted"],
        )

    async def _on_question_ask(self, fields: dict[str, Any]) -> None:
        await self._db(
            services.question_ask,
            session=self.session,
            user=self.user,
            text=fields["text"],
            anonymous=fields.get("anonymous", False),
        )

    async def _on_question_upvote(self, fields: dict[str, Any]) -> None:
        await self._db(
            services.question_upvote, session=self.session, user=self.user, question_id=fields["question_id"]
        )

    async def _on_question_moderate(self, fields: dict[str, Any]) -> None:
        await self._db(
            services.question_moderate,
            actor=self.user,
            session=self.session,
            question_id=fields["question_id"],
            action=fields["action"],
        )

    async def _on_poll_open(self, fields: dict[str, Any]) -> None:
        await self._db(services.poll_open, actor=self.user, session=self.session, poll_id=fields["poll_id"])

    async def _on_poll_close(self, fields: dict[str, Any]) -> None:
        await self._db(services.poll_close, actor=self.user, session=self.session, poll_id=fields["poll_id"])

    async def _on_poll_vote(self, fields: dict[str, Any]) -> None:
        """A voter joins the poll's voters group, which receives its live results."""
        poll_id = fields["poll_id"]
        await self._db(
            poll_answer,
            session=self.session,
            user=self.user,
            poll_id=poll_id,
            option_ids=fields["option_ids"],
        )
        await self._join(realtime.group_poll_voters(self.session_id, poll_id))
        self._poll_changed(poll_id)

    async def _on_hand_set(self, fields: dict[str, Any]) -> None:
        await self._db(services.hand_set, session=self.session, user=self.user, raised=fields["raised"])

    async def _on_hand_lower(self, fields: dict[str, Any]) -> None:
        await self._db(services.hand_lower, actor=self.user, session=self.session, user_id=fields["user_id"])

    async def _on_announce(self, fields: dict[str, Any]) -> None:
        await self._db(
            services.announcement_create, actor=self.user, session=self.session, text=fields["text"]
        )

    async def _on_session_start(self, fields: dict[str, Any]) -> None:
        """The started session replaces this connection's copy (its status)."""
        self.session = await self._db(services.session_start, actor=self.user, session=self.session)

    async def _on_session_end(self, fields: dict[str, Any]) -> None:
        """The session ends even if the video room could not be closed; the
        trainer who ended it is told."""
        result = await self._db(services.session_end, actor=self.user, session=self.session)
        if result.video_warning:
            await self._error("video_warning", result.video_warning)

    _FRAME_HANDLERS = {
        "heartbeat": _on_heartbeat,
        "resume": _on_resume,
        "chat.send": _on_chat_send,
        "chat.delete": _on_chat_delete,
        "user.mute": _on_user_mute,
        "question.ask": _on_question_ask,
        "question.upvote": _on_question_upvote,
        "question.moderate": _on_question_moderate,
        "poll.open": _on_poll_open,
        "poll.close": _on_poll_close,
        "poll.vote": _on_poll_vote,
        "hand.set": _on_hand_set,
        "hand.lower": _on_hand_lower,
        "announce": _on_announce,
        "session.start": _on_session_start,
        "session.end": _on_session_end,
    }

    # ------------------------------------------------------------ outbound

    async def room_frame(self, message: dict[str, Any]) -> None:
        """A broadcast from ``webinars.realtime`` (text serialised once per
        group): a logged event goes through the sequence, room state is sent
        as it comes (or once the connection has started)."""
        if "seq" in message:
            if self.early is not None:
                if len(self.early) < RESUME_BUFFER:
                    self.early.append(message)
                else:  # known to be missing: read from the database once started
                    self.seen_seq = max(self.seen_seq, message["seq"])
                return
            if not self.registered:
                return
            self._accept(message)
            await self._drain()
            return
        if not self.registered:
            return
        if self.next_seq is None:
            if len(self.held_states) < HELD_STATES:
                self.held_states.append(message["text"])
            return
        await self.send(text_data=message["text"])

    async def room_revoke(self, message: dict[str, Any]) -> None:
        """The person's standing changed (``realtime.revoke``): leave with the
        given code, or check again and leave when the check fails."""
        if not self.registered or self.revoked or self.gone:
            return
        if message.get("close_code") == selectors.FORBIDDEN:
            self.revoked = True
            with translation.override(self.language):
                message_text = _("You may no longer take part in this room.")
            await self._refuse(selectors.FORBIDDEN, "no_longer_allowed", message_text)
            return
        ended = message.get("signed_out")
        if ended and self.session_key and realtime.sign_in_digest(self.session_key) == ended:
            self.revoked = True
            with translation.override(self.language):
                refusal = signed_out_refusal()
            await self._refuse(refusal.close_code, refusal.code, refusal.message)
            return
        await self._recheck()

    async def _recheck(self) -> None:
        """Check the sign-in session and the room's rules again (``room_recheck``);
        on refusal, an error frame and the close, and nothing more handled."""
        self.recheck_at = time.monotonic() + RECHECK_SECONDS
        try:
            refusal = await self._db(
                room_recheck, user_id=self.user.pk, session_key=self.session_key, session_id=self.session_id
            )
        except Exception:  # the next frame checks again
            logger.exception("Room recheck failed for %s", self.channel_name)
            self.recheck_at = time.monotonic()
            return
        if refusal is not None and not self.revoked:
            self.revoked = True
            await self._refuse(refusal.close_code, refusal.code, refusal.message)

    async def room_present_again(self, message: dict[str, Any]) -> None:
        """The connection was swept as silent although it is alive: register it again."""
        if not self.registered:
            return
        if self._arrive_in_batch(timezone.now()):
            return
        await self._db(
            services.room_connect,
            session=self.session,
            user=self.user,
            channel_name=self.channel_name,
            role=self.role,
        )
        self._presence_changed()

    def _arrive_in_batch(self, at: datetime.datetime) -> bool:
        """Hand this connection's arrival to the server's presence batch;
        False when presence is written at once instead (no batching)."""
        if not presence_batched():
            return False
        PresenceBatch.get().arrive(
            services.RoomArrival(
                channel_name=self.channel_name,
                session_id=self.session_id,
                user_id=self.user.pk,
                role=self.role,
                at=at,
            )
        )
        return True

    # ------------------------------------------------------------ in sequence

    def _accept(self, message: dict[str, Any]) -> None:
        """Note a logged event's layer message: its text when it is the copy
        this person delivers, None when the event is not for them, nothing
        when their copy comes through another group (the trainers' or their
        own) — a gap the database fills if that copy is late."""
        seq = message["seq"]
        if (self.next_seq is not None and seq < self.next_seq) or seq in self.pending:
            return  # delivered already, or a second copy
        self.seen_seq = max(self.seen_seq, seq)
        want = realtime.wanted_copy(
            audience=message["audience"],
            target_user_id=message.get("target"),
            has_trainer_payload=bool(message.get("variant")),
            user_id=self.user.pk,
            is_trainer=self.is_trainer,
        )
        if want is None:
            self.pending[seq] = (None, False)
        elif message.get("copy") == want and "text" in message:
            self.pending[seq] = (message["text"], bool(message.get("close_after")))

    def _accept_log(self, log: list[tuple[int, dict[str, Any] | None]]) -> None:
        """Add events read from the database (their frames, or None when not for this person)."""
        for seq, frame in log:
            self.seen_seq = max(self.seen_seq, seq)
            if self.next_seq is not None and seq < self.next_seq:
                continue
            if frame is None:
                self.pending[seq] = (None, False)
            else:
                self.pending[seq] = (realtime.dumps(frame), realtime.closes_room(frame))

    async def _drain(self) -> None:
        """Send what is next in sequence; the coroutine holding the output
        (a snapshot, a resume, a catch-up) drains when it is done."""
        if self.output_lock.locked():
            return
        async with self.output_lock:
            await self._drain_locked()

    async def _drain_locked(self) -> None:
        if self.next_seq is None:
            return
        while self.next_seq in self.pending:
            text, close = self.pending.pop(self.next_seq)
            self.next_seq += 1
            if text is not None:
                await self.send(text_data=text)
            if close:
                self.pending.clear()
                await self.close(code=1000)
                return
        if self.seen_seq >= self.next_seq:
            self._schedule_fill(GAP_WAIT_SECONDS)

    def _schedule_fill(self, delay: float) -> None:
        if self.fill_task is not None and not self.fill_task.done():
            return
        self.fill_task = asyncio.get_running_loop().create_task(self._fill_later(delay))

    async def _fill_later(self, delay: float) -> None:
        await asyncio.sleep(delay)
        self.fill_task = None
        if self.next_seq is not None and self.seen_seq >= self.next_seq:
            with contextlib.suppress(OSError):  # the client has gone
                await self._catch_up(upto=self.seen_seq)

    def catch_up_soon(self) -> None:
        """Called by a relay that joined its group again: read what was
        logged while the channel layer was away."""
        if self.registered:
            asyncio.get_running_loop().create_task(self._catch_up_quietly())

    async def _catch_up_quietly(self) -> None:
        with contextlib.suppress(OSError):  # the client has gone
            await self._catch_up()

    async def _catch_up(self, upto: int | None = None) -> None:
        """Read the events after the last one delivered (up to ``upto``, or
        all) from the database and deliver them in sequence; too many for a
        catch-up: a fresh snapshot."""
        async with self.output_lock:
            if self.next_seq is None or not self.registered:
                return
            try:
                log = await self._db(
                    selectors.room_log_after,
                    session_id=self.session_id,
                    user=self.user,
                    is_trainer=self.is_trainer,
                    after_seq=self.next_seq - 1,
                    upto_seq=upto,
                )
                if log is None:
                    snapshot = await self._db(
                        selectors.room_snapshot, user=self.user, session=self.session, role=self.role
                    )
                    await self._send_snapshot(snapshot)
                else:
                    self._accept_log(log)
            except Exception:
                logger.exception("Room catch-up failed for %s", self.channel_name)
                self._schedule_fill(1.0)
                return
            await self._drain_locked()

    async def _start_from(
        self,
        resume: int | None,
        log: list[tuple[int, dict[str, Any] | None]] | None,
        snapshot: dict[str, Any],
    ) -> None:
        """Send the snapshot, or (resuming) the missed events then ``resumed``;
        the sequence continues from there. The caller holds the output."""
        if resume is None or log is None or resume > snapshot["last_seq"]:
            await self._send_snapshot(snapshot)
        else:
            await self._send_resumed(resume, log, snapshot)
        held, self.held_states = self.held_states, []
        for text in held:
            await self.send(text_data=text)

    async def _send_snapshot(self, snapshot: dict[str, Any]) -> None:
        self._restart_at(snapshot["last_seq"] + 1)
        poll = snapshot.get("poll")
        if poll and poll["status"] == "open" and poll["my_answer"]:
            await self._join(realtime.group_poll_voters(self.session_id, poll["id"]))
        await self.send(text_data=realtime.dumps({"type": "snapshot", "data": snapshot}))

    def _restart_at(self, next_seq: int) -> None:
        self.next_seq = next_seq
        self.pending = {seq: entry for seq, entry in self.pending.items() if seq >= next_seq}

    async def _resume(self, seq: int | None, event_id: int | None) -> None:
        async with self.output_lock:
            result = await self._db(
                room_resume, user=self.user, session=self.session, role=self.role, seq=seq, event_id=event_id
            )
            self.next_seq = None  # everything after the client's point is sent again
            await self._start_from(result["resume"], result["log"], result["snapshot"])
            await self._drain_locked()

    async def _send_resumed(
        self, resume: int, log: list[tuple[int, dict[str, Any] | None]], snapshot: dict[str, Any]
    ) -> None:
        frames = [frame for _seq, frame in log if frame is not None]
        for frame in frames:
            # Sent even if already delivered on this connection: the client asked.
            await self.send(text_data=realtime.dumps(frame))
        last_seq = log[-1][0] if log else resume
        self._restart_at(last_seq + 1)
        self.seen_seq = max(self.seen_seq, last_seq)
        poll = snapshot.get("poll")
        if poll and poll["status"] == "open" and poll["my_answer"]:
            await self._join(realtime.group_poll_voters(self.session_id, poll["id"]))
        last_id = max([frame["id"] for frame in frames], default=0)
        state = {
            "last_event_id": last_id
            or (snapshot["last_event_id"] if last_seq >= snapshot["last_seq"] else 0),
            "last_seq": last_seq,
            "missed": len(frames),
            "session": snapshot["session"],
            "present": snapshot["present"],
            "poll": poll,
            "me": snapshot["me"],
        }
        if self.is_trainer:
            state["people"] = snapshot["people"]
        await self.send(text_data=realtime.dumps({"type": "resumed", "data": state}))
        if any(realtime.closes_room(frame) for frame in frames):
            await self.close(code=1000)

    async def _heartbeat(self) -> None:
        _pending_heartbeats.add(self.channel_name)
        _schedule_heartbeat_flush()
        await self.send(text_data='{"type":"pong"}')

    # ------------------------------------------------------------ helpers

    def _language(self) -> str:
        languages = dict(settings.LANGUAGES)
        language = getattr(self.user, "language", "") if self.user is not None else ""
        if not language:
            language = self.scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
        return language if language in languages else settings.LANGUAGE_CODE

    def _tr(self, gettext: Callable[[str], str], text: str) -> str:
        with translation.override(self.language):
            return gettext(text)

    def _query_int(self, name: str) -> int | None:
        """A non-negative integer of the query string (``last_seq``, ``last_event_id``)."""
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        values = query.get(name)
        if not values:
            return None
        try:
            value = int(values[0])
        except ValueError:
            return None
        return value if value >= 0 else None

    async def _db(self, function: Callable[..., Any], **kwargs: Any) -> Any:
        """Run a service or selector in the worker thread, in the person's language."""
        language = self.language

        def run() -> Any:
            with translation.override(language):
                return function(**kwargs)

        return await room_database(run)()

    async def _join(self, group: str) -> None:
        if group not in self.joined_groups:
            relay = GroupRelay.get(group)
            self.joined_groups[group] = relay
            await relay.add(self)

    async def _person_allows(self, action: str) -> bool:
        """One token of the person's bucket for ``action`` in this session,
        shared by all their connections on every server (``room_limits``)."""
        capacity, period = ACTION_LIMITS[action]
        return await room_limits.person_take(
            session_id=self.session_id,
            user_id=self.user.pk,
            action=action,
            capacity=capacity,
            period=period,
            now=CLOCK(),
        )

    def _presence_changed(self) -> None:
        session_id = self.session_id
        _schedule_state(("presence", session_id, 0), lambda: broadcast_presence(session_id))

    def _poll_changed(self, poll_id: int) -> None:
        session_id = self.session_id
        _schedule_state(("poll", session_id, poll_id), lambda: broadcast_poll_results(session_id, poll_id))

    async def _error(self, code: str, message: str, ref: str = "") -> None:
        if self.gone:
            return
        frame = {"type": "error", "code": code, "message": message}
        if ref:
            frame["ref"] = ref
        await self.send(text_data=realtime.dumps(frame))

    async def _refuse(self, close_code: int, code: str, message: str) -> None:
        await self._error(code, message)
        await self.close(code=close_code)
