"""API tokens for integrations: the header, the token's states at their
boundaries, the scopes against every method, what is stored, and the cost of
a token request."""

import datetime
import hashlib

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from academy import services
from academy.api.authentication import ApiTokenAuthentication
from academy.api.permissions import TokenScopePermission
from academy.api.scopes import api_views, scope_areas, scope_names, scopes_allow, view_area
from academy.api_tokens import api_token_mark_used
from academy.errors import ApplicationError
from academy.models import ApiToken
from tests.academy.factories import PASSWORD, UserFactory
from tests.queries import writes

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
METHODS = ["GET", "HEAD", "OPTIONS", "PATCH", "PUT", "POST", "DELETE"]


def _token(owner=None, scopes=("profile:read",), **kwargs):
    owner = owner or UserFactory()
    token, raw = services.api_token_create(owner=owner, name="CRM", scopes=list(scopes), **kwargs)
    return token, raw


def _call(method, path, raw, **extra):
    client = APIClient()
    body = {"first_name": "Awa"} if method in ("PATCH", "PUT", "POST") else None
    send = getattr(client, method.lower())
    return send(path, body, format="json", HTTP_AUTHORIZATION=f"Bearer {raw}", **extra)


# ------------------------------------------------------------------ scopes

# On /me/ (the "profile" area), which answers GET, HEAD, OPTIONS and PATCH:
# an allowed method the view lacks gets 405, a refused one 403 first.
SCOPE_TABLE = {
    "profile:read": [200, 200, 200, 403, 403, 403, 403],
    "read": [200, 200, 200, 403, 403, 403, 403],
    "profile:write": [200, 200, 200, 200, 405, 405, 405],
    "write": [200, 200, 200, 200, 405, 405, 405],
    "courses:read": [403] * 7,
    "courses:write": [403] * 7,
    "engagement:read": [403] * 7,
}


@pytest.mark.parametrize("scope", SCOPE_TABLE)
def test_each_scope_against_each_method(scope):
    _token_row, raw = _token(scopes=[scope])
    statuses = [_call(method, ME, raw).status_code for method in METHODS]
    assert statuses == SCOPE_TABLE[scope]


def test_a_missing_scope_is_named_in_the_403():
    _token_row, raw = _token(scopes=["profile:read"])
    response = _call("PATCH", ME, raw)
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert "profile:write" in response.json()["detail"] and "write" in response.json()["detail"]
    _token_row, raw = _token(scopes=["courses:write"])
    response = _call("GET", ME, raw)
    assert response.json()["code"] == "missing_scope" and "profile:read" in response.json()["detail"]


@pytest.mark.parametrize(
    ("scopes", "method", "allowed"),
    [
        ({"courses:read"}, "GET", True),
        ({"courses:read"}, "head", True),
        ({"courses:read"}, "OPTIONS", True),
        ({"courses:read"}, "POST", False),
        ({"courses:write"}, "POST", True),
        ({"courses:write"}, "GET", True),
        ({"courses:write"}, "DELETE", True),
        ({"read"}, "GET", True),
        ({"read"}, "PATCH", False),
        ({"write"}, "PATCH", True),
        ({"webinars:write"}, "GET", False),
        (set(), "GET", False),
    ],
)
def test_scope_rule_table(scopes, method, allowed):
    area = next(area for area in scope_areas() if area.name == "courses")
    assert scopes_allow(scopes, area, method) is allowed


def test_the_scopes_offered():
    assert scope_names() == {
        "read",
        "write",
        "profile:read",
        "profile:write",
        "courses:read",
        "courses:write",
        "webinars:read",
        "webinars:write",
        "distributors:read",
        "distributors:write",
        "engagement:read",
    }


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("/api/v1/courses/", "courses"),
        ("/api/v1/webinars/sessions/", "webinars"),
        ("/api/v1/distributors/", "distributors"),
        ("/api/v1/engagement/distributors/", "engagement"),
    ],
)
def test_each_area_opens_to_its_own_scope_only(network, path, area):
    _token_row, right = _token(network.manager_a, scopes=[f"{area}:read"])
    _token_row, other = _token(network.manager_a, scopes=["profile:write"])
    assert _call("GET", path, right).status_code == 200
    refused = _call("GET", path, other)
    assert refused.status_code == 403 and f"{area}:read" in refused.json()["detail"]


