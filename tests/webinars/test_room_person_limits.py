"""Per-person room limits live in the cache: the documented burst is
accepted and one more refused, reconnecting does not reset them, every
connection of a person (on any server) draws from one bucket, and an
unreachable Redis lets actions through (fail open). An injected clock, no
sleeps."""

import asyncio
import socket

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings

from tests.webinars.room import RoomClient
from webinars import consumers, room_limits
from webinars.consumers import ACTION_LIMITS


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def run(coroutine_function):
    return async_to_sync(coroutine_function)()


CHAT = ACTION_LIMITS["chat.send"]  # 5 per 10 s (README, "Live room")


def _stores() -> list:
    stores = [pytest.param(room_limits.LocalBuckets, id="local")]
    stores.append(
        pytest.param(
            lambda: room_limits.RedisBuckets(settings.REDIS_URL),
            id="redis",
            marks=[
                pytest.mark.redis,
                pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set"),
            ],
        )
    )
    return stores


@pytest.mark.parametrize("make_store", _stores())
def test_the_burst_then_one_per_interval_at_the_boundary(make_store):
    store = make_store()
    capacity, period = CHAT
    key = room_limits.bucket_key(session_id=10**9, user_id=1, action="chat.send")
    start = Clock().now

    async def scenario():
        taken = [await store.take(key, capacity=capacity, period=period, now=start) for _ in range(capacity)]
        assert taken == [True] * capacity
        assert await store.take(key, capacity=capacity, period=period, now=start) is False
        interval = period / capacity
        assert await store.take(key, capacity=capacity, period=period, now=start + interval * 0.999) is False
        assert await store.take(key, capacity=capacity, period=period, now=start + interval) is True
        assert await store.take(key, capacity=capacity, period=period, now=start + interval) is False
        # A clock stepping back refills nothing.
        assert await store.take(key, capacity=capacity, period=period, now=start) is False

    run(scenario)


@pytest.mark.redis
@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set")
def test_two_servers_share_the_bucket():
    """Two stores with their own Redis connections (as two servers): five
    taken through the first, the sixth refused through the second."""
    first, second = room_limits.RedisBuckets(settings.REDIS_URL), room_limits.RedisBuckets(settings.REDIS_URL)
    key = room_limits.bucket_key(session_id=10**9 + 1, user_id=1, action="chat.send")
    now = Clock().now

    async def scenario():
        results = [
            await (first if n % 2 else second).take(key, capacity=5, period=10.0, now=now) for n in range(5)
        ]
        assert results == [True] * 5
        assert await second.take(key, capacity=5, period=10.0, now=now) is False
        assert await first.take(key, capacity=5, period=10.0, now=now) is False

    run(scenario)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once closed


def test_an_unreachable_redis_fails_open_and_is_not_asked_again_at_once(caplog):
    store = room_limits.RedisBuckets(f"redis://127.0.0.1:{_closed_port()}/0")

    async def scenario():
        return [await store.take("k", capacity=1, period=10.0, now=1.0) for _ in range(3)]

    assert run(scenario) == [True, True, True]
    assert store.down
    assert [r.levelname for r in caplog.records if "rate limits" in r.getMessage()] == ["WARNING"]


# ---------------------------------------------------------------- through the consumer


@pytest.mark.django_db(transaction=True)
def test_reconnecting_does_not_reset_the_chat_limit(live_room, network, monkeypatch):
    from webinars.models import ChatMessage

    clock = Clock()
    monkeypatch.setattr(consumers, "CLOCK", clock)

    async def scenario():
        alice = await RoomClient.open(live_room.pk, network.staff_a)
        await alice.expect("snapshot")
        for n in range(5):
            await alice.send(type="chat.send", text=f"m{n}")
            await alice.expect("chat.message")
        await alice.close()
        for _attempt in range(3):  # each reconnection gets the same, empty bucket
            alice = await RoomClient.open(live_room.pk, network.staff_a)
            try:
                await alice.expect("snapshot")
                await alice.send(type="chat.send", text="again")
                assert (await alice.expect("error"))["code"] == "rate_limited"
            finally:
                await alice.close()
        clock.now += CHAT[1] / CHAT[0]  # one token back
        alice = await RoomClient.open(live_room.pk, network.staff_a)
        try:
            await alice.expect("snapshot")
            await alice.send(type="chat.send", text="later")
            await alice.expect("chat.message")
        finally:
            await alice.close()
            await asyncio.sleep(0.05)

    run(scenario)
    assert ChatMessage.objects.filter(session=live_room).count() == 6


@pytest.mark.django_db(transaction=True)
def test_two_connections_of_a_person_share_the_bucket(live_room, network, monkeypatch):
    """Two tabs (or two servers: the bucket is in the cache) draw from one bucket."""
    monkeypatch.setattr(consumers, "CLOCK", Clock())

    async def scenario():
        tabs = [await RoomClient.open(live_room.pk, network.staff_a) for _ in range(2)]
        bob = await RoomClient.open(live_room.pk, network.staff_b)
        try:
            for tab in tabs:
                await tab.expect("snapshot")
            await bob.expect("snapshot")
            for n in range(5):
                await tabs[n % 2].send(type="chat.send", text=f"m{n}")
            for _n in range(5):
                await bob.expect("chat.message")
            await tabs[1].send(type="chat.send", text="one too many")
            assert (await tabs[1].expect("error"))["code"] == "rate_limited"
            await tabs[0].send(type="chat.send", text="one too many")
            assert (await tabs[0].expect("error"))["code"] == "rate_limited"
            await bob.send(type="chat.send", text="my own bucket")  # another person: not limited
            await bob.expect("chat.message")
        finally:
            for client in [*tabs, bob]:
                await client.close()
            await asyncio.sleep(0.05)

    run(scenario)
