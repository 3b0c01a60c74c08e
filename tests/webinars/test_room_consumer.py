"""The live room over WebSocket (``WebsocketCommunicator`` on the real ASGI
application): refusals, snapshot, every message type, validation, rate
limits, moderation, anonymity per recipient group, resume. Every client is
disconnected at the end of its scenario."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from tests.webinars.room import TIMEOUT, RoomClient, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


def run(scenario):
    async def wrapped():
        clients: list[RoomClient] = []
        try:
            await scenario(clients)
        finally:
            for client in clients:
                await client.close()
            await asyncio.sleep(0.1)  # let throttled state broadcasts finish

    async_to_sync(wrapped)()


async def join(clients, session, user, **kwargs) -> RoomClient:
    client = await RoomClient.open(session.pk, user, **kwargs)
    clients.append(client)
    return client


async def expect_state(client, kind, holds, timeout: float = TIMEOUT) -> dict:
    """The first ``kind`` frame whose data ``holds``, skipping earlier ones.
    Room state (presence) is broadcast at most every
    ``STATE_THROTTLE_SECONDS``, so a frame sent before the last arrival or
    departure may come first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (remaining := deadline - loop.time()) > 0:
        try:
            frame = await client.expect(kind, timeout=remaining)
        except TimeoutError:
            break
        if holds(frame["data"]):
            return frame
    raise AssertionError(f"no {kind} in the expected state within {timeout} s: {client.frames}")


def test_attendee_gets_a_snapshot(live_room, network):
    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        snapshot = (await alice.expect("snapshot"))["data"]
        assert snapshot["role"] == "attendee"
        assert snapshot["session"]["status"] == "live"
        assert snapshot["me"] == {
            "id": network.staff_a.pk,
            "name": network.staff_a.get_full_name() or network.staff_a.email.split("@")[0],
            "muted": False,
            "hand_raised": False,
        }
        assert snapshot["present"] == 1
        assert "people" not in snapshot and "hands" not in snapshot
        assert snapshot["last_event_id"] >= 1  # the session.status of the start

    run(scenario)


def test_chat_reaches_everyone(live_room, network):
    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        trainer = await join(clients, live_room, network.trainer)
        await alice.expect("snapshot")
        await trainer.expect("snapshot")
        await alice.send(type="chat.send", text="<b>Bonjour</b> à tous")
        for client in (alice, trainer):
            frame = await client.expect("chat.message")
            assert frame["data"]["message"]["text"] == "<b>Bonjour</b> à tous"
            assert frame["data"]["message"]["author"]["id"] == network.staff_a.pk
            assert frame["id"] > 0

    run(scenario)


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("who", "close_code", "error_code"),
    [
        ("anonymous", 4401, "unauthenticated"),
        ("lead_a", 4403, "not_registered"),
        ("unknown_session", 4404, "not_found"),
    ],
)
def test_refusals(live_room, network, who, close_code, error_code):
    async def scenario(clients):
        if who == "anonymous":
            client = await join(clients, live_room, None)
        elif who == "unknown_session":
            client = await RoomClient.open(live_room.pk + 1000, network.staff_a)
            clients.append(client)
        else:
            client = await join(clients, live_room, getattr(network, who))
        error = await client.expect("error")
        assert error["code"] == error_code and error["message"]
        assert await client.closed() == close_code

    run(scenario)


def test_attendee_refused_before_the_join_window_and_after_the_end(network, settings):
    from tests.webinars.conftest import end_session
    from tests.webinars.factories import RegistrationFactory, SessionFactory

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    later = SessionFactory(trainers=[network.trainer])
    RegistrationFactory(session=later, user=network.staff_a)
    ended = end_session(SessionFactory(trainers=[network.trainer], starts_at=later.starts_at))

    async def scenario(clients):
        early = await join(clients, later, network.staff_a)
        assert (await early.expect("error"))["code"] == "not_open"
        assert await early.closed() == 4409
        trainer_early = await join(clients, later, network.trainer)
        assert (await trainer_early.expect("error"))["code"] == "not_open"
        assert await trainer_early.closed() == 4409
        over = await join(clients, ended, network.trainer)
        assert (await over.expect("error"))["code"] == "ended"
        assert await over.closed() == 4409

    run(scenario)


def test_foreign_origin_is_refused(live_room, network):
    async def scenario(clients):
        cookie = await sync_to_async(session_cookie)(network.staff_a)
        client = RoomClient(live_room.pk, cookie, origin="https://evil.example")
        connected, _ = await client.communicator.connect(timeout=5)
        assert not connected

    run(scenario)


