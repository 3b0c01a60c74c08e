import datetime
import shutil
import subprocess
import sys

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from academy import services
from academy.management.commands.i18n_update import LANGUAGES, catalogue_paths, local_app_paths
from tests.academy.factories import UserFactory


def test_anonymous_visitor_gets_french_by_default(client):
    body = client.get(reverse("academy:login")).content.decode()
    assert '<html lang="fr">' in body
    assert "Se connecter" in body
    assert "Mot de passe oublié ?" in body


def test_anonymous_visitor_with_english_browser(client):
    body = client.get(reverse("academy:login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="en">' in body
    assert "Forgotten password?" in body


def test_language_switcher_works_without_signing_in(client):
    response = client.post(reverse("academy:language"), {"language": "en", "next": "/login/"})
    assert response.status_code == 302
    assert response.url == "/login/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Forgotten password?" in client.get("/login/").content.decode()


@pytest.mark.django_db
def test_signed_in_person_reads_their_profile_language(client):
    user = UserFactory(language="en")
    client.force_login(user)
    # Their browser prefers French, their profile says English: the profile wins.
    body = client.get(reverse("academy:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en">' in body
    assert "Welcome" in body


@pytest.mark.django_db
def test_language_switch_is_saved_on_the_profile(client):
    user = UserFactory(language="en")
    client.force_login(user)
    client.post(reverse("academy:language"), {"language": "fr", "next": "/"})
    user.refresh_from_db()
    assert user.language == "fr"
    assert "Bienvenue" in client.get(reverse("academy:home")).content.decode()


@pytest.mark.django_db
def test_times_are_shown_in_the_person_time_zone(client):
    user = UserFactory(language="en", time_zone="Asia/Tokyo")
    notification = services.notification_create(user=user, kind="test", title="Hello")
    notification.created_at = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    notification.save(update_fields=["created_at"])
    client.force_login(user)
    body = client.get(reverse("academy:notifications")).content.decode()
    # 23:30 UTC is 08:30 the next day in Tokyo.
    assert "2 March 2026, 08:30" in body
    assert timezone.get_current_timezone_name() == "UTC"  # nothing leaks out of the request


def _catalogues():
    for app_path in local_app_paths():
        for language in LANGUAGES:
            for po_path in catalogue_paths(app_path, language):
                yield pytest.param(po_path, language, id=str(po_path.relative_to(settings.BASE_DIR)))


@pytest.mark.parametrize(("po_path", "language"), list(_catalogues()))
def test_catalogue_is_complete_and_compiled(po_path, language):
    po = polib.pofile(str(po_path))
    untranslated = [entry.msgid for entry in po if not entry.translated() or "fuzzy" in entry.flags]
    assert untranslated == []
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    compiled = {(entry.msgid, entry.msgstr or str(entry.msgstr_plural)) for entry in mo if entry.msgid}
    source = {(entry.msgid, entry.msgstr or str(entry.msgstr_plural)) for entry in po if entry.msgid}
    assert compiled == source, "run `manage.py i18n_update` to recompile"


def test_every_app_has_both_catalogues():
    for app_path in local_app_paths():
        for language in LANGUAGES:
            assert catalogue_paths(app_path, language), f"{app_path.name} has no {language} catalogue"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext (xgettext) is not installed")
def test_catalogues_hold_every_string_of_the_source(tmp_path):
    """Extract the strings again into a copy of the tree and compare."""
    copy = tmp_path / "src"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "var", "staticfiles", "node_modules", "*.pyc", "docs"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "i18n_update"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
        },
    )
    # A non-zero exit is expected when strings are missing; anything else is a crash.
    assert result.returncode == 0 or "untranslated" in result.stdout, result.stdout + result.stderr
    for app_path in local_app_paths():
        for language in LANGUAGES:
            for po_path in catalogue_paths(app_path, language):
                fresh = polib.pofile(str(copy / po_path.relative_to(settings.BASE_DIR)))
                committed = polib.pofile(str(po_path))
                missing = {e.msgid for e in fresh} - {e.msgid for e in committed}
                assert not missing, f"{po_path}: strings not in the catalogue: {sorted(missing)[:10]}"


def test_english_dates_are_written_day_first_on_a_24_hour_clock():
    from django.utils import formats, translation

    moment = datetime.datetime(2027, 1, 11, 14, 30)
    with translation.override("en"):
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "11/01/2027"
        assert formats.date_format(moment, "DATE_FORMAT") == "11 January 2027"
        assert formats.date_format(moment, "DATETIME_FORMAT") == "11 January 2027, 14:30"
    with translation.override("fr"):
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "11/01/2027"
