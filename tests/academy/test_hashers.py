"""Passwords are hashed with Argon2id at OWASP's parameters; older hashes
still sign in and are upgraded at that sign-in. (The test profile itself
hashes with MD5 for speed: these tests use the real list.)"""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.test import override_settings
from django.urls import reverse

from config.settings import base
from tests.academy.factories import PASSWORD, UserFactory

REAL = override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS)
ARGON2ID_OWASP = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


def test_argon2id_comes_first_and_pbkdf2_is_still_known():
    assert base.PASSWORD_HASHERS[0] == "academy.hashers.Argon2idPasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in base.PASSWORD_HASHERS[1:]


@REAL
def test_new_passwords_get_argon2id_with_owasp_parameters():
    hashed = make_password(PASSWORD)
    assert hashed.startswith(ARGON2ID_OWASP)
    assert identify_hasher(hashed).verify(PASSWORD, hashed)
    assert not identify_hasher(hashed).verify(PASSWORD + "x", hashed)


@pytest.mark.django_db
@REAL
@pytest.mark.parametrize(
    "old",
    [
        lambda: make_password(PASSWORD, hasher="pbkdf2_sha256"),
        # Django's own Argon2 parameters (100 MiB, 8 lanes): same algorithm, other cost.
        lambda: Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt()),
    ],
    ids=["pbkdf2", "argon2-other-parameters"],
)
def test_an_older_hash_signs_in_and_is_upgraded(client, old):
    user = UserFactory(email="awa@test.example")
    user.password = old()
    user.save(update_fields=["password"])
    assert not user.password.startswith(ARGON2ID_OWASP)

    response = client.post(reverse("academy:login"), {"username": "awa@test.example", "password": PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith(ARGON2ID_OWASP)
    assert user.check_password(PASSWORD)
