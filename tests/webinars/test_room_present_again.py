"""A connection swept as silent although it is alive (its row removed by
the stale-presence sweep, e.g. after a database hiccup hid its heartbeats)
is registered again at its next heartbeat, with or without presence batches."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from tests.webinars.room import RoomClient, session_cookie
from webinars import consumers, selectors
from webinars.models import RoomConnection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["at_once", "batched"])
def presence_mode(request, settings, monkeypatch):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.WEBINAR_ROOM_PRESENCE_FLUSH_SECONDS = 0.05 if request.param == "batched" else 0
    monkeypatch.setattr(consumers, "HEARTBEAT_FLUSH_SECONDS", 0.05)
    selectors.room_state_forget()
    yield request.param
    selectors.room_state_forget()


async def _connections(user_id: int) -> int:
    return await sync_to_async(RoomConnection.objects.filter(user_id=user_id).count)()


async def _eventually(user_id: int, expected: int, seconds: float = 5.0) -> int:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    found = await _connections(user_id)
    while found != expected and loop.time() < deadline:
        await asyncio.sleep(0.05)
        found = await _connections(user_id)
    return found


def test_a_live_connection_swept_by_mistake_is_registered_again(live_room, network, presence_mode):
    user = network.staff_a
    cookie = session_cookie(user)

    async def scenario():
        client = RoomClient(live_room.pk, cookie)
        connected, _code = await client.communicator.connect(timeout=5)
        assert connected
        try:
            await client.expect("snapshot")
            assert await _eventually(user.pk, 1) == 1
            # the sweep removes it, as it removes a connection that went silent
            await sync_to_async(RoomConnection.objects.filter(user_id=user.pk).delete)()
            await client.send(type="heartbeat")
            await client.expect("pong")
            assert await _eventually(user.pk, 1) == 1
        finally:
            await client.close()

    async_to_sync(scenario)()
