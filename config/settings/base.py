"""Settings shared by every profile. Everything that varies between machines
is read from the environment through one helper (django-environ)."""

import datetime
from pathlib import Path
from typing import Literal

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.cache import redis_cache_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("ACADEMY_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# A .env file, when present, fills what the process environment does not set.
if (BASE_DIR / ".env").is_file():
    env.read_env(str(BASE_DIR / ".env"), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# ---------------------------------------------------------------- applications
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    "django_countries",
    "phonenumber_field",
    "channels",
    "axes",
    "csp",
]
LOCAL_APPS = [
    "academy",
    "distributors",
    "courses",
    "webinars",
    "distributors.engagement",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "academy.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "academy.middleware.UserPreferencesMiddleware",
    "academy.headers.PrivateCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a sign-in lockout into the sign-in page with the lock explained.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "academy.context_processors.navigation_context",
            ],
        },
    }
]

# -------------------------------------------------------------------- database
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'academy.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server, the worker and beat read while one writes;
    # IMMEDIATE takes the write lock at the start of a transaction instead of
    # failing half-way through it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
elif env.bool("DATABASE_POOL", default=True):
    # PostgreSQL: one bounded pool of connections per process (psycopg_pool),
    # shared by every HTTP request thread, the live room's database threads and
    # the worker's tasks. A request takes a connection when it first queries
    # and hands it back when it ends, so a process never holds more than
    # ``DATABASE_POOL_MAX_SIZE``; one that needs more waits up to
    # ``DATABASE_POOL_TIMEOUT_SECONDS`` for one to come back. Size it so that
    # processes × max size stays under the server's ``max_connections``
    # (README, "PostgreSQL and Redis"). Each connection is checked before it
    # is handed out, so a database restart costs no failed request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django must not
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # Django passes the pool its check
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": env.float("DATABASE_POOL_TIMEOUT_SECONDS", default=10.0),
        "max_idle": env.float("DATABASE_POOL_MAX_IDLE_SECONDS", default=300.0),
    }
else:
    # Without the pool (DATABASE_POOL=false, e.g. behind PgBouncer): one
    # connection per thread, kept CONN_MAX_AGE seconds.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------ auth
AUTH_USER_MODEL = "academy.User"
# The kernel's activity log attaches each event to the actor's distributor of the time.
ACTIVITY_DISTRIBUTOR_MODEL = "distributors.Distributor"

