"""Each settings profile loads, and production refuses to start without its secrets."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'layer': s.CHANNEL_LAYERS['default']['BACKEND'], "
    "'broker': s.CELERY_BROKER_URL, 'db': s.DATABASES['default']['ENGINE'], "
    "'lang': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE, 'email': s.EMAIL_BACKEND, "
    "'layer_hosts': s.CHANNEL_LAYERS['default'].get('CONFIG', {}).get('hosts')}))"
)


def _run(module: str, probe: str = PROBE, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SITE_URL", "DEFAULT_FROM_EMAIL"}
    }
    clean.update({"DJANGO_SETTINGS_MODULE": module, "ACADEMY_VAR_DIR": "/tmp/academy-settings-probe", **env})
    return subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=clean,
        cwd=settings.BASE_DIR,
        timeout=60,
    )


def test_local_profile_is_embedded_by_default():
    result = _run("config.settings.local")
    assert result.returncode == 0, result.stderr
    assert '"debug": true' in result.stdout
    assert "InMemoryChannelLayer" in result.stdout
    assert '"broker": "filesystem://localhost/"' in result.stdout
    assert "sqlite3" in result.stdout
    assert '"lang": "fr"' in result.stdout
    assert '"tz": "UTC"' in result.stdout
    assert "console" in result.stdout


def test_redis_url_switches_channel_layer_and_broker():
    result = _run("config.settings.local", REDIS_URL="redis://127.0.0.1:6379/5")
    assert result.returncode == 0, result.stderr
    assert "config.channel_layers.RedisChannelLayer" in result.stdout
    assert '"broker": "redis://127.0.0.1:6379/5"' in result.stdout


def test_redis_layer_reads_outlast_its_blocking_receives():
    from channels_redis.core import RedisChannelLayer

    result = _run("config.settings.local", REDIS_URL="redis://127.0.0.1:6379/5")
    assert result.returncode == 0, result.stderr
    (host,) = json.loads(result.stdout)["layer_hosts"]
    assert host["address"] == "redis://127.0.0.1:6379/5"
    assert host["socket_timeout"] > RedisChannelLayer.brpop_timeout


def test_database_url_selects_postgresql():
    result = _run("config.settings.local", DATABASE_URL="postgres://postgres@127.0.0.1:5432/academy")
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout


def test_test_profile_loads():
    result = _run("config.settings.test")
    assert result.returncode == 0, result.stderr
    assert "locmem" in result.stdout


PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 60,
    "ALLOWED_HOSTS": "academy.example.com",
    "EMAIL_URL": "smtp://mail.example.com:25",
    "SITE_URL": "https://academy.example.com",
    "DEFAULT_FROM_EMAIL": "Academy <academy@example.com>",
}


def test_production_loads_with_its_secrets():
    result = _run("config.settings.production", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert '"debug": false' in result.stdout
    assert "smtp" in result.stdout


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "ALLOWED_HOSTS", "EMAIL_URL", "SITE_URL", "DEFAULT_FROM_EMAIL"]
)
def test_production_refuses_to_start_without_a_secret(missing):
    env = dict(PRODUCTION_ENV)
    env.pop(missing)
    result = _run("config.settings.production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SITE_URL", "http://127.0.0.1:8000"),
        ("SITE_URL", "academy.example.com"),
        ("DEFAULT_FROM_EMAIL", "Academy <academy@localhost>"),
        ("DEFAULT_FROM_EMAIL", "academy"),
    ],
)
def test_production_refuses_the_embedded_defaults(name, value):
    """The defaults of the embedded profile would put 127.0.0.1 links and a
    localhost sender in every e-mail: production says which setting to fix."""
    result = _run("config.settings.production", **{**PRODUCTION_ENV, name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"Set the {name} environment variable" in result.stderr


def test_production_takes_site_url_and_sender_from_the_environment():
    probe = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "from academy.services import message_id; "
        "print(json.dumps([s.SITE_URL, s.DEFAULT_FROM_EMAIL, s.SERVER_EMAIL, message_id('k')]))"
    )
    env = {**PRODUCTION_ENV, "SITE_URL": "https://academy.example.com/"}
    result = _run("config.settings.production", probe, **env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "https://academy.example.com",
        "Academy <academy@example.com>",
        "Academy <academy@example.com>",
        "<k@academy.example.com>",
    ]
