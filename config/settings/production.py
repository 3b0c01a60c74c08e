"""Production profile: secrets and hosts come from the environment with no
defaults, so a missing one stops the process at start-up."""

from email.utils import parseaddr
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
DEMO_DATA_ALLOWED = False
SECRET_KEY = env.str("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
vars().update(env.email_url("EMAIL_URL"))

# Every e-mail link, calendar organizer, xAPI id and Message-ID is built from
# these two: the embedded defaults (127.0.0.1, academy@localhost) must never
# reach people, so production does not start without them.
SITE_URL = env.str("SITE_URL", default="").strip().rstrip("/")
_site = urlsplit(SITE_URL)
if (
    _site.scheme not in ("http", "https")
    or not _site.hostname
    or _site.hostname in ("localhost", "127.0.0.1")
):
    raise ImproperlyConfigured(
        "Set the SITE_URL environment variable to the public address of the academy, "
        f"e.g. https://academy.example.com (got {SITE_URL!r}): every link in e-mails and "
        "calendar files is built from it."
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="").strip()
_sender = parseaddr(DEFAULT_FROM_EMAIL)[1]
if "@" not in _sender or _sender.rsplit("@", 1)[1] in ("", "localhost"):
    raise ImproperlyConfigured(
        "Set the DEFAULT_FROM_EMAIL environment variable to the address e-mails come from, "
        f"e.g. Academy <academy@example.com> (got {DEFAULT_FROM_EMAIL!r})."
    )
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    "private": STORAGES["private"],
}

# Private files leave through nginx once the view has checked the person: an
# ``internal`` location aliased to PRIVATE_MEDIA_ROOT (README, "Files").
PRIVATE_MEDIA_X_ACCEL_PREFIX = env.str("PRIVATE_MEDIA_X_ACCEL_PREFIX", default="/private-media/")
