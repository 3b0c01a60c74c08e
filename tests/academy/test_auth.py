import re

import pytest
from django.core import mail
from django.urls import reverse

from academy.models import EngagementEvent, OutgoingEmail, Verb
from academy.outbox import outboxes_drain
from tests.academy.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_email_records_event_and_lands_home(client):
    user = UserFactory(email="awa@test.example")
    response = client.post(reverse("academy:login"), {"username": "AWA@test.example ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("academy:home")
    assert EngagementEvent.objects.filter(actor=user, verb=Verb.LOGGED_IN).count() == 1
    assert client.get(reverse("academy:home")).status_code == 200


def test_login_with_wrong_password_shows_error_and_records_nothing(client):
    UserFactory(email="awa@test.example", language="en")
    response = client.post(
        reverse("academy:login"),
        {"username": "awa@test.example", "password": "nope"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()
    assert not EngagementEvent.objects.exists()


def test_logout_requires_post_and_signs_out(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("academy:logout"))
    assert response.status_code == 302
    assert client.get(reverse("academy:home")).status_code == 302


def test_home_requires_login(client):
    response = client.get(reverse("academy:home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("academy:login"))


@pytest.mark.parametrize(
    ("language", "subject_word", "body_phrase"),
    [("fr", "Choisir un nouveau mot de passe", "Bonjour"), ("en", "Choose a new password", "Hello")],
)
def test_password_reset_mail_is_in_the_account_language(client, language, subject_word, body_phrase):
    UserFactory(email="reset@test.example", language=language, first_name="Awa")
    # The visitor's browser asks for the other language: the e-mail follows the account.
    other = "en" if language == "fr" else "fr"
    response = client.post(
        reverse("academy:password_reset"), {"email": "reset@test.example"}, HTTP_ACCEPT_LANGUAGE=other
    )
    assert response.status_code == 302
    assert mail.outbox == []  # queued: the outbox sends it
    assert outboxes_drain().sent == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert subject_word in message.subject
    assert message.body.startswith(f"{body_phrase} Awa")


def test_password_reset_full_flow_enforces_validators(client):
    user = UserFactory(email="reset@test.example", language="en")
    client.post(reverse("academy:password_reset"), {"email": "reset@test.example"})
    outboxes_drain()
    assert OutgoingEmail.objects.get(topic="academy.password_reset").body == ""  # the link is not kept
    link = re.search(r"https?://[^/]+(/password/reset/\S+/)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    weak = client.post(form_url, {"new_password1": "123456", "new_password2": "123456"})
    assert weak.status_code == 200
    assert "too common" in weak.content.decode() or "trop courant" in weak.content.decode()
    done = client.post(
        form_url, {"new_password1": "Sahel-Diagnostic-42", "new_password2": "Sahel-Diagnostic-42"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Sahel-Diagnostic-42")
    # The link works once.
    assert "not valid any more" in client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_password_reset_for_unknown_address_sends_nothing(client):
    response = client.post(reverse("academy:password_reset"), {"email": "nobody@test.example"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_change(client):
    user = UserFactory(language="en")
    client.force_login(user)
    response = client.post(
        reverse("academy:password_change"),
        {"old_password": PASSWORD, "new_password1": "Dakar-Labo-2026!", "new_password2": "Dakar-Labo-2026!"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Dakar-Labo-2026!")
