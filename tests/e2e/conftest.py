"""The platform as a person meets it: an ASGI server and a Celery worker,
started here on 127.0.0.1 against their own database (seeded with the demo
academy), driven through Debian's chromium by Playwright.

Environment:
  E2E_DATABASE_URL  PostgreSQL database to (re)create for the run; default a
                    SQLite file in a temporary folder.
  E2E_REDIS_URL     Redis for the channel layer and the Celery broker; default
                    the embedded in-memory layer and file-system broker.
  E2E_OUTPUT        where screenshots go (default test-results/e2e).
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
OUTPUT = Path(os.environ.get("E2E_OUTPUT", ROOT / "test-results" / "e2e"))
VAR_DIR = Path(tempfile.mkdtemp(prefix="academy-e2e-"))
DATABASE_URL = os.environ.get("E2E_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'e2e.sqlite3'}"
REDIS_URL = os.environ.get("E2E_REDIS_URL", "")
DEMO_PASSWORD = "academy-demo"

SERVER_ENV = {
    **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
    "DJANGO_SETTINGS_MODULE": "config.settings.local",
    "DEBUG": "False",
    "SECRET_KEY": "e2e-only-key-2f7c1a9e4b8d3f6a0c5e7b2d9f1a4c8e",
    "ACADEMY_VAR_DIR": str(VAR_DIR),
    "DATABASE_URL": DATABASE_URL,
    "EMAIL_URL": "filemail://",
    "CHANNEL_LAYER_PREFIX": "e2e",
    "PYTHONUNBUFFERED": "1",
}
if REDIS_URL:
    SERVER_ENV["REDIS_URL"] = REDIS_URL

# WhatsApp goes to a local WhatsApp Cloud API (tests/fakes/whatsapp_cloud.py)
# that approves the templates of docs/whatsapp-templates.md; people get
# WhatsApp only once they prove a number and choose it.
from tests.fakes.whatsapp_cloud import FakeWhatsAppCloud  # noqa: E402
from tests.whatsapp_templates import approved_templates  # noqa: E402

WHATSAPP = FakeWhatsAppCloud(templates=approved_templates()).__enter__()
SERVER_ENV.update({key: str(value) for key, value in WHATSAPP.settings().items()})

# The test process reads the same database as the server (to pick up e-mails
# and check what was stored). Playwright's sync API runs an event loop in this
# thread, which Django would otherwise take for async code.
SHARED = (
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "ACADEMY_VAR_DIR",
    "DATABASE_URL",
    *WHATSAPP.settings(),
)
os.environ.update({key: SERVER_ENV[key] for key in SHARED})
os.environ.pop("REDIS_URL", None)
if REDIS_URL:
    os.environ["REDIS_URL"] = REDIS_URL
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(*args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=SERVER_ENV, check=True, timeout=600)


def _recreate_postgres_database(url: str) -> None:
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    name = params.pop("dbname")
    with psycopg.connect(make_conninfo(**{**params, "dbname": "postgres"}), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    if DATABASE_URL.startswith("postgres"):
        _recreate_postgres_database(DATABASE_URL)
    _manage("migrate", "--verbosity", "0")
    _manage("seed_demo")
    import django

    django.setup()

    port = _free_port()
    logs = open(VAR_DIR / "platform.log", "w")  # noqa: SIM115
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--lifespan",
                "off",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=SERVER_ENV,
            stdout=logs,
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=SERVER_ENV,
            stdout=logs,
            stderr=subprocess.STDOUT,
        ),
    ]
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
            log = (VAR_DIR / "platform.log").read_text()[-4000:]
            raise RuntimeError(f"the platform did not start:\n{log}")
        time.sleep(0.3)
    yield url
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    logs.close()
    shutil.rmtree(VAR_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def browser(base_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


VARIANTS = {
    "fr-desktop": {"locale": "fr-FR", "viewport": {"width": 1280, "height": 900}},
    "en-desktop": {"locale": "en-GB", "viewport": {"width": 1280, "height": 900}},
    "fr-phone": {
        "locale": "fr-FR",
        "viewport": {"width": 360, "height": 740},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
    },
}


@pytest.fixture(params=list(VARIANTS))
def variant(request) -> str:
    return request.param


# Every page reports each Content-Security-Policy violation to the test as
# it happens (a binding, so a page left at once still reports), whichever
# page of the context it is in. Injected by the browser, not by the page, so
# the policy does not block the listener itself.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__academyCspViolation({
    page: document.location.href,
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""
POLICY_MESSAGE = re.compile(r"Content.Security.Policy|Permissions.Policy", re.IGNORECASE)


class Visitor:
    """One browser context (a person) with the checks every page gets."""

    def __init__(self, browser, base_url: str, variant: str, **options) -> None:
        self.base_url = base_url
        self.variant = variant
        self.language = VARIANTS[variant]["locale"][:2]
        self.context = browser.new_context(base_url=base_url, **{**VARIANTS[variant], **options})
        self.context.set_default_timeout(15_000)
        self.csp_violations: list[dict] = []
        self.policy_messages: list[str] = []
        self.context.expose_binding(
            "__academyCspViolation", lambda source, violation: self.csp_violations.append(violation)
        )
        self.context.add_init_script(CSP_LISTENER)
        self.context.on(
            "console",
            lambda msg: (
                POLICY_MESSAGE.search(msg.text) and self.policy_messages.append(f"{msg.type}: {msg.text}")
            ),
        )
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        self.page.on("pageerror", lambda error: self.console_errors.append(str(error)))

    def login(self, email: str, password: str = DEMO_PASSWORD) -> None:
        self.page.goto("/login/")
        self.page.fill("input[name=username]", email)
        self.page.fill("input[name=password]", password)
        self.page.click("form button[type=submit]")
        self.page.wait_for_load_state()
        assert "/login/" not in self.page.url, f"could not sign in as {email}"
        # The profile language is saved by earlier runs: make it this variant's.
        if self.page.locator("html").get_attribute("lang") != self.language:
            self.set_language(self.language)

    def set_language(self, code: str) -> None:
        self.page.select_option("#footer-language", code)
        self.page.click("footer button[type=submit]")
        self.page.wait_for_load_state()

    def assert_no_policy_violation(self) -> None:
        """No page of this person broke the Content-Security-Policy (nor
        logged a policy error) so far."""
        assert self.csp_violations == [], f"Content-Security-Policy violations: {self.csp_violations}"
        assert self.policy_messages == [], f"policy messages in the console: {self.policy_messages}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitor_factory(browser, base_url, variant):
    visitors: list[Visitor] = []

    def make(**options) -> Visitor:
        """A new person; ``options`` go to the browser context (timezone_id...)."""
        visitor = Visitor(browser, base_url, variant, **options)
        visitors.append(visitor)
        return visitor

    yield make
    errors = [error for visitor in visitors for error in visitor.console_errors]
    violations = [item for visitor in visitors for item in visitor.csp_violations + visitor.policy_messages]
    for visitor in visitors:
        visitor.close()
    assert violations == [], f"Content-Security-Policy violations: {violations}"
    assert errors == [], f"JavaScript console errors: {errors}"


@pytest.fixture
def visitor(visitor_factory) -> Visitor:
    return visitor_factory()


def latest_mail_to(address: str, since: float = 0.0, timeout: float = 30.0) -> str:
    """The newest e-mail written by the file backend to ``address``."""
    folder = VAR_DIR / "mail"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if folder.is_dir():
            for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
                if path.stat().st_mtime < since:
                    continue
                text = path.read_text(errors="replace")
                if re.search(rf"^To: {re.escape(address)}$", text, re.MULTILINE):
                    return text
        time.sleep(0.3)
    raise AssertionError(f"no e-mail to {address}")
