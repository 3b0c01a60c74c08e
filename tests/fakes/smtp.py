"""A mail server for tests (aiosmtpd on 127.0.0.1, a free port), that keeps
what a real one would show: each SMTP session (connection) with the
messages it carried, by their ``Message-ID``.

Faults, as mail servers produce them (RFC 5321):

- ``refuse``: recipients answered ``550`` at ``RCPT TO`` (mailbox unavailable);
- ``drop_after``: the server ends a session after that many messages by
  answering the next ``MAIL FROM`` with ``421`` and closing the connection
  (a server's limit of messages per connection, or a restart).
"""

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


@dataclass
class SMTPSession:
    greeted: str = ""
    messages: list[str] = field(default_factory=list)
    # The bytes of each message as the server received them (after DATA).
    received: list[bytes] = field(default_factory=list)
    quit: bool = False


class MailServer:
    def __init__(self, *, refuse: frozenset[str] = frozenset(), drop_after: int | None = None) -> None:
        self.refuse = refuse
        self.drop_after = drop_after
        self.sessions: list[SMTPSession] = []
        self.lock = threading.Lock()
        self._by_peer: dict[int, SMTPSession] = {}
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> "MailServer":
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def delivered(self) -> list[str]:
        with self.lock:
            return [key for session in self.sessions for key in session.messages]

    def session_of(self, smtp: SMTP) -> SMTPSession:
        with self.lock:
            return self._by_peer[id(smtp)]

    def settings(self) -> dict[str, Any]:
        """Django settings that point the SMTP backend here."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_TIMEOUT": 5,
        }


class _Handler:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_EHLO(self, smtp: SMTP, session: Any, envelope: Any, hostname: str, responses: list[str]):
        with self.server.lock:
            record = SMTPSession(greeted=hostname)
            self.server.sessions.append(record)
            self.server._by_peer[id(smtp)] = record
        session.host_name = hostname
        return responses

    async def handle_MAIL(self, smtp: SMTP, session: Any, envelope: Any, address: str, options: list[str]):
        record = self.server.session_of(smtp)
        if self.server.drop_after is not None and len(record.messages) >= self.server.drop_after:
            smtp.transport.close()
            return "421 4.7.0 Too many messages in this session, closing"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, smtp: SMTP, session: Any, envelope: Any, address: str, options: list[str]):
        if address in self.server.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: SMTP, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        record = self.server.session_of(smtp)
        with self.server.lock:
            record.messages.append(message.get("Message-ID", ""))
            record.received.append(envelope.content)
        return "250 OK: queued"

    async def handle_QUIT(self, smtp: SMTP, session: Any, envelope: Any) -> str:
        self.server.session_of(smtp).quit = True
        return "221 Bye"
