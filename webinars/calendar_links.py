"""“Add to my calendar” links for a session: Google Calendar, Outlook.com,
Outlook on Microsoft 365, and the site's own ``.ics`` download.

Google's event template (``calendar/render?action=TEMPLATE``) takes
``dates=<start>/<end>`` in basic UTC form (``20260105T140000Z``); Outlook's
compose deep link takes ``startdt``/``enddt`` in extended UTC form
(``2026-01-05T14:00:00Z``). Every value is percent-encoded (a space is
``%20``: Outlook shows a ``+`` as written). The details end with the
session's page, where the joining link appears.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.urls import reverse

from webinars.ics import event_description, session_url
from webinars.models import Session

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"
OFFICE365 = "https://outlook.office.com/calendar/0/deeplink/compose"
# Links live in e-mails and pages: the agenda is cut so that a link stays short.
DETAILS_LIMIT = 600


@dataclass(frozen=True)
class CalendarLinks:
    google: str
    outlook: str
    office365: str
    ics: str


def _query(params: dict[str, str]) -> str:
    return urlencode(params, quote_via=quote, safe="/")


def _outlook(
    base: str, session: Session, start: datetime.datetime, end: datetime.datetime, details: str
) -> str:
    return f"{base}?" + _query(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": session.title,
            "startdt": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "enddt": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "body": details,
            "location": session_url(session),
        }
    )


def calendar_links(session: Session) -> CalendarLinks:
    """The links for ``session``, with its details in the active language."""
    start = session.starts_at.astimezone(datetime.UTC)
    end = session.ends_at.astimezone(datetime.UTC)
    details = event_description(session, limit=DETAILS_LIMIT)
    google = f"{GOOGLE}?" + _query(
        {
            "action": "TEMPLATE",
            "text": session.title,
            "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
            "details": details,
            "location": session_url(session),
        }
    )
    return CalendarLinks(
        google=google,
        outlook=_outlook(OUTLOOK, session, start, end, details),
        office365=_outlook(OFFICE365, session, start, end, details),
        ics=settings.SITE_URL + reverse("webinars:session_calendar", args=[session.pk]),
    )
