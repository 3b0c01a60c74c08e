"""Calendar files (RFC 5545 / iTIP RFC 5546) for sessions, with icalendar.

Each session has one stable UID; ``SEQUENCE`` is the session's invitation
revision, raised on every reschedule or cancellation, so calendar programs
replace the event they already hold. A person's own invitations add to it
(:func:`invitation_sequence`) so that their cancellation, and a later
registration again, each outrank what their calendar already holds. Times
are written in UTC.

``ORGANIZER`` is a real mailbox: ``WEBINAR_INVITATION_ORGANIZER`` when set,
else the session's trainer, else ``DEFAULT_FROM_EMAIL``.
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
from webinars.models import Registration, Session, SessionStatus

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"


def event_uid(session: Session) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "academy"
    return f"webinar-{session.ical_uid}@{host}"


def session_url(session: Session) -> str:
    return settings.SITE_URL + reverse("webinars:session_detail", args=[session.pk])


def event_description(session: Session, *, limit: int | None = None) -> str:
    """The agenda (cut to ``limit`` characters) and the session's page, in
    the active language: the event's text in calendars and calendar links."""
    agenda = session.agenda.strip()
    if limit is not None and len(agenda) > limit:
        agenda = agenda[: limit - 1].rstrip() + "…"
    parts = [agenda] if agenda else []
    parts.append(_("Details and joining link: %(url)s") % {"url": session_url(session)})
    return "\n\n".join(parts)


def organizer(session: Session) -> tuple[str, str]:
    """``(name, address)`` of the invitation's organizer (see the module)."""
    if settings.WEBINAR_INVITATION_ORGANIZER:
        name, address = parseaddr(settings.WEBINAR_INVITATION_ORGANIZER)
        return name or address, address
    # ``all()`` so that a feed's prefetched trainers cost no query per session.
    trainers = sorted((t for t in session.trainers.all() if t.email), key=lambda t: t.pk)
    if trainers:
        return str(trainers[0]), trainers[0].email
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return name or address, address


def invitation_sequence(registration: Registration, *, method: str) -> int:
    """``SEQUENCE`` of an invitation to this registration's person.

    The session's revision, plus two for each earlier registration of the
    person to the session, plus one for the withdrawal of their own
    registration: every message they receive outranks the previous one."""
    session = registration.session
    earlier = Registration.objects.filter(
        session_id=session.pk, user_id=registration.user_id, pk__lt=registration.pk
    ).count()
    withdrawn = method == CANCEL and session.status != SessionStatus.CANCELLED
    return session.sequence + 2 * earlier + int(withdrawn)


def _event(
    session: Session, *, user: User | None, cancelled: bool, sequence: int | None = None
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", event_uid(session))
    event.add("sequence", session.sequence if sequence is None else sequence)
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("created", session.created_at.astimezone(datetime.UTC))
    event.add("last-modified", session.updated_at.astimezone(datetime.UTC))
    event.add("dtstart", session.starts_at.astimezone(datetime.UTC))
    event.add("dtend", session.ends_at.astimezone(datetime.UTC))
    event.add("summary", session.title)
    url = session_url(session)
    event.add("description", event_description(session))
    event.add("url", url)
    event.add("location", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    name, address = organizer(session)
    organizer_address = icalendar.vCalAddress(f"mailto:{address}")
    organizer_address.params["cn"] = icalendar.vText(name)
    event.add("organizer", organizer_address)
    if user is not None:
        # Registered on the site, so already accepted; no reply is asked for:
        # registration and its cancellation happen on the session's page.
        attendee = icalendar.vCalAddress(f"mailto:{user.email}")
        attendee.params["cn"] = icalendar.vText(str(user))
        attendee.params["cutype"] = icalendar.vText("INDIVIDUAL")
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


def invitation(session: Session, *, user: User, method: str = REQUEST, sequence: int | None = None) -> bytes:
    """The invitation (``REQUEST``) or its withdrawal (``CANCEL``) for one
    registrant, written in their language; ``sequence`` defaults to the
    session's revision (see :func:`invitation_sequence`)."""
    cancelled = method == CANCEL or session.status == SessionStatus.CANCELLED
    with in_language_of(user):
        calendar = _calendar(method)
        calendar.add_component(_event(session, user=user, cancelled=cancelled, sequence=sequence))
    return calendar.to_ical()


def download(session: Session) -> bytes:
    """A file a person can add to their calendar by hand (``PUBLISH``)."""
    calendar = _calendar(PUBLISH)
    calendar.add_component(_event(session, user=None, cancelled=session.status == SessionStatus.CANCELLED))
    return calendar.to_ical()


def feed(sessions: Iterable[Session], *, user: User) -> bytes:
    """A person's private calendar feed: every session they are registered
    for, named, shown in their time zone, and re-read every
    ``WEBINAR_CALENDAR_FEED_REFRESH_MINUTES`` (RFC 7986 ``REFRESH-INTERVAL``
    and its older spelling ``X-PUBLISHED-TTL``, read by Outlook)."""
    with in_language_of(user):
        name = _("My web-conferences")
        calendar = _calendar(PUBLISH, name=name)
        calendar.add("name", name)
        calendar.add("x-wr-timezone", user.time_zone or settings.TIME_ZONE)
        refresh = datetime.timedelta(minutes=settings.WEBINAR_CALENDAR_FEED_REFRESH_MINUTES)
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", icalendar.vDuration(refresh))
        for session in sessions:
            calendar.add_component(
                _event(session, user=None, cancelled=session.status == SessionStatus.CANCELLED)
            )
    return calendar.to_ical()
