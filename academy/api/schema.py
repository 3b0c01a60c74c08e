"""The API's OpenAPI description, errors included.

drf-spectacular documents what each view declares (``extend_schema``); this
``AutoSchema`` (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) adds the error
answers that every view can give, all in the one error shape of
``academy.api.errors`` (the ``Error`` component):

- 400 where the request carries input: a body, or query parameters;
- 401 and 403 everywhere: missing or wrong credentials (401 when the
  authentication answers with a challenge, 403 otherwise), a role or an
  object the person may not act on, a missing CSRF token with a session;
- 404 where the path or the query names an object (or a page) that may not
  exist or not be visible to the person;
- 429 everywhere: a sign-in locked after failed attempts (HTTP basic), or a
  throttled door, with ``Retry-After``.

A view documents a further error (409 when the state forbids the action)
with ``responses={..., 409: ERROR}``; what a view declares for a status wins.
"""

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The one error shape of the API (``academy.api.errors``)."""

    detail = serializers.CharField(help_text="What went wrong, for a person, in the request's language.")
    code = serializers.CharField(
        help_text=(
            "A machine code: invalid, not_found, permission_denied, not_authenticated, "
            "authentication_failed, throttled, or the rule that refused the action."
        )
    )
    # DRF's serializer metaclass takes declared fields off the class, so this
    # key of the error shape leaves ``Serializer.fields`` as it is.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=(
            "Validation errors only: the messages of each input field (those of an item or key "
            "inside it included); errors not tied to one field are under non_field_errors."
        ),
    )


ERROR_DESCRIPTIONS = {
    "400": "Invalid input: the fields at fault and their messages are in `fields`.",
    "401": "Not signed in, or the credentials are wrong.",
    "403": "Not allowed: the person's role or this object's rules refuse it.",
    "404": "No such object, or not one the person may see.",
    "409": "The object's current state does not allow this action.",
    "429": "Too many attempts: wait the number of seconds in `Retry-After`.",
}
RETRY_AFTER = {
    "Retry-After": {
        "schema": {"type": "integer"},
        "description": "Seconds to wait before trying again.",
    }
}


def error_response(status: int) -> OpenApiResponse:
    """A documented error answer, for ``extend_schema(responses={...})``."""
    return OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[str(status)])


# For the errors that only some views give: ``responses={200: Output, 409: ERROR_409}``.
ERROR_409 = error_response(409)


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> Any:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        parameters = operation.get("parameters", [])
        has_query = any(parameter.get("in") == "query" for parameter in parameters)
        has_path = any(parameter.get("in") == "path" for parameter in parameters)
        statuses = ["401", "403", "429"]
        if has_query or "requestBody" in operation or self.method in ("POST", "PUT", "PATCH"):
            statuses.append("400")
        if has_path or has_query:
            statuses.append("404")
        responses = operation["responses"]
        for status in sorted(statuses):
            if status not in responses:
                responses[status] = self._get_response_for_code(error_response(int(status)), status)
        for status, response in responses.items():
            if status == "429":
                response.setdefault("headers", {}).update(RETRY_AFTER)
        operation["responses"] = dict(sorted(responses.items()))
        return operation


def _null_allowed(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` also accepting null, as JSON Schema (OpenAPI 3.1) says it."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if isinstance(kind, list):
        return {**schema, "type": kind if "null" in kind else [*kind, "null"]}
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            return {**schema, combinator: [*schema[combinator], {"type": "null"}]}
    annotations = {key: value for key, value in schema.items() if key in ("description", "readOnly", "title")}
    rest = {key: value for key, value in schema.items() if key not in annotations}
    return {"oneOf": [rest, {"type": "null"}], **annotations}


def _without_nullable(node: Any) -> Any:
    if isinstance(node, list):
        return [_without_nullable(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _without_nullable(value) for key, value in node.items()}
    if "nullable" in node and not isinstance(node["nullable"], dict):  # not a property named "nullable"
        nullable = node.pop("nullable")
        if nullable is True:
            node = _null_allowed(node)
    return node


def nullable_as_json_schema(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: the OpenAPI 3.0 ``nullable: true`` that DRF's
    pagination schemas and hand-written field schemas still carry, said as
    the 3.1 document says null everywhere else (``type: [..., "null"]``).
    3.0's ``nullable`` has no meaning in 3.1, so a client would reject the
    ``null`` that ``next`` and ``previous`` carry on the first and last page."""
    return _without_nullable(result)  # type: ignore[no-any-return]
