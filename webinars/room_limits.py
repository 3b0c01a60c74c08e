"""The live room's per-person rate limits, shared by every connection of a
person to a session on every server, and kept across reconnects.

A limit of N actions per T seconds is a token bucket of N tokens refilled
evenly over T seconds (``TokenBucket``): a burst of N is accepted, then one
every T / N seconds, so a client that never sends more than N in any T
seconds is never refused. A person's bucket is keyed by (session, person,
action) and lives in the cache:

* Redis (``CACHES["default"]`` is a Redis cache): one hash per bucket,
  read, refilled, taken from and written back by one Lua script (atomic
  across servers), expiring once it would be full again (T seconds idle);
* any other cache (the embedded default's in-process memory): the same
  arithmetic under a lock, in that cache.

Time is the wall clock (``now``, seconds), so that servers agree on it
(NTP keeps their skew to milliseconds; a step back never refills a bucket).

Redis unreachable: the limit fails **open** — an action is allowed, as for
every cache counter of the academy (``config.cache``); the room keeps
working while Redis restarts, and each connection's own limit (counted in
the consumer, in memory) still bounds what one connection can send. After
a failure Redis is not asked again for ``RETRY_SECONDS``; the outage is
logged once.
"""

import asyncio
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from redis import asyncio as redis_asyncio
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
# A hair of tolerance: float steps must not refuse a token due exactly now.
EPSILON = 1e-9


class TokenBucket:
    """``capacity`` actions, refilled evenly over ``period`` seconds: a burst
    of ``capacity``, then one every ``period / capacity`` seconds. ``clock``
    (seconds) is injectable for tests; time going back refills nothing."""

    def __init__(self, capacity: int, period: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = capacity
        self.rate = capacity / period
        self.tokens = float(capacity)
        self.clock = clock
        self.updated = clock()

    def take(self) -> bool:
        self.tokens, self.updated, allowed = take_token(
            tokens=self.tokens, updated=self.updated, capacity=self.capacity, rate=self.rate, now=self.clock()
        )
        return allowed


def take_token(
    *, tokens: float, updated: float, capacity: int, rate: float, now: float
) -> tuple[float, float, bool]:
    """One take from a bucket holding ``tokens`` at ``updated``: its new
    tokens and time, and whether the action is allowed. The Lua script below
    is the same arithmetic."""
    tokens = min(capacity, tokens + max(0.0, now - updated) * rate)
    updated = max(updated, now)
    if tokens < 1 - EPSILON:
        return tokens, updated, False
    return max(0.0, tokens - 1), updated, True


_TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = capacity
  updated = now
end
local elapsed = now - updated
if elapsed < 0 then elapsed = 0 end
tokens = math.min(capacity, tokens + elapsed * rate)
if now > updated then updated = now end
local allowed = 0
if tokens >= 1 - 1e-9 then
  tokens = math.max(0, tokens - 1)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
           'updated', string.format('%.17g', updated))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
return allowed
"""


def bucket_key(*, session_id: int, user_id: int, action: str) -> str:
    return cache.make_key(f"room-rate:{session_id}:{user_id}:{action}")


class LocalBuckets:
    """Buckets in a cache that is not Redis (one process's memory by default)."""

    _lock = threading.Lock()

    async def take(self, key: str, *, capacity: int, period: float, now: float) -> bool:
        with self._lock:
            state = cache.get(key)
            tokens, updated = state if state is not None else (float(capacity), now)
            tokens, updated, allowed = take_token(
                tokens=tokens, updated=updated, capacity=capacity, rate=capacity / period, now=now
            )
            cache.set(key, (tokens, updated), timeout=period + 1)
        return allowed

    async def tokens(self, key: str) -> float | None:
        state = cache.get(key)
        return None if state is None else float(state[0])


class RedisBuckets:
    """Buckets in Redis, taken by one script call (atomic across servers);
    fails open while Redis is unreachable."""

    def __init__(self, url: str, *, socket_timeout: float = 0.25) -> None:
        self.url = url
        self.socket_timeout = socket_timeout
        # redis.asyncio connections belong to the event loop that opened them.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
        self.down_until = 0.0
        self.down = False

    def _client(self) -> Any:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = redis_asyncio.Redis.from_url(
                self.url, socket_timeout=self.socket_timeout, socket_connect_timeout=self.socket_timeout
            )
            self._clients[loop] = client
        return client

    async def take(self, key: str, *, capacity: int, period: float, now: float) -> bool:
        if self.down and time.monotonic() < self.down_until:
            return True
        client = self._client()
        try:
            allowed = await client.register_script(_TAKE_SCRIPT)(
                keys=[key], args=[capacity, repr(capacity / period), repr(now), int(period * 1000) + 1000]
            )
        except (RedisConnectionError, RedisTimeoutError, OSError) as error:
            self.down_until = time.monotonic() + RETRY_SECONDS
            if not self.down:
                self.down = True
                logger.warning(
                    "Room rate limits unavailable (%s); allowing actions until Redis answers", error
                )
            return True
        if self.down:
            self.down = False
            logger.info("Room rate limits counted in Redis again")
        return bool(allowed)

    async def tokens(self, key: str) -> float | None:
        value = await self._client().hget(key, "tokens")
        return None if value is None else float(value)


_buckets: dict[str, LocalBuckets | RedisBuckets] = {}


def person_buckets() -> LocalBuckets | RedisBuckets:
    """The store of the default cache (one per process and cache location)."""
    config = settings.CACHES["default"]
    name = str(config["LOCATION"]) if isinstance(caches["default"], RedisCache) else "local"
    store = _buckets.get(name)
    if store is None:
        if name == "local":
            store = LocalBuckets()
        else:
            options = config.get("OPTIONS", {})
            store = RedisBuckets(name, socket_timeout=float(options.get("socket_timeout", 0.25)))
        _buckets[name] = store
    return store


async def person_take(
    *, session_id: int, user_id: int, action: str, capacity: int, period: float, now: float
) -> bool:
    """Take one token of the person's ``action`` bucket in the session:
    whether the action is allowed now."""
    key = bucket_key(session_id=session_id, user_id=user_id, action=action)
    return await person_buckets().take(key, capacity=capacity, period=period, now=now)


async def person_tokens(*, session_id: int, user_id: int, action: str) -> float | None:
    """The tokens left in a person's bucket when it was last taken from (None: full, or expired)."""
    key = bucket_key(session_id=session_id, user_id=user_id, action=action)
    return await person_buckets().tokens(key)
