"""A learning record store for tests, written from xAPI 1.0.3 (Part Three,
Communication 2.1 Statement Resource; Part Two, Data 2.2–2.4 and 4).

A real HTTP server on 127.0.0.1 (a thread; ``with FakeLRS() as lrs``), at
``lrs.url`` (the xAPI endpoint: statements go to ``<url>/statements``). Like
an LRS it checks every request — HTTP Basic credentials (401), the
``X-Experience-API-Version`` header (1.0.x, else 400), ``Content-Type:
application/json`` on writes (400) — and validates every statement (400,
nothing of the request stored):

* ``id`` a UUID; ``actor`` an Agent with exactly one inverse functional
  identifier (``mbox`` a ``mailto:`` IRI, ``mbox_sha1sum``, ``openid``,
  ``account``); ``verb.id`` an IRI and ``verb.display`` a language map;
  ``object`` an Activity whose ``id`` is an IRI (``definition.name`` a
  language map); ``timestamp`` (and ``stored`` when sent) ISO 8601;
  ``result.duration`` an ISO 8601 duration, ``result.score.scaled`` in
  [-1, 1], ``raw`` within ``min``/``max``; ``context.registration`` a UUID,
  extension keys IRIs; ``version`` 1.0.x; no other property, no ``null``
  outside extensions.

``POST /statements`` (one statement or a list) stores them and answers 200
with their ids; an id already stored is not stored again: ignored when the
statement matches the stored one (Data 2.3.1: ``stored``, ``authority``,
``version``, ``timestamp`` serialisation, verb display and activity
definitions aside), else 409 for the whole request. Two statements with one
id in a batch: 400. ``PUT /statements?statementId=`` stores one: 204, or 409
when a different statement has that id (204 when it matches). The store sets
``stored`` and ``authority`` (Data 2.4.8/2.4.9). ``GET
/statements?statementId=`` gives a stored one (404 otherwise).

``lrs.fail_with = 503`` answers every request with that status (an LRS that
is down), ``lrs.delay = seconds`` answers late (a timeout for the client),
``lrs.reject_ids`` makes the store refuse those statement ids with a 400 (a
statement the store will never accept). ``lrs.requests`` lists
``(method, path, status, count)``; ``lrs.statements`` the stored ones by id.
"""

import base64
import datetime
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

USERNAME = "academy"
PASSWORD = "lrs-secret"

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
LANGUAGE_TAG_RE = re.compile(
    r"^(und|[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?(-[a-zA-Z0-9]{5,8})*)$"
)
# ISO 8601 durations as xAPI uses them (Data 4.6).
DURATION_RE = re.compile(
    r"^P(?!$)(\d+(\.\d+)?Y)?(\d+(\.\d+)?M)?(\d+(\.\d+)?W)?(\d+(\.\d+)?D)?"
    r"(T(?=\d)(\d+(\.\d+)?H)?(\d+(\.\d+)?M)?(\d+(\.\d+)?S)?)?$"
)
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
STATEMENT_KEYS = {
    "id",
    "actor",
    "verb",
    "object",
    "result",
    "context",
    "timestamp",
    "stored",
    "authority",
    "version",
    "attachments",
}
IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


class Invalid(Exception):
    pass


def _iri(value: Any, where: str) -> None:
    if not isinstance(value, str) or not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$", value):
        raise Invalid(f"{where} is not an IRI: {value!r}")


def _language_map(value: Any, where: str) -> None:
    if not isinstance(value, dict) or not value:
        raise Invalid(f"{where} is not a language map")
    for key, text in value.items():
        if not LANGUAGE_TAG_RE.match(key) or not isinstance(text, str):
            raise Invalid(f"{where} has a bad entry {key!r}")