def test_manager_observes_without_taking_part(live_room, network):
    async def scenario(clients):
        manager = await join(clients, live_room, network.manager_b)
        assert (await manager.expect("snapshot"))["data"]["role"] == "observer"
        await manager.send(type="chat.send", text="Hello", ref="c1")
        error = await manager.expect("error")
        assert error["code"] == "forbidden" and error["ref"] == "c1"

    run(scenario)


# ---------------------------------------------------------------- validation and limits


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "malformed"),
        ("[1, 2]", "malformed"),
        ('{"type": "chat.shout", "text": "x"}', "unknown_type"),
        ('{"type": "chat.send"}', "invalid"),
        ('{"type": "chat.send", "text": 12}', "invalid"),
        ('{"type": "chat.send", "text": "hi", "admin": true}', "invalid"),
        ('{"type": "question.upvote", "question_id": true}', "invalid"),
        ('{"type": "poll.vote", "poll_id": 1, "option_ids": []}', "invalid"),
        ('{"type": "question.moderate", "question_id": 1, "action": "delete"}', "invalid"),
        ('{"type": "chat.send", "text": "' + "x" + "é" * 1001 + '"}', "too_long"),
        ('{"type": "chat.send", "text": "' + "x" * 5000 + '"}', "too_large"),
        ('{"type": "chat.send", "text": "   "}', "invalid"),
    ],
)
def test_bad_frames_get_an_error_and_the_connection_stays(live_room, network, raw, code):
    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        await alice.expect("snapshot")
        await alice.send_raw(raw)
        error = await alice.expect("error")
        assert error["code"] == code and error["message"]
        await alice.send(type="heartbeat")
        await alice.expect("pong")

    run(scenario)


def test_error_messages_follow_the_person_language(live_room, network):
    network.staff_a.language = "fr"
    network.staff_a.save(update_fields=["language"])

    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        await alice.expect("snapshot")
        await alice.send(type="nope")
        assert (await alice.expect("error"))["message"] == "Type de message inconnu."

    run(scenario)


def test_chat_rate_limit_per_person(live_room, network):
    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        await alice.expect("snapshot")
        for n in range(5):
            await alice.send(type="chat.send", text=f"message {n}")
            await alice.expect("chat.message")
        await alice.send(type="chat.send", text="one too many")
        assert (await alice.expect("error"))["code"] == "rate_limited"
        # A second tab shares the person's allowance.
        other_tab = await join(clients, live_room, network.staff_a)
        await other_tab.expect("snapshot")
        await other_tab.send(type="chat.send", text="from the other tab")
        assert (await other_tab.expect("error"))["code"] == "rate_limited"

    run(scenario)


def test_connection_rate_limit(live_room, network):
    from webinars.consumers import CONNECTION_LIMIT

    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        await alice.expect("snapshot")
        for _ in range(CONNECTION_LIMIT):
            await alice.send(type="heartbeat")
            await alice.expect("pong")
        await alice.send(type="heartbeat")
        assert (await alice.expect("error"))["code"] == "rate_limited"

    run(scenario)


def test_an_unexpected_failure_is_reported_not_fatal(live_room, network, monkeypatch):
    from webinars import services

    def broken(**kwargs):
        raise RuntimeError("database fell over")

    monkeypatch.setattr(services, "hand_set", broken)

    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        await alice.expect("snapshot")
        await alice.send(type="hand.set", raised=True)
        assert (await alice.expect("error"))["code"] == "server_error"
        await alice.send(type="chat.send", text="still here")
        await alice.expect("chat.message")

    run(scenario)


# ---------------------------------------------------------------- moderation


def test_trainer_deletes_a_message_for_everyone(live_room, network):
    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        bob = await join(clients, live_room, network.staff_b)
        trainer = await join(clients, live_room, network.trainer)
        for client in (alice, bob, trainer):
            await client.expect("snapshot")
        await alice.send(type="chat.send", text="spam")
        message_id = (await trainer.expect("chat.message"))["data"]["message"]["id"]
        await bob.send(type="chat.delete", message_id=message_id)
        assert (await bob.expect("error"))["code"] == "forbidden"
        await trainer.send(type="chat.delete", message_id=message_id)
        for client in (alice, bob, trainer):
            assert (await client.expect("chat.deleted"))["data"] == {"message_id": message_id}
        late = await join(clients, live_room, network.staff_b)
        assert (await late.expect("snapshot"))["data"]["chat"] == []

    run(scenario)


