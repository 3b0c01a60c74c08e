import datetime

import pytest
from django.utils import timezone

from academy.outbox import outbox_drain
from tests.webinars.factories import SessionFactory


def reminders_send(**kwargs):
    """Hand the due reminders over to the messaging layer, then send the
    e-mails they queued (in production the hand-over's wake-up runs the
    e-mail outbox next). Returns the reminders' report."""
    from academy.services import EMAIL_OUTBOX
    from webinars import services

    report = services.reminders_dispatch(**kwargs)
    outbox_drain(EMAIL_OUTBOX, now=kwargs.get("now"))
    return report


@pytest.fixture
def session(network):
    """A session open to everyone in ten days, hosted by the network's trainer."""
    return SessionFactory(
        trainers=[network.trainer],
        starts_at=(timezone.now() + datetime.timedelta(days=10)).replace(second=0, microsecond=0),
    )


def end_session(session, *, minutes_after_end: int = 0):
    """End a session as if it ran on schedule (helpers for tests)."""
    from webinars import services
    from webinars.models import Session, SessionStatus

    Session.objects.filter(pk=session.pk).update(status=SessionStatus.LIVE, started_at=session.starts_at)
    session.refresh_from_db()
    services.session_end(actor=None, session=session, at=session.ends_at)
    session.refresh_from_db()
    return session


@pytest.fixture
def live_room(network, settings, monkeypatch):
    """A live session hosted by the network's trainer, with two confirmed
    registrants (staff of each distributor), over the in-memory channel layer
    with state broadcasts (presence, poll results) sped up for tests."""
    from tests.webinars.factories import RegistrationFactory
    from webinars import consumers, services

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    monkeypatch.setattr(consumers, "STATE_THROTTLE_SECONDS", 0.05)
    monkeypatch.setattr(consumers, "_pending_state", {})
    session = SessionFactory(
        trainers=[network.trainer],
        starts_at=(timezone.now() + datetime.timedelta(minutes=5)).replace(microsecond=0),
    )
    RegistrationFactory(session=session, user=network.staff_a)
    RegistrationFactory(session=session, user=network.staff_b)
    return services.session_start(actor=network.trainer, session=session)


@pytest.fixture
def fake_bbb(settings, monkeypatch):
    """The local BigBlueButton server (``tests.fakes.bigbluebutton``), used by
    every BigBlueButton client the app makes."""
    from tests.fakes.bigbluebutton import FakeBigBlueButton
    from webinars import bigbluebutton

    fake = FakeBigBlueButton()
    settings.BBB_URL = fake.url
    settings.BBB_SECRET = fake.secret
    monkeypatch.setattr(bigbluebutton.BigBlueButton, "from_settings", classmethod(lambda cls: fake.client()))
    return fake
