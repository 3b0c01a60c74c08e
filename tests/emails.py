"""Sent e-mails read back as a mail client does: the bytes that leave,
parsed by Python's ``email`` package (``policy.default``)."""

import email
import email.policy
import re
from email.message import EmailMessage
from html.parser import HTMLParser

from django.core.mail import EmailMessage as DjangoEmailMessage


def parsed(message: DjangoEmailMessage) -> EmailMessage:
    """The message exactly as the mail server receives it."""
    raw = message.message().as_bytes()
    result = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(result, EmailMessage)
    return result


def alternative(message: EmailMessage) -> EmailMessage:
    """The ``multipart/alternative`` part (the message itself, or the first
    part of a ``multipart/mixed`` carrying attachments)."""
    if message.get_content_type() == "multipart/alternative":
        return message
    for part in message.walk():
        if part.get_content_type() == "multipart/alternative":
            assert isinstance(part, EmailMessage)
            return part
    raise AssertionError(f"no multipart/alternative in {message.get_content_type()}")


def text_and_html(message: DjangoEmailMessage) -> tuple[str, str]:
    """The text and HTML parts of a sent message, checking they are its
    ``multipart/alternative`` in that order (the last part is the preferred one)."""
    parts = list(alternative(parsed(message)).iter_parts())
    types = [part.get_content_type() for part in parts]
    assert types[:2] == ["text/plain", "text/html"], types
    return parts[0].get_content(), parts[1].get_content()


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.lang: str | None = None
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag in ("img", "link", "script") or values.get("src"):
            self.sources.append(tag)


def html_facts(html: str) -> _Links:
    """The links, the ``lang`` and any external resource of an HTML part."""
    parser = _Links()
    parser.feed(html)
    return parser


def urls(text: str) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", text)