def test_muted_person_cannot_chat_and_only_they_and_trainers_are_told(live_room, network):
    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        bob = await join(clients, live_room, network.staff_b)
        trainer = await join(clients, live_room, network.trainer)
        for client in (alice, bob, trainer):
            await client.expect("snapshot")
        await trainer.send(type="user.mute", user_id=network.staff_a.pk, muted=True)
        for client in (alice, trainer):
            frame = await client.expect("user.muted")
            assert frame["data"]["muted"] is True and frame["data"]["user"]["id"] == network.staff_a.pk
        await alice.send(type="chat.send", text="let me speak")
        assert (await alice.expect("error"))["code"] == "muted"
        await bob.nothing()
        await trainer.send(type="user.mute", user_id=network.staff_a.pk, muted=False)
        await alice.expect("user.muted", muted=False)
        await alice.send(type="chat.send", text="thank you")
        await bob.expect("chat.message")

    run(scenario)


# ---------------------------------------------------------------- questions


def test_anonymous_question_names_the_author_to_trainers_only(live_room, network):
    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        bob = await join(clients, live_room, network.staff_b)
        trainer = await join(clients, live_room, network.trainer)
        for client in (alice, bob, trainer):
            await client.expect("snapshot")
        await alice.send(type="question.ask", text="Quel délai de livraison ?", anonymous=True)
        seen_by_bob = (await bob.expect("question.updated"))["data"]["question"]
        seen_by_trainer = (await trainer.expect("question.updated"))["data"]["question"]
        assert seen_by_bob["author"] is None and seen_by_bob["anonymous"] is True
        assert seen_by_trainer["author"]["id"] == network.staff_a.pk
        await trainer.nothing()  # trainers get their copy only, not the attendees' one too
        # The same holds in a snapshot and when resuming.
        late_bob = await join(clients, live_room, network.staff_b)
        assert (await late_bob.expect("snapshot"))["data"]["questions"][0]["author"] is None
        late_trainer = await join(clients, live_room, network.trainer, query="last_event_id=0")
        frame = await late_trainer.expect("question.updated")
        assert frame["data"]["question"]["author"]["id"] == network.staff_a.pk

    run(scenario)


def test_upvote_once_not_ones_own_and_trainer_moderation(live_room, network):
    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        bob = await join(clients, live_room, network.staff_b)
        trainer = await join(clients, live_room, network.trainer)
        for client in (alice, bob, trainer):
            await client.expect("snapshot")
        await alice.send(type="question.ask", text="First?")
        first = (await bob.expect("question.updated"))["data"]["question"]
        await alice.expect("question.updated")
        await bob.send(type="question.ask", text="Second?")
        second = (await alice.expect("question.updated"))["data"]["question"]
        await bob.expect("question.updated")
        await alice.send(type="question.upvote", question_id=first["id"])
        assert (await alice.expect("error"))["code"] == "own_question"
        await alice.send(type="question.upvote", question_id=second["id"])
        assert (await bob.expect("question.updated"))["data"]["question"]["votes"] == 1
        await alice.expect("question.updated")
        await alice.send(type="question.upvote", question_id=second["id"])
        assert (await alice.expect("error"))["code"] == "already_voted"
        await bob.send(type="question.moderate", question_id=first["id"], action="pin")
        assert (await bob.expect("error"))["code"] == "forbidden"
        await trainer.send(type="question.moderate", question_id=first["id"], action="pin")
        assert (await alice.expect("question.updated"))["data"]["question"]["pinned"] is True
        assert (await alice.nothing()) is None
        late = await join(clients, live_room, network.staff_b)
        ordered = [q["id"] for q in (await late.expect("snapshot"))["data"]["questions"]]
        assert ordered == [first["id"], second["id"]]  # pinned first, then votes
        await trainer.send(type="question.moderate", question_id=first["id"], action="answer")
        answered = (await alice.expect("question.updated"))["data"]["question"]
        assert answered["status"] == "answered" and answered["pinned"] is False
        await trainer.send(type="question.moderate", question_id=second["id"], action="dismiss")
        assert (await alice.expect("question.updated"))["data"]["question"]["status"] == "dismissed"
        await alice.send(type="question.upvote", question_id=second["id"])
        assert (await alice.expect("error"))["code"] == "question_closed"

    run(scenario)