# seed_demo and seed_large write only where this holds; elsewhere (production)
# they need --force-production and give their accounts no password.
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=True)
AUTHENTICATION_BACKENDS = [
    # First: refuses any sign-in while the account is locked from this address.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Sign-in lockout (django-axes, see academy.throttling): LOGIN_FAILURE_LIMIT
# wrong passwords for one account from one address lock that pair for
# LOGIN_COOLOFF_MINUTES, counted from the last failure before the lock (tries
# during the lock do not prolong it). Admins unlock in the admin or with
# ``manage.py axes_reset_username``.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "academy.throttling.login_username"
AXES_CLIENT_IP_CALLABLE = "academy.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "academy.throttling.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# Successful sign-ins are already in the activity log.
AXES_DISABLE_ACCESS_LOG = True
LOGIN_URL = "academy:login"
LOGIN_REDIRECT_URL = "academy:home"
LOGOUT_REDIRECT_URL = "academy:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id first (academy.hashers: OWASP's parameters, memory-hard, cheap on
# CPU); the PBKDF2 hashers stay so existing hashes verify, and are upgraded
# to Argon2id at the next sign-in.
PASSWORD_HASHERS = [
    "academy.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# ------------------------------------------------------------- i18n and time
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
# Our catalogues take precedence over Django's own (same msgids, other wording).
LOCALE_PATHS = [BASE_DIR.joinpath(*app.split(".")) / "locale" for app in LOCAL_APPS]
# English dates day first and times on 24 hours, as our readers write them.
FORMAT_MODULE_PATH = ["academy.formats"]
LANGUAGE_COOKIE_NAME = "academy_language"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE: Literal["Lax", "Strict", "None", False] | None = "Lax"

# ------------------------------------------------------------- static / media
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
PRIVATE_MEDIA_ROOT = env.str("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Every upload lives here, served only through permission-checked views
    # (academy/downloads.py); nothing is served under MEDIA_URL.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT},
    },
}
# Empty: Django streams private files itself. Set (e.g. "/private-media/") when a
# proxy serves PRIVATE_MEDIA_ROOT from an internal location: the checked view then
# answers with an X-Accel-Redirect header and no body (academy/downloads.py).
PRIVATE_MEDIA_X_ACCEL_PREFIX = env.str("PRIVATE_MEDIA_X_ACCEL_PREFIX", default="")
# Office files are zips: refused beyond this many entries or inflated bytes
# (read from the zip's directory, nothing is inflated).
UPLOAD_ZIP_MAX_ENTRIES = env.int("UPLOAD_ZIP_MAX_ENTRIES", default=2000)
UPLOAD_ZIP_MAX_INFLATED_BYTES = env.int("UPLOAD_ZIP_MAX_INFLATED_BYTES", default=100 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# ---------------------------------------------------------------------- e-mail
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Academy <academy@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = "[Academy] "

# ------------------------------------------------------ redis, cache, channels
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # A cache call never fails a request: while Redis is away it is a miss or a
    # no-op (config.cache).
    CACHES = {
        "default": redis_cache_settings(
            REDIS_URL,
            socket_timeout=env.float("CACHE_SOCKET_TIMEOUT_SECONDS", default=0.25),
            retry_seconds=env.float("CACHE_RETRY_SECONDS", default=1.0),
        )
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "config.channel_layers.RedisChannelLayer",
            "CONFIG": {
                # Connections to Redis per server process (all its WebSockets
                # share them; a command waits for a free one up to the timeout).
                "pool_size": env.int("CHANNEL_LAYER_POOL_SIZE", default=50),
                "pool_timeout": env.float("CHANNEL_LAYER_POOL_TIMEOUT", default=20.0),
                # The layer blocks up to 5 s on each receive (BZPOPMIN); redis-py's
                # default 5 s socket timeout would cut those waits and crash
                # consumers of quiet rooms, so reads get a longer timeout.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "socket_connect_timeout": 5}],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="academy"),
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "config.channel_layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 1500, "expiry": 30},
        }
    }

# ---------------------------------------------------------------------- celery
# With REDIS_URL: Redis broker and result backend. Without: a broker kept in
# files under var/celery, which the web server, worker and beat share on one
# machine with no server to install.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "") or None
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "celery" / "queue"),
        "data_folder_out": str(VAR_DIR / "celery" / "queue"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # A Redis that went away without closing the connection (restart
        # behind a proxy, failover, a NAT that forgot us) must not leave a
        # publish or a BRPOP waiting forever: commands time out (longer than
        # the 1 s BRPOP), idle connections are checked, and kombu reconnects.
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
        "socket_keepalive": True,
        "retry_on_timeout": True,
        "health_check_interval": 10,
    }
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 5
    CELERY_REDIS_SOCKET_TIMEOUT = 10
    CELERY_REDIS_SOCKET_KEEPALIVE = True
    CELERY_REDIS_RETRY_ON_TIMEOUT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = 60 * 60
# Workers and beat outlive a broker outage of any length: they reconnect,
# forever, and consume again (the default gives up after 100 attempts and
# the worker exits). Tested with a real worker and beat across a Redis
# restart (tests/academy/test_celery_recovery.py).
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A task running when the connection is lost cannot be acknowledged on the
# new one, so Redis hands it out again after the visibility timeout: cancel
# it instead of finishing it twice (tasks are idempotent and due work lives
# in database rows, so the re-delivered copy does the work once).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Publishing is a wake-up, not the record (the outbox row is): a web request
# gives up on a down broker after a few quick tries instead of waiting.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# ---------------------------------------------------------------------- API
REST_FRAMEWORK = {
    # API tokens first: a request without credentials gets 401 with a Bearer
    # challenge (academy.api.authentication).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "academy.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "academy.api.authentication.BasicAuthentication",
    ],
    # Rates of the doors that need no sign-in (academy.throttling), counted in
    # the cache; "N/hour" etc. A client's own X-Forwarded-For is never trusted:
    # the ASGI server gives the address (behind the proxies it trusts).
    "NUM_PROXIES": 0,
    "DEFAULT_THROTTLE_RATES": {
        # password reset e-mails: per address asked for (beyond: not sent, same page) and per client
        "password_reset_email": env.str("THROTTLE_PASSWORD_RESET_EMAIL", default="3/hour"),
        "password_reset_client": env.str("THROTTLE_PASSWORD_RESET_CLIENT", default="20/hour"),
        # invitation link forms sent, per client
        "invitation_accept": env.str("THROTTLE_INVITATION_ACCEPT", default="20/hour"),
        # certificate verification lookups (page and API together), per client
        "certificate_verify": env.str("THROTTLE_CERTIFICATE_VERIFY", default="60/hour"),
        # calendar feeds: reads per feed, and unknown feed addresses per client
        "calendar_feed": env.str("THROTTLE_CALENDAR_FEED", default="60/hour"),
        "calendar_feed_unknown": env.str("THROTTLE_CALENDAR_FEED_UNKNOWN", default="20/hour"),
        # wrong web-conference check-in codes, per person
        "webinar_checkin": env.str("THROTTLE_WEBINAR_CHECKIN", default="10/hour"),
        # failed API token attempts per client address (beyond: 429 for token requests from it)
        "api_token_failure": env.str("THROTTLE_API_TOKEN_FAILURE", default="60/hour"),
    },
    # The second enforces an API token's scopes (academy.api.scopes).
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "academy.api.permissions.TokenScopePermission",
    ],
    "DEFAULT_PAGINATION_CLASS": "academy.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "academy.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "academy.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Academy API",
    "DESCRIPTION": (
        "Distributor training academy: distributors, courses, webinars and engagement. "
        "Integrations authenticate with an API token (`Authorization: Bearer acad_<prefix>_<secret>`) "
        "whose scopes (`<area>:read`, `<area>:write`, `read`, `write`) limit it to areas of the API; "
        "see the `tokenAuth` security scheme."
    ),
    "VERSION": "1.0.0",
    # 3.1: JSON Schema as it is, so that a nullable object is ``oneOf: [ref, null]``, which every
    # validator and client generator reads alike (3.0's ``nullable`` beside a ``$ref`` means nothing).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "academy.api.schema.nullable_as_json_schema",
    ],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI assets served from the package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # ``<id:pk>`` (academy.api.converters) carries the objects' integer ids.
    "PATH_CONVERTER_OVERRIDES": {"id": int},
    "ENUM_NAME_OVERRIDES": {
        "DistributorStatusEnum": "distributors.choices.DistributorStatus",
        "InvitationStatusEnum": "distributors.choices.InvitationStatus",
        "FieldReportStatusEnum": "distributors.choices.FieldReportStatus",
        "WebinarSessionStatusEnum": "webinars.models.SessionStatus",
        "WebinarRegistrationStatusEnum": "webinars.models.RegistrationStatus",
        "CoursePublicationStatusEnum": "courses.models.PublicationStatus",
        "EnrollmentStatusEnum": "courses.models.EnrollmentStatus",
        "CertificateStatusEnum": "courses.models.CertificateStatus",
        "ScoreComponentEnum": "distributors.engagement.scores.COMPONENTS",
        "LessonKindEnum": "courses.models.LessonKind",
        "QuestionKindEnum": "courses.models.QuestionKind",
        "FieldReportKindEnum": "distributors.choices.FieldReportKind",
        "WebinarReminderKindEnum": "webinars.models.ReminderKind",
    },
}

