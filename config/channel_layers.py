"""The channel layers: the embedded default, and Redis with a bounded pool.

Channels' ``InMemoryChannelLayer`` sweeps every channel and group for expired
messages on each ``receive``: with N connections each receiving a broadcast,
that is N × N work per message (a room of 1,000 people fell minutes behind in
the live-room benchmark). This subclass sweeps at most once a second; expiry
itself is unchanged.
"""

import time
from typing import Any

from channels.layers import InMemoryChannelLayer as ChannelsInMemoryChannelLayer
from channels_redis.core import RedisChannelLayer as ChannelsRedisChannelLayer
from redis.asyncio import BlockingConnectionPool


class InMemoryChannelLayer(ChannelsInMemoryChannelLayer):
    sweep_interval = 1.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._last_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._last_sweep < self.sweep_interval:
            return
        self._last_sweep = now
        super()._clean_expired()


class RedisChannelLayer(ChannelsRedisChannelLayer):
    """channels_redis' layer with a bounded connection pool that waits.

    redis-py's asyncio pool opens at most ``max_connections`` (100 by
    default) and raises ``MaxConnectionsError: Too many connections`` at
    once when they are all in use: a thousand people leaving a room at the
    same moment (a ``group_discard`` each) exhausted it. Here each host's
    pool (one per event loop, shared by all the connections of a server
    process) is a ``BlockingConnectionPool`` of ``pool_size`` connections: a
    command that finds them all busy waits up to ``pool_timeout`` seconds
    for one to come back, and the server never holds more than
    ``pool_size`` connections to Redis per process."""

    def __init__(self, *args: Any, pool_size: int = 50, pool_timeout: float = 20.0, **kwargs: Any) -> None:
        if pool_size < 2:
            # One connection is held by the process's blocking receive (BZPOPMIN).
            raise ValueError("pool_size must be at least 2")
        super().__init__(*args, **kwargs)
        self.pool_size = pool_size
        self.pool_timeout = pool_timeout

    def create_pool(self, index: int) -> BlockingConnectionPool:
        host = dict(self.hosts[index])
        if "address" not in host:
            raise ValueError("each host of the Redis channel layer needs an address (a redis:// URL)")
        address = host.pop("address")
        host.pop("max_connections", None)
        return BlockingConnectionPool.from_url(
            address, max_connections=self.pool_size, timeout=self.pool_timeout, **host
        )
