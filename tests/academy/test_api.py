import pytest
from django.urls import reverse

from tests.academy.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_me_returns_profile_and_roles(client, network, django_assert_num_queries):
    client.force_login(network.lead_a)
    with django_assert_num_queries(3):  # session, user, membership
        response = client.get(reverse("api:me"))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == network.lead_a.email
    assert body["roles"] == ["lead", "learner"]


def test_me_update(client):
    user = UserFactory(language="fr")
    client.force_login(user)
    response = client.patch(
        reverse("api:me"),
        {"language": "en", "time_zone": "Africa/Douala", "phone": "+237 6 71 23 45 67", "country": "CM"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    user.refresh_from_db()
    assert (user.language, user.time_zone, user.country.code) == ("en", "Africa/Douala", "CM")
    assert user.phone.as_e164 == "+237671234567"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"language": "de"}, "language"),
        ({"phone": "12"}, "phone"),
        ({"country": "ZZ"}, "country"),
    ],
)
def test_me_update_rejects_bad_input_with_field_errors(client, payload, field):
    user = UserFactory(language="en", time_zone="UTC")
    client.force_login(user)
    response = client.patch(reverse("api:me"), payload, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["fields"]
    user.refresh_from_db()
    assert (user.language, user.time_zone, str(user.phone), user.country.code) == ("en", "UTC", "", "")


def test_me_requires_authentication(client):
    response = client.get(reverse("api:me"))
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_schema_and_docs_need_sign_in(client):
    assert client.get(reverse("api-schema")).status_code == 302
    client.force_login(UserFactory())
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 200
    assert b"/api/v1/me/" in schema.content
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    assert b"cdn.jsdelivr" not in docs.content  # assets are served locally


def test_schema_generates_without_warnings():
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_not_found_is_said_in_the_reader_language_without_naming_the_model(client, network):
    client.force_login(network.lead_a)
    # Another distributor's headcount: looked up with get_object_or_404 in a scoped queryset.
    response = client.get(reverse("api:courses-headcount") + f"?distributor={network.distributor_b.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Non trouvé.", "code": "not_found"}
