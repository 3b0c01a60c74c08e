import datetime

import pytest
from django.utils import timezone

from tests.webinars.factories import SessionFactory


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