# ---------------------------------------------------------------- security
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# Content-Security-Policy (django-csp): scripts and styles from our own
# origin only (no inline code, no inline event handlers, no style
# attributes), nothing may frame us, forms post only to us. 'self' in
# connect-src covers the live room's ws:// and wss:// on the same host.
# Frames: the video players lessons embed (courses.video turns links into
# these hosts' player addresses). Images: ours, data: URIs, plus the hosts
# of images that lesson text links to, if any.
CSP_FRAME_HOSTS = env.list(
    "CSP_FRAME_HOSTS",
    default=["https://www.youtube-nocookie.com", "https://player.vimeo.com", "https://www.dailymotion.com"],
)
CSP_IMAGE_HOSTS = env.list("CSP_IMAGE_HOSTS", default=[])
CSP_MEDIA_HOSTS = env.list("CSP_MEDIA_HOSTS", default=[])
CSP_REPORT_PATH = "/csp-report/"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *CSP_IMAGE_HOSTS],
        "font-src": [SELF],
        "media-src": [SELF, *CSP_MEDIA_HOSTS],
        "connect-src": [SELF],
        "frame-src": CSP_FRAME_HOSTS or [NONE],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": CSP_REPORT_PATH,
        "report-to": "csp",
    },
}
# Powerful features no page uses (the live room's video opens in
# BigBlueButton's own tab) are off for us and for every frame we embed.
# Those left out (fullscreen, encrypted-media, picture-in-picture, autoplay)
# keep their defaults, so the embedded video players still work.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# Violation reports: bodies over this size are refused, and at most this many
# reports a minute are logged (the rest are counted and dropped).
CSP_REPORT_MAX_BYTES = 8 * 1024
CSP_REPORTS_LOGGED_PER_MINUTE = env.int("CSP_REPORTS_LOGGED_PER_MINUTE", default=60)

