"""Calendar invitations by e-mail (iMIP, RFC 6047), shaped as mail programs act on them.

Outlook's MIME writer rules (MS-OXCMAIL 2.1.3.3.8) and the invitations that
Gmail and Thunderbird send carry the iCalendar object as the last part of the
``multipart/alternative`` body, with the iTIP method as a parameter, and once
more as an ordinary attachment for programs that only look there::

    multipart/mixed
      multipart/alternative
        text/plain
        text/html                                   (when the e-mail has one)
        text/calendar; method=REQUEST; charset=utf-8
      application/ics; name="invite.ics"            (attachment)
      ... other attachments

The ``METHOD`` property inside the calendar must equal the MIME parameter:
:class:`CalendarEmail` refuses a mismatch.
"""

import re
from email import encoders
from email.mime.base import MIMEBase
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart, SafeMIMEText

ATTACHMENT_NAME = "invite.ics"
_METHOD = re.compile(rb"^METHOD:([A-Z-]+)\r?$", re.MULTILINE)


def calendar_method(content: bytes) -> str:
    """The ``METHOD`` of a serialised VCALENDAR ("" when absent)."""
    found = _METHOD.search(content)
    return found.group(1).decode() if found else ""


class CalendarEmail(EmailMultiAlternatives):
    """An e-mail whose body alternatives end with an iTIP calendar object.

    ``calendar`` is ``(method, ics bytes)``; without it the message is a
    plain :class:`EmailMultiAlternatives`."""

    def __init__(self, *args: Any, calendar: tuple[str, bytes] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.calendar = calendar
        if calendar is not None:
            method, content = calendar
            if calendar_method(content) != method.upper():
                raise ValueError(f"The calendar's METHOD is not {method!r}")
            self.attach(self._ics_attachment(content))

    def _ics_attachment(self, content: bytes) -> MIMEBase:
        part = MIMEBase("application", "ics", name=ATTACHMENT_NAME)
        part.set_payload(content)
        encoders.encode_base64(part)
        part.add_header("Content-Disposition", "attachment", filename=ATTACHMENT_NAME)
        return part

    def _create_alternatives(self, msg: Any) -> Any:
        msg = super()._create_alternatives(msg)  # type: ignore[misc]  # private in the stubs, public in Django
        if self.calendar is None:
            return msg
        if msg.get_content_type() != "multipart/alternative":
            body = msg
            msg = SafeMIMEMultipart(_subtype="alternative", encoding=self.encoding or "utf-8")
            msg.attach(body)
        method, content = self.calendar
        # Line ends are the transport's (CRLF on the wire); the attachment keeps the file's bytes.
        part = SafeMIMEText(content.decode("utf-8").replace("\r\n", "\n"), "calendar", "utf-8")
        part.replace_header("Content-Type", f"text/calendar; method={method.upper()}; charset=utf-8")
        msg.attach(part)
        return msg
