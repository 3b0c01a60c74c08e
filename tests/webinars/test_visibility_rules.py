"""The webinars' one-place rules: when registration is open, when the replay
opens and which recording link people get."""

import datetime

import pytest

from tests.webinars.conftest import end_session
from tests.webinars.factories import SessionFactory
from webinars import rules as webinar_rules
from webinars import selectors, services
from webinars.models import Session, SessionStatus
from webinars.rules import REPLAY_WITH_RECORDING

pytestmark = pytest.mark.django_db

RECORDING = "https://video.example.com/replay/1"


def test_registration_is_open_until_the_start_of_a_scheduled_session(session):
    start = session.starts_at
    assert services.registration_is_open(session, now=start - datetime.timedelta(seconds=1))
    assert not services.registration_is_open(session, now=start)
    assert not services.registration_is_open(session, now=start + datetime.timedelta(minutes=1))


@pytest.mark.parametrize("status", [SessionStatus.LIVE, SessionStatus.ENDED, SessionStatus.CANCELLED])
def test_registration_is_closed_once_the_session_is_not_scheduled(session, status):
    Session.objects.filter(pk=session.pk).update(status=status)
    session.refresh_from_db()
    assert not services.registration_is_open(session, now=session.starts_at - datetime.timedelta(days=1))


def test_the_replay_opens_when_the_session_has_ended(network):
    session = SessionFactory(trainers=[network.trainer], recording_url=RECORDING)
    assert not webinar_rules.replay_is_open(session)
    assert webinar_rules.recording_link(session) == ""  # a link set early stays hidden
    end_session(session)
    assert webinar_rules.replay_is_open(session)
    assert webinar_rules.recording_link(session) == RECORDING


def test_an_ended_session_without_recording_gives_no_link(session):
    end_session(session)
    assert webinar_rules.replay_is_open(session)
    assert webinar_rules.recording_link(session) == ""


def test_the_replay_list_matches_the_recording_rule(network):
    ended_with = end_session(SessionFactory(trainers=[network.trainer], recording_url=RECORDING))
    end_session(SessionFactory(trainers=[network.trainer]))
    SessionFactory(trainers=[network.trainer], recording_url=RECORDING)  # still ahead
    assert list(Session.objects.filter(REPLAY_WITH_RECORDING)) == [ended_with]
    assert list(selectors.replay_list(user=network.staff_a)) == [ended_with]
    assert [webinar_rules.recording_link(s) for s in Session.objects.order_by("pk")] == [RECORDING, "", ""]
