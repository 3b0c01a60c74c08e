from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor
from rest_framework.pagination import CursorPagination as BaseCursorPagination
from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination
from rest_framework.request import Request


def _all_required(schema: dict[str, Any]) -> dict[str, Any]:
    """A page's schema with each of its keys required: every page carries
    them all (``next`` and ``previous`` as null at either end)."""
    return {**schema, "required": list(schema["properties"])}


class PageNumberPagination(BasePageNumberPagination):
    """Every list endpoint is paginated: ``?page=`` and ``?page_size=`` (max 100)."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return _all_required(super().get_paginated_response_schema(schema))


class CursorPagination(BaseCursorPagination):
    """For logs that grow without end: ``{"next", "previous", "results"}``,
    ``?cursor=`` taken from ``next`` / ``previous`` and ``?page_size=`` (max
    100). Each page is found from where the last one stopped, through the
    ordering's index, so page 1 and page 10,000 cost the same and nothing
    counts the whole log; a row written meanwhile is neither skipped nor
    repeated. The view's ``ordering`` (or ``?ordering=``) is the order."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return _all_required(super().get_paginated_response_schema(schema))

    def decode_cursor(self, request: Request) -> Cursor | None:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise ValidationError(
                {self.cursor_query_param: [_("This cursor is not valid: start again from the first page.")]}
            ) from None
