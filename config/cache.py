"""The Redis cache, degrading instead of failing while Redis is away.

Nothing in the academy keeps its only copy of anything in the cache: a
cache is an optimisation and a counter store for rate limits. So when Redis
cannot be reached, a request should go on as if the cache were empty rather
than answer 500. ``DegradingRedisCache`` is Django's ``RedisCache`` with a
client that turns Redis connection errors and timeouts into:

* reads: a miss (``get`` → the default, ``get_many`` → ``{}``,
  ``has_key`` → ``False``);
* writes: nothing stored (``set``, ``set_many``, ``delete``, ``touch``,
  ``clear`` do nothing; ``add`` answers ``False``, nothing was added);
* ``incr`` / ``decr``: ``delta``, as for a counter that starts now.

Rate limits therefore fail **open**: a limiter that counts in the cache sees
a fresh window on every request (DRF's throttles read an empty history;
``add``-then-``incr`` limiters read 1), so nobody is locked out of signing
in because Redis restarted; brute-force protection is weaker for the
minutes of the outage, which /healthz reports. A lock taken with ``add``
fails **closed** (``False``: someone else holds it), so guarded work is
skipped, not doubled; the periodic jobs that use such locks run again.

After a failure the client stops asking Redis for ``retry_seconds`` (one
second by default): during an outage a request costs nothing, not a connect
attempt per cache call. The outage is logged once when it starts (warning)
and once when Redis answers again (info), per process and server, not once
per call. Errors that are not about reaching Redis (a wrong type, a bad
command) still raise: they are bugs, not outages.

Settings: ``OPTIONS`` as for ``RedisCache`` (socket timeouts are passed to
redis-py), plus ``retry_seconds``.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

# Connection refused, reset, DNS failure, "loading the dataset" after a restart
# (BusyLoadingError is a ConnectionError), and socket timeouts.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class RedisOutage:
    """Whether a Redis server is taken for away, shared by every cache
    connection of the process that talks to it (Django makes one per thread)."""

    _known: dict[str, "RedisOutage"] = {}
    _known_lock = threading.Lock()

    def __init__(self, server: str, retry_seconds: float) -> None:
        self.server = server
        self.retry_seconds = retry_seconds
        self.down_since: float | None = None
        self.retry_at = 0.0
        self.lock = threading.Lock()

    @classmethod
    def of(cls, server: str, retry_seconds: float) -> "RedisOutage":
        with cls._known_lock:
            outage = cls._known.get(server)
            if outage is None:
                outage = cls._known[server] = cls(server, retry_seconds)
            return outage

    def skipping(self) -> bool:
        """True while Redis failed less than ``retry_seconds`` ago: do not ask it."""
        return self.down_since is not None and time.monotonic() < self.retry_at

    def failed(self, error: BaseException) -> None:
        with self.lock:
            self.retry_at = time.monotonic() + self.retry_seconds
            if self.down_since is None:
                self.down_since = time.monotonic()
                logger.warning(
                    "Cache unreachable (%s: %s); serving without cache until Redis answers",
                    type(error).__name__,
                    error,
                )

    def answered(self) -> None:
        if self.down_since is None:
            return
        with self.lock:
            if self.down_since is None:
                return
            seconds = time.monotonic() - self.down_since
            self.down_since = None
            logger.info("Cache reachable again after %.1f s", seconds)


class DegradingRedisCacheClient(RedisCacheClient):
    # Arguments as Django's client takes them (its stubs are stricter than its code).
    def __init__(self, servers: list[str], *, retry_seconds: float = 1.0, **options: Any) -> None:
        super().__init__(servers, **options)
        self._outage = RedisOutage.of(",".join(servers), retry_seconds)

    def _call(self, operation: Callable[[], Any], fallback: Any) -> Any:
        if self._outage.skipping():
            return fallback
        try:
            result = operation()
        except UNREACHABLE as error:
            self._outage.failed(error)
            return fallback
        self._outage.answered()
        return result

    def add(self, key: Any, value: Any, timeout: Any) -> Any:
        return self._call(lambda: super(DegradingRedisCacheClient, self).add(key, value, timeout), False)

    def get(self, key: Any, default: Any) -> Any:
        return self._call(lambda: super(DegradingRedisCacheClient, self).get(key, default), default)

    def set(self, key: Any, value: Any, timeout: Any) -> Any:
        self._call(lambda: super(DegradingRedisCacheClient, self).set(key, value, timeout), None)

    def touch(self, key: Any, timeout: Any) -> Any:
        return self._call(lambda: super(DegradingRedisCacheClient, self).touch(key, timeout), False)

    def delete(self, key: Any) -> Any:
        return self._call(lambda: super(DegradingRedisCacheClient, self).delete(key), False)

    def get_many(self, keys: Any) -> Any:
        return self._call(lambda: super(DegradingRedisCacheClient, self).get_many(keys), {})

    def has_key(self, key: Any) -> Any:
        return self._call(lambda: super(DegradingRedisCacheClient, self).has_key(key), False)

    def incr(self, key: Any, delta: Any) -> Any:
        # A missing key still raises ValueError, as Django's backends do.
        return self._call(lambda: super(DegradingRedisCacheClient, self).incr(key, delta), delta)

    def set_many(self, data: Any, timeout: Any) -> Any:
        self._call(lambda: super(DegradingRedisCacheClient, self).set_many(data, timeout), None)

    def delete_many(self, keys: Any) -> Any:
        self._call(lambda: super(DegradingRedisCacheClient, self).delete_many(keys), None)

    def clear(self) -> Any:
        return self._call(lambda: super(DegradingRedisCacheClient, self).clear(), False)


class DegradingRedisCache(RedisCache):
    """``RedisCache`` whose calls degrade to a miss / no-op while Redis is away."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = DegradingRedisCacheClient


def redis_cache_settings(url: str, *, socket_timeout: float, retry_seconds: float) -> dict[str, Any]:
    """The ``CACHES["default"]`` entry for a Redis at ``url``."""
    return {
        "BACKEND": "config.cache.DegradingRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "academy",
        "OPTIONS": {
            # Short: a down or unreachable Redis costs milliseconds per request, not seconds.
            "socket_connect_timeout": socket_timeout,
            "socket_timeout": socket_timeout,
            # A pooled connection broken by a Redis restart is retried once on a new one.
            "retry_on_error": [RedisConnectionError],
            "retry": Retry(NoBackoff(), 1),
            "retry_seconds": retry_seconds,
        },
    }
