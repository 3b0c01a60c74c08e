"""Meta's WhatsApp Business Cloud API for tests, written from its public
documentation (Messages API, Media API, template and document messages,
error codes, webhooks payloads and their ``X-Hub-Signature-256``).

A real HTTP server on 127.0.0.1 (a thread; ``with FakeWhatsAppCloud() as
wa``) at ``wa.url`` (the Graph API root with its version, what
``WHATSAPP_API_URL`` holds); ``wa.settings()`` are the Django settings that
point the provider here. Like Meta it checks every request and answers
with Meta's error body ``{"error": {"message", "type", "code",
"error_data": {"messaging_product", "details"}, "fbtrace_id"}}``:

* the path: ``/vNN.N/<phone-number-id>/messages`` or ``/media``, for the
  phone number id it serves (else 400, code 100: unsupported request);
* ``Authorization: Bearer <token>`` (else 401, code 190: invalid token);
* messages: JSON (``Content-Type: application/json``), ``messaging_product:
  "whatsapp"``, ``recipient_type`` ``individual`` when given, ``to`` digits
  only (code 100 otherwise: Meta asks for the international format without
  "+"), ``type`` one of ``text``, ``template``, ``document``; a text's
  ``body`` (1 to 4096 characters); a template's ``name``, ``language.code``
  and its components (``type`` body/header/button, each parameter of
  ``type: text`` with a ``text``): the template must be among
  ``wa.templates`` — ``(name, language) → number of body parameters`` —
  else 404 with code 132001 ("Template name does not exist in the
  translation"), and the parameters must match their count (400, code
  132000); a document refers to an uploaded media ``id``;
  ``biz_opaque_callback_data`` at most 512 characters;
* media: ``multipart/form-data`` with ``messaging_product=whatsapp``, a
  ``type`` and a ``file`` whose MIME type Meta accepts (documents: plain
  text, PDF, Office files; else 400, code 131053); answers ``{"id"}``.

An accepted message is recorded in ``wa.messages`` (the request's JSON,
with the ``wamid`` given) and answered like Meta: ``{"messaging_product":
"whatsapp", "contacts": [{"input", "wa_id"}], "messages": [{"id":
"wamid.…"}]}``. ``wa.reject[digits] = (code, title)`` refuses messages to
that number (e.g. ``131026`` undeliverable); ``wa.fail_next(n, status=429)``
answers the next ``n`` requests with a rate limit (429, code 130429) or a
server error (500, code 131000); ``wa.requests`` lists ``(method, path,
status)``.

Webhooks, in Meta's exact shape and signed with the app secret:
``wa.status_payload(wamid, "delivered")``, ``wa.inbound_payload(from_,
text=…)`` (or ``button=…``, ``button_reply=…``) build them; ``wa.sign(body)``
is the ``X-Hub-Signature-256`` header value; ``wa.post_webhook(url,
payload)`` delivers one like Meta (over HTTP, to a live server).
"""

import email.parser
import email.policy
import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

ACCESS_TOKEN = "EAAtest-access-token"
PHONE_NUMBER_ID = "106540352242922"
DISPLAY_PHONE_NUMBER = "15550783881"
WABA_ID = "102290129340398"
APP_SECRET = "test-app-secret-5f2b"
VERIFY_TOKEN = "test-verify-token"
API_VERSION = "v21.0"

PATH_RE = re.compile(r"^/v\d+\.\d+/(?P<phone>[^/]+)/(?P<edge>messages|media)/?$")
DIGITS_RE = re.compile(r"^\d{8,15}$")
# Meta's supported media types (the ones our code may upload).
MEDIA_TYPES = {
    "text/plain",
    "application/pdf",
    "application/vnd.ms-powerpoint",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image/jpeg",
    "image/png",
}


