"""The room's shared copy (``selectors.room_state``): read once per server
and version, cut into each connection's snapshot without a query, read
again after a change — a chat message, a poll opened or answered, an
arrival or a departure — and never older than ``WEBINAR_ROOM_SNAPSHOT_SECONDS``."""

import pytest
from django.utils import timezone

from tests.academy.factories import UserFactory
from webinars import consumers, selectors, services
from webinars.models import Poll, Registration, RegistrationStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_copies(settings):
    settings.WEBINAR_ROOM_SNAPSHOT_SECONDS = 60.0
    selectors.room_state_forget()
    yield
    selectors.room_state_forget()


def test_the_copy_is_shared_while_nothing_changes(live_room, network, django_assert_num_queries):
    state = selectors.room_state(session_id=live_room.pk)
    with django_assert_num_queries(0):
        again = selectors.room_state(session_id=live_room.pk)
        alice = selectors.snapshot_for(again, user=network.staff_a, role=selectors.ATTENDEE)
        trainer = selectors.snapshot_for(again, user=network.trainer, role=selectors.TRAINER)
    assert again is state
    assert alice["me"]["id"] == network.staff_a.pk
    assert alice["role"] == "attendee" and "people" not in alice
    assert trainer["role"] == "trainer" and trainer["people"] == []


def test_a_chat_message_makes_the_next_connection_read_the_room_again(live_room, network):
    before = selectors.room_state(session_id=live_room.pk)
    services.chat_post(session=live_room, user=network.staff_a, text="Bonjour à tous")
    after = selectors.room_state(session_id=live_room.pk)
    assert after is not before
    assert [m["text"] for m in after.chat] == ["Bonjour à tous"]
    assert after.last_seq == before.last_seq + 1
    assert selectors.room_state(session_id=live_room.pk) is after


def test_a_poll_opened_and_answered_is_in_the_next_snapshot(live_room, network):
    poll = services.poll_create(
        actor=network.trainer, session=live_room, question="Prêts ?", options=["Oui", "Non"], kind="single"
    )
    services.poll_open(actor=network.trainer, session=live_room, poll_id=poll.pk)
    opened = selectors.room_state(session_id=live_room.pk)
    alice = selectors.snapshot_for(opened, user=network.staff_a, role=selectors.ATTENDEE)
    assert alice["poll"]["status"] == "open" and alice["poll"]["results"] is None
    assert alice["poll"]["my_answer"] == []
    yes = Poll.objects.get(pk=poll.pk).options.order_by("position", "id").first()
    consumers.poll_answer(session=live_room, user=network.staff_a, poll_id=poll.pk, option_ids=[yes.pk])
    answered = selectors.room_state(session_id=live_room.pk)
    assert answered is not opened
    alice = selectors.snapshot_for(answered, user=network.staff_a, role=selectors.ATTENDEE)
    bob = selectors.snapshot_for(answered, user=network.staff_b, role=selectors.ATTENDEE)
    assert alice["poll"]["my_answer"] == [yes.pk]
    assert alice["poll"]["results"]["voters"] == 1  # results once answered
    assert bob["poll"]["my_answer"] == [] and bob["poll"]["results"] is None


def test_arrivals_and_departures_make_it_read_again(live_room, network):
    empty = selectors.room_state(session_id=live_room.pk)
    assert empty.present == 0
    # Someone whose arrival is not written yet counts themselves.
    assert selectors.snapshot_for(empty, user=network.staff_a, role=selectors.ATTENDEE)["present"] == 1
    now = timezone.now()
    services.room_presence_apply(
        arrivals=[
            services.RoomArrival(
                channel_name="a", session_id=live_room.pk, user_id=network.staff_a.pk, role="attendee", at=now
            )
        ]
    )
    present = selectors.room_state(session_id=live_room.pk)
    assert present is not empty and present.present == 1
    assert [p["id"] for p in present.people] == [network.staff_a.pk]
    assert selectors.snapshot_for(present, user=network.staff_a, role=selectors.ATTENDEE)["present"] == 1
    services.room_presence_apply(departures=[services.RoomDeparture(channel_name="a", at=now)])
    assert selectors.room_state(session_id=live_room.pk).present == 0


def test_the_person_own_state_comes_from_the_copy(live_room, network):
    services.hand_set(session=live_room, user=network.staff_a, raised=True)
    services.room_mute(actor=network.trainer, session=live_room, user_id=network.staff_b.pk, muted=True)
    question = services.question_ask(session=live_room, user=network.staff_b, text="Et ensuite ?")
    services.question_upvote(session=live_room, user=network.staff_a, question_id=question.pk)
    state = selectors.room_state(session_id=live_room.pk)
    alice = selectors.snapshot_for(state, user=network.staff_a, role=selectors.ATTENDEE)
    bob = selectors.snapshot_for(state, user=network.staff_b, role=selectors.ATTENDEE)
    trainer = selectors.snapshot_for(state, user=network.trainer, role=selectors.TRAINER)
    assert (alice["me"]["hand_raised"], alice["me"]["muted"]) == (True, False)
    assert (bob["me"]["hand_raised"], bob["me"]["muted"]) == (False, True)
    assert [q["voted"] for q in alice["questions"]] == [True]
    assert [q["voted"] for q in bob["questions"]] == [False]
    assert [h["id"] for h in trainer["hands"]] == [network.staff_a.pk]
    assert [m["id"] for m in trainer["muted"]] == [network.staff_b.pk]


def test_registrants_are_read_again_after_the_longest_age(live_room, network, settings, monkeypatch):
    """Registrations change outside the room: the copy's list of registrants
    is at most ``WEBINAR_ROOM_SNAPSHOT_SECONDS`` old."""
    late = UserFactory()
    state = selectors.room_state(session_id=live_room.pk)
    assert late.pk not in state.registrants
    Registration.objects.create(session=live_room, user=late, status=RegistrationStatus.CONFIRMED)
    assert selectors.room_state(session_id=live_room.pk) is state
    clock = selectors.room_state.__globals__["time"]
    later = clock.monotonic() + settings.WEBINAR_ROOM_SNAPSHOT_SECONDS + 1
    monkeypatch.setattr(clock, "monotonic", lambda: later)
    renewed = selectors.room_state(session_id=live_room.pk)
    assert renewed is not state and late.pk in renewed.registrants


def test_a_session_ended_is_in_the_next_snapshot(live_room, network):
    selectors.room_state(session_id=live_room.pk)
    services.session_end(actor=network.trainer, session=live_room, at=timezone.now())
    state = selectors.room_state(session_id=live_room.pk)
    assert state.session.status == "ended"
    entry = selectors.room_entry(
        user=network.staff_a, session_id=live_room.pk, session=state.session, registrants=state.registrants
    )
    assert isinstance(entry, selectors.RoomRefusal) and entry.code == "ended"


def test_an_unknown_session_has_no_copy_to_cut(db):
    state = selectors.room_state(session_id=987654)
    assert state.session is None
    user = UserFactory()
    assert selectors.room_entry(user=user, session_id=987654, session=None).code == "not_found"
    with pytest.raises(Exception, match="does not exist"):
        selectors.snapshot_for(state, user=user, role=selectors.ATTENDEE)
