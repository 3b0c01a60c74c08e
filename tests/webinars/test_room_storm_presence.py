"""Arrivals and departures written in batches (``consumers.PresenceBatch``,
``services.room_presence_apply``): what each batch writes, in a number of
queries that does not grow with it; a batch the database refuses is kept
and written at the next tick; and a connection closing while the channel
layer fails still records its departure. The room tests run over the
in-memory layer, and over Redis too when REDIS_URL is set."""

import asyncio
import contextlib
import datetime
import uuid

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from redis.exceptions import MaxConnectionsError

from tests.academy.factories import UserFactory
from tests.webinars.room import RoomClient
from webinars import consumers, selectors, services
from webinars.models import Attendance, AttendanceInterval, Registration, RegistrationStatus, RoomConnection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["memory", "redis"])
def layer(request, settings):
    """The configured layer: in memory, and the academy's Redis layer when REDIS_URL is set."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("REDIS_URL is not set")
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "config.channel_layers.RedisChannelLayer",
                "CONFIG": {
                    "hosts": [{"address": settings.REDIS_URL, "socket_timeout": 15}],
                    "prefix": f"presence-{uuid.uuid4().hex[:8]}",
                    "pool_size": 4,
                },
            }
        }
    else:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    return request.param


@pytest.fixture
def batched(settings):
    settings.WEBINAR_ROOM_PRESENCE_FLUSH_SECONDS = 0.05
    selectors.room_state_forget()
    yield
    selectors.room_state_forget()


@contextlib.contextmanager
def statements():
    """The SQL statements run meanwhile, transaction control left out (SQLite
    runs ``BEGIN`` as a statement, PostgreSQL does not)."""
    seen: list[str] = []
    with CaptureQueriesContext(connection) as context:
        yield seen
    control = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")
    seen.extend(q["sql"] for q in context.captured_queries if not q["sql"].upper().startswith(control))


def _arrival(session, user, channel, at, role="attendee"):
    return services.RoomArrival(
        channel_name=channel, session_id=session.pk, user_id=user.pk, role=role, at=at
    )


def _crowd(session, n):
    people = [UserFactory() for _ in range(n)]
    Registration.objects.bulk_create(
        Registration(session=session, user=p, status=RegistrationStatus.CONFIRMED) for p in people
    )
    return people


def test_a_batch_writes_connections_and_intervals(live_room, network):
    start = live_room.started_at  # minutes count from the start
    at = lambda minutes: start + datetime.timedelta(minutes=minutes)  # noqa: E731
    changed = services.room_presence_apply(
        arrivals=[
            _arrival(live_room, network.staff_a, "a1", at(0)),
            _arrival(live_room, network.staff_a, "a2", at(1)),  # a second tab: the same interval
            _arrival(live_room, network.staff_b, "b1", at(2)),
            _arrival(live_room, network.trainer, "t1", at(0), role="trainer"),
        ]
    )
    assert changed == {live_room.pk}
    assert RoomConnection.objects.filter(session=live_room).count() == 4
    alice = Attendance.objects.get(session=live_room, user=network.staff_a)
    assert [(i.joined_at, i.left_at) for i in alice.intervals.all()] == [(at(0), None)]
    assert alice.registration.user_id == network.staff_a.pk
    assert not Attendance.objects.filter(session=live_room, user=network.trainer).exists()  # not an attendee
    # Alice closes one tab, then the other; Bob leaves; the trainer stays.
    services.room_presence_apply(departures=[services.RoomDeparture(channel_name="a1", at=at(10))])
    assert alice.intervals.get().left_at is None
    services.room_presence_apply(
        departures=[
            services.RoomDeparture(channel_name="a2", at=at(20)),
            services.RoomDeparture(channel_name="b1", at=at(12)),
            services.RoomDeparture(channel_name="unknown", at=at(12)),
        ]
    )
    alice.refresh_from_db()
    assert [(i.joined_at, i.left_at) for i in alice.intervals.all()] == [(at(0), at(20))]
    assert alice.minutes_attended == 20
    bob = Attendance.objects.get(session=live_room, user=network.staff_b)
    assert bob.intervals.get().left_at == at(12) and bob.minutes_attended == 10
    assert list(RoomConnection.objects.values_list("channel_name", flat=True)) == ["t1"]


def test_arrival_and_departure_in_the_same_batch_keep_the_interval(live_room, network):
    now = timezone.now()
    services.room_presence_apply(
        arrivals=[_arrival(live_room, network.staff_a, "a", now - datetime.timedelta(seconds=1))],
        departures=[services.RoomDeparture(channel_name="a", at=now)],
    )
    interval = AttendanceInterval.objects.get(attendance__session=live_room)
    assert (interval.joined_at, interval.left_at) == (now - datetime.timedelta(seconds=1), now)
    assert not RoomConnection.objects.exists()


def test_arrivals_in_an_ended_session_are_ignored(live_room, network):
    services.session_end(actor=network.trainer, session=live_room, at=timezone.now())
    assert (
        services.room_presence_apply(arrivals=[_arrival(live_room, network.staff_a, "a", timezone.now())])
        == set()
    )
    assert not RoomConnection.objects.exists()
    assert not AttendanceInterval.objects.filter(attendance__session=live_room, left_at__isnull=True).exists()


@pytest.mark.parametrize("size", [5, 40])
def test_a_batch_costs_the_same_queries_whatever_its_size(live_room, size):
    people = _crowd(live_room, size)
    now = timezone.now()
    arrivals = [_arrival(live_room, person, f"c{n}", now) for n, person in enumerate(people)]
    with statements() as seen:
        services.room_presence_apply(arrivals=arrivals)
    # sessions, connections, attendances, registrations, new attendances, attendances again,
    # open intervals, new intervals
    assert len(seen) == 8, "\n".join(seen)
    departures = [services.RoomDeparture(channel_name=f"c{n}", at=now) for n in range(size)]
    with statements() as seen:
        services.room_presence_apply(departures=departures)
    # closed connections, delete, remaining, open sessions, attendances, their intervals,
    # intervals closed, attendances counted
    assert len(seen) == 8, "\n".join(seen)
    assert AttendanceInterval.objects.filter(left_at__isnull=True).count() == 0
    assert AttendanceInterval.objects.count() == size


def test_a_refused_batch_is_written_at_the_next_tick(live_room, network, batched, monkeypatch):
    """The database refuses the first batch: nothing is lost, it is written
    with what came meanwhile once the database answers."""
    real = services.room_presence_apply
    refusals = []

    def flaky(**kwargs):
        if not refusals:
            refusals.append(kwargs)
            raise OperationalError("the database is away")
        return real(**kwargs)

    monkeypatch.setattr(services, "room_presence_apply", flaky)
    now = timezone.now()

    async def scenario():
        batch = consumers.PresenceBatch.get()
        batch.arrive(_arrival(live_room, network.staff_a, "a", now))
        assert not await batch.flush()
        assert batch.pending() == {"a"}
        batch.arrive(_arrival(live_room, network.staff_b, "b", now))
        batch.depart(services.RoomDeparture(channel_name="a", at=now + datetime.timedelta(minutes=3)))
        assert await batch.flush()
        assert batch.pending() == set()

    async_to_sync(scenario)()
    assert len(refusals) == 1
    assert list(RoomConnection.objects.values_list("channel_name", flat=True)) == ["b"]
    alice = AttendanceInterval.objects.get(attendance__user=network.staff_a)
    assert alice.left_at - alice.joined_at == datetime.timedelta(minutes=3)


def test_the_server_retries_a_refused_batch_by_itself(live_room, network, batched, layer, monkeypatch):
    """Through real connections: the first batch fails, the next tick writes it."""
    real = services.room_presence_apply
    failures = []

    def flaky(**kwargs):
        if not failures:
            failures.append(1)
            raise OperationalError("the database is away")
        return real(**kwargs)

    monkeypatch.setattr(services, "room_presence_apply", flaky)

    async def scenario():
        alice = await RoomClient.open(live_room.pk, network.staff_a)
        await alice.expect("snapshot")
        counted = await alice.expect("presence", timeout=5)
        assert counted["data"]["count"] == 1
        assert await sync_to_async(RoomConnection.objects.filter(user=network.staff_a).count)() == 1
        await alice.close()
        for _ in range(100):
            if not await sync_to_async(RoomConnection.objects.exists)():
                break
            await asyncio.sleep(0.05)

    async_to_sync(scenario)()
    assert failures == [1]
    assert not RoomConnection.objects.exists()
    assert AttendanceInterval.objects.get(attendance__user=network.staff_a).left_at is not None


@pytest.mark.parametrize("batches", [False, True])
def test_a_departure_is_recorded_when_the_layer_fails(
    live_room, network, layer, settings, monkeypatch, batches
):
    """``group_discard`` raising (Redis' pool exhausted, Redis away) does not
    keep the connection's departure from being recorded."""
    if batches:
        settings.WEBINAR_ROOM_PRESENCE_FLUSH_SECONDS = 0.05
    discards = []

    async def scenario():
        alice = await RoomClient.open(live_room.pk, network.staff_a)
        await alice.expect("snapshot")
        if batches:
            await consumers.PresenceBatch.get().flush()
        assert await sync_to_async(RoomConnection.objects.count)() == 1
        channel_layer = get_channel_layer()

        async def refuse(group, channel):
            discards.append(group)
            raise MaxConnectionsError("Too many connections")

        monkeypatch.setattr(channel_layer, "group_discard", refuse)
        await alice.close()
        if batches:
            await consumers.PresenceBatch.get().flush()
        monkeypatch.undo()

    async_to_sync(scenario)()
    assert discards  # the layer did fail
    assert not RoomConnection.objects.exists()
    assert AttendanceInterval.objects.get(attendance__user=network.staff_a).left_at is not None


def test_the_redis_layer_waits_for_a_connection_instead_of_failing(settings):
    """A burst of departures larger than the pool: each waits its turn."""
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    from config.channel_layers import RedisChannelLayer

    layer = RedisChannelLayer(
        hosts=[{"address": settings.REDIS_URL}], prefix=f"pool-{uuid.uuid4().hex[:8]}", pool_size=3
    )

    async def burst():
        channels = [await layer.new_channel() for _ in range(300)]
        await asyncio.gather(*(layer.group_add("crowd", name) for name in channels))
        await asyncio.gather(*(layer.group_discard("crowd", name) for name in channels))
        pool = layer.connection(0).connection_pool
        assert pool.max_connections == 3
        await layer.flush()

    async_to_sync(burst)()


def test_the_pool_needs_room_for_the_blocking_receive():
    from config.channel_layers import RedisChannelLayer

    with pytest.raises(ValueError, match="at least 2"):
        RedisChannelLayer(hosts=[{"address": "redis://127.0.0.1:6379/0"}], pool_size=1)