def test_a_token_reaches_only_what_its_owner_may(network):
    """Tenant scoping is the owner's: a lead's token with every scope still
    sees only the lead's own distributor, and a manager's territory only."""
    _token_row, lead = _token(network.lead_a, scopes=["write"])
    _token_row, manager = _token(network.manager_a, scopes=["write"])
    other = f"/api/v1/distributors/{network.distributor_b.pk}/"
    assert _call("GET", other, lead).status_code == 404
    assert _call("GET", other, manager).status_code == 404
    assert _call("GET", f"/api/v1/distributors/{network.distributor_a.pk}/", manager).status_code == 200
    for user, raw in ((network.lead_a, lead), (network.manager_a, manager)):
        browser = APIClient()
        browser.force_authenticate(user)
        for path in ("/api/v1/distributors/", "/api/v1/engagement/distributors/", "/api/v1/memberships/"):
            by_token, by_session = _call("GET", path, raw), browser.get(path)
            assert (by_token.status_code, by_token.json()) == (by_session.status_code, by_session.json())


def test_a_view_of_an_app_without_an_area_is_closed_to_tokens(monkeypatch):
    from academy.api import scopes

    _token_row, raw = _token(scopes=["write"])
    monkeypatch.setattr(scopes, "_areas", {k: v for k, v in scopes._areas.items() if k != "profile"})
    response = _call("GET", ME, raw)
    assert response.status_code == 403 and response.json()["code"] == "token_not_allowed"


def test_every_api_route_enforces_token_scopes():
    """No view ships that takes tokens but drops the scope check, or that
    belongs to no area (it would be closed to tokens by surprise)."""
    unchecked, without_area = [], []
    for route, view_class in api_views():
        authenticators = getattr(view_class, "authentication_classes", [])
        if not any(issubclass(cls, ApiTokenAuthentication) for cls in authenticators):
            continue  # public, token-free (e.g. certificate verification)
        if not any(issubclass(cls, TokenScopePermission) for cls in view_class.permission_classes):
            unchecked.append(route)
        if view_area(view_class) is None:
            without_area.append(route)
    assert unchecked == [] and without_area == []
    assert len(list(api_views())) > 40


# ------------------------------------------------------------------ header and states


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer  ",
        "Bearer one two",
        "Bearer acad_",
        "Bearer acad_0123456789_short",
        "Bearer gh_0123456789_" + "a" * 40,
        "Bearer acad_0123456789_" + "a" * 39 + "!",
        "Bearer acad_ZZZZZZZZZZ_" + "a" * 40,
        b"Bearer acad_\xff\xfe".decode("latin-1"),
    ],
)
def test_a_malformed_bearer_header_is_a_401_not_a_500(header):
    response = APIClient().get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "token_malformed"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_keyword_is_case_insensitive_and_other_schemes_are_left_alone():
    _token_row, raw = _token()
    assert APIClient().get(ME, HTTP_AUTHORIZATION=f"bearer {raw}").status_code == 200
    response = APIClient().get(ME, HTTP_AUTHORIZATION=f"Token {raw}")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_wrong_secret_with_the_right_prefix_and_unknown_prefix_are_refused():
    _token_row, raw = _token()
    wrong = raw[:-1] + ("a" if raw[-1] != "a" else "b")
    unknown = f"acad_{'0' * 10}_{raw.rsplit('_', 1)[1]}"
    for attempt in (wrong, unknown):
        response = _call("GET", ME, attempt)
        assert response.status_code == 401
        assert response.json() == {"detail": "Ce jeton n’est pas valide.", "code": "token_invalid"}


