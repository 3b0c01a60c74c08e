"""Managers observe the rooms of the sessions whose audience reaches their
territories (and company-wide ones): on the page and on the socket."""

import asyncio
import datetime

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse
from django.utils import timezone

from tests.webinars.factories import RegistrationFactory, SessionFactory
from tests.webinars.room import RoomClient
from webinars import selectors, services

pytestmark = pytest.mark.django_db(transaction=True)


def live_session(network, audience=None, registrants=()):
    kwargs = {"audience": audience} if audience is not None else {}
    session = SessionFactory(
        trainers=[network.trainer],
        starts_at=(timezone.now() + datetime.timedelta(minutes=5)).replace(microsecond=0),
        **kwargs,
    )
    for user in registrants:
        RegistrationFactory(session=session, user=user)
    return services.session_start(actor=network.trainer, session=session)


AUDIENCES = {
    "company-wide": lambda net: None,
    "no-place-chosen": lambda net: {"audience_everyone": False, "audience_customers": False},
    "territory-a": lambda net: {"audience_everyone": False, "audience_territories": [net.territory_a]},
    "distributor-a": lambda net: {"audience_everyone": False, "audience_distributors": [net.distributor_a]},
}
# Which managers observe each session: manager_a is in charge of territory A.
OBSERVERS = {
    "company-wide": {"manager_a", "manager_b"},
    "no-place-chosen": {"manager_a", "manager_b"},
    "territory-a": {"manager_a"},
    "distributor-a": {"manager_a"},
}
CASES = [(audience, manager) for audience in AUDIENCES for manager in ("manager_a", "manager_b")]


@pytest.mark.parametrize(("audience", "manager"), CASES)
def test_room_entry_of_managers(network, audience, manager):
    session = live_session(network, AUDIENCES[audience](network))
    entry = selectors.room_entry(user=getattr(network, manager), session_id=session.pk)
    if manager in OBSERVERS[audience]:
        assert isinstance(entry, selectors.RoomEntry) and entry.role == selectors.OBSERVER
    else:
        assert isinstance(entry, selectors.RoomRefusal)
        assert (entry.close_code, entry.code) == (4403, "other_territory")


@pytest.mark.parametrize(("audience", "manager"), CASES)
def test_room_page_of_managers(client, network, audience, manager):
    session = live_session(network, AUDIENCES[audience](network))
    client.force_login(getattr(network, manager))
    response = client.get(reverse("webinars:session_room", args=[session.pk]))
    if manager in OBSERVERS[audience]:
        assert response.status_code == 200 and 'data-role="observer"' in response.content.decode()
    else:
        assert response.status_code == 403


@pytest.mark.parametrize(
    ("audience", "manager", "allowed"),
    [
        ("territory-a", "manager_b", False),
        ("territory-a", "manager_a", True),
        ("company-wide", "manager_b", True),
    ],
)
def test_socket_of_managers(network, settings, audience, manager, allowed):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    session = live_session(network, AUDIENCES[audience](network), registrants=[network.staff_a])
    services.chat_post(session=session, user=network.staff_a, text="Bonjour de Dakar")

    async def scenario():
        client = await RoomClient.open(session.pk, getattr(network, manager))
        try:
            if allowed:
                snapshot = (await client.expect("snapshot"))["data"]
                assert snapshot["role"] == "observer"
                assert [m["text"] for m in snapshot["chat"]] == ["Bonjour de Dakar"]
            else:
                error = await client.expect("error")
                assert error["code"] == "other_territory"
                assert await client.closed() == 4403
                assert not [f for f in client.frames if f["type"] in ("snapshot", "chat.message")]
        finally:
            await client.close()
            await asyncio.sleep(0.05)

    async_to_sync(scenario)()


def test_a_registrant_outside_the_audience_is_refused(network):
    """Registered while in territory A's distributor, then moved out of the
    audience (the session now targets territory B only)."""
    session = live_session(network, AUDIENCES["territory-a"](network), registrants=[network.staff_a])
    assert selectors.room_entry(user=network.staff_a, session_id=session.pk).role == selectors.ATTENDEE
    session.audience_territories.set([network.territory_b])
    entry = selectors.room_entry(user=network.staff_a, session_id=session.pk)
    assert isinstance(entry, selectors.RoomRefusal) and entry.close_code == 4403
