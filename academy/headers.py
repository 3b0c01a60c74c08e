"""Response headers every page and API answer carries beyond Django's own
(SecurityMiddleware: nosniff, Referrer-Policy, Cross-Origin-Opener-Policy,
HSTS in production) and django-csp's Content-Security-Policy.

- ``Permissions-Policy``: the powerful browser features no page uses are off
  (``settings.PERMISSIONS_POLICY``).
- ``Reporting-Endpoints``: where browsers send CSP violation reports
  (``report-to csp`` in the policy; ``report-uri`` for the others).
- ``Cache-Control: private, no-store`` on every answer to a signed-in person,
  so no shared cache nor the browser's back button keeps their pages.
"""

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control

logger = logging.getLogger("academy.csp")

PRIVATE_NO_STORE = "private, no-store"


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """``{"camera": [], "fullscreen": ["self"]}`` → ``camera=(), fullscreen=(self)``."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.permissions_policy = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        response.headers.setdefault(
            "Reporting-Endpoints", f'csp="{request.build_absolute_uri(settings.CSP_REPORT_PATH)}"'
        )
        return response


class PrivateCacheMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in
    person (pages, API, files), placed after authentication.

    A view that already chose a private cache policy keeps it (a lesson's
    video may stay an hour in the learner's own browser, for weak links);
    any other policy (none, or a public one) becomes ``private, no-store``.
    Static files never reach this middleware (WhiteNoise answers first).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Read after the view: DRF's authentication (session or basic) sets
        # request.user on the Django request too.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(settings.STATIC_URL):
            return response
        current = response.headers.get("Cache-Control", "")
        directives = {part.strip().split("=")[0].lower() for part in current.split(",") if part.strip()}
        if "private" in directives:
            patch_cache_control(response, private=True)
        else:
            response.headers["Cache-Control"] = PRIVATE_NO_STORE
        return response


# ------------------------------------------------------------ violation reports

_REPORT_FIELDS = {
    # report-uri ("application/csp-report") name → Reporting API name
    "document-uri": "documentURL",
    "blocked-uri": "blockedURL",
    "violated-directive": "effectiveDirective",
    "effective-directive": "effectiveDirective",
    "source-file": "sourceFile",
    "line-number": "lineNumber",
    "script-sample": "sample",
    "disposition": "disposition",
}
_FIELD_MAX_CHARS = 300


def csp_violations(body: bytes) -> Iterator[dict[str, str]]:
    """The violations in a report body, whichever format the browser used
    (``report-uri``: one ``{"csp-report": {...}}``; ``report-to``: a list of
    ``{"type": "csp-violation", "body": {...}}``), each as a short dict of
    the fields worth logging, values cut to a few hundred characters.
    Anything else yields nothing."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return
    reports: list[Any]
    if isinstance(data, dict) and isinstance(data.get("csp-report"), dict):
        reports = [data["csp-report"]]
    elif isinstance(data, list):
        reports = [
            item["body"]
            for item in data
            if isinstance(item, dict)
            and item.get("type") == "csp-violation"
            and isinstance(item.get("body"), dict)
        ]
    else:
        return
    for report in reports:
        summary: dict[str, str] = {}
        for key, value in report.items():
            name = _REPORT_FIELDS.get(key, key if key in _REPORT_FIELDS.values() else "")
            if name and name not in summary and value not in (None, ""):
                summary[name] = str(value)[:_FIELD_MAX_CHARS]
        if summary:
            yield summary


def csp_violations_log(body: bytes) -> int:
    """Log the violations in ``body`` as warnings, at most
    ``CSP_REPORTS_LOGGED_PER_MINUTE`` a minute across the processes sharing
    the cache; returns how many were logged."""
    logged = 0
    key = f"csp-reports:{timezone.now():%Y%m%d%H%M}"
    for violation in csp_violations(body):
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
        except ValueError:  # the cache is away: log, a report is small
            count = 1
        if count > settings.CSP_REPORTS_LOGGED_PER_MINUTE:
            break
        logger.warning("Content-Security-Policy violation: %s", json.dumps(violation, sort_keys=True))
        logged += 1
    return logged
