"""The live room's rate limits at their boundaries (an injected clock, no
sleeps), measured when a frame arrives rather than when its turn to be
handled comes, and the room's database work running side by side."""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync

from tests.webinars.room import TIMEOUT, RoomClient
from webinars import consumers, room_limits
from webinars.consumers import ACTION_LIMITS, TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_documented_chat_limit():
    # README, "Live room", Protocol: 5 chat messages per 10 s per person.
    assert ACTION_LIMITS["chat.send"] == (5, 10.0)


@pytest.mark.parametrize(
    ("capacity", "period"), [ACTION_LIMITS["chat.send"], ACTION_LIMITS["question.ask"], (30, 10.0)]
)
def test_exactly_the_burst_is_accepted_then_one_per_interval(capacity, period):
    clock = Clock()
    bucket = TokenBucket(capacity, period, clock=clock)
    assert [bucket.take() for _ in range(capacity)] == [True] * capacity
    assert bucket.take() is False
    interval = period / capacity
    clock.now += interval * 0.999
    assert bucket.take() is False
    clock.now += interval * 0.001
    assert bucket.take() is True
    assert bucket.take() is False


def test_refill_stops_at_the_burst():
    clock = Clock()
    bucket = TokenBucket(5, 10.0, clock=clock)
    clock.now += 3600
    assert [bucket.take() for _ in range(6)] == [True] * 5 + [False]


@pytest.mark.parametrize(
    "times",
    [
        [0, 0, 0, 0, 0, 10, 10, 10, 10, 10, 20, 20, 20, 20, 20],  # full bursts, a window apart
        [2.0 * n for n in range(40)],  # steadily at the limit
        [0, 0, 0, 0, 0, *(10 + 2.0 * n for n in range(20))],  # a burst, then steady
        [0, 1, 2, 3, 4, 14, 14.5, 15, 15.5, 16, 24, 28],
    ],
    ids=["bursts", "steady", "burst-then-steady", "uneven"],
)
def test_a_client_under_the_limit_is_never_refused(times):
    """No more than 5 in any 10 s: every message accepted."""
    assert all(sum(1 for u in times if t - 10 < u <= t) <= 5 for t in times)  # under the limit
    clock = Clock()
    bucket = TokenBucket(5, 10.0, clock=clock)
    start = clock.now
    accepted = []
    for at in times:
        clock.now = start + at
        accepted.append(bucket.take())
    assert all(accepted)


# ---------------------------------------------------------------- the consumer


def run(scenario):
    async def wrapped():
        clients: list[RoomClient] = []
        try:
            await scenario(clients)
        finally:
            for client in clients:
                await client.close()
            await asyncio.sleep(0.1)

    async_to_sync(wrapped)()


async def _until(condition, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"not within {TIMEOUT} s: {what}")
        await asyncio.sleep(0.01)


@pytest.mark.django_db(transaction=True)
def test_frames_are_counted_on_arrival_while_an_earlier_one_is_handled(live_room, network, monkeypatch):
    """Five messages, then five more a window later: all accepted, even when
    the first is still being stored when the others arrive (frames bunched
    behind a slow handler are not refused), and the connection keeps reading
    meanwhile (the server would stop reading its socket, pings included)."""
    from webinars import services
    from webinars.models import ChatMessage

    clock = Clock()
    monkeypatch.setattr(consumers, "CLOCK", clock)
    entered, release = threading.Event(), threading.Event()
    real_post = services.chat_post

    def slow_post(**kwargs):
        if kwargs["text"] == "message 0":
            entered.set()
            release.wait(TIMEOUT)
        return real_post(**kwargs)

    monkeypatch.setattr(services, "chat_post", slow_post)
    user = network.staff_a

    async def tokens() -> float | None:
        return await room_limits.person_tokens(session_id=live_room.pk, user_id=user.pk, action="chat.send")

    async def scenario(clients):
        alice = await RoomClient.open(live_room.pk, user)
        clients.append(alice)
        await alice.expect("snapshot")
        for n in range(5):
            await alice.send(type="chat.send", text=f"message {n}")
        await _until(entered.is_set, "the first message is being stored")
        # All five taken from the bucket on arrival, while the first is stored.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while (left := await tokens()) is None or left >= 1:
            assert loop.time() < deadline, "five tokens not taken on arrival"
            await asyncio.sleep(0.01)
        clock.now += 10.0
        for n in range(5, 10):
            await alice.send(type="chat.send", text=f"message {n}")
        await _until(alice.communicator.input_queue.empty, "the later frames read")
        release.set()
        texts = [(await alice.expect("chat.message"))["data"]["message"]["text"] for _ in range(10)]
        assert texts == [f"message {n}" for n in range(10)]  # in order, none refused
        assert not [f for f in alice.frames if f["type"] == "error"]

    try:
        run(scenario)
    finally:
        release.set()
    assert ChatMessage.objects.filter(session=live_room).count() == 10


@pytest.mark.django_db(transaction=True)
def test_a_frame_accepted_just_before_the_close_is_still_stored(live_room, network):
    from webinars.models import ChatMessage

    async def scenario(clients):
        alice = await RoomClient.open(live_room.pk, network.staff_a)
        await alice.expect("snapshot")
        await alice.send(type="chat.send", text="last words")
        await alice.close()

    run(scenario)
    assert list(ChatMessage.objects.filter(session=live_room).values_list("text", flat=True)) == [
        "last words"
    ]


@pytest.mark.django_db(transaction=True)
def test_room_database_work_runs_side_by_side(settings):
    """Two connections' database calls overlap: the first waits for the
    second to start (one thread for all, as Channels' default, would keep
    the second waiting until the first gave up)."""
    settings.WEBINAR_ROOM_DATABASE_THREADS = 2
    gate = threading.Event()

    async def scenario():
        first = consumers.room_database(lambda: gate.wait(TIMEOUT))()
        second = consumers.room_database(gate.set)()
        return await asyncio.gather(first, second)

    assert async_to_sync(scenario)() == [True, None]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [0, 2])
def test_room_database_work_leaves_the_event_loop_thread(settings, threads):
    settings.WEBINAR_ROOM_DATABASE_THREADS = threads

    async def scenario():
        loop_thread = threading.get_ident()
        ran_in = await consumers.room_database(threading.get_ident)()
        return loop_thread, ran_in

    loop_thread, ran_in = async_to_sync(scenario)()
    assert ran_in != loop_thread
