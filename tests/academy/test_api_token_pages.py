"""The API tokens page (linked from the profile) and the admin's list."""

import pytest
from django.urls import reverse

from academy import services
from academy.models import ApiToken
from tests.academy.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = "academy:api_tokens"
ME = "/api/v1/me/"


def _make(client, **data):
    return client.post(reverse(PAGE), {"name": "CRM", "scopes": ["profile:read"], "expires_in": "90", **data})


def test_the_profile_links_to_the_page_and_the_page_starts_empty(client):
    client.force_login(UserFactory())
    assert reverse(PAGE) in client.get(reverse("academy:profile")).content.decode()
    page = client.get(reverse(PAGE))
    assert page.status_code == 200
    assert "Vous n’avez aucun jeton d’API." in page.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get(reverse(PAGE)).status_code == 302
    assert client.post(reverse("academy:api_token_revoke", args=[1])).status_code == 302


def test_making_a_token_shows_its_secret_once_and_it_works(client):
    user = UserFactory()
    client.force_login(user)
    response = _make(client, scopes=["profile:read", "courses:read"])
    assert response.status_code == 200
    token = ApiToken.objects.get(owner=user)
    body = response.content.decode()
    start = body.index(f"acad_{token.prefix}_")
    raw = body[start : start + len(f"acad_{token.prefix}_") + 40]
    assert body.count(raw) == 1 and "ne sera plus affiché" in body
    assert response["Cache-Control"] == "private, no-store"
    assert token.scopes == ["courses:read", "profile:read"] and token.expires_at is not None
    assert token.created_by == user and not token.is_service
    # The secret is nowhere afterwards: the list shows the prefix only.
    again = client.get(reverse(PAGE)).content.decode()
    assert raw not in again and f"acad_{token.prefix}_…" in again and "CRM" in again
    assert client.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_a_token_that_never_expires(client):
    user = UserFactory()
    client.force_login(user)
    assert _make(client, expires_in="never").status_code == 200
    assert ApiToken.objects.get(owner=user).expires_at is None


def test_bad_input_is_shown_next_to_the_fields(client):
    client.force_login(UserFactory())
    response = client.post(reverse(PAGE), {"name": "", "expires_in": "forever"})
    assert response.status_code == 400
    form = response.context["form"]
    assert set(form.errors) == {"name", "scopes", "expires_in"}
    assert "Choisissez au moins une portée." in form.errors["scopes"]
    assert not ApiToken.objects.exists()
    assert _make(client, scopes=["everything"]).status_code == 400


def test_revoking_asks_first_then_the_token_stops(client):
    user = UserFactory()
    token, raw = services.api_token_create(owner=user, name="CRM", scopes=["read"])
    client.force_login(user)
    url = reverse("academy:api_token_revoke", args=[token.pk])
    question = client.get(url)
    assert question.status_code == 200 and token.prefix in question.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse(PAGE)
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == user
    assert client.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    listed = client.get(reverse(PAGE)).content.decode()
    assert "révoqué" in listed and url not in listed


def test_nobody_else_can_see_or_revoke_your_token(client):
    token, _raw = services.api_token_create(owner=UserFactory(), name="Zanzibar sync", scopes=["read"])
    for intruder in (UserFactory(), UserFactory(role="manager"), UserFactory(role="admin")):
        client.force_login(intruder)
        url = reverse("academy:api_token_revoke", args=[token.pk])
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
        assert "Zanzibar" not in client.get(reverse(PAGE)).content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_page_query_count_does_not_grow_with_tokens(client, django_assert_num_queries):
    user = UserFactory()
    for index in range(3):
        services.api_token_create(owner=user, name=f"CRM {index}", scopes=["read"])
    client.force_login(user)
    client.get(reverse(PAGE))
    with django_assert_num_queries(5) as captured:
        client.get(reverse(PAGE))
    services.api_token_create(owner=user, name="Another", scopes=["write"])
    with django_assert_num_queries(len(captured.captured_queries)):
        client.get(reverse(PAGE))


# ------------------------------------------------------------------ admin


@pytest.fixture
def admin_client_(client):
    client.force_login(UserFactory(role="admin"))
    return client


def test_the_admin_lists_every_token_without_digests(admin_client_):
    token, _raw = services.api_token_create(owner=UserFactory(), name="CRM", scopes=["read"])
    listing = admin_client_.get(reverse("admin:academy_apitoken_changelist")).content.decode()
    assert token.prefix in listing and "CRM" in listing
    page = admin_client_.get(reverse("admin:academy_apitoken_change", args=[token.pk]))
    assert page.status_code == 200
    assert token.secret_hash not in page.content.decode()
    assert token.secret_hash not in listing


def test_the_admin_revokes_anybody_s_token_after_confirming(admin_client_):
    token, raw = services.api_token_create(owner=UserFactory(), name="CRM", scopes=["read"])
    url = reverse("admin:academy_apitoken_changelist")
    ask = admin_client_.post(url, {"action": "revoke", "_selected_action": [token.pk]})
    assert ask.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is None
    admin_client_.post(url, {"action": "revoke", "_selected_action": [token.pk], "confirm": "yes"})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert admin_client_.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_the_admin_makes_a_service_token_and_sees_its_secret_once(admin_client_):
    service = services.user_create(email="crm@test.example", role="manager")
    response = admin_client_.post(
        reverse("admin:academy_apitoken_add"),
        {"owner": service.pk, "name": "CRM sync", "scopes": ["distributors:read", "engagement:read"]},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(owner=service)
    assert token.is_service and token.scopes == ["distributors:read", "engagement:read"]
    raw = response.context["secret"]
    assert raw.startswith(f"acad_{token.prefix}_") and raw in response.content.decode()
    change = admin_client_.get(reverse("admin:academy_apitoken_change", args=[token.pk]))
    assert raw not in change.content.decode()
    refused = admin_client_.post(
        reverse("admin:academy_apitoken_add"), {"owner": service.pk, "name": "CRM", "scopes": []}
    )
    assert refused.status_code == 200 and "scopes" in refused.context["adminform"].form.errors
    assert ApiToken.objects.filter(owner=service).count() == 1
