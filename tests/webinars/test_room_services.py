"""Live-room services without a socket: presence and its sweep, chat rules
and the engagement log, questions, polls, the event log and who may see it."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from academy.errors import ApplicationError
from academy.models import EngagementEvent, Verb
from tests.webinars.factories import RegistrationFactory, SessionFactory
from webinars import realtime, services
from webinars import selectors as room_selectors
from webinars.models import Attendance, RoomConnection, RoomEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(network):
    session = SessionFactory(
        trainers=[network.trainer], starts_at=timezone.now() + datetime.timedelta(minutes=5)
    )
    RegistrationFactory(session=session, user=network.staff_a)
    RegistrationFactory(session=session, user=network.staff_b)
    return services.session_start(actor=network.trainer, session=session)


def test_presence_interval_spans_several_tabs(live, network):
    start = timezone.now()
    services.room_connect(session=live, user=network.staff_a, channel_name="tab-1", role="attendee", at=start)
    services.room_connect(
        session=live,
        user=network.staff_a,
        channel_name="tab-2",
        role="attendee",
        at=start + datetime.timedelta(minutes=1),
    )
    services.room_disconnect(channel_name="tab-1", at=start + datetime.timedelta(minutes=5))
    attendance = Attendance.objects.get(session=live, user=network.staff_a)
    assert attendance.intervals.get().left_at is None  # the other tab is still open
    services.room_disconnect(channel_name="tab-2", at=start + datetime.timedelta(minutes=40))
    attendance.refresh_from_db()
    assert attendance.intervals.get().left_at is not None
    assert attendance.minutes_attended >= 39 and attendance.attended  # 40 of 60 minutes ≥ 50 %


def test_trainers_and_observers_are_not_counted_as_attendees(live, network):
    services.room_connect(session=live, user=network.trainer, channel_name="t", role="trainer")
    services.room_connect(session=live, user=network.manager_a, channel_name="m", role="observer")
    assert not Attendance.objects.filter(session=live).exists()
    assert room_selectors.present_count(session_id=live.pk) == 2


def test_sweep_closes_silent_connections_at_their_last_sign_of_life(live, network, settings):
    settings.WEBINAR_ROOM_STALE_SECONDS = 90
    start = timezone.now() - datetime.timedelta(minutes=30)
    services.room_connect(session=live, user=network.staff_a, channel_name="gone", role="attendee", at=start)
    services.room_connect(session=live, user=network.staff_b, channel_name="alive", role="attendee", at=start)
    last = start + datetime.timedelta(minutes=10)
    assert services.room_heartbeat(channel_names=["gone"], at=last) == set()
    assert services.room_heartbeat(channel_names=["alive", "unknown"]) == {"unknown"}
    assert services.room_presence_sweep() == 1
    assert list(RoomConnection.objects.values_list("channel_name", flat=True)) == ["alive"]
    interval = Attendance.objects.get(session=live, user=network.staff_a).intervals.get()
    assert interval.left_at == last


def test_chat_is_recorded_once_in_the_engagement_log(live, network):
    services.chat_post(session=live, user=network.staff_a, text="Bonjour")
    services.chat_post(session=live, user=network.staff_a, text="Encore moi")
    events = EngagementEvent.objects.filter(actor=network.staff_a, verb=Verb.CHAT_POSTED)
    assert events.count() == 1 and events.get().distributor == network.distributor_a


def test_chat_rules(live, network):
    with pytest.raises(ApplicationError) as error:
        services.chat_post(session=live, user=network.staff_a, text="x" * 1001)
    assert error.value.code == "too_long"
    with pytest.raises(ApplicationError) as error:
        services.chat_post(session=live, user=network.manager_a, text="Hello")
    assert error.value.code == "forbidden"
    services.room_mute(actor=network.trainer, session=live, user_id=network.staff_a.pk, muted=True)
    with pytest.raises(ApplicationError) as error:
        services.chat_post(session=live, user=network.staff_a, text="Hello")
    assert error.value.code == "muted"
    with pytest.raises(ApplicationError) as error:
        services.room_mute(actor=network.staff_b, session=live, user_id=network.staff_a.pk, muted=False)
    assert error.value.code == "forbidden"


def test_question_and_poll_engagement(live, network):
    services.question_ask(session=live, user=network.staff_a, text="Prix ?")
    poll = services.poll_create(
        actor=network.trainer, session=live, question="Q", options=["a", "b"], kind="multiple"
    )
    services.poll_open(actor=network.trainer, session=live, poll_id=poll.pk)
    a, b = poll.options.all()
    services.poll_vote(session=live, user=network.staff_a, poll_id=poll.pk, option_ids=[a.pk, b.pk])
    services.poll_vote(session=live, user=network.staff_a, poll_id=poll.pk, option_ids=[b.pk])
    verbs = list(EngagementEvent.objects.filter(actor=network.staff_a).values_list("verb", flat=True))
    assert verbs.count(Verb.QUESTION_ASKED) == 1 and verbs.count(Verb.POLL_ANSWERED) == 1
    results = services.poll_close(actor=network.trainer, session=live, poll_id=poll.pk)
    closed = room_selectors.closed_poll_results(session=results.session)
    assert [(o["text"], o["votes"]) for o in closed[0]["options"]] == [("a", 0), ("b", 1)]


def test_poll_preparation_validation(session, network):
    with pytest.raises(ApplicationError) as error:
        services.poll_create(
            actor=network.trainer, session=session, question="Q", options=["a", "a"], kind="single"
        )
    assert "options" in error.value.fields
    with pytest.raises(PermissionDenied):
        services.poll_create(
            actor=network.staff_a, session=session, question="Q", options=["a", "b"], kind="single"
        )


def test_events_are_logged_in_order_with_their_recipients(live, network):
    question = services.question_ask(session=live, user=network.staff_a, text="Anonyme ?", anonymous=True)
    services.hand_set(session=live, user=network.staff_b, raised=True)
    events = list(RoomEvent.objects.filter(session=live).order_by("id"))
    assert [e.type for e in events] == ["session.status", "question.updated", "hand.updated"]
    asked, hand = events[1], events[2]
    assert asked.payload["question"]["author"] is None
    assert asked.trainer_payload["question"]["author"]["id"] == network.staff_a.pk
    assert realtime.event_visible(hand, user_id=network.staff_b.pk, is_trainer=False)
    assert not realtime.event_visible(hand, user_id=network.staff_a.pk, is_trainer=False)
    assert realtime.event_visible(hand, user_id=network.trainer.pk, is_trainer=True)
    frames = room_selectors.room_events_after(
        session_id=live.pk, user=network.staff_a, is_trainer=False, after=0
    )
    assert [f["type"] for f in frames] == ["session.status", "question.updated"]
    assert frames[1]["data"]["question"]["id"] == question.pk


def test_session_end_closes_the_room(live, network):
    services.room_connect(session=live, user=network.staff_a, channel_name="c", role="attendee")
    services.session_end(actor=network.trainer, session=live)
    assert not RoomConnection.objects.filter(session=live).exists()
    assert RoomEvent.objects.filter(session=live, type="session.status").last().payload["status"] == "ended"
    assert Attendance.objects.get(session=live, user=network.staff_a).intervals.get().left_at is not None


def test_every_documented_event_is_routed(live, network):
    for kind in realtime.EVENTS:
        assert realtime.EVENTS[kind].doc
    event = RoomEvent(
        session=live,
        seq=7,
        type="hand.updated",
        audience="trainers",
        target_user=network.staff_a,
        payload={"user": {"id": network.staff_a.pk}},
    )
    event.pk = 1
    routes = realtime._routes(event)
    groups = [group for group, _message in routes]
    assert groups == [
        realtime.group_everyone(live.pk),
        realtime.group_trainers(live.pk),
        realtime.group_user(live.pk, network.staff_a.pk),
    ]
    # Everyone learns that sequence 7 exists, not what it was.
    marker = routes[0][1]
    assert marker["seq"] == 7 and "text" not in marker
    assert all(message["seq"] == 7 for _group, message in routes)
