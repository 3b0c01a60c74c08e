import pytest
from django.db import OperationalError
from django.test import override_settings

from academy import health

pytestmark = pytest.mark.django_db


def test_healthz_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {"status": "up"}
    assert body["checks"]["broker"] == {"status": "up"}


def test_healthz_names_the_database_when_it_is_down(client, monkeypatch):
    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "check_database", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["down"] == ["database"]
    assert body["checks"]["database"] == {"status": "down", "error": "OperationalError"}


def test_healthz_names_redis_when_it_is_unreachable(client):
    # Port 1 on loopback: nothing listens there, so the connection is refused.
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0", ACADEMY_HEALTH_TIMEOUT_SECONDS=0.5):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert "redis" in body["down"]
    assert body["checks"]["database"]["status"] == "up"


def test_healthz_names_redis_and_the_broker_while_redis_is_down(client, private_redis, monkeypatch):
    """A private Redis as cache, channel layer and broker: killed, /healthz
    answers 503 naming both while the database is up; started again, 200.
    The broker is tried once: kombu's retry loop, which sleeps between
    attempts, is not entered."""

    def no_retry_sleep(seconds):
        raise AssertionError(f"the broker check waited {seconds} s to retry")

    monkeypatch.setattr("kombu.utils.functional.sleep", no_retry_sleep)
    redis_settings = override_settings(
        REDIS_URL=private_redis.url,
        CELERY_BROKER_URL=private_redis.url,
        CELERY_BROKER_TRANSPORT_OPTIONS={"visibility_timeout": 3600},
        ACADEMY_HEALTH_TIMEOUT_SECONDS=0.5,
    )
    with redis_settings:
        assert client.get("/healthz").json()["checks"]["redis"] == {"status": "up"}
        private_redis.stop()
        response = client.get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "down"
        assert body["down"] == ["broker", "redis"]
        assert body["checks"]["redis"] == {"status": "down", "error": "ConnectionError"}
        assert body["checks"]["broker"] == {"status": "down", "error": "OperationalError"}
        assert body["checks"]["database"] == {"status": "up"}
        private_redis.start()
        response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["broker"] == {"status": "up"}


@pytest.mark.redis
def test_healthz_reports_redis_up_when_configured(client, settings):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    body = client.get("/healthz").json()
    assert body["checks"]["redis"] == {"status": "up"}
    assert body["checks"]["broker"] == {"status": "up"}