# ---------------------------------------------------------------- polls


def test_poll_open_vote_change_results_and_close(live_room, network):
    from webinars import services

    poll = services.poll_create(
        actor=network.trainer,
        session=live_room,
        question="Which kit?",
        options=["A", "B", "C"],
        kind="single",
    )
    other = services.poll_create(
        actor=network.trainer, session=live_room, question="Again?", options=["Yes", "No"], kind="multiple"
    )
    a, b, c = (option.pk for option in poll.options.all())

    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        bob = await join(clients, live_room, network.staff_b)
        trainer = await join(clients, live_room, network.trainer)
        for client in (alice, bob, trainer):
            await client.expect("snapshot")
        await trainer.send(type="poll.open", poll_id=poll.pk)
        for client in (alice, bob, trainer):
            opened = (await client.expect("poll.opened"))["data"]["poll"]
            assert opened["results"] is None and [o["id"] for o in opened["options"]] == [a, b, c]
        await trainer.send(type="poll.open", poll_id=other.pk)
        assert (await trainer.expect("error"))["code"] == "poll_open"
        await alice.send(type="poll.vote", poll_id=poll.pk, option_ids=[a, b])
        assert (await alice.expect("error"))["code"] == "invalid"  # single choice
        await alice.send(type="poll.vote", poll_id=poll.pk, option_ids=[a])
        results = (await alice.expect("poll.results"))["data"]
        assert results["counts"][str(a)] == 1 and results["voters"] == 1
        await trainer.expect("poll.results")
        await bob.nothing(0.3)  # no results before voting
        await alice.send(type="poll.vote", poll_id=poll.pk, option_ids=[c])  # changes her mind
        results = (await alice.expect("poll.results"))["data"]
        assert results["counts"] == {str(a): 0, str(b): 0, str(c): 1}
        await trainer.send(type="poll.close", poll_id=poll.pk)
        for client in (alice, bob, trainer):
            closed = (await client.expect("poll.closed"))["data"]["poll"]
            assert closed["status"] == "closed" and closed["results"]["counts"][str(c)] == 1
        await bob.send(type="poll.vote", poll_id=poll.pk, option_ids=[a])
        assert (await bob.expect("error"))["code"] == "poll_closed"

    run(scenario)
    from webinars.selectors import closed_poll_results

    assert closed_poll_results(session=live_room)[0]["options"][2] == {
        "id": c,
        "text": "C",
        "votes": 1,
        "percent": 100,
    }


# ---------------------------------------------------------------- hands, announcements, status


def test_hands_go_to_trainers_and_the_person(live_room, network):
    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        bob = await join(clients, live_room, network.staff_b)
        trainer = await join(clients, live_room, network.trainer)
        for client in (alice, bob, trainer):
            await client.expect("snapshot")
        await alice.send(type="hand.set", raised=True)
        assert (await trainer.expect("hand.updated"))["data"]["raised"] is True
        await alice.expect("hand.updated", raised=True)
        await bob.nothing()
        late_trainer = await join(clients, live_room, network.trainer)
        hands = (await late_trainer.expect("snapshot"))["data"]["hands"]
        assert [hand["id"] for hand in hands] == [network.staff_a.pk]
        await trainer.send(type="hand.lower", user_id=network.staff_a.pk)
        await alice.expect("hand.updated", raised=False)

    run(scenario)


def test_announcement_banner_for_everyone(live_room, network):
    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        trainer = await join(clients, live_room, network.trainer)
        await alice.expect("snapshot")
        await trainer.expect("snapshot")
        await alice.send(type="announce", text="Free kits!")
        assert (await alice.expect("error"))["code"] == "forbidden"
        await trainer.send(type="announce", text="Pause de 5 minutes")
        frame = await alice.expect("announcement")
        assert frame["data"]["announcement"]["text"] == "Pause de 5 minutes"

    run(scenario)


