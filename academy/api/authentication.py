"""How the API knows who calls: HTTP basic auth (under the sign-in lockout),
the browser's session, and API tokens for integrations.

django-axes checks every ``authenticate()`` call, DRF's basic auth included:
while an account is locked from an address even its right password is
refused. Plain DRF would answer that with 401 "invalid username/password";
here the lock is said as it is: 429 with ``Retry-After`` in the API's error
shape (``academy.api.errors``).

API tokens (``academy.api_tokens``) come as ``Authorization: Bearer
acad_<prefix>_<secret>``. Token authentication is listed first in
``DEFAULT_AUTHENTICATION_CLASSES``, so a request without credentials gets
401 with ``WWW-Authenticate: Bearer`` (a challenge browsers do not turn into
a password dialog). Failed token attempts are counted per client address
(``api_token_failure`` rate); beyond it, token requests from that address
get 429 until the window passes. What a token may reach is checked by
``academy.api.permissions.TokenScopePermission``.
"""

from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular import authentication as drf_spectacular_basic
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from academy import services
from academy.api.scopes import READ_ALL, WRITE_ALL, api_views, scope_areas, view_area
from academy.api_tokens import TOKEN_KIND, token_digest, token_matches, token_parse
from academy.models import ApiToken, User
from academy.selectors import api_token_by_prefix
from academy.throttling import (
    api_throttled,
    client_address,
    lockout_message,
    lockout_wait,
    login_username,
    throttle,
)

FAILURE_SCOPE = "api_token_failure"
# Compared when the prefix names no token, so an unknown prefix takes as long as a wrong secret.
_NO_TOKEN_DIGEST = token_digest("")


class BasicAuthentication(authentication.BasicAuthentication):
    def authenticate_credentials(self, userid: str, password: str, request: Any = None) -> Any:
        try:
            return super().authenticate_credentials(userid, password, request)
        except exceptions.AuthenticationFailed:
            if request is not None and getattr(request, "axes_locked_out", False):
                username = login_username(request, {"username": userid})
                wait = lockout_wait(request, username)
                raise api_throttled(wait, lockout_message(wait)) from None
            raise


class BasicScheme(drf_spectacular_basic.BasicScheme):
    """The OpenAPI description of it: plain HTTP basic auth."""

    target_class = "academy.api.authentication.BasicAuthentication"


def _refuse(message: Any, code: str) -> exceptions.AuthenticationFailed:
    return exceptions.AuthenticationFailed(detail=message, code=code)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer acad_<prefix>_<secret>``: the token's owner, with
    the token as ``request.auth``. Any other scheme is left to the others; a
    Bearer header that is not a usable token is refused (401) saying why."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        failures = throttle(FAILURE_SCOPE, client_address(request))
        wait = failures.peek()
        if wait is not None:
            raise api_throttled(wait)
        try:
            owner, token = self._authenticate(header[1:])
        except exceptions.AuthenticationFailed:
            failures.record()
            raise
        _owner_preferences(request, owner)
        return owner, token

    def _authenticate(self, credentials: list[bytes]) -> tuple[User, ApiToken]:
        if len(credentials) != 1:
            raise _refuse(
                _("Invalid Authorization header: send “Bearer” and the token, separated by one space."),
                "token_malformed",
            )
        try:
            parsed = token_parse(credentials[0].decode("ascii"))
        except UnicodeDecodeError:
            parsed = None
        if parsed is None:
            raise _refuse(
                _("This is not an academy API token: they read “%(format)s”.")
                % {"format": f"{TOKEN_KIND}_<prefix>_<secret>"},
                "token_malformed",
            )
        prefix, secret = parsed
        token = api_token_by_prefix(prefix=prefix)
        if not token_matches(token.secret_hash if token else _NO_TOKEN_DIGEST, secret) or token is None:
            raise _refuse(_("This token is not valid."), "token_invalid")
        if token.revoked_at is not None:
            raise _refuse(_("This token has been revoked."), "token_revoked")
        if token.is_expired():
            raise _refuse(_("This token has expired."), "token_expired")
        if not token.owner.is_active:
            raise _refuse(_("The account of this token is deactivated."), "token_inactive")
        services.api_token_mark_used(token=token)
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


def _owner_preferences(request: Request, owner: User) -> None:
    """The owner's language and time zone, as a signed-in browser gets them
    (``academy.middleware``, which ran before DRF knew the person)."""
    translation.activate(owner.language)
    request._request.LANGUAGE_CODE = translation.get_language()
    timezone.activate(owner.tzinfo)


def _area_paths() -> dict[str, list[str]]:
    """For each area, the first segments of the API paths it covers."""
    paths: dict[str, list[str]] = {}
    for route, view_class in api_views():
        area = view_area(view_class)
        if area is None:
            continue
        segments = route.removeprefix("/api/v1/").lstrip("^").split("/")
        first = f"/api/v1/{segments[0]}/"
        if first not in paths.setdefault(area.name, []):
            paths[area.name].append(first)
    return paths


def token_scheme_description() -> str:
    """The token scheme's description in the schema: format and scopes."""
    paths = _area_paths()
    lines = [
        f"An API token, sent as `Authorization: Bearer {TOKEN_KIND}_<prefix>_<secret>`. "
        "A person makes and revokes their tokens on their profile's “API tokens” page (the secret is "
        "shown once); an administrator makes service tokens for integration accounts in the admin.",
        "",
        "A token acts as its owner: every endpoint checks the owner's role and tenant as usual, and the "
        "token's scopes narrow that further. `GET`, `HEAD` and `OPTIONS` need `<area>:read` (or "
        f"`{READ_ALL}`), every other method `<area>:write` (or `{WRITE_ALL}`); a write scope includes "
        "reading. A missing scope answers 403 (`missing_scope`, naming the scope); an unknown, revoked "
        "or expired token, or one whose account is deactivated, answers 401.",
        "",
        "| area | scopes | paths |",
        "|---|---|---|",
    ]
    for area in scope_areas():
        scopes = f"`{area.name}:read`" + (f", `{area.name}:write`" if area.writes else "")
        lines.append(f"| {area.name} | {scopes} | {', '.join(paths.get(area.name, []))} |")
    return "\n".join(lines)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI description of tokens: an HTTP bearer scheme."""

    target_class = "academy.api.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": f"{TOKEN_KIND}_<prefix>_<secret>",
            "description": token_scheme_description(),
        }
