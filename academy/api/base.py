"""What every app's API views build on.

One style for the whole API: one ``APIView`` per use case (per URL, one
method per action), input and output serializers kept apart, explicit
``path()`` patterns; reads come from selectors, writes go through services.
Lists subclass :class:`PaginatedListView`, the one list base.
"""

from typing import cast

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.request import Request

from academy.models import User

# For a list that declares them: django-filter (``filterset_class``),
# ``?search=`` (``search_fields``) and ``?ordering=`` (``ordering_fields``).
FILTER_BACKENDS = [DjangoFilterBackend, SearchFilter, OrderingFilter]


def request_user(request: Request) -> User:
    """The signed-in person making ``request``, typed as such. For the views
    that keep the API's default permission (authenticated), which DRF checks
    before any handler runs; never for a public view."""
    return cast(User, request.user)


class PaginatedListView(ListModelMixin, GenericAPIView):
    """A paginated list: ``{"count", "next", "previous", "results"}`` with
    ``?page=`` and ``?page_size=`` (see ``academy.api.pagination``). A log
    that grows without end sets ``pagination_class = CursorPagination`` and
    an ``ordering`` instead: ``{"next", "previous", "results"}``, no count.

    A subclass names its output ``serializer_class`` and gives
    ``get_queryset`` (a selector, scoped to the person). It filters with what
    it declares: none by default; ``filter_backends = FILTER_BACKENDS`` with
    a ``filterset_class``, ``search_fields`` and ``ordering_fields``, or
    query parameters validated by a serializer in ``get_queryset``. Its
    ``get`` checks what the list needs (a role, the object it belongs to),
    then ``return self.list(request)``.
    """

    filter_backends = []
