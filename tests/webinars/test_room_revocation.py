"""Room connections end with the person's right to be there: signing out,
a password change, an account switched off, a membership ended — and, when
the broadcast is lost, at the connection's next check."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.test import Client
from django.urls import reverse

from tests.webinars.room import RoomClient, session_cookie
from webinars import consumers, realtime

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=["memory", "redis"])
def layer(request, settings):
    """The room over the in-memory layer, and over Redis when REDIS_URL is set."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("REDIS_URL is not set")
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [settings.REDIS_URL], "prefix": "revoke-test"},
            }
        }
    return request.param


async def open_with(session_id, cookie):
    client = RoomClient(session_id, cookie)
    connected, _code = await client.communicator.connect(timeout=5)
    assert connected
    await client.expect("snapshot")
    return client


def run(scenario):
    async def wrapped():
        clients: list[RoomClient] = []
        try:
            await scenario(clients)
        finally:
            for client in clients:
                await client.close()
            await asyncio.sleep(0.05)

    async_to_sync(wrapped)()


async def still_open(client):
    await client.send(type="heartbeat")
    await client.expect("pong")


def test_signing_out_closes_that_session_s_connections_only(live_room, network, layer):
    user = network.staff_a
    here, elsewhere = session_cookie(user), session_cookie(user)

    def sign_out():
        browser = Client()
        browser.cookies[settings.SESSION_COOKIE_NAME] = here
        assert browser.post(reverse("academy:logout")).status_code == 302

    async def scenario(clients):
        mine = await open_with(live_room.pk, here)
        other_device = await open_with(live_room.pk, elsewhere)
        clients += [mine, other_device]
        await sync_to_async(sign_out)()
        error = await mine.expect("error")
        assert error["code"] == "signed_out" and error["message"]
        assert await mine.closed() == 4401
        await still_open(other_device)

    run(scenario)


def test_the_signed_out_session_closes_even_before_django_deletes_it(live_room, network, layer):
    """Django signals a sign-out before it flushes the session: the broadcast
    names the session (by digest), so its connections close without
    reading a session row that may still be there."""
    user = network.staff_a
    here, elsewhere = session_cookie(user), session_cookie(user)

    async def scenario(clients):
        mine = await open_with(live_room.pk, here)
        other_device = await open_with(live_room.pk, elsewhere)
        clients += [mine, other_device]
        # the session row is still there, as between Django's signal and its flush
        await realtime.revoke(user_id=user.pk, reason="signed_out", signed_out=realtime.sign_in_digest(here))
        error = await mine.expect("error")
        assert error["code"] == "signed_out" and error["message"]
        assert await mine.closed() == 4401
        await still_open(other_device)

    run(scenario)
    assert SessionStore(session_key=here).exists(here)


def test_the_sign_out_broadcast_names_the_session_by_digest_only(client, network, monkeypatch):
    sent = []
    monkeypatch.setattr(realtime, "revoke_on_commit", lambda **kwargs: sent.append(kwargs))
    client.force_login(network.staff_a)
    key = client.session.session_key
    assert client.post(reverse("academy:logout")).status_code == 302
    (kwargs,) = sent
    assert kwargs == {
        "user_id": network.staff_a.pk,
        "reason": "signed_out",
        "signed_out": realtime.sign_in_digest(key),
    }
    assert key not in kwargs["signed_out"]


def test_a_password_change_closes_the_other_sessions(live_room, network, layer):
    """As Django's password change view: the session that changed it is kept
    (its hash is updated); the others no longer match and close."""
    user = network.staff_a
    changing, other = session_cookie(user), session_cookie(user)

    def change_password():
        with transaction.atomic():
            user.set_password("a-new-long-passphrase")
            user.save()
            store = SessionStore(changing)
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.save()

    async def scenario(clients):
        kept = await open_with(live_room.pk, changing)
        dropped = await open_with(live_room.pk, other)
        clients += [kept, dropped]
        await sync_to_async(change_password)()
        assert await dropped.closed() == 4401
        await still_open(kept)

    run(scenario)


def test_an_account_switched_off_is_closed(live_room, network, layer):
    user = network.staff_a

    def switch_off():
        user.is_active = False
        user.save(update_fields=["is_active"])

    async def scenario(clients):
        alice = await open_with(live_room.pk, await sync_to_async(session_cookie)(user))
        bob = await open_with(live_room.pk, await sync_to_async(session_cookie)(network.staff_b))
        clients += [alice, bob]
        await sync_to_async(switch_off)()
        assert await alice.closed() == 4401
        await still_open(bob)  # someone else: untouched

    run(scenario)


def test_a_membership_ended_closes_with_4403(live_room, network, layer):
    from distributors import services as network_services
    from distributors.selectors import membership_current

    user = network.staff_a

    def leave():
        network_services.membership_end(membership=membership_current(user=user), ended_by=network.lead_a)

    async def scenario(clients):
        alice = await open_with(live_room.pk, await sync_to_async(session_cookie)(user))
        clients.append(alice)
        await sync_to_async(leave)()
        error = await alice.expect("error")
        assert error["code"] == "no_longer_allowed"
        assert await alice.closed() == 4403

    run(scenario)


def test_without_the_broadcast_the_next_frame_finds_out(live_room, network, monkeypatch):
    """The revocation is lost (the layer dropped it): the connection's own
    check, before handling a frame, closes it and stores nothing."""
    from webinars.models import ChatMessage

    monkeypatch.setattr(realtime, "revoke_on_commit", lambda **kwargs: None)
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.0)
    cookie = session_cookie(network.staff_a)

    async def scenario(clients):
        alice = await open_with(live_room.pk, cookie)
        clients.append(alice)
        await alice.send(type="chat.send", text="still here")
        await alice.expect("chat.message")
        await sync_to_async(SessionStore(cookie).delete)()  # signed out elsewhere, unheard of
        await alice.send(type="chat.send", text="after signing out")
        assert (await alice.expect("error"))["code"] == "signed_out"
        assert await alice.closed() == 4401

    run(scenario)
    assert list(ChatMessage.objects.values_list("text", flat=True)) == ["still here"]


def test_the_check_is_not_made_before_its_time(live_room, network, monkeypatch):
    """A connection checks again only ``RECHECK_SECONDS`` after the last check."""
    monkeypatch.setattr(realtime, "revoke_on_commit", lambda **kwargs: None)
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 3600.0)
    checks = []
    real = consumers.room_recheck
    monkeypatch.setattr(consumers, "room_recheck", lambda **kw: checks.append(kw) or real(**kw))

    async def scenario(clients):
        alice = await open_with(live_room.pk, await sync_to_async(session_cookie)(network.staff_a))
        clients.append(alice)
        await still_open(alice)

    run(scenario)
    assert checks == []
