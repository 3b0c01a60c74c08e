"""Embedded profile: one machine, nothing to install (SQLite, in-memory channel
layer, file-system Celery broker, e-mail printed to the console)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="local-only-insecure-key-0f3c8e2a9b7d4c1e8a6f5b2d9c7e4a1f")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
