"""Calendar files (RFC 5545 / iTIP RFC 5546) for sessions, with icalendar.

Each session has one stable UID; ``SEQUENCE`` is the session's invitation
revision, raised on every reschedule or cancellation, so calendar programs
replace the event they already hold. Times are written in UTC.
"""

import datetime
from collections.abc import Iterable
from email.utils import parseaddr
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.i18n import in_language_of
from academy.models import User
from webinars.models import Session, SessionStatus

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"


def event_uid(session: Session) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "academy"
    return f"webinar-{session.ical_uid}@{host}"


def session_url(session: Session) -> str:
    return settings.SITE_URL + reverse("webinars:session_detail", args=[session.pk])


def _event(session: Session, *, user: User | None, cancelled: bool) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", event_uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("dtstart", session.starts_at.astimezone(datetime.UTC))
    event.add("dtend", session.ends_at.astimezone(datetime.UTC))
    event.add("summary", session.title)
    url = session_url(session)
    description = [session.agenda.strip()] if session.agenda.strip() else []
    description.append(_("Details and joining link: %(url)s") % {"url": url})
    event.add("description", "\n\n".join(description))
    event.add("url", url)
    event.add("location", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = icalendar.vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = icalendar.vText(name or address)
    event.add("organizer", organizer)
    if user is not None:
        attendee = icalendar.vCalAddress(f"mailto:{user.email}")
        attendee.params["cn"] = icalendar.vText(str(user))
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = icalendar.vText("DECLINED" if cancelled else "ACCEPTED")
        attendee.params["rsvp"] = icalendar.vText("FALSE")
        event.add("attendee", attendee, encode=False)
    return event


def _calendar(method: str, name: str = "") -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Academy//Web-conferences//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def invitation(session: Session, *, user: User, method: str = REQUEST) -> bytes:
    """The invitation (``REQUEST``) or its withdrawal (``CANCEL``) for one
    registrant, written in their language."""
    cancelled = method == CANCEL or session.status == SessionStatus.CANCELLED
    with in_language_of(user):
        calendar = _calendar(method)
        calendar.add_component(_event(session, user=user, cancelled=cancelled))
    return calendar.to_ical()


def download(session: Session) -> bytes:
    """A file a person can add to their calendar by hand (``PUBLISH``)."""
    calendar = _calendar(PUBLISH)
    calendar.add_component(_event(session, user=None, cancelled=session.status == SessionStatus.CANCELLED))
    return calendar.to_ical()


def feed(sessions: Iterable[Session], *, user: User) -> bytes:
    """A person's private calendar feed: every session they are registered for."""
    with in_language_of(user):
        calendar = _calendar(PUBLISH, name=_("My web-conferences"))
        for session in sessions:
            calendar.add_component(
                _event(session, user=None, cancelled=session.status == SessionStatus.CANCELLED)
            )
    return calendar.to_ical()
