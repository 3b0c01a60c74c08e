import shutil
import socket

import pytest
from django.core.cache import cache

from tests.academy.factories import UserFactory
from tests.chaos.room_reconnect_storm import PrivateRedis
from tests.distributors.factories import DistributorFactory, MembershipFactory, TerritoryFactory

# Every API response of the suite is checked against the OpenAPI schema.
pytest_plugins = ["tests.openapi_check", "tests.texting"]


@pytest.fixture(autouse=True)
def _isolated_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def private_redis():
    """A Redis server of the test's own on a free port (no persistence), to
    kill (``.stop()``) and start again (``.start()``); skips the test when
    ``redis-server`` is not installed."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = PrivateRedis(port)
    server.start()
    yield server
    server.close()


@pytest.fixture
def network(db):
    """Two territories with one manager each, a distributor in each with a
    lead and a staff member, a trainer and an admin."""

    class Network:
        pass

    net = Network()
    net.admin = UserFactory(role="admin", email="admin@test.example")
    net.trainer = UserFactory(role="trainer", email="trainer@test.example")
    net.manager_a = UserFactory(role="manager", email="manager.a@test.example")
    net.manager_b = UserFactory(role="manager", email="manager.b@test.example")
    net.territory_a = TerritoryFactory(name="West", countries=["SN", "CI"], managers=[net.manager_a])
    net.territory_b = TerritoryFactory(name="Central", countries=["CM", "GA"], managers=[net.manager_b])
    net.distributor_a = DistributorFactory(name="Dist A", territory=net.territory_a, country="SN")
    net.distributor_b = DistributorFactory(name="Dist B", territory=net.territory_b, country="CM")
    net.lead_a = MembershipFactory(distributor=net.distributor_a, role="lead").user
    net.staff_a = MembershipFactory(distributor=net.distributor_a, role="staff").user
    net.lead_b = MembershipFactory(distributor=net.distributor_b, role="lead").user
    net.staff_b = MembershipFactory(distributor=net.distributor_b, role="staff").user
    return net
