"""Periodic upkeep: end sessions nobody ended, fetch BigBlueButton recordings."""

import datetime
import logging

from django.conf import settings
from django.utils import timezone

from academy.errors import ApplicationError
from webinars.models import Session, SessionStatus, VideoProvider
from webinars.services.sessions import session_end, session_recording_fetch

logger = logging.getLogger(__name__)


def sessions_close_overdue(*, now: datetime.datetime | None = None) -> int:
    """End sessions still scheduled or live ``WEBINAR_AUTO_END_AFTER_MINUTES``
    after their planned end (so attendance and follow-ups happen even when
    the trainer forgot). Returns how many were ended."""
    now = now or timezone.now()
    grace = datetime.timedelta(minutes=settings.WEBINAR_AUTO_END_AFTER_MINUTES)
    started = Session.objects.filter(
        status__in=[SessionStatus.SCHEDULED, SessionStatus.LIVE], starts_at__lt=now - grace
    ).order_by("starts_at")
    count = 0
    for session in started:
        if session.ends_at + grace > now:
            continue
        session_end(actor=None, session=session, at=min(now, session.ends_at))
        count += 1
    return count


def recordings_fetch_recent(*, now: datetime.datetime | None = None) -> int:
    """Look for the recordings of BigBlueButton sessions ended in the last two days."""
    now = now or timezone.now()
    sessions = Session.objects.filter(
        status=SessionStatus.ENDED,
        video_provider=VideoProvider.BIGBLUEBUTTON,
        recording_url="",
        ended_at__gte=now - datetime.timedelta(days=2),
    )
    found = 0
    for session in sessions:
        try:
            found += bool(session_recording_fetch(actor=None, session=session))
        except ApplicationError as error:
            logger.warning("Recording of session %s not fetched: %s", session.pk, error.message)
    return found
