"""The Redis cache degrades to a miss / no-op while Redis is away
(``config.cache``), against a private Redis server the tests kill."""

import logging

import pytest
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIRequestFactory
from rest_framework.throttling import SimpleRateThrottle

from config.cache import DegradingRedisCache, RedisOutage


@pytest.fixture(autouse=True)
def _fresh_outages():
    RedisOutage._known.clear()
    yield
    RedisOutage._known.clear()


def _cache(url: str, retry_seconds: float = 0.0) -> DegradingRedisCache:
    options = {"socket_connect_timeout": 0.25, "socket_timeout": 0.25, "retry_seconds": retry_seconds}
    return DegradingRedisCache(url, {"KEY_PREFIX": "t", "OPTIONS": options})


def test_a_dead_redis_is_a_miss_and_writes_do_nothing(private_redis):
    cache = _cache(private_redis.url)
    cache.set("kept", "value")
    cache.set("counter", 5)
    assert cache.get("kept") == "value"
    private_redis.stop()
    # Django's own backend fails the request here.
    with pytest.raises(RedisConnectionError):
        RedisCache(private_redis.url, {}).get("kept")
    assert cache.get("kept") is None
    assert cache.get("kept", "fallback") == "fallback"
    assert cache.get_many(["kept", "counter"]) == {}
    assert cache.has_key("kept") is False
    assert cache.get_or_set("computed", lambda: 42) == 42
    assert cache.set("kept", "other") is None
    assert cache.set_many({"a": 1, "b": 2}) == []
    assert cache.add("new", 1) is False  # nothing was added: a lock taken with add is not held
    assert cache.incr("counter") == 1  # a fresh counter: rate limits fail open
    assert cache.decr("counter", 3) == -3
    assert cache.touch("kept") is False
    assert cache.delete("kept") is False
    cache.delete_many(["a", "b"])
    assert cache.clear() is False


def test_the_cache_works_again_when_redis_returns(private_redis):
    cache = _cache(private_redis.url)
    cache.set("before", 1)
    private_redis.stop()
    assert cache.get("before") is None
    private_redis.start()  # empty: no persistence
    assert cache.get("before") is None
    cache.set("after", "again")
    assert cache.get("after") == "again"
    assert cache.add("lock", 1) is True
    assert cache.add("lock", 1) is False
    assert cache.incr("lock") == 2
    with pytest.raises(ValueError):
        cache.incr("missing")  # as Django's backends do while Redis is up


def test_the_outage_is_logged_once_not_per_call(private_redis, caplog):
    cache = _cache(private_redis.url)
    cache.set("k", 1)
    private_redis.stop()
    with caplog.at_level(logging.INFO, logger="config.cache"):
        for _ in range(20):
            cache.get("k")
            cache.set("k", 2)
        private_redis.start()
        cache.set("k", 3)
        cache.get("k")
        cache.get("k")
    records = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "config.cache"]
    assert [level for level, _ in records] == ["WARNING", "INFO"], records
    assert records[0][1].startswith("Cache unreachable (ConnectionError")
    assert records[1][1].startswith("Cache reachable again after")


def test_after_a_failure_redis_is_not_asked_again_for_a_while(private_redis):
    """While the retry delay runs, calls do not touch Redis at all (a down
    Redis costs nothing per request): a Redis already back is not seen yet."""
    cache = _cache(private_redis.url, retry_seconds=3600)
    private_redis.stop()
    assert cache.get("k") is None
    private_redis.start()
    cache.set("k", "stored?")
    assert RedisCache(private_redis.url, {"KEY_PREFIX": "t"}).get("k") is None
    RedisOutage._known[private_redis.url].retry_at = 0.0  # the delay has run out
    cache.set("k", "stored")
    assert RedisCache(private_redis.url, {"KEY_PREFIX": "t"}).get("k") == "stored"


def test_every_connection_of_the_process_shares_the_outage(private_redis):
    first, second = _cache(private_redis.url, retry_seconds=3600), _cache(private_redis.url)
    private_redis.stop()
    first.get("k")
    assert RedisOutage.of(private_redis.url, 1.0).skipping()
    private_redis.start()
    second.set("k", 1)  # skipped: the outage is the server's, not one connection's
    assert RedisCache(private_redis.url, {"KEY_PREFIX": "t"}).get("k") is None


class _OnePerMinute(SimpleRateThrottle):
    rate = "1/min"

    def get_cache_key(self, request, view):
        return "throttle-sign-in"


def test_rate_limits_fail_open_while_redis_is_away(private_redis):
    """A throttle counting in the cache refuses the second request while
    Redis is up, and lets every request through while it is away: nobody is
    locked out of signing in by a Redis restart."""
    throttle_cache = _cache(private_redis.url)
    request = APIRequestFactory().post("/login/")

    def allowed() -> bool:
        throttle = _OnePerMinute()
        throttle.cache = throttle_cache
        return throttle.allow_request(request, None)

    assert allowed() is True
    assert allowed() is False
    private_redis.stop()
    assert [allowed() for _ in range(5)] == [True] * 5
