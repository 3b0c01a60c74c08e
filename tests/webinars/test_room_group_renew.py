"""A live-room connection whose group membership the channel layer forgot
(Redis restarted between two reads, so no error reached the server, or the
membership passed ``group_expiry``) gets it back by itself and receives the
room's messages again, with no reconnection."""

import asyncio

import pytest
import redis
from channels.layers import get_channel_layer

from tests.webinars.room import RoomClient
from tests.webinars.test_room_consumer import join, run
from webinars import consumers

pytestmark = pytest.mark.django_db(transaction=True)


async def _chat_still_reaches(clients, live_room, network, forget) -> None:
    alice = await join(clients, live_room, network.staff_a)
    trainer = await join(clients, live_room, network.trainer)
    await alice.expect("snapshot")
    await trainer.expect("snapshot")
    await trainer.send(type="chat.send", text="avant")
    await alice.expect("chat.message")
    await forget()
    await asyncio.sleep(0.6)  # three renewal periods of the tests
    await trainer.send(type="chat.send", text="après")
    frame = await alice.expect("chat.message", timeout=3)
    assert frame["data"]["message"]["text"] == "après"


def test_a_forgotten_membership_is_renewed_in_memory(live_room, network, monkeypatch):
    monkeypatch.setattr(consumers, "GROUP_RENEW_SECONDS", 0.2)

    async def forget() -> None:
        get_channel_layer().groups.clear()  # as if every membership had expired

    run(lambda clients: _chat_still_reaches(clients, live_room, network, forget))


def test_a_redis_emptied_under_the_room_is_noticed_without_an_error(
    live_room, network, monkeypatch, settings, private_redis
):
    monkeypatch.setattr(consumers, "GROUP_RENEW_SECONDS", 0.2)
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [private_redis.url]},
        }
    }

    async def forget() -> None:
        # What a restart without persistence leaves: no group, and the
        # server's blocking read still on its open connection.
        client = redis.asyncio.Redis.from_url(private_redis.url)
        await client.flushdb()
        await client.aclose()

    run(lambda clients: _chat_still_reaches(clients, live_room, network, forget))


def test_without_renewal_the_room_would_go_silent(live_room, network, monkeypatch):
    """What the tests above guard against: a forgotten membership not renewed
    loses the room's messages."""
    monkeypatch.setattr(consumers, "GROUP_RENEW_SECONDS", 3600)

    async def scenario(clients: list[RoomClient]) -> None:
        alice = await join(clients, live_room, network.staff_a)
        trainer = await join(clients, live_room, network.trainer)
        await alice.expect("snapshot")
        await trainer.expect("snapshot")
        get_channel_layer().groups.clear()
        await asyncio.sleep(0.6)
        await trainer.send(type="chat.send", text="après")
        await alice.nothing(timeout=1.5)

    run(scenario)
