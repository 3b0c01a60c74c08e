"""Test profile: the same code paths as production, with fast hashing and
captured e-mail. DATABASE_URL / REDIS_URL still choose PostgreSQL and Redis."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="test-only-key-6b1d9e2f7a4c8e3b5d0f1a9c2e7b4d6a")
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "private": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tasks enqueued by services run inline; tests that need a real worker send
# to the broker explicitly.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}
# The live room writes each arrival and departure at once, so a test reads
# them as soon as its client has closed (the batches have tests of their own).
WEBINAR_ROOM_PRESENCE_FLUSH_SECONDS = 0
# SQLite's in-memory test database is shared between threads through its
# shared cache, whose table locks fail at once instead of waiting: the room's
# database work stays in Channels' one thread there (PostgreSQL runs the pool).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    WEBINAR_ROOM_DATABASE_THREADS = 0
    WEBSOCKET_AUTH_THREADS = 0
