"""One error shape for the whole API:

    {"detail": "<message for a person>", "code": "<machine code>",
     "fields": {"<field>": ["<message>", ...]}}

``fields`` is present for validation errors only: each input field at the
top of the request with its messages, those of a nested field (an item of a
list, a key of an object) listed under the field that holds it. The schema
documents it as the ``Error`` component (``academy.api.schema``).
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from academy.errors import ApplicationError


def _messages(detail: Any) -> list[str]:
    """Every message in ``detail``, nested lists and objects included, in order."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for item in detail for message in _messages(item)]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = ApplicationError.from_validation_error(exc)
    if isinstance(exc, ApplicationError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        if exc.fields:
            body["fields"] = exc.fields
        return Response(body, status=exc.status)

    if isinstance(exc, Http404):
        # get_object_or_404's message is English and names the model: a plain "not found", translated.
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        # Its message (from ``academy.permissions.require``) kept, with the API's code.
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        if isinstance(detail, dict):
            fields = {str(key): _messages(value) for key, value in detail.items()}
        else:
            fields = {"non_field_errors": _messages(detail)}
        first = next(iter(fields.values()), [_("Invalid input.")])
        message = first[0] if first and isinstance(first[0], str) else _("Invalid input.")
        response.data = {"detail": message, "code": "invalid", "fields": fields}
        response.status_code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        response.data = {
            "detail": str(exc.detail),
            "code": codes if isinstance(codes, str) else "error",
        }
    return response
