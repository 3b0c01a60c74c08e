"""Anti-automation: how often a door that needs no sign-in may be knocked on.

Two mechanisms, both well-kept libraries:

* **Sign-in lockout** (django-axes): 5 wrong passwords for one account from
  one address lock that pair for 15 minutes (``AXES_*`` settings), on the
  sign-in page, the admin's and the API's basic auth alike. The lock counts
  account *and* address together, so someone guessing from elsewhere cannot
  lock the account holder out, and it ends by itself: failures during the
  lock do not prolong it. Admins unlock from the admin ("Access attempts") or
  with ``manage.py axes_reset`` / ``axes_reset_username``.
* **Rates per scope** (Django REST framework's throttle, used for pages too):
  ``THROTTLE_RATES`` in ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, counted in
  the cache over a sliding window. Redis when configured: while Redis is down
  the cache is empty (``config.cache``), so limits fail open for the outage.

A refused request gets HTTP 429 with ``Retry-After`` and a translated
message: a page (``academy/throttled.html``) or the API's error shape.
"""

import datetime
import functools
import hashlib
import math
from collections.abc import Callable, Collection
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from academy.models import User

# --------------------------------------------------------------- rates per scope


class ScopeThrottle(SimpleRateThrottle):
    """The rate of ``scope`` for one ``key`` (an address, an e-mail, a token).

    The rate is read when the throttle is made (not when the module is
    imported, as DRF's class attribute is), so settings overrides apply; a
    scope without a rate is not limited."""

    def __init__(self, scope: str, key: str) -> None:
        self.scope_name = scope
        # Keys may be e-mail addresses or secrets: only a digest goes to the cache.
        self.cache_key = self.cache_format % {
            "scope": scope,
            "ident": hashlib.sha256(key.encode()).hexdigest()[:32],
        }
        self.rate = self.get_rate()
        self.limit, self.period = self.parse_rate(self.rate)

    def get_rate(self) -> str | None:
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope_name)
        return None if rate is None else str(rate)

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_key

    def _history(self) -> tuple[float, list[float]]:
        """Now, and the counted requests still in the window, newest first."""
        now = self.timer()
        return now, [t for t in self.cache.get(self.cache_key, []) if t > now - (self.period or 0)]

    def _wait(self, now: float, history: list[float]) -> float | None:
        if self.limit is None or self.period is None or len(history) < self.limit:
            return None
        # Allowed again once all but limit - 1 of the counted requests are out of the window.
        return max(1.0, history[self.limit - 1] + self.period - now)

    def _count(self, now: float, history: list[float]) -> None:
        self.cache.set(self.cache_key, [now, *history], self.period)

    def hit(self) -> float | None:
        """Count one request: ``None`` if allowed, else the seconds to wait."""
        if self.rate is None:
            return None
        now, history = self._history()
        wait = self._wait(now, history)
        if wait is None:
            self._count(now, history)
        return wait

    def peek(self) -> float | None:
        """Whether one more would be allowed, without counting it (``None``: yes)."""
        if self.rate is None:
            return None
        return self._wait(*self._history())

    def record(self) -> None:
        """Count one (e.g. a failed lookup)."""
        if self.rate is not None:
            self._count(*self._history())


def client_address(request: HttpRequest) -> str:
    """The client's address: the ASGI server's, which takes the proxy's
    ``X-Forwarded-For`` only from the proxies it trusts (uvicorn's
    ``--forwarded-allow-ips``). A header a client sends itself is never read
    here, so it cannot dodge a limit."""
    return str(request.META.get("REMOTE_ADDR") or "")


def throttle(scope: str, key: str) -> ScopeThrottle:
    return ScopeThrottle(scope, key)


def wait_message(wait: float) -> str:
    minutes = max(1, math.ceil(wait / 60))
    return ngettext(
        "Too many attempts. Try again in %(minutes)s minute.",
        "Too many attempts. Try again in %(minutes)s minutes.",
        minutes,
    ) % {"minutes": minutes}


def api_throttled(wait: float, message: str | None = None) -> exceptions.Throttled:
    """The API's 429 (the one error shape, ``Retry-After`` set by DRF)."""
    error = exceptions.Throttled(detail=message or wait_message(wait))
    error.wait = max(1, math.ceil(wait))  # type: ignore[attr-defined]
    return error


def throttled_response(request: HttpRequest, wait: float) -> HttpResponse:
    """The page for a refused request: 429, ``Retry-After`` and a message."""
    response = render(request, "academy/throttled.html", {"message": wait_message(wait)}, status=429)
    response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


View = TypeVar("View", bound=Callable[..., HttpResponse])


def limit_page(
    scope: str, *, methods: Collection[str] = ("POST",), key: Callable[[HttpRequest], str] = client_address
) -> Callable[[View], View]:
    """A page whose ``methods`` requests count against ``scope`` for ``key``
    (the client's address by default); beyond the rate, the 429 page."""

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                wait = throttle(scope, key(request)).hit()
                if wait is not None:
                    return throttled_response(request, wait)
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


# --------------------------------------------------------------- sign-in lockout


def login_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The account a sign-in attempt is for, as the academy stores e-mail
    addresses (trimmed, lower case), so ``Awa@X`` and ``awa@x`` count as one."""
    # Forms pass ``username``; DRF's basic auth passes the user model's field (``email``).
    source = credentials or getattr(request, "data", None) or request.POST
    value = source.get("username") or source.get(User.USERNAME_FIELD)
    return str(value or "").strip().lower()


def lockout_wait(request: Any, username: str) -> float:
    """Seconds until the lock of ``username`` from this address ends."""
    from axes.models import AccessAttempt

    cool_off = settings.AXES_COOLOFF_TIME
    assert isinstance(cool_off, datetime.timedelta)
    address = getattr(request, "axes_ip_address", None) or client_address(request)
    last = (
        AccessAttempt.objects.filter(username=username, ip_address=address)
        .order_by("-attempt_time")
        .values_list("attempt_time", flat=True)
        .first()
    )
    if last is None:
        return cool_off.total_seconds()
    return max(1.0, (last + cool_off - timezone.now()).total_seconds())


def lockout_message(wait: float) -> str:
    minutes = max(1, math.ceil(wait / 60))
    return ngettext(
        "Too many failed sign-ins for this account. For your security, signing in is paused for "
        "%(minutes)s minute; try again then or reset your password.",
        "Too many failed sign-ins for this account. For your security, signing in is paused for "
        "%(minutes)s minutes; try again then or reset your password.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """The sign-in page again, with the lock explained (``AXES_LOCKOUT_CALLABLE``)."""
    from academy.forms import LoginForm

    username = login_username(request, credentials)
    wait = lockout_wait(request, username)
    form = LoginForm(request, initial={"username": username})
    response = render(
        request,
        "academy/login.html",
        {"form": form, "locked_out": lockout_message(wait), "next": request.POST.get("next", "")},
        status=429,
    )
    response["Retry-After"] = str(math.ceil(wait))
    return response
