"""The OpenAPI schema says what the API does: lists as pages, nulls where
null comes back, time zones as IANA names, every error answer in the one
error shape; and the checker of every API response (tests/openapi_check.py)
catches a response that drifts from it."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator
from openapi_schema_validator import OAS30Validator, OAS31Validator
from rest_framework.test import APIClient

from academy.api import serializers as academy_serializers
from tests.academy.factories import UserFactory
from tests.openapi_check import OpenAPIMismatch, SchemaChecker, closed_objects, schema_checker

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    """The schema as ``manage.py spectacular`` writes it, read back as JSON."""
    return json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True), default=str))


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


def _accepts(schema, subschema, value) -> bool:
    """Whether ``value`` is valid for ``subschema`` of ``schema``, read with
    the rules of the document's own OpenAPI version (3.0: ``nullable`` only
    beside a ``type``; 3.1: JSON Schema)."""
    validator = OAS30Validator if schema["openapi"].startswith("3.0") else OAS31Validator
    return validator({**subschema, "components": schema["components"]}).is_valid(value)


# ---------------------------------------------------------------- pages


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/webinars/registrations/",
        "/api/v1/webinars/replays/",
        "/api/v1/webinars/hosted-sessions/",
        "/api/v1/webinars/series/",
        "/api/v1/webinars/reports/attendance/",
    ],
)
def test_paginated_lists_are_documented_as_pages(schema, path):
    answer = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    page = schema["components"]["schemas"][answer["$ref"].rsplit("/", 1)[1]]
    assert {"count", "next", "previous", "results"} <= set(page["required"])
    assert page["properties"]["results"]["type"] == "array"
    # First and last pages: no next or previous link.
    assert _accepts(schema, page["properties"]["next"], None)
    assert _accepts(schema, page["properties"]["previous"], None)


def test_hosted_feedback_page_documents_its_summary(schema):
    answer = schema["paths"]["/api/v1/webinars/hosted-sessions/{id}/feedback/"]["get"]["responses"]["200"]
    page = schema["components"]["schemas"][
        answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    ]
    assert {"count", "next", "previous", "results", "summary"} == set(page["properties"])


# ---------------------------------------------------------------- nulls


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("CertificateOutput", "course"),
        ("CertificateOutput", "path"),
        ("AssignmentOutput", "course"),
        ("AssignmentOutput", "path"),
        ("MembershipOutput", "ended_by"),
        ("FieldReportOutput", "attachment"),
        ("FieldReportDetailOutput", "attachment"),
        ("DistributorOutput", "account_manager"),
    ],
)
def test_fields_that_come_back_null_are_nullable(schema, component, field):
    assert _accepts(schema, schema["components"]["schemas"][component]["properties"][field], None)


def test_no_openapi_3_0_nullable_is_left_in_a_3_1_document(schema):
    assert schema["openapi"].startswith("3.1")
    assert '"nullable"' not in json.dumps(schema)


# ---------------------------------------------------------------- time zones


def test_time_zones_are_iana_names_not_an_enum(schema):
    text = json.dumps(schema)
    assert "GMT0" not in text and "Africa/Dakar" in text
    zones = [
        (name, prop)
        for name, component in schema["components"]["schemas"].items()
        for field, prop in component.get("properties", {}).items()
        if field == "time_zone"
    ]
    assert len(zones) >= 8
    for name, prop in zones:
        assert prop["type"] == "string" and "enum" not in prop and "$ref" not in prop, name
        assert "IANA" in prop["description"] and prop["example"] == "Africa/Dakar", name


def test_an_unknown_time_zone_is_a_field_error():
    user = UserFactory(language="en", time_zone="UTC")
    client = APIClient()
    client.force_authenticate(user)
    refused = client.patch("/api/v1/me/", {"time_zone": "Mars/Olympus"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"time_zone": ["“Mars/Olympus” is not a known time zone."]}
    accepted = client.patch("/api/v1/me/", {"time_zone": "Africa/Dakar"})
    assert accepted.status_code == 200 and accepted.json()["time_zone"] == "Africa/Dakar"


# ---------------------------------------------------------------- errors


def test_every_operation_documents_its_errors_in_the_one_shape(schema):
    error = {"$ref": "#/components/schemas/Error"}
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {"detail", "code"}
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        expected = {"401", "403", "429"}
        parameters = operation.get("parameters", [])
        if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
            expected.add("400")
        if any(p["in"] in ("path", "query") for p in parameters):
            expected.add("404")
        assert expected <= set(responses), (method, path, sorted(responses))
        for status, response in responses.items():
            if status >= "400":
                assert response["content"]["application/json"]["schema"] == error, (method, path, status)
                assert response["description"], (method, path, status)
        assert "Retry-After" in responses["429"]["headers"], (method, path)


def test_a_conflict_is_documented_where_it_happens(schema):
    for action in ("resend", "revoke"):
        assert "409" in schema["paths"][f"/api/v1/invitations/{{id}}/{action}/"]["post"]["responses"]


def test_deletes_that_answer_with_a_body_document_it(schema):
    for path in (
        "/api/v1/webinars/sessions/{id}/registration/",
        "/api/v1/webinars/preferences/calendar-token/",
    ):
        responses = schema["paths"][path]["delete"]["responses"]
        assert "200" in responses and "204" not in responses, path


def test_a_refused_role_answers_in_the_error_shape():
    client = APIClient()
    client.force_authenticate(UserFactory(language="en"))
    response = client.get("/api/v1/webinars/series/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert response.json() == {"detail": "You are not allowed to do this.", "code": "permission_denied"}


def test_nested_field_errors_are_listed_under_their_field():
    client = APIClient()
    client.force_authenticate(UserFactory(language="en", role="manager"))
    response = client.post(
        "/api/v1/assignments/",
        {"distributor": 1, "people": ["pigeon"]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    messages = response.json()["fields"]["people"]
    assert len(messages) == 1 and "integer" in messages[0]


# ---------------------------------------------------------------- the checker


TINY = {
    "openapi": "3.1.0",
    "paths": {
        "/api/v1/things/{id}/": {
            "get": {
                "responses": {
                    "200": {
                        "description": "",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                    },
                    "404": {
                        "description": "",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    },
                }
            }
        },
        "/api/v1/things/export/": {
            "get": {
                "responses": {
                    "200": {"description": "", "content": {"text/csv": {"schema": {"type": "string"}}}}
                }
            }
        },
    },
    "components": {
        "schemas": {
            "Thing": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "owner": {"oneOf": [{"$ref": "#/components/schemas/Error"}, {"type": "null"}]},
                    "made_at": {"type": "string", "format": "date-time"},
                },
                "required": ["id", "owner", "made_at"],
            },
            "Error": {
                "type": "object",
                "properties": {"detail": {"type": "string"}, "code": {"type": "string"}},
                "required": ["detail", "code"],
            },
        }
    },
}
EXPORT = "/api/v1/things/export/"
THING = {"id": 1, "owner": None, "made_at": "2026-12-01T10:00:00Z"}


def _problems(*, status=200, body=THING, path="/api/v1/things/7/", content_type="application/json"):
    checker = SchemaChecker(closed_objects(TINY))
    raw = json.dumps(body).encode() if not isinstance(body, bytes | type(None)) else body
    return list(checker.problems(method="GET", path=path, status=status, content_type=content_type, body=raw))


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, None),
        ({"body": {**THING, "id": "1"}}, "at id: '1' is not of type 'integer'"),
        ({"body": {"id": 1, "owner": None}}, "'made_at' is a required property"),
        ({"body": {**THING, "made_at": "yesterday"}}, "is not a 'date-time'"),
        ({"body": {**THING, "colour": "red"}}, "'colour' was unexpected"),
        ({"body": {**THING, "owner": {"detail": "x"}}}, "at owner"),
        ({"status": 500, "body": {"detail": "boom"}}, "status 500 is not documented"),
        ({"status": 404, "body": {"detail": "gone"}}, "'code' is a required property"),
        ({"content_type": "text/html"}, "content type text/html is not one documented"),
        ({"path": "/api/v1/other/"}, "the schema has no such operation"),
        ({"path": EXPORT, "content_type": "text/csv", "body": None}, None),
        ({"path": EXPORT, "content_type": "application/pdf", "body": None}, "application/pdf"),
    ],
)
def test_the_checker_catches_each_kind_of_drift(kwargs, expected):
    problems = _problems(**kwargs)
    if expected is None:
        assert problems == []
    else:
        assert len(problems) >= 1 and expected in problems[0], problems


def test_every_api_response_of_a_test_is_checked(monkeypatch):
    """A serializer that starts answering what the schema does not say fails
    the test that calls it, at the request."""
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.get("/api/v1/me/").status_code == 200
    monkeypatch.setattr(academy_serializers.MeOutputSerializer, "get_roles", lambda self, user: "learner")
    with pytest.raises(OpenAPIMismatch, match=r"GET /api/v1/me/ 200: at roles: 'learner' is not of type"):
        client.get("/api/v1/me/")


def test_the_checker_reads_the_schema_made_from_the_code(schema):
    assert schema_checker().schema["paths"].keys() == schema["paths"].keys()
