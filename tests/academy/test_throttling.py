"""Anti-automation at its boundaries: the sign-in lockout (page and API basic
auth) and the rates of the doors that need no sign-in."""

import base64
import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from academy.models import OutgoingEmail
from tests.academy.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

EMAIL = "awa@test.example"
HERE = "192.0.2.10"
ELSEWHERE = "198.51.100.7"
LOGIN = "academy:login"


def _sign_in(client, password, *, address=HERE, username=EMAIL):
    return client.post(reverse(LOGIN), {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client):
    return client.get(reverse("academy:home")).status_code == 200


@pytest.fixture
def user():
    return UserFactory(email=EMAIL)


# ------------------------------------------------------------- sign-in page


def test_the_fourth_wrong_password_is_a_form_error_the_fifth_locks(client, user):
    for _ in range(4):
        assert _sign_in(client, "wrong").status_code == 200
    assert _sign_in(client, PASSWORD).status_code == 302  # 4 failures: still allowed
    client.logout()
    for _ in range(5):
        response = _sign_in(client, "wrong")
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 15 * 60


def test_a_locked_account_refuses_the_right_password_until_the_cool_off_ends(client, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _sign_in(client, "wrong")
    with time_machine.travel(start + datetime.timedelta(minutes=14, seconds=59), tick=False):
        response = _sign_in(client, PASSWORD)
        assert response.status_code == 429 and not _signed_in(client)
        body = response.content.decode()
        assert "la connexion est suspendue pendant 1 minute" in body
        assert 'name="password"' in body  # the sign-in form is still there
    with time_machine.travel(start + datetime.timedelta(minutes=15, seconds=1), tick=False):
        assert _sign_in(client, PASSWORD).status_code == 302
        assert _signed_in(client)


def test_tries_during_the_lock_do_not_prolong_it(client, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            _sign_in(client, "wrong")
    for minute in range(1, 15):
        with time_machine.travel(start + datetime.timedelta(minutes=minute), tick=False):
            assert _sign_in(client, "wrong").status_code == 429
    with time_machine.travel(start + datetime.timedelta(minutes=15, seconds=1), tick=False):
        assert _sign_in(client, PASSWORD).status_code == 302


def test_an_attacker_elsewhere_cannot_lock_the_account_holder_out(client, user):
    for _ in range(50):
        _sign_in(client, "wrong", address=ELSEWHERE)
    assert _sign_in(client, "wrong", address=ELSEWHERE).status_code == 429
    assert _sign_in(client, PASSWORD, address=HERE).status_code == 302


def test_the_spelling_of_the_address_does_not_reset_the_count(client, user):
    for spelling in ("awa@test.example", "AWA@test.example", " Awa@Test.example", "awa@TEST.EXAMPLE"):
        _sign_in(client, "wrong", username=spelling)
    assert _sign_in(client, "wrong", username="AwA@test.example").status_code == 429


def test_an_admin_unlocks_an_account(client, user):
    for _ in range(5):
        _sign_in(client, "wrong")
    assert _sign_in(client, PASSWORD).status_code == 429
    call_command("axes_reset_username", EMAIL)
    assert _sign_in(client, PASSWORD).status_code == 302


def test_a_success_clears_the_earlier_failures(client, user):
    for _ in range(4):
        _sign_in(client, "wrong")
    assert _sign_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _sign_in(client, "wrong").status_code == 200


# ------------------------------------------------------------- API basic auth


def _basic(password, username=EMAIL):
    api = APIClient(REMOTE_ADDR=HERE)
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    api.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
    return api.get(reverse("api:me"))


def test_api_basic_auth_is_under_the_same_lock(user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(4):
            assert _basic("wrong").status_code in (401, 403)
        response = _basic("wrong", username=EMAIL.upper())
        assert response.status_code == 429
        locked = _basic(PASSWORD)
        assert locked.status_code == 429
        assert locked.json()["code"] == "throttled" and "15 minutes" in locked.json()["detail"]
        assert int(locked["Retry-After"]) == 15 * 60
    with time_machine.travel(start + datetime.timedelta(minutes=15, seconds=1), tick=False):
        assert _basic(PASSWORD).status_code == 200


def test_the_page_and_the_api_count_together(client, user):
    for _ in range(3):
        _sign_in(client, "wrong")
    for _ in range(2):
        _basic("wrong")
    assert _sign_in(client, PASSWORD).status_code == 429


# ------------------------------------------------------------- password reset


def _reset(client, email=EMAIL, address=HERE):
    return client.post(reverse("academy:password_reset"), {"email": email}, REMOTE_ADDR=address)


def _resets_sent():
    return OutgoingEmail.objects.filter(topic="academy.password_reset").count()


def test_three_reset_mails_an_hour_per_address_then_silently_none(client, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for count in (1, 2, 3):
            assert _reset(client).url == reverse("academy:password_reset_done")
            assert _resets_sent() == count
        # The fourth answers the same page, and sends nothing (from anywhere).
        fourth = _reset(client, email=EMAIL.upper(), address=ELSEWHERE)
        assert (fourth.status_code, fourth.url) == (302, reverse("academy:password_reset_done"))
        assert _resets_sent() == 3
    with time_machine.travel(start + datetime.timedelta(minutes=59), tick=False):
        _reset(client)
        assert _resets_sent() == 3
    with time_machine.travel(start + datetime.timedelta(hours=1, seconds=1), tick=False):
        _reset(client)
        assert _resets_sent() == 4


def test_an_unknown_address_gets_the_same_answer_past_the_rate(client):
    for _ in range(4):
        response = _reset(client, email="nobody@test.example")
    assert (response.status_code, response.url) == (302, reverse("academy:password_reset_done"))


def test_reset_requests_per_client_are_limited(client):
    for index in range(20):
        assert _reset(client, email=f"p{index}@test.example").status_code == 302
    refused = _reset(client, email="p99@test.example")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 3500
    assert "Trop de tentatives" in refused.content.decode()
    assert _reset(client, email="p99@test.example", address=ELSEWHERE).status_code == 302
    # The form page itself is not counted.
    assert client.get(reverse("academy:password_reset"), REMOTE_ADDR=HERE).status_code == 200
