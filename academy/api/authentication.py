"""HTTP basic authentication for the API, under the sign-in lockout.

django-axes checks every ``authenticate()`` call, DRF's basic auth included:
while an account is locked from an address even its right password is
refused. Plain DRF would answer that with 401 "invalid username/password";
here the lock is said as it is: 429 with ``Retry-After`` in the API's error
shape (``academy.api.errors``)."""

from typing import Any

from drf_spectacular import authentication as drf_spectacular_basic
from rest_framework import authentication, exceptions

from academy.throttling import api_throttled, lockout_message, lockout_wait, login_username


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
