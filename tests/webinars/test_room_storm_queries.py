"""The cost of joining the room: the SQL queries one WebSocket connection
runs from its handshake to its snapshot (``WebsocketCommunicator`` on the
real ASGI application: session cookie, Origin check, authentication)."""

import contextlib
import threading

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db.backends.utils import CursorWrapper

from tests.webinars.room import RoomClient, session_cookie
from webinars import consumers, selectors, services
from webinars.models import Attendance, Registration, RegistrationStatus, RoomConnection

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def every_query():
    """The SQL statements run meanwhile in any thread (the room's database
    work runs in worker threads, out of ``django_assert_num_queries``' reach),
    transaction control left out."""
    seen: list[str] = []
    lock = threading.Lock()
    original = CursorWrapper._execute_with_wrappers

    def counted(self, sql, params, many, executor):
        if not sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")):
            with lock:
                seen.append(sql)
        return original(self, sql, params, many, executor)

    CursorWrapper._execute_with_wrappers = counted
    try:
        yield seen
    finally:
        CursorWrapper._execute_with_wrappers = original


def _register(session, user) -> None:
    """A confirmed registration (the session is live: registering has closed)."""
    Registration.objects.create(session=session, user=user, status=RegistrationStatus.CONFIRMED)


@pytest.fixture
def batched(settings):
    """Arrivals written in batches, none during the test unless flushed."""
    settings.WEBINAR_ROOM_PRESENCE_FLUSH_SECONDS = 60.0
    settings.WEBINAR_ROOM_SNAPSHOT_SECONDS = 60.0
    selectors.room_state_forget()
    yield
    selectors.room_state_forget()


def _queries_of_connects(session, users, while_connected=None) -> list[list[str]]:
    """Connect each person in turn (each until their snapshot), then write
    the arrivals (and call ``while_connected``); the queries of each connection."""
    cookies = [session_cookie(user) for user in users]
    per_connection: list[list[str]] = []

    async def scenario():
        clients = []
        try:
            for cookie in cookies:
                with every_query() as seen:
                    client = RoomClient(session.pk, cookie)
                    connected, _code = await client.communicator.connect(timeout=5)
                    assert connected
                    await client.expect("snapshot")
                per_connection.append(list(seen))
                clients.append(client)
            assert await consumers.PresenceBatch.get().flush()
            if while_connected is not None:
                await sync_to_async(while_connected)()
        finally:
            for client in clients:
                await client.close()
            await consumers.PresenceBatch.get().flush()

    async_to_sync(scenario)()
    return per_connection


def test_a_connection_in_a_crowd_runs_three_queries(live_room, network, batched):
    """The first connection reads the room (once per server and version);
    each next one reads its sign-in session, the person and their roles —
    admission from the room's copy, the snapshot cut from it, the arrival
    written in the server's next batch."""
    people = [network.staff_a, network.staff_b, network.trainer]
    written = {}

    def look():
        written["connections"] = set(
            RoomConnection.objects.filter(session=live_room).values_list("user_id", flat=True)
        )
        written["open"] = (
            Attendance.objects.get(session=live_room, user=network.staff_b).intervals.get().left_at
        )

    first, second, trainer = _queries_of_connects(live_room, people, look)
    assert len(first) > 10  # the room read once
    assert len(second) == 3, "\n".join(second)
    assert "django_session" in second[0]
    assert "academy_user" in second[1]
    assert "distributors_membership" in second[2]
    # A trainer: the same, and the permission rule that finds them among the
    # session's trainers; after their snapshot, their catch-up of what was
    # logged for trainers (it may run before the count stops, in another thread).
    before_snapshot = [sql for sql in trainer if "webinars_roomevent" not in sql]
    assert len(before_snapshot) == 4, "\n".join(trainer)
    assert "webinars_session_trainers" in before_snapshot[3]
    assert len(trainer) - len(before_snapshot) <= 1
    # The batch wrote every arrival, then every departure.
    assert written == {"connections": {person.pk for person in people}, "open": None}
    assert not RoomConnection.objects.filter(session=live_room).exists()
    assert Attendance.objects.get(session=live_room, user=network.staff_b).intervals.get().left_at is not None


def test_the_count_does_not_grow_with_the_room(live_room, network, batched):
    """Ten more people in the room, chat and an open question: the next
    connection still runs three queries."""
    from tests.academy.factories import UserFactory

    crowd = [UserFactory() for _ in range(10)]
    for person in crowd:
        _register(live_room, person)
    services.chat_post(session=live_room, user=network.staff_a, text="Bonjour")
    services.question_ask(session=live_room, user=network.staff_a, text="Une question ?")
    counts = [len(queries) for queries in _queries_of_connects(live_room, [network.staff_a, *crowd])]
    assert counts[1:] == [3] * 10


def test_a_person_registered_after_the_copy_was_read_is_looked_up(live_room, network, batched):
    """Registrants come from the room's copy; someone who registered since
    costs one query more, and enters."""
    from tests.academy.factories import UserFactory

    late = UserFactory()
    alice_q: list[str] = []

    async def scenario():
        alice = await RoomClient.open(live_room.pk, network.staff_a)
        await alice.expect("snapshot")
        await sync_to_async(_register)(live_room, late)
        cookie = await sync_to_async(session_cookie)(late)
        with every_query() as seen:
            client = RoomClient(live_room.pk, cookie)
            connected, _code = await client.communicator.connect(timeout=5)
            assert connected
            snapshot = await client.expect("snapshot")
        alice_q.extend(seen)
        assert snapshot["data"]["role"] == "attendee"
        await client.close()
        await alice.close()
        await consumers.PresenceBatch.get().flush()

    async_to_sync(scenario)()
    assert len(alice_q) == 4, "\n".join(alice_q)
    assert "webinars_registration" in alice_q[3]


def test_someone_not_registered_is_still_refused(live_room, network, batched):
    from tests.academy.factories import UserFactory

    stranger = UserFactory()

    async def scenario():
        alice = await RoomClient.open(live_room.pk, network.staff_a)
        await alice.expect("snapshot")
        client = await RoomClient.open(live_room.pk, stranger)
        error = await client.expect("error")
        assert error["code"] == "not_registered"
        assert await client.closed() == 4403
        await alice.close()
        await consumers.PresenceBatch.get().flush()

    async_to_sync(scenario)()
    assert not RoomConnection.objects.filter(user=stranger).exists()
