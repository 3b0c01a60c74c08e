"""Settings for the live-room benchmark's server: the local profile with the
channel layer chosen by ``BENCH_LAYER`` (memory, redis or pubsub)."""

import os

from config.settings.local import *  # noqa: F403

_layer = os.environ.get("BENCH_LAYER", "memory")
_redis = os.environ.get("REDIS_URL", "")
if _layer == "memory":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "config.channel_layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 1500, "expiry": 30},
        }
    }
elif _layer == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [_redis], "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "bench")},
        }
    }
# On PostgreSQL the pool keeps the connections (and Django refuses CONN_MAX_AGE
# with it); elsewhere, or with DATABASE_POOL=false, the server keeps its own.
if "pool" not in DATABASES["default"].get("OPTIONS", {}):  # noqa: F405
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("CONN_MAX_AGE", "0"))  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
