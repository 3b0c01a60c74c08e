"""Every API response of the test suite, checked against the OpenAPI schema.

A pytest plugin (loaded by ``tests/conftest.py``): each response that
Django's test client (DRF's ``APIClient`` included) gets for a path under
``/api/v1/`` is looked up in the drf-spectacular schema, generated once per
test session from the code as ``manage.py spectacular`` generates it. The
operation (path template and method) must exist unless the answer is an
error, the status code must be documented for it, the content type must be
one it declares, and a JSON body must validate against the declared schema
(JSON Schema as OpenAPI 3.1 has it, or OpenAPI 3.0's rules for a 3.0
document; the formats of dates, times and ids checked). A file or streamed
body (CSV, ICS, an attachment) is checked by its content type only.

A mismatch fails the test at the request that produced it, with the
operation, the status and what differs. So a serializer, a view or a
``extend_schema`` that drifts from the other fails CI wherever a test calls
the endpoint.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from jsonschema import FormatChecker
from openapi_schema_validator import OAS30ReadValidator, OAS31Validator, oas30_format_checker

API_PREFIX = "/api/v1/"
ERROR_REF = "#/components/schemas/Error"  # the one error shape (academy.api.schema)


class OpenAPIMismatch(AssertionError):
    """A response that the schema does not describe."""


def _format_checker() -> FormatChecker:
    """OpenAPI's own formats plus those of drf-spectacular's output (dates,
    times, ids, addresses), checked without extra packages."""
    checker = FormatChecker(formats=())
    for name, (func, raises) in oas30_format_checker.checkers.items():
        checker.checks(name, raises)(func)

    @checker.checks("date-time", ValueError)
    def is_datetime(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return "T" in value and parsed.tzinfo is not None

    @checker.checks("date", ValueError)
    def is_date(value: object) -> bool:
        return not isinstance(value, str) or (len(value) == 10 and bool(datetime.date.fromisoformat(value)))

    @checker.checks("time", ValueError)
    def is_time(value: object) -> bool:
        return not isinstance(value, str) or bool(datetime.time.fromisoformat(value))

    @checker.checks("uuid", ValueError)
    def is_uuid(value: object) -> bool:
        return not isinstance(value, str) or bool(uuid.UUID(value))

    @checker.checks("email")
    def is_email(value: object) -> bool:
        return not isinstance(value, str) or re.fullmatch(r"[^@\s]+@[^@\s]+", value) is not None

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        return not isinstance(value, str) or re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", value) is not None

    return checker


FORMAT_CHECKER = _format_checker()


@dataclass
class Operation:
    method: str
    template: str
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.template}"


@dataclass
class SchemaChecker:
    """Looks responses up in one OpenAPI 3.x document and validates them.
    Compiled validators are kept per (operation, status, media type)."""

    schema: dict[str, Any]
    _paths: list[tuple[re.Pattern[str], str]] = field(init=False)
    _validators: dict[tuple[str, str, str], Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        paths = []
        for template in self.schema.get("paths", {}):
            pattern = re.escape(template)
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", pattern)
            paths.append((template.count("{"), -len(template), template, re.compile(pattern + r"\Z")))
        # A literal segment wins over a parameter (``series/preview/`` over ``series/{id}/``).
        self._paths = [(regex, template) for _params, _length, template, regex in sorted(paths)]

    def operation(self, method: str, path: str) -> Operation | None:
        method = method.lower()
        for regex, template in self._paths:
            if regex.match(path):
                spec = self.schema["paths"][template].get(method)
                return Operation(method, template, spec) if spec else None
        return None

    def _validator(self, operation: Operation, status: str, media_type: str, schema: dict[str, Any]) -> Any:
        key = (operation.label, status, media_type)
        if key not in self._validators:
            # The components ride along so that ``#/components/...`` resolves.
            root = {**schema, "components": self.schema.get("components", {})}
            validator_class = (
                OAS30ReadValidator if self.schema.get("openapi", "").startswith("3.0") else OAS31Validator
            )
            self._validators[key] = validator_class(root, format_checker=FORMAT_CHECKER)
        return self._validators[key]

    def problems(
        self,
        *,
        method: str,
        path: str,
        status: int,
        content_type: str,
        body: bytes | None,
    ) -> Iterator[str]:
        """What does not match: nothing when the response is the documented
        one. ``body`` is None for a streamed or file response."""
        operation = self.operation(method, path)
        if operation is None:
            if status < 400:
                yield f"{method.upper()} {path}: answered {status}, but the schema has no such operation"
                return
            # A method or path the API does not offer: still the one error shape.
            yield from self._error_body_problems(method, path, status, content_type, body)
            return
        responses = operation.spec.get("responses", {})
        code = str(status)
        documented = next(
            (key for key in (code, f"{code[0]}XX", "default") if key in responses),
            None,
        )
        if documented is None:
            yield (
                f"{operation.label}: status {status} is not documented "
                f"(documented: {', '.join(sorted(responses))})"
            )
            return
        content = responses[documented].get("content") or {}
        media_type = content_type.split(";")[0].strip().lower()
        if not content:
            if body:
                yield f"{operation.label} {status}: documented without a body, answered {len(body)} bytes"
            return
        declared = _declared_media_type(media_type, content)
        if declared is None:
            yield (
                f"{operation.label} {status}: content type {content_type or '(none)'} "
                f"is not one documented ({', '.join(content)})"
            )
            return
        if body is None or not media_type.endswith("json"):
            return  # a file: its type is the contract
        try:
            data = json.loads(body)
        except ValueError as error:
            yield f"{operation.label} {status}: the body is not JSON ({error})"
            return
        validator = self._validator(operation, code, declared, content[declared].get("schema", {}))
        for error in sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(part) for part in error.absolute_path) or "(body)"
            yield f"{operation.label} {status}: at {where}: {error.message}"

    def _error_body_problems(
        self, method: str, path: str, status: int, content_type: str, body: bytes | None
    ) -> Iterator[str]:
        if not body or "json" not in content_type:
            return  # e.g. 405 from Django for a method the view has not: no body to check
        operation = Operation(method.lower(), path, {})
        validator = self._validator(operation, str(status), "application/json", {"$ref": ERROR_REF})
        for error in validator.iter_errors(json.loads(body)):
            yield f"{method.upper()} {path} {status}: not the error shape: {error.message}"


def _declared_media_type(media_type: str, content: dict[str, Any]) -> str | None:
    """The key of ``content`` that covers ``media_type``: itself, or a range
    (``image/*``, ``*/*``) as OpenAPI allows."""
    for key in (media_type, media_type.split("/")[0] + "/*", "*/*"):
        if key in content:
            return key
    return None


# ---------------------------------------------------------------- the plugin

_checker: SchemaChecker | None = None


def schema_checker() -> SchemaChecker:
    """The checker of the schema made from the code, built once per session."""
    global _checker
    if _checker is None:
        from drf_spectacular.generators import SchemaGenerator

        schema = SchemaGenerator().get_schema(request=None, public=True)
        # Through JSON, as a client reads it (lazy strings, dates as text).
        _checker = SchemaChecker(closed_objects(json.loads(json.dumps(schema, default=str))))
    return _checker


def closed_objects(node: Any) -> Any:
    """``node`` with every object that lists its properties closed to others
    (``unevaluatedProperties: false``, which sees through ``allOf``): a key
    the view adds and the schema does not name is a drift too. An object
    that says what else it takes (``additionalProperties``) is left as is."""
    if isinstance(node, list):
        return [closed_objects(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: closed_objects(value) for key, value in node.items()}
    kind = node.get("type")
    is_object = kind == "object" or (isinstance(kind, list) and "object" in kind)
    if is_object and "properties" in node and "additionalProperties" not in node:
        node.setdefault("unevaluatedProperties", False)
    return node


def response_problems(request: dict[str, Any], response: Any) -> list[str]:
    path = request.get("PATH_INFO", "")
    if not path.startswith(API_PREFIX):
        return []
    method = request.get("REQUEST_METHOD", "GET").upper()
    if method == "OPTIONS":
        return []  # DRF's metadata answer, which the schema does not describe
    body = None if getattr(response, "streaming", False) else response.content
    if method == "HEAD":
        method, body = "GET", None  # the GET's status and headers, without its body
    return list(
        schema_checker().problems(
            method=method,
            path=path,
            status=response.status_code,
            content_type=response.get("Content-Type", ""),
            body=body,
        )
    )


def check_response(request: dict[str, Any], response: Any) -> None:
    problems = response_problems(request, response)
    if problems:
        raise OpenAPIMismatch("The response does not match the OpenAPI schema:\n" + "\n".join(problems))


@pytest.fixture(autouse=True)
def _api_responses_match_the_schema(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Wraps the test client for every test; ``@pytest.mark.openapi_unchecked``
    leaves a test out (for the tests of this checker itself)."""
    if request.node.get_closest_marker("openapi_unchecked"):
        return
    from django.test.client import Client

    original = Client.request

    def checked_request(self: Client, **environ: Any) -> Any:
        response = original(self, **environ)
        check_response(environ, response)
        return response

    monkeypatch.setattr(Client, "request", checked_request)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "openapi_unchecked: the test client's API responses are not checked against the schema"
    )
