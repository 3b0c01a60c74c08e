"""Security headers on pages, API answers and the sign-in page; the private
cache policy for signed-in people; the CSP violation report endpoint."""

import base64
import json
import logging
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from academy.headers import PrivateCacheMiddleware, csp_violations, permissions_policy_header
from courses.video import embed_url
from tests.academy.factories import PASSWORD, UserFactory


def _csp(response) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = directive.split()
        policy[name] = sources
    return policy


def _assert_security_headers(response) -> None:
    policy = _csp(response)
    for directive in ("script-src", "style-src", "default-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["report-uri"] == [reverse("csp_report")]
    assert policy["report-to"] == ["csp"]
    assert response.headers["Reporting-Endpoints"] == f'csp="http://testserver{reverse("csp_report")}"'
    features = dict(item.split("=") for item in response.headers["Permissions-Policy"].split(", "))
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()", feature
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_sign_in_page_carries_the_security_headers(client):
    response = client.get(reverse("academy:login"))
    assert response.status_code == 200
    _assert_security_headers(response)


@pytest.mark.django_db
def test_signed_in_page_is_private_and_not_stored(client):
    client.force_login(UserFactory())
    response = client.get(reverse("academy:home"))
    assert response.status_code == 200
    _assert_security_headers(response)
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_anonymous_page_is_not_marked_private(client):
    response = client.get(reverse("academy:password_reset"))
    assert response.status_code == 200
    _assert_security_headers(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.django_db
def test_api_answer_to_a_session_is_private_and_not_stored(client):
    client.force_login(UserFactory())
    response = client.get(reverse("api:me"))
    assert response.status_code == 200
    _assert_security_headers(response)
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_api_answer_to_basic_authentication_is_private_and_not_stored(client):
    """DRF authenticates inside the view; the middleware still sees the person."""
    user = UserFactory()
    credentials = base64.b64encode(f"{user.email}:{PASSWORD}".encode()).decode()
    response = client.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.django_db
def test_anonymous_api_answer_is_not_marked_private(client):
    response = client.get(reverse("api:me"))
    assert response.status_code == 401  # no credentials: a Bearer challenge (academy.api.authentication)
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.django_db
def test_static_files_stay_cacheable_for_signed_in_people(client):
    client.force_login(UserFactory())
    response = client.get(f"{settings.STATIC_URL}academy/academy.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    ("chosen", "sent"),
    [
        (None, "private, no-store"),
        ("public, max-age=600", "private, no-store"),
        ("max-age=600", "private, no-store"),
        ("private, max-age=3600", "private, max-age=3600"),
        (
            "max-age=0, no-cache, no-store, must-revalidate, private",
            "max-age=0, no-cache, no-store, must-revalidate, private",
        ),
    ],
)
def test_private_cache_policy_keeps_only_a_private_choice(chosen, sent):
    def view(request):
        response = HttpResponse("ok")
        if chosen:
            response.headers["Cache-Control"] = chosen
        return response

    request = RequestFactory().get("/somewhere/")
    request.user = UserFactory.build()
    response = PrivateCacheMiddleware(view)(request)
    assert response.headers["Cache-Control"] == sent


def test_every_video_player_lessons_embed_may_be_framed():
    framed = {
        f"{parts.scheme}://{parts.netloc}"
        for parts in (
            urlsplit(embed_url(link) or "")
            for link in (
                "https://www.youtube.com/watch?v=abcdefghijk",
                "https://vimeo.com/123456789",
                "https://www.dailymotion.com/video/x8abcde",
            )
        )
    }
    assert framed == set(settings.CSP_FRAME_HOSTS)


def test_permissions_policy_header_lists_each_feature():
    assert permissions_policy_header({"camera": [], "fullscreen": ["self"]}) == "camera=(), fullscreen=(self)"


# ------------------------------------------------------------ violation reports

REPORT_URI_BODY = {
    "csp-report": {
        "document-uri": "http://testserver/courses/",
        "violated-directive": "script-src-elem",
        "blocked-uri": "inline",
        "line-number": 12,
        "original-policy": "x" * 2000,
    }
}
REPORT_TO_BODY = [
    {
        "type": "csp-violation",
        "url": "http://testserver/webinars/",
        "body": {
            "documentURL": "http://testserver/webinars/",
            "effectiveDirective": "style-src-attr",
            "blockedURL": "inline",
            "sample": "width: 40%",
        },
    },
    {"type": "deprecation", "body": {"id": "something"}},
]


def test_violations_are_read_from_both_report_formats():
    assert list(csp_violations(json.dumps(REPORT_URI_BODY).encode())) == [
        {
            "documentURL": "http://testserver/courses/",
            "effectiveDirective": "script-src-elem",
            "blockedURL": "inline",
            "lineNumber": "12",
        }
    ]
    assert list(csp_violations(json.dumps(REPORT_TO_BODY).encode())) == [
        {
            "documentURL": "http://testserver/webinars/",
            "effectiveDirective": "style-src-attr",
            "blockedURL": "inline",
            "sample": "width: 40%",
        }
    ]
    assert list(csp_violations(b"not json")) == []
    assert list(csp_violations(b'{"other": 1}')) == []


def test_report_endpoint_logs_violations(client, caplog):
    with caplog.at_level(logging.WARNING, logger="academy.csp"):
        response = client.post(
            reverse("csp_report"), json.dumps(REPORT_URI_BODY), content_type="application/csp-report"
        )
        assert response.status_code == 204
        response = client.post(
            reverse("csp_report"), json.dumps(REPORT_TO_BODY), content_type="application/reports+json"
        )
        assert response.status_code == 204
    messages = [record.getMessage() for record in caplog.records if record.name == "academy.csp"]
    assert len(messages) == 2
    assert "script-src-elem" in messages[0] and "xxx" not in messages[0]  # the policy is not logged
    assert "style-src-attr" in messages[1]


def test_report_endpoint_refuses_large_bodies_and_other_methods(client, caplog):
    huge = {
        "csp-report": {"violated-directive": "script-src", "blocked-uri": "x" * settings.CSP_REPORT_MAX_BYTES}
    }
    with caplog.at_level(logging.WARNING, logger="academy.csp"):
        response = client.post(reverse("csp_report"), json.dumps(huge), content_type="application/csp-report")
    assert response.status_code == 413
    assert [record for record in caplog.records if record.name == "academy.csp"] == []
    assert client.get(reverse("csp_report")).status_code == 405


def test_report_endpoint_logs_a_bounded_number_a_minute(client, caplog, settings):
    settings.CSP_REPORTS_LOGGED_PER_MINUTE = 2
    body = json.dumps(REPORT_URI_BODY)
    with caplog.at_level(logging.WARNING, logger="academy.csp"):
        with time_machine.travel("2026-03-02 10:15:05Z", tick=False):
            for _ in range(4):
                assert (
                    client.post(
                        reverse("csp_report"), body, content_type="application/csp-report"
                    ).status_code
                    == 204
                )
        with time_machine.travel("2026-03-02 10:16:05Z", tick=False):
            client.post(reverse("csp_report"), body, content_type="application/csp-report")
    assert len([record for record in caplog.records if record.name == "academy.csp"]) == 3


def test_report_path_setting_is_the_routed_one():
    assert reverse("csp_report") == settings.CSP_REPORT_PATH
