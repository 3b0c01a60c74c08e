"""Invitation links: the forms sent are limited per client."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

HERE = "192.0.2.30"


def test_twenty_posts_an_hour_then_429_until_the_window_moves(client):
    url = reverse("distributors:invitation_accept", args=["not-a-token"])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(20):
            assert client.post(url, {}, REMOTE_ADDR=HERE).status_code == 404
        refused = client.post(url, {}, REMOTE_ADDR=HERE)
        assert refused.status_code == 429 and refused["Retry-After"] == "3600"
        # Opening the link is not counted.
        assert client.get(url, REMOTE_ADDR=HERE).status_code == 404
    with time_machine.travel(start + datetime.timedelta(minutes=59, seconds=59), tick=False):
        assert client.post(url, {}, REMOTE_ADDR=HERE).status_code == 429
    with time_machine.travel(start + datetime.timedelta(hours=1, seconds=1), tick=False):
        assert client.post(url, {}, REMOTE_ADDR=HERE).status_code == 404