def test_presence_and_attendance(live_room, network):
    from webinars.models import Attendance, RoomConnection

    async def scenario(clients):
        trainer = await join(clients, live_room, network.trainer)
        await trainer.expect("snapshot")
        alice = await join(clients, live_room, network.staff_a)
        await alice.expect("snapshot")
        both = {network.trainer.pk, network.staff_a.pk}
        listed = await expect_state(
            trainer, "presence.list", lambda data: {p["id"] for p in data["people"]} == both
        )
        people = listed["data"]["people"]
        assert {p["id"] for p in people} == {network.trainer.pk, network.staff_a.pk}
        counted = await expect_state(alice, "presence", lambda data: data["count"] == 2)
        assert counted["data"]["count"] == 2
        await alice.close()
        clients.remove(alice)
        counted = await expect_state(trainer, "presence", lambda data: data["count"] == 1)
        assert counted["data"]["count"] == 1

    run(scenario)
    attendance = Attendance.objects.get(session=live_room, user=network.staff_a)
    assert attendance.intervals.get().left_at is not None
    assert not Attendance.objects.filter(session=live_room, user=network.trainer).exists()
    assert RoomConnection.objects.filter(session=live_room).count() == 0


def test_trainer_starts_and_ends_from_the_room(network, settings, monkeypatch):
    import datetime

    from django.utils import timezone

    from tests.webinars.factories import RegistrationFactory, SessionFactory
    from webinars import consumers
    from webinars.models import Attendance, Session

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    monkeypatch.setattr(consumers, "STATE_THROTTLE_SECONDS", 0.05)
    session = SessionFactory(
        trainers=[network.trainer], starts_at=timezone.now() + datetime.timedelta(minutes=10)
    )
    RegistrationFactory(session=session, user=network.staff_a)

    async def scenario(clients):
        alice = await join(clients, session, network.staff_a)
        assert (await alice.expect("snapshot"))["data"]["session"]["status"] == "scheduled"
        trainer = await join(clients, session, network.trainer)
        await trainer.expect("snapshot")
        await alice.send(type="session.start")
        assert (await alice.expect("error"))["code"] == "forbidden"
        await trainer.send(type="session.start")
        await alice.expect("session.status", status="live")
        await trainer.send(type="session.end")
        await alice.expect("session.status", status="ended")
        assert await alice.closed() == 1000
        await trainer.expect("session.status", status="ended")

    run(scenario)
    assert Session.objects.get(pk=session.pk).status == "ended"
    assert Attendance.objects.get(session=session, user=network.staff_a).intervals.get().left_at is not None


# ---------------------------------------------------------------- resume


def test_reconnect_with_resume_gets_what_was_missed(live_room, network):
    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        seen = (await alice.expect("snapshot"))["data"]["last_event_id"]
        await alice.close()
        clients.remove(alice)
        bob = await join(clients, live_room, network.staff_b)
        await bob.expect("snapshot")
        await bob.send(type="chat.send", text="one")
        await bob.send(type="chat.send", text="two")
        await bob.send(type="hand.set", raised=True)  # bob's own: not for alice
        await bob.expect("hand.updated")
        back = await join(clients, live_room, network.staff_a, query=f"last_event_id={seen}")
        texts = [(await back.expect("chat.message"))["data"]["message"]["text"] for _ in range(2)]
        assert texts == ["one", "two"]
        resumed = (await back.expect("resumed"))["data"]
        assert resumed["missed"] == 2 and resumed["present"] >= 1
        assert not [f for f in back.frames if f["type"] in ("hand.updated", "snapshot")]
        # The resume message does the same on an open connection.
        await back.send(type="resume", last_event_id=seen)
        await back.expect("chat.message")
        await back.expect("chat.message")
        assert (await back.expect("resumed"))["data"]["missed"] == 2

    run(scenario)


def test_resume_too_far_behind_gets_a_snapshot(live_room, network, monkeypatch):
    from webinars.selectors import room as room_selectors

    monkeypatch.setattr(room_selectors, "RESUME_LIMIT", 1)

    async def scenario(clients):
        bob = await join(clients, live_room, network.staff_b)
        await bob.expect("snapshot")
        for text in ("a", "b", "c"):
            await bob.send(type="chat.send", text=text)
            await bob.expect("chat.message")
        back = await join(clients, live_room, network.staff_a, query="last_event_id=0")
        snapshot = (await back.expect("snapshot"))["data"]
        assert [m["text"] for m in snapshot["chat"]] == ["a", "b", "c"]

    run(scenario)


def test_a_failure_while_entering_is_reported_and_closes(live_room, network, monkeypatch):
    from webinars import consumers

    def broken(**kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(consumers, "room_enter", broken)

    async def scenario(clients):
        alice = await join(clients, live_room, network.staff_a)
        assert (await alice.expect("error"))["code"] == "server_error"
        assert await alice.closed() == 1011

    run(scenario)
