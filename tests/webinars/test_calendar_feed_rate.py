"""Calendar feeds: reads per feed, and unknown feed addresses per client."""

import pytest
from django.urls import reverse

from webinars import services

pytestmark = pytest.mark.django_db

HERE = "192.0.2.40"


@pytest.fixture
def rates(settings):
    rates = {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "calendar_feed": "3/hour",
        "calendar_feed_unknown": "2/hour",
    }
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}


def _feed(client, token, address=HERE):
    return client.get(reverse("webinars:calendar_feed", args=[token]), REMOTE_ADDR=address)


def test_reads_of_one_feed_are_limited(client, network, rates):
    token = services.calendar_token_regenerate(user=network.staff_a).calendar_token
    for _ in range(3):
        assert _feed(client, token).status_code == 200
    refused = _feed(client, token, address="192.0.2.41")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 3500


def test_guessing_feed_addresses_is_cut_short(client, network, rates):
    token = services.calendar_token_regenerate(user=network.staff_a).calendar_token
    assert _feed(client, token).status_code == 200  # known feeds are not misses
    for index in range(2):
        assert _feed(client, f"guess{index}").status_code == 404
    assert _feed(client, "guess9").status_code == 429
    assert _feed(client, "guess9", address="192.0.2.41").status_code == 404
