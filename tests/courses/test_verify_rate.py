"""Certificate verification lookups are limited per client, page and API together."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

HERE = "192.0.2.20"


@pytest.fixture
def low_rate(settings):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "certificate_verify": "4/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def test_the_page_and_the_api_share_the_rate(client, low_rate):
    api = APIClient(REMOTE_ADDR=HERE)
    for index in range(2):
        assert (
            client.get(reverse("courses:verify", args=[f"NOPE-{index}"]), REMOTE_ADDR=HERE).status_code == 404
        )
        api_url = reverse("api:courses-certificate-verify", args=[f"NOPE-{index}"])
        assert api.get(api_url).status_code == 404
    refused = api.get(reverse("api:courses-certificate-verify", args=["NOPE-9"]))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 3500
    assert refused.json()["code"] == "throttled" and refused.json()["detail"].startswith("Trop de tentatives")
    page = client.get(reverse("courses:verify", args=["NOPE-9"]), REMOTE_ADDR=HERE)
    assert page.status_code == 429 and "Trop de tentatives" in page.content.decode()
    # Another client, and a forged X-Forwarded-For changes nothing for this one.
    assert client.get(reverse("courses:verify", args=["NOPE-9"]), REMOTE_ADDR="192.0.2.21").status_code == 404
    forged = client.get(
        reverse("courses:verify", args=["NOPE-9"]), REMOTE_ADDR=HERE, HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert forged.status_code == 429


def test_the_default_rate_allows_sixty_an_hour(client):
    for index in range(60):
        assert client.get(reverse("courses:verify", args=[f"N-{index}"]), REMOTE_ADDR=HERE).status_code == 404
    assert client.get(reverse("courses:verify", args=["N-60"]), REMOTE_ADDR=HERE).status_code == 429
