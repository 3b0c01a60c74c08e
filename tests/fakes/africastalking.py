"""Africa's Talking's SMS API for tests, written from its public
documentation (SMS: sending, delivery reports, incoming messages).

A real HTTP server on 127.0.0.1 (a thread; ``with FakeAfricasTalking() as
at``) at ``at.url`` (``AFRICASTALKING_API_URL``). Like Africa's Talking it
answers ``POST /version1/messaging``:

* the ``apiKey`` header and the ``username`` field must be the account's,
  else 401 with a text body ("The supplied authentication is invalid");
* ``Accept: application/json`` gives JSON (anything else: the XML it
  answers by default);
* ``username``, ``to`` and ``message`` are required: 400, text body
  "Request is missing required form field '<name>'";
* ``from``, when given, must be one of ``at.sender_ids``, else the request
  is refused as a whole: ``Recipients`` empty, ``Message``
  "InvalidSenderId";
* 201 with ``SMSMessageData``: ``Message`` ("Sent to 1/1 Total Cost: XOF
  20.0000") and one ``Recipients`` entry per number of ``to`` (comma
  separated): ``statusCode`` 101 "Success", ``messageId``, ``cost``
  ("<currency> <price × parts>"), ``messageParts`` — or, for that number,
  403 "InvalidPhoneNumber" (not E.164, or in ``at.invalid``), 406
  "UserInBlacklist" (in ``at.blacklisted``), 405 "InsufficientBalance"
  (``at.balance_empty``), with ``cost`` "0" and ``messageId`` "None".

``at.fail_next(500, n)`` (or 429, 503) answers the next ``n`` requests with
that status. ``at.messages`` lists the accepted ones (``form`` and
``messageId``).

Callbacks as Africa's Talking posts them (form fields, no signature):
``at.delivery_report(client, url, message_id, status, failure_reason=...)``
and ``at.incoming(client, url, sender, text)``; ``client`` is a Django test
client, ``url`` the callback URL set in the dashboard.
"""

import json
import re
import secrets
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

# Parts are counted as gateways bill them (GSM 03.38, else UCS-2).
from academy.messaging.rules import sms_segments
from tests.fakes.gateway import FakeGateway, form_post

USERNAME = "academy"
API_KEY = "atsk_for_tests_0123456789abcdef"
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")


class FakeAfricasTalking(FakeGateway):
    def __init__(self, *, username: str = USERNAME, api_key: str = API_KEY) -> None:
        self.username = username
        self.api_key = api_key
        self.sender_ids: set[str] = {"ACADEMY"}
        self.invalid: set[str] = set()
        self.blacklisted: set[str] = set()
        self.balance_empty = False
        self.currency = "XOF"
        self.price = "20.0000"
        self.messages: list[dict[str, Any]] = []
        super().__init__()

    # ------------------------------------------------------------ callbacks

    def delivery_report(
        self, client: Any, url: str, message_id: str, status: str, *, failure_reason: str = ""
    ) -> Any:
        message = next(m for m in self.messages if m["messageId"] == message_id)
        params = {
            "id": message_id,
            "status": status,
            "phoneNumber": message["number"],
            "networkCode": "60801",
            "retryCount": "0",
        }
        if failure_reason:
            params["failureReason"] = failure_reason
        return form_post(client, url, params)

    def incoming(
        self,
        client: Any,
        url: str,
        sender: str,
        text: str,
        *,
        message_id: str | None = None,
        to: str = "20880",
    ) -> Any:
        params = {
            "date": "2026-12-02 01:30:00",
            "from": sender,
            "id": message_id or secrets.token_hex(16),
            "linkId": secrets.token_hex(8),
            "text": text,
            "to": to,
            "networkCode": "60801",
        }
        return form_post(client, url, params)

    # ------------------------------------------------------------ the API

    def _recipient(self, number: str, message: str, form: dict[str, str]) -> dict[str, Any]:
        if not E164_RE.match(number) or number in self.invalid:
            return {
                "statusCode": 403,
                "number": number,
                "status": "InvalidPhoneNumber",
                "cost": "0",
                "messageId": "None",
            }
        if number in self.blacklisted:
            return {
                "statusCode": 406,
                "number": number,
                "status": "UserInBlacklist",
                "cost": "0",
                "messageId": "None",
            }
        if self.balance_empty:
            return {
                "statusCode": 405,
                "number": number,
                "status": "InsufficientBalance",
                "cost": "0",
                "messageId": "None",
            }
        parts = sms_segments(message)
        cost = f"{self.currency} {float(self.price) * parts:.4f}"
        message_id = "ATXid_" + secrets.token_hex(16)
        self.messages.append({"form": form, "number": number, "messageId": message_id, "cost": cost})
        return {
            "statusCode": 101,
            "number": number,
            "status": "Success",
            "cost": cost,
            "messageId": message_id,
            "messageParts": parts,
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        at = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: str, content_type: str = "text/plain") -> None:
                data = body.encode()
                at._record(self.path, status)
                self.send_response(status)
                self.send_header("Content-Type", f"{content_type}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                failure = at._next_failure()
                if failure is not None:
                    self._answer(failure, "Too Many Requests" if failure == 429 else "Internal Server Error")
                    return
                if urlsplit(self.path).path != "/version1/messaging":
                    self._answer(404, "Not Found")
                    return
                form = {name: values[-1] for name, values in parse_qs(raw, keep_blank_values=True).items()}
                if self.headers.get("apiKey") != at.api_key:
                    self._answer(401, "The supplied authentication is invalid")
                    return
                for name in ("username", "to", "message"):
                    if not form.get(name):
                        self._answer(400, f"Request is missing required form field '{name}'")
                        return
                if form["username"] != at.username:
                    self._answer(401, "The supplied authentication is invalid")
                    return
                if "from" in form and form["from"] not in at.sender_ids:
                    data: dict[str, Any] = {
                        "SMSMessageData": {"Message": "InvalidSenderId", "Recipients": []}
                    }
                else:
                    with at._lock:
                        recipients = [
                            at._recipient(number.strip(), form["message"], form)
                            for number in form["to"].split(",")
                        ]
                    sent = [r for r in recipients if r["statusCode"] == 101]
                    total = sum(float(r["cost"].split()[-1]) for r in sent)
                    summary = f"Sent to {len(sent)}/{len(recipients)} Total Cost: {at.currency} {total:.4f}"
                    data = {
                        "SMSMessageData": {
                            "Message": summary,
                            "Recipients": recipients,
                        }
                    }
                if "application/json" not in self.headers.get("Accept", ""):
                    self._answer(201, "<AfricasTalkingResponse/>", "application/xml")
                    return
                self._answer(201, json.dumps(data), "application/json")

        return Handler
