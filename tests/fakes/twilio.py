"""Twilio's Programmable Messaging API for tests, written from Twilio's
public documentation (Messages resource, REST API errors, webhook security).

A real HTTP server on 127.0.0.1 (a thread; ``with FakeTwilio() as twilio``)
at ``twilio.url`` (the API base: ``TWILIO_API_URL``). Like Twilio it
answers ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json``:

* HTTP Basic auth with the Account SID and Auth Token, else 401 (code
  20003 "Authenticate"); an Account SID in the path other than the one
  authenticated: 404 (code 20404);
* a form (``application/x-www-form-urlencoded``) with ``To`` in E.164
  (else 400, code 21211), ``Body`` not empty (21602) and at most 1600
  characters (21617), ``From`` or ``MessagingServiceSid`` (21603; both:
  they may be given together, the service wins); ``To`` among
  ``unsubscribed``: 400, code 21610; among ``invalid``: 400, code 21211;
* 201 with the Message resource (``sid`` "SM" + 32 hex, ``status``
  "queued", ``num_segments``, ``price`` — ``twilio.price``, null by
  default as at creation — ``price_unit``).

Errors have Twilio's body ``{"code", "message", "more_info", "status"}``.
``twilio.fail_next(429, n)`` (or 500, 503) answers the next ``n`` requests
with that status (20429 "Too Many Requests", 20500 "Internal Server
Error"). ``twilio.messages`` lists the accepted ones (their form),
``twilio.requests`` every ``(path, status)``.

Webhooks, as Twilio sends them (form POSTs signed with
``X-Twilio-Signature``): ``twilio.status_callback(client, sid, status,
error_code=...)`` posts to the ``StatusCallback`` the message named;
``twilio.incoming(client, url, sender, body)`` to an inbound URL. ``client``
is a Django test client; ``twilio.sign(url, params)`` gives the signature.
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Parts are counted as gateways bill them (GSM 03.38, else UCS-2).
from academy.messaging.rules import sms_segments
from tests.fakes.gateway import FakeGateway, form_post

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "twilio-auth-token-for-tests"
E164_RE = re.compile(r"^\+[1-9]\d{1,14}$")
PATH_RE = re.compile(r"^/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json$")
MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


def twilio_sign(url: str, params: dict[str, str], auth_token: str) -> str:
    """Twilio's signature: HMAC-SHA1 (key: the Auth Token) of the URL then
    each parameter, sorted by name, as name + value; base64."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()).decode()


class FakeTwilio(FakeGateway):
    def __init__(self, *, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.unsubscribed: set[str] = set()
        self.invalid: set[str] = set()
        self.price: str | None = None
        self.price_unit = "USD"
        self.messages: list[dict[str, str]] = []
        super().__init__()

    # ------------------------------------------------------------ webhooks

    def sign(self, url: str, params: dict[str, str]) -> str:
        return twilio_sign(url, params, self.auth_token)

    def _post(self, client: Any, url: str, params: dict[str, str], signature: str | None = None) -> Any:
        signed = signature if signature is not None else self.sign(url, params)
        return form_post(client, url, params, {"X-Twilio-Signature": signed})

    def status_params(self, sid: str, status: str, error_code: str = "") -> dict[str, str]:
        message = next(m for m in self.messages if m["sid"] == sid)
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": message.get("From", ""),
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "To": message["To"],
        }
        if message.get("MessagingServiceSid"):
            params["MessagingServiceSid"] = message["MessagingServiceSid"]
        if error_code:
            params["ErrorCode"] = error_code
        return params

    def status_callback(
        self, client: Any, sid: str, status: str, *, error_code: str = "", signature: str | None = None
    ) -> Any:
        """Post ``status`` of message ``sid`` to the StatusCallback it named."""
        message = next(m for m in self.messages if m["sid"] == sid)
        url = message["StatusCallback"]
        return self._post(client, url, self.status_params(sid, status, error_code), signature)

    def incoming(
        self,
        client: Any,
        url: str,
        sender: str,
        body: str,
        *,
        sid: str | None = None,
        to: str = "+15005550006",
        signature: str | None = None,
    ) -> Any:
        """Post an incoming SMS from ``sender`` to ``url`` as Twilio does."""
        sid = sid or "SM" + secrets.token_hex(16)
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": sender,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": str(sms_segments(body)),
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": to,
        }
        return self._post(client, url, params, signature)

    # ------------------------------------------------------------ the API

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        twilio = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                twilio._record(self.path, status)
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _error(self, status: int, code: int, message: str) -> None:
                self._answer(
                    status,
                    {
                        "code": code,
                        "message": message,
                        "more_info": MORE_INFO.format(code=code),
                        "status": status,
                    },
                )

            def do_GET(self) -> None:
                self._error(405, 20004, "Method not allowed")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                failure = twilio._next_failure()
                if failure == 429:
                    self._error(429, 20429, "Too Many Requests")
                    return
                if failure is not None:
                    self._error(failure, 20500, "Internal Server Error")
                    return
                expected = base64.b64encode(f"{twilio.account_sid}:{twilio.auth_token}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    self._error(401, 20003, "Authenticate")
                    return
                match = PATH_RE.match(urlsplit(self.path).path)
                if match is None or match.group(1) != twilio.account_sid:
                    self._error(
                        404, 20404, f"The requested resource {urlsplit(self.path).path} was not found"
                    )
                    return
                if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
                    self._error(400, 20001, "Content-Type must be application/x-www-form-urlencoded")
                    return
                form = {name: values[-1] for name, values in parse_qs(raw, keep_blank_values=True).items()}
                to = form.get("To", "")
                body = form.get("Body", "")
                if not to:
                    self._error(400, 21604, "A 'To' phone number is required.")
                    return
                if not E164_RE.match(to) or to in twilio.invalid:
                    self._error(400, 21211, f"Invalid 'To' Phone Number: {to}")
                    return
                if not form.get("From") and not form.get("MessagingServiceSid"):
                    self._error(400, 21603, "A 'From' phone number is required.")
                    return
                if not body.strip():
                    self._error(400, 21602, "Message body is required.")
                    return
                if len(body) > 1600:
                    self._error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
                    return
                if to in twilio.unsubscribed:
                    self._error(400, 21610, "Attempt to send to unsubscribed recipient")
                    return
                sid = "SM" + secrets.token_hex(16)
                with twilio._lock:
                    twilio.messages.append({**form, "sid": sid})
                now = formatdate(usegmt=True)
                self._answer(
                    201,
                    {
                        "account_sid": twilio.account_sid,
                        "api_version": "2010-04-01",
                        "body": body,
                        "date_created": now,
                        "date_sent": None,
                        "date_updated": now,
                        "direction": "outbound-api",
                        "error_code": None,
                        "error_message": None,
                        "from": form.get("From") or None,
                        "messaging_service_sid": form.get("MessagingServiceSid") or None,
                        "num_media": "0",
                        "num_segments": str(sms_segments(body)),
                        "price": twilio.price,
                        "price_unit": twilio.price_unit,
                        "sid": sid,
                        "status": "accepted" if form.get("MessagingServiceSid") else "queued",
                        "to": to,
                        "uri": f"/2010-04-01/Accounts/{twilio.account_sid}/Messages/{sid}.json",
                    },
                )

        return Handler
