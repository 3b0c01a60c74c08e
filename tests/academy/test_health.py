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


@pytest.mark.redis
def test_healthz_reports_redis_up_when_configured(client, settings):
    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    body = client.get("/healthz").json()
    assert body["checks"]["redis"] == {"status": "up"}
    assert body["checks"]["broker"] == {"status": "up"}