# ---------------------------------------------------------------- logging
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# ---------------------------------------------------------- product settings
PHONENUMBER_DEFAULT_REGION = None
COUNTRIES_FIRST_REPEAT = False
# Requests a server process works on at once (config.http_handler); the others
# wait their turn. 0: no bound (Django's default, a thread per request).
HTTP_CONCURRENCY = env.int("HTTP_CONCURRENCY", default=4)
ACADEMY_HEALTH_TIMEOUT_SECONDS = env.float("HEALTH_TIMEOUT_SECONDS", default=2.0)

# The outbox every message leaves through (academy.outbox): a claim lease,
# attempts with capped exponential backoff, and the dispatcher's batches and
# time budget (shorter than beat's period so runs rarely overlap).
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=60)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=6)
OUTBOX_BACKOFF_SECONDS = env.int("OUTBOX_BACKOFF_SECONDS", default=60)
OUTBOX_BACKOFF_CAP_SECONDS = env.int("OUTBOX_BACKOFF_CAP_SECONDS", default=3600)
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=100)
OUTBOX_TIME_BUDGET_SECONDS = env.float("OUTBOX_TIME_BUDGET_SECONDS", default=50.0)
# How many runs drain at once when much is due (one per worker process).
OUTBOX_DISPATCHERS = env.int("OUTBOX_DISPATCHERS", default=2)

# Forwarding of the engagement log to a learning record store as xAPI 1.0.3
# statements (distributors.engagement.forwarding): off while the URL is empty.
# URL of the LRS's xAPI endpoint (statements are POSTed to <URL>/statements).
XAPI_LRS_URL = env.str("XAPI_LRS_URL", default="").rstrip("/")
XAPI_LRS_USERNAME = env.str("XAPI_LRS_USERNAME", default="")
XAPI_LRS_PASSWORD = env.str("XAPI_LRS_PASSWORD", default="")
XAPI_LRS_BATCH_SIZE = env.int("XAPI_LRS_BATCH_SIZE", default=50)
XAPI_LRS_TIMEOUT_SECONDS = env.float("XAPI_LRS_TIMEOUT_SECONDS", default=10.0)
# Statements served per page by GET /api/v1/xapi/statements at most (limit=0 asks for this).
XAPI_STATEMENTS_MAX_LIMIT = env.int("XAPI_STATEMENTS_MAX_LIMIT", default=500)

# A send never outlasts half a lease, so a claim is not taken over mid-send.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)