class MetaError(Exception):
    def __init__(
        self, status: int, code: int, message: str, details: str = "", type_: str = "OAuthException"
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or message
        self.type = type_

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": f"(#{self.code}) {self.message}",
                "type": self.type,
                "code": self.code,
                "error_data": {"messaging_product": "whatsapp", "details": self.details},
                "fbtrace_id": "A" + secrets.token_urlsafe(16),
            }
        }


def _invalid(details: str) -> MetaError:
    return MetaError(400, 100, "Invalid parameter", details)


class FakeWhatsAppCloud:
    def __init__(self, *, templates: dict[tuple[str, str], int] | None = None) -> None:
        # Approved templates: (name, language code) -> number of body parameters.
        self.templates: dict[tuple[str, str], int] = dict(templates or {})
        self.messages: list[dict[str, Any]] = []
        self.media: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, int]] = []
        self.reject: dict[str, tuple[int, str]] = {}
        self.lock = threading.Lock()
        self._failures: list[tuple[int, int | None]] = []
        # The ids the next accepted messages get (then random ones), so a
        # test can report a status before the send records the id.
        self.next_wamids: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/{API_VERSION}"

    def __enter__(self) -> "FakeWhatsAppCloud":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def settings(self) -> dict[str, Any]:
        return {
            "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "WHATSAPP_API_URL": self.url,
            "WHATSAPP_TIMEOUT": 5,
        }

    def fail_next(self, count: int, *, status: int = 429, code: int | None = None) -> None:
        """Answer the next ``count`` requests with a rate limit (429, code
        130429) or a server error (500, code 131000); ``code`` sets the code
        (Meta also reports 130429 with a 400)."""
        with self.lock:
            self._failures.extend([(status, code)] * count)

    def message_to(self, digits: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.messages if m["to"] == digits]

    # ------------------------------------------------------------ the API

    def _take_failure(self) -> MetaError | None:
        with self.lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is None:
            return None
        status, code = failure
        if code == 130429 or (code is None and status == 429):
            return MetaError(
                status,
                130429,
                "Rate limit hit",
                "Message failed to send because there were too many messages sent from this phone number "
                "in a short period of time",
            )
        return MetaError(
            status,
            code or 131000,
            "Something went wrong",
            "Message failed to send because of an unknown error",
        )

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any]]:
        match = PATH_RE.match(path.split("?", 1)[0])
        if method != "POST" or match is None:
            raise MetaError(
                400,
                100,
                "Unsupported post request",
                f"Unknown path components: {path}",
                "GraphMethodException",
            )
        if headers.get("Authorization", "") != f"Bearer {ACCESS_TOKEN}":
            raise MetaError(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if match["phone"] != PHONE_NUMBER_ID:
            raise MetaError(
                400,
                100,
                "Unsupported post request",
                f"Object with ID '{match['phone']}' does not exist, cannot be loaded due to missing "
                "permissions, or does not support this operation",
                "GraphMethodException",
            )
        failure = self._take_failure()
        if failure is not None:
            raise failure
        if match["edge"] == "media":
            return 200, self._upload(headers, body)
        return 200, self._message(headers, body)

    def _upload(self, headers: Any, body: bytes) -> dict[str, Any]:
        content_type = headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data"):
            raise _invalid("The media upload must be multipart/form-data")
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        fields: dict[str, str] = {}
        file: tuple[str, str, bytes] | None = None
        for part in parsed.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            decoded = part.get_payload(decode=True)
            payload = decoded if isinstance(decoded, bytes) else b""
            if filename is not None:
                file = (filename, part.get_content_type(), payload)
            elif name:
                fields[str(name)] = payload.decode()
        if fields.get("messaging_product") != "whatsapp":
            raise _invalid("The parameter messaging_product is required and must be whatsapp")
        if file is None:
            raise _invalid("The parameter file is required")
        mime = fields.get("type") or file[1]
        if mime not in MEDIA_TYPES or file[1] not in MEDIA_TYPES:
            raise MetaError(400, 131053, "Media upload error", f"Unsupported file type {mime}")
        media_id = str(secrets.randbelow(10**15) + 10**15)
        with self.lock:
            self.media[media_id] = {"filename": file[0], "type": mime, "content": file[2]}
        return {"id": media_id}

    def _message(self, headers: Any, body: bytes) -> dict[str, Any]:
        if not headers.get("Content-Type", "").startswith("application/json"):
            raise _invalid("The request body must be JSON (Content-Type: application/json)")
        try:
            data = json.loads(body)
        except ValueError as error:
            raise _invalid("The request body is not valid JSON") from error
        if not isinstance(data, dict):
            raise _invalid("The request body must be an object")
        if data.get("messaging_product") != "whatsapp":
            raise _invalid("The parameter messaging_product is required and must be whatsapp")
        if data.get("recipient_type", "individual") != "individual":
            raise _invalid("recipient_type must be individual")
        to = data.get("to")
        if not isinstance(to, str) or not DIGITS_RE.match(to):
            raise _invalid("The parameter to must be a phone number in international format, digits only")
        opaque = data.get("biz_opaque_callback_data")
        if opaque is not None and (not isinstance(opaque, str) or len(opaque) > 512):
            raise _invalid("biz_opaque_callback_data must be a string of at most 512 characters")
        kind = data.get("type", "text")
        if kind == "text":
            text = data.get("text")
            if not isinstance(text, dict) or not isinstance(text.get("body"), str):
                raise _invalid("The parameter text['body'] is required")
            if not 1 <= len(text["body"]) <= 4096:
                raise _invalid("text['body'] must be 1 to 4096 characters")
        elif kind == "template":
            self._check_template(data.get("template"))
        elif kind == "document":
            document = data.get("document")
            if not isinstance(document, dict) or not ("id" in document or "link" in document):
                raise _invalid("The parameter document['id'] or document['link'] is required")
            if "id" in document and document["id"] not in self.media:
                raise MetaError(400, 131053, "Media upload error", f"Media {document['id']} not found")
        else:
            raise _invalid(f"Unsupported message type {kind!r}")
        if to in self.reject:
            code, title = self.reject[to]
            raise MetaError(400, code, title)
        with self.lock:
            wamid = self.next_wamids.pop(0) if self.next_wamids else "wamid." + secrets.token_urlsafe(36)
            self.messages.append({**data, "wamid": wamid})
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": wamid}],
        }

    def _check_template(self, template: Any) -> None:
        if not isinstance(template, dict) or not isinstance(template.get("name"), str):
            raise _invalid("The parameter template['name'] is required")
        language = template.get("language")
        if not isinstance(language, dict) or not isinstance(language.get("code"), str):
            raise _invalid("The parameter template['language']['code'] is required")
        key = (template["name"], language["code"])
        if key not in self.templates:
            raise MetaError(
                404,
                132001,
                "Template name does not exist in the translation",
                f"template name ({key[0]}) does not exist in {key[1]}",
            )
        components = template.get("components", [])
        if not isinstance(components, list):
            raise _invalid("template['components'] must be a list")
        body_params = 0
        for component in components:
            if not isinstance(component, dict) or component.get("type") not in ("header", "body", "button"):
                raise _invalid("Each component needs a type: header, body or button")
            parameters = component.get("parameters", [])
            if not isinstance(parameters, list):
                raise _invalid("component['parameters'] must be a list")
            for parameter in parameters:
                if not isinstance(parameter, dict) or parameter.get("type") != "text":
                    raise _invalid("This template takes text parameters only")
                if not isinstance(parameter.get("text"), str) or not parameter["text"].strip():
                    raise MetaError(
                        400, 131008, "Required parameter is missing", "parameter['text'] is required"
                    )
            if component["type"] == "body":
                body_params += len(parameters)
        if body_params != self.templates[key]:
            raise MetaError(
                400,
                132000,
                "Number of parameters does not match the expected number of params",
                f"body: number of localizable_params ({body_params}) does not match the expected number "
                f"of params ({self.templates[key]})",
            )

    # ------------------------------------------------------------ webhooks

    def _envelope(self, value: dict[str, Any]) -> dict[str, Any]:
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": WABA_ID,
                    "changes": [
                        {
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": DISPLAY_PHONE_NUMBER,
                                    "phone_number_id": PHONE_NUMBER_ID,
                                },
                                **value,
                            },
                            "field": "messages",
                        }
                    ],
                }
            ],
        }

    def status_payload(
        self,
        wamid: str,
        status: str,
        *,
        timestamp: int | None = None,
        errors: list[dict[str, Any]] | None = None,
        recipient: str | None = None,
    ) -> dict[str, Any]:
        """A status update (sent, delivered, read, failed) for ``wamid``."""
        with self.lock:
            sent = next((m for m in self.messages if m["wamid"] == wamid), None)
        item: dict[str, Any] = {
            "id": wamid,
            "status": status,
            "timestamp": str(timestamp if timestamp is not None else int(time.time())),
            "recipient_id": recipient or (sent["to"] if sent else "221770000000"),
        }
        if sent is not None and "biz_opaque_callback_data" in sent:
            item["biz_opaque_callback_data"] = sent["biz_opaque_callback_data"]
        if status in ("sent", "delivered", "read"):
            category = "utility" if sent is not None and sent.get("type") == "template" else "service"
            item["conversation"] = {"id": secrets.token_hex(16), "origin": {"type": category}}
            item["pricing"] = {
                "billable": category != "service",
                "pricing_model": "PMP",
                "category": category,
            }
        if status == "failed":
            item["errors"] = errors or [
                {
                    "code": 131026,
                    "title": "Message undeliverable",
                    "message": "Message undeliverable",
                    "error_data": {"details": "Message Undeliverable."},
                    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
                }
            ]
        return self._envelope({"statuses": [item]})

    def inbound_payload(
        self,
        from_: str,
        *,
        text: str | None = None,
        button: str | None = None,
        button_reply: str | None = None,
        wamid: str | None = None,
        timestamp: int | None = None,
        name: str = "Awa",
    ) -> dict[str, Any]:
        """A message a person sent from ``from_`` (digits): a text, a
        template's quick-reply ``button``, or an interactive ``button_reply``."""
        message: dict[str, Any] = {
            "from": from_,
            "id": wamid or "wamid." + secrets.token_urlsafe(36),
            "timestamp": str(timestamp if timestamp is not None else int(time.time())),
        }
        if button is not None:
            message.update(type="button", button={"payload": button.upper(), "text": button})
        elif button_reply is not None:
            message.update(
                type="interactive",
                interactive={
                    "type": "button_reply",
                    "button_reply": {"id": "reply-1", "title": button_reply},
                },
            )
        else:
            message.update(type="text", text={"body": text or ""})
        return self._envelope(
            {"contacts": [{"profile": {"name": name}, "wa_id": from_}], "messages": [message]}
        )

    @staticmethod
    def body_of(payload: dict[str, Any]) -> bytes:
        # Meta sends compact JSON; the signature covers these exact bytes.
        return json.dumps(payload, separators=(",", ":")).encode()

    @staticmethod
    def sign(body: bytes, secret: str = APP_SECRET) -> str:
        return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()

    def post_webhook(self, url: str, payload: dict[str, Any]) -> httpx.Response:
        body = self.body_of(payload)
        return httpx.post(
            url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": "facebookexternalua",
                "X-Hub-Signature-256": self.sign(body),
            },
            timeout=10,
        )


def _handler(fake: FakeWhatsAppCloud) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            try:
                status, answer = fake.handle(self.command, self.path, self.headers, body)
            except MetaError as error:
                status, answer = error.status, error.body()
            with fake.lock:
                fake.requests.append((self.command, self.path, status))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = _serve
        do_GET = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