def test_a_token_request_speaks_the_owner_s_language():
    owner = UserFactory(language="en", time_zone="Asia/Tokyo")
    _token_row, raw = _token(owner, scopes=["profile:read"])
    response = _call("PATCH", ME, raw)
    assert response.json()["detail"].startswith("This token does not have")
    assert response["Content-Language"] == "en"


def test_no_credentials_is_a_401_with_a_bearer_challenge():
    response = APIClient().get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_token_works_until_its_expiry_and_not_at_it():
    expiry = timezone.now() + datetime.timedelta(days=1)
    _token_row, raw = _token(expires_at=expiry)
    with time_machine.travel(expiry - datetime.timedelta(microseconds=1), tick=False):
        assert _call("GET", ME, raw).status_code == 200
    with time_machine.travel(expiry, tick=False):
        response = _call("GET", ME, raw)
    assert response.status_code == 401 and response.json()["code"] == "token_expired"


def test_a_revoked_token_is_refused_at_once():
    token, raw = _token()
    assert _call("GET", ME, raw).status_code == 200
    services.api_token_revoke(token=token, by=token.owner)
    response = _call("GET", ME, raw)
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"


def test_the_token_of_a_deactivated_account_is_refused():
    token, raw = _token()
    token.owner.is_active = False
    token.owner.save()
    response = _call("GET", ME, raw)
    assert response.status_code == 401 and response.json()["code"] == "token_inactive"


def test_session_and_basic_auth_are_not_limited_by_scopes(client):
    user = UserFactory()
    _token(owner=user, scopes=["profile:read"])  # having a token changes nothing for them
    client.force_login(user)
    assert client.patch(ME, {"first_name": "Awa"}, content_type="application/json").status_code == 200
    basic = APIClient()
    basic.credentials(HTTP_AUTHORIZATION=f"Basic {_b64(f'{user.email}:{PASSWORD}')}")
    assert basic.patch(ME, {"first_name": "Binta"}, format="json").status_code == 200


def _b64(text):
    import base64

    return base64.b64encode(text.encode()).decode()


def test_failed_token_attempts_are_throttled_per_address(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "api_token_failure": "3/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    _token_row, raw = _token()
    for _attempt in range(3):
        assert _call("GET", ME, "acad_wrong", REMOTE_ADDR="192.0.2.1").status_code == 401
    refused = _call("GET", ME, raw, REMOTE_ADDR="192.0.2.1")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert _call("GET", ME, raw, REMOTE_ADDR="198.51.100.2").status_code == 200  # another address


# ------------------------------------------------------------------ storage


def test_the_secret_is_not_stored_only_its_digest():
    token, raw = _token()
    secret = raw.rsplit("_", 1)[1]
    assert raw == f"acad_{token.prefix}_{secret}" and len(secret) == 40
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(secret not in str(value) for value in row.values())
    assert row["secret_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM academy_apitoken")
        assert all(secret not in str(value) for record in cursor.fetchall() for value in record)


def test_two_tokens_never_share_a_prefix_or_a_secret():
    user = UserFactory()
    made = [_token(user)[1] for _index in range(20)]
    assert len({raw.split("_")[1] for raw in made}) == 20 and len(set(made)) == 20


# ------------------------------------------------------------------ services


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scopes": []}, "scopes"),
        ({"scopes": ["courses:read", "everything"]}, "scopes"),
        ({"scopes": ["engagement:write"]}, "scopes"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"expires_at": "now"}, "expires_at"),
    ],
)
def test_bad_token_requests_are_refused_by_field(kwargs, field):
    owner = UserFactory()
    arguments = {"owner": owner, "name": "CRM", "scopes": ["read"], **kwargs}
    if arguments.get("expires_at") == "now":
        arguments["expires_at"] = timezone.now()
    with pytest.raises(ApplicationError) as error:
        services.api_token_create(**arguments)
    assert field in error.value.fields
    assert not ApiToken.objects.exists()


