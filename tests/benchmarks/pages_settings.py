"""Settings for the pages benchmark's server: the local profile without
debugging, served through a URLconf that adds the baseline view
(tests/benchmarks/pages_urls.py). Never used outside the benchmark."""

from config.settings.local import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "tests.benchmarks.pages_urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
