"""PostgreSQL connections come from one bounded pool per process: many
request threads share ``DATABASE_POOL_MAX_SIZE`` connections instead of each
keeping its own, and a thread that finds the pool empty waits its turn."""

import json
import os
import subprocess
import sys
import threading

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections

PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "d = s.DATABASES['default']; "
    "print(json.dumps({'pool': d.get('OPTIONS', {}).get('pool'), 'age': d.get('CONN_MAX_AGE'), "
    "'checks': d.get('CONN_HEALTH_CHECKS')}))"
)


def _settings(**env: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CONN_MAX_AGE"))}
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "ACADEMY_VAR_DIR": "/tmp/academy-settings-probe",
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/academy",
            **env,
        }
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        capture_output=True,
        text=True,
        env=clean,
        cwd=settings.BASE_DIR,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_postgresql_uses_a_bounded_pool_sized_by_settings():
    found = _settings(DATABASE_POOL_MAX_SIZE="7", DATABASE_POOL_TIMEOUT_SECONDS="3")
    assert found["pool"] == {"min_size": 2, "max_size": 7, "timeout": 3.0, "max_idle": 300.0}
    # Django refuses persistent connections with a pool; the pool checks each one it hands out
    assert (found["age"], found["checks"]) == (0, True)


def test_without_the_pool_connections_persist_as_asked():
    found = _settings(DATABASE_POOL="false", CONN_MAX_AGE="60")
    assert found["pool"] is None
    assert found["age"] == 60


def _backends(dsn: str, name: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as probe:
        return probe.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name]).fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_thirty_request_threads_share_the_pool_and_all_get_served():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: run with DATABASE_URL=postgres://...")
    size = connection.settings_dict["OPTIONS"]["pool"]["max_size"]
    name = connection.settings_dict["NAME"]
    params = connection.get_connection_params()
    dsn = psycopg.conninfo.make_conninfo(
        **{k: v for k, v in params.items() if k in {"host", "port", "user", "password"}}, dbname="postgres"
    )
    connection.close()  # the test's own connection goes back to the pool
    threads_count = 3 * size
    inside = threading.Barrier(size, timeout=30)
    peak: list[int] = []
    served: list[int] = []
    errors: list[BaseException] = []

    def request() -> None:
        try:
            with connections["default"].cursor() as cursor:
                try:
                    # the first ``size`` threads hold their connection together, so the
                    # pool is full while the others queue for theirs
                    inside.wait()
                    peak.append(_backends(dsn, name))
                except threading.BrokenBarrierError:
                    pass
                cursor.execute("SELECT pg_sleep(0.02), 1")
                served.append(cursor.fetchone()[1])
        except BaseException as error:
            errors.append(error)
        finally:
            connections["default"].close()  # what the end of a request does

    workers = [threading.Thread(target=request) for _ in range(threads_count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert not errors
    assert served == [1] * threads_count
    # while the pool was full, this process had exactly its size open: never more
    assert peak and max(peak) == size
    assert _backends(dsn, name) <= size
