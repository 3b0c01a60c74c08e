"""Request types for views that only signed-in people reach.

Django types ``request.user`` as ``User | AnonymousUser``, which is right in
general but wrong behind ``login_required`` (or DRF's ``IsAuthenticated``):
there the person is always a ``User``. Annotate such a view's request with
:class:`AuthenticatedHttpRequest` (Django views) or
:class:`AuthenticatedRequest` (DRF views) so the checker knows it too::

    @login_required
    def home(request: AuthenticatedHttpRequest) -> HttpResponse: ...

These are annotations only: the request objects are Django's and DRF's own.
A view that anonymous visitors may reach keeps ``HttpRequest`` / ``Request``
and asks ``request.user.is_authenticated`` instead.
"""

from django.http import HttpRequest
from rest_framework.request import Request

from academy.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A Django request behind ``login_required``: ``user`` is signed in."""

    user: User


class AuthenticatedRequest(Request):
    """A DRF request behind ``IsAuthenticated``: ``user`` is signed in."""

    user: User
