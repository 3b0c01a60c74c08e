"""The API's permission that enforces an API token's scopes (``academy.api.scopes``).

In ``DEFAULT_PERMISSION_CLASSES`` after ``IsAuthenticated``, so every view
that keeps the defaults has it; a test walks every API route to check that
none drops it while accepting tokens. Requests authenticated otherwise
(session, basic auth) pass untouched: the view's own checks decide.
"""

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from academy.api.scopes import READ_ALL, SAFE_METHODS, WRITE_ALL, required_scope, scopes_allow, view_area
from academy.models import ApiToken


class TokenScopePermission(BasePermission):
    """A token request passes only if one of the token's scopes covers the
    view's area and the request's method; otherwise 403 naming the scope."""

    code = "missing_scope"

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        area = view_area(type(view))
        if area is None:
            self.message = _("This part of the API cannot be used with a token.")
            self.code = "token_not_allowed"
            return False
        method = request.method or "GET"
        if scopes_allow(token.scopes, area, method):
            return True
        everything = READ_ALL if method.upper() in SAFE_METHODS else WRITE_ALL
        self.message = _(
            "This token does not have the “%(scope)s” scope this request needs (or “%(all)s”)."
        ) % {"scope": required_scope(area, method), "all": everything}
        return False