# Courses: when a new version requires recertification, certificates stay
# valid this many days, and holders are reminded these many days before the end.
COURSES_RECERTIFICATION_GRACE_DAYS = env.int("COURSES_RECERTIFICATION_GRACE_DAYS", default=60)
COURSES_RECERTIFICATION_REMINDER_DAYS = env.list(
    "COURSES_RECERTIFICATION_REMINDER_DAYS", cast=int, default=[30, 7, 1]
)

# Messaging (academy.messaging): WhatsApp and SMS providers, each configured
# by its credentials (a provider without them is not offered), the SMS
# gateways' order, the daily cap of paid messages per cost centre (a
# distributor) and the price counted when a provider does not say it.
MESSAGING_PROVIDERS: dict[str, str] = {
    "whatsapp_cloud": "academy.messaging.providers.whatsapp_cloud.WhatsAppCloud",
    "twilio": "academy.messaging.providers.twilio.Twilio",
    "africastalking": "academy.messaging.providers.africastalking.AfricasTalking",
}
# SMS gateways in the order they are tried; each takes the numbers of the
# countries it serves (``Provider.serves``), the first that does sends.
SMS_GATEWAYS = env.list("SMS_GATEWAYS", default=["africastalking", "twilio"])
# Twilio (Programmable Messaging): the account, and the sender — a number or
# an alphanumeric sender id (TWILIO_FROM), or a Messaging Service. With
# TWILIO_STATUS_CALLBACK, each message asks Twilio to report its delivery
# to SITE_URL + the status webhook.
TWILIO_ACCOUNT_SID = env.str("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env.str("TWILIO_AUTH_TOKEN", default="")
TWILIO_FROM = env.str("TWILIO_FROM", default="")
TWILIO_MESSAGING_SERVICE_SID = env.str("TWILIO_MESSAGING_SERVICE_SID", default="")
TWILIO_API_URL = env.str("TWILIO_API_URL", default="https://api.twilio.com").rstrip("/")
TWILIO_STATUS_CALLBACK = env.bool("TWILIO_STATUS_CALLBACK", default=True)
# Africa's Talking: the application's username and API key, the sender id or
# short code (empty: the account's default sender), the API (sandbox:
# https://api.sandbox.africastalking.com) and the countries (ISO 3166 codes)
# it sends to — by default the SMS markets Africa's Talking lists.
AFRICASTALKING_USERNAME = env.str("AFRICASTALKING_USERNAME", default="")
AFRICASTALKING_API_KEY = env.str("AFRICASTALKING_API_KEY", default="")
AFRICASTALKING_FROM = env.str("AFRICASTALKING_FROM", default="")
AFRICASTALKING_API_URL = env.str("AFRICASTALKING_API_URL", default="https://api.africastalking.com").rstrip(
    "/"
)
AFRICASTALKING_COUNTRIES = [
    code.upper()
    for code in env.list(
        "AFRICASTALKING_COUNTRIES",
        default=["KE", "UG", "TZ", "RW", "MW", "ZM", "NG", "ET", "ZA", "GH", "CI", "CM", "SN", "BF"],
    )
]
# Africa's Talking does not sign its callbacks: they carry this secret in
# their path (/messaging/webhooks/africastalking/<token>/...); empty refuses
# them all. AFRICASTALKING_WEBHOOK_IPS, when set, also limits them to those
# addresses (as REMOTE_ADDR shows them).
AFRICASTALKING_WEBHOOK_TOKEN = env.str("AFRICASTALKING_WEBHOOK_TOKEN", default="")
AFRICASTALKING_WEBHOOK_IPS = env.list("AFRICASTALKING_WEBHOOK_IPS", default=[])
# Seconds an SMS gateway has to answer one send.
SMS_GATEWAY_TIMEOUT_SECONDS = env.float("SMS_GATEWAY_TIMEOUT_SECONDS", default=15.0)
MESSAGING_DAILY_CAP = env.int("MESSAGING_DAILY_CAP", default=500)
# The currency of the spend (ISO 4217): a provider's price in another one
# counts the unit cost below instead, so amounts are never mixed.
MESSAGING_CURRENCY = env.str("MESSAGING_CURRENCY", default="EUR").upper()
MESSAGING_SMS_COST = env.str("MESSAGING_SMS_COST", default="0.05")
MESSAGING_WHATSAPP_COST = env.str("MESSAGING_WHATSAPP_COST", default="0.03")
# The language codes of approved WhatsApp templates, by site language.
WHATSAPP_LANGUAGES = {"fr": "fr", "en": "en"}
# WhatsApp Business Cloud API (Meta): a system user's access token, the
# business phone number's id, the app secret that signs webhooks and the
# verify token of the webhook subscription handshake.
WHATSAPP_ACCESS_TOKEN = env.str("WHATSAPP_ACCESS_TOKEN", default="")
WHATSAPP_PHONE_NUMBER_ID = env.str("WHATSAPP_PHONE_NUMBER_ID", default="")
WHATSAPP_APP_SECRET = env.str("WHATSAPP_APP_SECRET", default="")
WHATSAPP_VERIFY_TOKEN = env.str("WHATSAPP_VERIFY_TOKEN", default="")
WHATSAPP_API_URL = env.str("WHATSAPP_API_URL", default="https://graph.facebook.com/v21.0")
WHATSAPP_TIMEOUT = env.float("WHATSAPP_TIMEOUT", default=10.0)

# Web-conferences (webinars): join window, attendance threshold, session
# generation horizon, reminder outbox, BigBlueButton.
WEBINAR_JOIN_OPENS_MINUTES = env.int("WEBINAR_JOIN_OPENS_MINUTES", default=15)
WEBINAR_ATTENDANCE_MIN_SHARE = env.float("WEBINAR_ATTENDANCE_MIN_SHARE", default=0.5)
WEBINAR_GENERATE_MONTHS_AHEAD = env.int("WEBINAR_GENERATE_MONTHS_AHEAD", default=3)
WEBINAR_FOLLOW_UP_DELAY_MINUTES = env.int("WEBINAR_FOLLOW_UP_DELAY_MINUTES", default=60)
WEBINAR_AUTO_END_AFTER_MINUTES = env.int("WEBINAR_AUTO_END_AFTER_MINUTES", default=120)
# Attendance is final this long after a session ends (late reports, the video
# service's last events, a trainer's corrections); follow-ups wait for it.
WEBINAR_ATTENDANCE_SETTLE_MINUTES = env.int("WEBINAR_ATTENDANCE_SETTLE_MINUTES", default=30)
# ORGANIZER of calendar invitations ("Name <address>"): empty means the
# session's trainer, or DEFAULT_FROM_EMAIL for a session without one.
WEBINAR_INVITATION_ORGANIZER = env.str("WEBINAR_INVITATION_ORGANIZER", default="")
# How often calendar programs should re-read a private feed (RFC 7986 REFRESH-INTERVAL).
WEBINAR_CALENDAR_FEED_REFRESH_MINUTES = env.int("WEBINAR_CALENDAR_FEED_REFRESH_MINUTES", default=60)
# Live room: a connection without heartbeat for this long is considered gone.
WEBINAR_ROOM_STALE_SECONDS = env.int("WEBINAR_ROOM_STALE_SECONDS", default=90)
# Live room: database threads per server process for the room's services
# (side by side, not all queued behind one thread).
WEBINAR_ROOM_DATABASE_THREADS = env.int("WEBINAR_ROOM_DATABASE_THREADS", default=4)
# WebSocket sign-in: threads reading the session and the person of new
# connections side by side (0: Channels' one database thread).
WEBSOCKET_AUTH_THREADS = env.int("WEBSOCKET_AUTH_THREADS", default=4)
# Live room: a server's shared copy of a room (what snapshots are cut from)
# is read again after a change, and at least this often.
WEBINAR_ROOM_SNAPSHOT_SECONDS = env.float("WEBINAR_ROOM_SNAPSHOT_SECONDS", default=5.0)
# Live room: arrivals and departures (connections, presence intervals) and
# heartbeats are written in one batch per server this often (0: each at once).
WEBINAR_ROOM_PRESENCE_FLUSH_SECONDS = env.float("WEBINAR_ROOM_PRESENCE_FLUSH_SECONDS", default=1.0)
BBB_URL = env.str("BBB_URL", default="")
BBB_SECRET = env.str("BBB_SECRET", default="")
BBB_CHECKSUM_ALGORITHM = env.str("BBB_CHECKSUM_ALGORITHM", default="sha1")
BBB_TIMEOUT_SECONDS = env.float("BBB_TIMEOUT_SECONDS", default=10.0)
# bbb-webhooks signs its callbacks with the server's shared secret (BBB_SECRET)
# and its own checksum algorithm (its ``hooks.checksumAlgorithm``).
BBB_WEBHOOK_CHECKSUM_ALGORITHM = env.str("BBB_WEBHOOK_CHECKSUM_ALGORITHM", default="sha1")

# Engagement measurement (distributors.engagement): rollups, score, at-risk rules.
# Rollups count the uncounted events this many per transaction, for at most
# this many seconds per run (the next run goes on).
ENGAGEMENT_ROLLUP_BATCH = env.int("ENGAGEMENT_ROLLUP_BATCH", default=5000)
ENGAGEMENT_ROLLUP_TIME_BUDGET = env.float("ENGAGEMENT_ROLLUP_TIME_BUDGET", default=240.0)
ENGAGEMENT_SCORE_WINDOW_DAYS = env.int("ENGAGEMENT_SCORE_WINDOW_DAYS", default=90)
ENGAGEMENT_SCORE_WEIGHTS = {
    "activity": 25,
    "completions": 20,
    "quizzes": 10,
    "webinars": 15,
    "recency": 15,
    "certified": 15,
}
ENGAGEMENT_RECENCY_FULL_DAYS = env.int("ENGAGEMENT_RECENCY_FULL_DAYS", default=7)
ENGAGEMENT_RECENCY_ZERO_DAYS = env.int("ENGAGEMENT_RECENCY_ZERO_DAYS", default=60)
ENGAGEMENT_MONTHLY_SERIES_RRULE = env.str("ENGAGEMENT_MONTHLY_SERIES_RRULE", default="FREQ=MONTHLY")
ENGAGEMENT_ONBOARDING_PATH_SLUGS = env.list(
    "ENGAGEMENT_ONBOARDING_PATH_SLUGS",
    default=["integration-nouveaux-collaborateurs", "new-staff-onboarding"],
)
ENGAGEMENT_RISK_INACTIVE_DAYS = env.int("ENGAGEMENT_RISK_INACTIVE_DAYS", default=30)
ENGAGEMENT_RISK_MISSED_WEBINARS = env.int("ENGAGEMENT_RISK_MISSED_WEBINARS", default=2)
ENGAGEMENT_RISK_OVERDUE_ASSIGNMENTS = env.int("ENGAGEMENT_RISK_OVERDUE_ASSIGNMENTS", default=1)
ENGAGEMENT_RISK_ONBOARDING_DAYS = env.int("ENGAGEMENT_RISK_ONBOARDING_DAYS", default=14)
ENGAGEMENT_RISK_NEW_STAFF_DAYS = env.int("ENGAGEMENT_RISK_NEW_STAFF_DAYS", default=90)
ENGAGEMENT_RISK_SCORE_DROP = env.int("ENGAGEMENT_RISK_SCORE_DROP", default=20)
ENGAGEMENT_RISK_CERTIFIED_LOOKBACK_DAYS = env.int("ENGAGEMENT_RISK_CERTIFIED_LOOKBACK_DAYS", default=90)
ENGAGEMENT_NUDGE_EFFECT_DAYS = env.int("ENGAGEMENT_NUDGE_EFFECT_DAYS", default=14)
ENGAGEMENT_EXPORT_MAX_ROWS = env.int("ENGAGEMENT_EXPORT_MAX_ROWS", default=100000)
ENGAGEMENT_REBUILD_WORK_MEM = env.str("ENGAGEMENT_REBUILD_WORK_MEM", default="256MB")