def _timestamp(value: Any, where: str) -> None:
    if not isinstance(value, str) or not TIMESTAMP_RE.match(value):
        raise Invalid(f"{where} is not an ISO 8601 timestamp: {value!r}")
    datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _no_nulls(value: Any, where: str) -> None:
    if value is None:
        raise Invalid(f"{where} is null")
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "extensions":
                _no_nulls(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _no_nulls(item, f"{where}[{index}]")


def _agent(agent: Any, where: str) -> None:
    if not isinstance(agent, dict):
        raise Invalid(f"{where} is not an Agent")
    if agent.get("objectType", "Agent") != "Agent":
        raise Invalid(f"{where}.objectType is not Agent")
    ifis = [name for name in IFIS if name in agent]
    if len(ifis) != 1:
        raise Invalid(f"{where} has {len(ifis)} inverse functional identifiers, not exactly one")
    if "mbox" in agent and not re.match(r"^mailto:[^@\s]+@[^@\s]+$", str(agent["mbox"])):
        raise Invalid(f"{where}.mbox is not a mailto IRI")
    unknown = set(agent) - {"objectType", "name", *IFIS}
    if unknown:
        raise Invalid(f"{where} has unknown properties {sorted(unknown)}")


def validate(statement: Any) -> None:
    """Raise ``Invalid`` unless ``statement`` is a valid xAPI 1.0.3 statement."""
    if not isinstance(statement, dict):
        raise Invalid("a statement is an object")
    _no_nulls(statement, "statement")
    unknown = set(statement) - STATEMENT_KEYS
    if unknown:
        raise Invalid(f"unknown statement properties {sorted(unknown)}")
    if "id" in statement and not UUID_RE.match(str(statement["id"])):
        raise Invalid(f"id is not a UUID: {statement['id']!r}")
    for required in ("actor", "verb", "object"):
        if required not in statement:
            raise Invalid(f"{required} is missing")
    _agent(statement["actor"], "actor")
    verb = statement["verb"]
    if not isinstance(verb, dict):
        raise Invalid("verb is not an object")
    _iri(verb.get("id"), "verb.id")
    if "display" in verb:
        _language_map(verb["display"], "verb.display")
    obj = statement["object"]
    if not isinstance(obj, dict) or obj.get("objectType", "Activity") != "Activity":
        raise Invalid("object is not an Activity")
    _iri(obj.get("id"), "object.id")
    definition = obj.get("definition", {})
    if "name" in definition:
        _language_map(definition["name"], "object.definition.name")
    for moment in ("timestamp", "stored"):
        if moment in statement:
            _timestamp(statement[moment], moment)
    result = statement.get("result", {})
    if "duration" in result and not DURATION_RE.match(str(result["duration"])):
        raise Invalid(f"result.duration is not an ISO 8601 duration: {result['duration']!r}")
    for flag in ("success", "completion"):
        if flag in result and not isinstance(result[flag], bool):
            raise Invalid(f"result.{flag} is not a boolean")
    score = result.get("score", {})
    for number in ("scaled", "raw", "min", "max"):
        if number in score and (
            isinstance(score[number], bool) or not isinstance(score[number], int | float)
        ):
            raise Invalid(f"result.score.{number} is not a number")
    if "scaled" in score and not -1 <= score["scaled"] <= 1:
        raise Invalid("result.score.scaled is outside [-1, 1]")
    if "raw" in score and not score.get("min", score["raw"]) <= score["raw"] <= score.get(
        "max", score["raw"]
    ):
        raise Invalid("result.score.raw is outside [min, max]")
    context = statement.get("context", {})
    if "registration" in context and not UUID_RE.match(str(context["registration"])):
        raise Invalid("context.registration is not a UUID")
    for key in context.get("extensions", {}):
        _iri(key, "context extension key")
    if "version" in statement and not str(statement["version"]).startswith("1.0."):
        raise Invalid("version is not 1.0.x")


def _comparable(statement: dict[str, Any]) -> dict[str, Any]:
    """What two statements must share to match (Data 2.3.1 exceptions aside)."""
    data = {k: v for k, v in statement.items() if k not in ("stored", "authority", "version", "timestamp")}
    data["verb"] = {"id": statement["verb"]["id"]}
    data["object"] = {k: v for k, v in statement["object"].items() if k != "definition"}
    if "timestamp" in statement:
        moment = datetime.datetime.fromisoformat(statement["timestamp"].replace("Z", "+00:00"))
        data["timestamp"] = moment.astimezone(datetime.UTC)
    return data


class FakeLRS:
    def __init__(self) -> None:
        self.statements: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, int, int]] = []
        self.fail_with: int | None = None
        self.delay = 0.0
        self.reject_ids: set[str] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/xapi"

    def __enter__(self) -> "FakeLRS":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- the Statement resource

    def _store(self, statements: list[dict[str, Any]], *, put_id: str | None) -> tuple[int, Any]:
        ids = [s.get("id") for s in statements]
        if put_id is None and len(set(ids)) != len(ids):
            return 400, {"message": "two statements with one id in a batch"}
        new: list[dict[str, Any]] = []
        for statement in statements:
            try:
                validate(statement)
            except Invalid as error:
                return 400, {"message": str(error)}
            if statement.get("id") in self.reject_ids:
                return 400, {"message": f"statement {statement['id']} refused by this store"}
        for statement in statements:
            statement.setdefault("id", str(uuid.uuid4()))
            existing = self.statements.get(statement["id"])
            if existing is not None:
                if _comparable(existing) != _comparable(statement):
                    return 409, {"message": f"statement {statement['id']} exists and differs"}
                continue
            new.append(statement)
        stored = datetime.datetime.now(datetime.UTC).isoformat().replace("+00:00", "Z")
        for statement in new:
            self.statements[statement["id"]] = {
                **statement,
                "stored": stored,
                "authority": {"objectType": "Agent", "name": USERNAME, "mbox": "mailto:academy@lrs.test"},
            }
        return (204, None) if put_id is not None else (200, [s["id"] for s in statements])

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: Any = None, count: int = 0) -> None:
                lrs.requests.append((self.command, self.path, status, count))
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("X-Experience-API-Version", "1.0.3")
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _checked(self) -> bool:
                if lrs.delay:
                    time.sleep(lrs.delay)
                if lrs.fail_with:
                    self._answer(lrs.fail_with, {"message": "unavailable"})
                    return False
                expected = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
                if self.headers.get("Authorization") != f"Basic {expected}":
                    self._answer(401, {"message": "bad credentials"})
                    return False
                if not re.match(r"^1\.0(\.\d+)?$", self.headers.get("X-Experience-API-Version", "")):
                    self._answer(400, {"message": "X-Experience-API-Version 1.0.x required"})
                    return False
                if urlsplit(self.path).path != "/xapi/statements":
                    self._answer(404, {"message": "no such resource"})
                    return False
                return True

            def _body(self) -> Any:
                if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
                    raise Invalid("Content-Type is not application/json")
                length = int(self.headers.get("Content-Length", 0))
                try:
                    return json.loads(self.rfile.read(length))
                except ValueError as error:
                    raise Invalid("body is not JSON") from error

            def _write(self, put: bool) -> None:
                if not self._checked():
                    return
                try:
                    body = self._body()
                except Invalid as error:
                    self._answer(400, {"message": str(error)})
                    return
                statements = body if isinstance(body, list) else [body]
                put_id = None
                if put:
                    put_id = parse_qs(urlsplit(self.path).query).get("statementId", [""])[0]
                    if isinstance(body, list) or not UUID_RE.match(put_id):
                        self._answer(400, {"message": "PUT takes one statement and a statementId"})
                        return
                    if body.get("id", put_id) != put_id:
                        self._answer(400, {"message": "the statement's id is not statementId"})
                        return
                    body["id"] = put_id
                with lrs._lock:
                    status, answer = lrs._store(statements, put_id=put_id)
                self._answer(status, answer, count=len(statements))

            def do_POST(self) -> None:
                self._write(put=False)

            def do_PUT(self) -> None:
                self._write(put=True)

            def do_GET(self) -> None:
                if not self._checked():
                    return
                statement_id = parse_qs(urlsplit(self.path).query).get("statementId", [""])[0]
                found = lrs.statements.get(statement_id)
                self._answer(200 if found else 404, found or {"message": "not found"})

        return Handler