def test_only_an_admin_makes_a_token_for_someone_else():
    owner, other, admin = UserFactory(), UserFactory(role="manager"), UserFactory(role="admin")
    with pytest.raises(ApplicationError) as error:
        services.api_token_create(owner=owner, name="CRM", scopes=["read"], created_by=other)
    assert error.value.status == 403
    token, _raw = services.api_token_create(owner=owner, name="CRM", scopes=["read"], created_by=admin)
    assert token.is_service and token.created_by == admin


def test_only_the_owner_or_an_admin_revokes_and_twice_changes_nothing():
    token, _raw = _token()
    with pytest.raises(ApplicationError):
        services.api_token_revoke(token=token, by=UserFactory(role="manager"))
    admin = UserFactory(role="admin")
    services.api_token_revoke(token=token, by=admin)
    first = ApiToken.objects.get(pk=token.pk).revoked_at
    services.api_token_revoke(token=token, by=token.owner)
    token.refresh_from_db()
    assert token.revoked_at == first and token.revoked_by == admin


def test_the_personal_data_export_lists_tokens_without_secrets():
    from academy.erasure import user_data_export

    token, raw = _token()
    exported = user_data_export(user=token.owner)["academy"]["api_tokens"]
    assert [row["prefix"] for row in exported] == [token.prefix]
    assert token.secret_hash not in str(exported) and raw.rsplit("_", 1)[1] not in str(exported)


def test_an_erased_person_s_tokens_are_revoked_and_unnamed():
    from academy.erasure import user_anonymise

    token, raw = _token()
    user_anonymise(user=token.owner, by=UserFactory(role="admin"))
    token.refresh_from_db()
    assert token.revoked_at is not None and token.name != "CRM"
    assert _call("GET", ME, raw).status_code == 401


# ------------------------------------------------------------------ last used, query count


def test_last_used_is_written_at_most_once_a_minute():
    token, raw = _token()
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False), CaptureQueriesContext(connection) as first:
        assert _call("GET", ME, raw).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start and len(writes(first.captured_queries)) == 1
    with (
        time_machine.travel(start + datetime.timedelta(seconds=59), tick=False),
        CaptureQueriesContext(connection) as again,
    ):
        assert _call("GET", ME, raw).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start and writes(again.captured_queries) == []
    with time_machine.travel(start + datetime.timedelta(seconds=60), tick=False):
        assert _call("GET", ME, raw).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at == start + datetime.timedelta(seconds=60)


def test_a_stale_copy_of_the_token_does_not_write_again():
    """Two requests that read the token before either wrote: one UPDATE wins."""
    token, _raw = _token()
    now = timezone.now()
    first, second = ApiToken.objects.get(pk=token.pk), ApiToken.objects.get(pk=token.pk)
    assert api_token_mark_used(token=first, now=now) is True
    assert api_token_mark_used(token=second, now=now + datetime.timedelta(seconds=1)) is False
    assert ApiToken.objects.get(pk=token.pk).last_used_at == now


def test_a_token_request_costs_a_fixed_number_of_queries(django_assert_num_queries, network):
    user = network.staff_a  # a team member: their roles read the membership
    _token(user, scopes=["read"])
    _token_row, raw = _token(user, scopes=["profile:read"])
    _token(network.staff_b)
    start = timezone.now()
    # The token with its owner, its last use (once a minute), the owner's membership (roles).
    with time_machine.travel(start, tick=False), django_assert_num_queries(3):
        assert _call("GET", ME, raw).status_code == 200
    later = start + datetime.timedelta(seconds=30)
    with time_machine.travel(later, tick=False), django_assert_num_queries(2):
        assert _call("GET", ME, raw).status_code == 200


# ------------------------------------------------------------------ schema


def test_the_schema_documents_the_bearer_scheme_and_its_scopes():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    scheme = schema["components"]["securitySchemes"]["tokenAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert scheme["bearerFormat"] == "acad_<prefix>_<secret>"
    for name in scope_names():
        assert f"`{name}`" in scheme["description"]
    assert "/api/v1/lessons/" in scheme["description"]
    assert "scopes" in schema["info"]["description"]
    me = schema["paths"]["/api/v1/me/"]["get"]
    assert {"tokenAuth": []} in me["security"]
