"""Reading an invitation e-mail as mail programs do: from the bytes sent,
with Python's e-mail parser, checking the shape Outlook, Gmail and
Thunderbird act on (``academy.imip``)."""

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import icalendar


@dataclass
class Invitation:
    message: EmailMessage
    method: str
    inline: bytes  # the text/calendar alternative
    attached: bytes  # the invite.ics attachment
    text: str  # the text/plain alternative

    @property
    def calendar(self) -> icalendar.Calendar:
        return icalendar.Calendar.from_ical(self.inline)


def invitation_of(raw: bytes) -> Invitation:
    """The parts of an invitation, asserting its MIME tree:
    mixed[alternative[text/plain, text/html, text/calendar], application/ics]
    (every e-mail has its HTML part, from the one layout)."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert message.get_content_type() == "multipart/mixed"
    alternative, attachment, *_others = message.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    parts = list(alternative.iter_parts())
    types = [part.get_content_type() for part in parts]
    assert types == ["text/plain", "text/html", "text/calendar"], types
    calendar_part = parts[-1]
    method = calendar_part.get_param("method")
    assert calendar_part.get_content_charset() == "utf-8"
    assert not calendar_part.is_attachment()
    assert attachment.get_content_type() == "application/ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_filename() == "invite.ics" and attachment.get_param("name") == "invite.ics"
    inline = calendar_part.get_content().encode()
    attached = attachment.get_content()
    assert isinstance(method, str) and isinstance(attached, bytes)
    return Invitation(
        message=message, method=method, inline=inline, attached=attached, text=parts[0].get_content()
    )


def sent_invitation(message) -> Invitation:
    """:func:`invitation_of` the bytes Django's SMTP backend would send for ``message``."""
    return invitation_of(message.message().as_bytes(linesep="\r\n"))
