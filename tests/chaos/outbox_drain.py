"""Outbox chaos: 10,000 reminders due at once, a worker killed mid-dispatch,
two beats by mistake, optionally the broker restarted — nothing lost,
nothing stuck, at most one repeat per killed in-flight message (not part of
the unit run).

On PostgreSQL and a private Redis (``redis-server --port P --save ''
--appendonly no``, the Celery broker), the script starts two Celery workers
(``--pool=solo``: the killed process is the one sending) and **two** beats
with the project's schedule, and an SMTP server of its own that records
every message's ``Message-ID``. It writes N web-conference reminders (one
per registrant of one session, bulk), waits until the beats and workers are
up, and makes them all due at once. Once a share has been delivered it
``kill -9``s one worker and starts it again; with ``--restart-redis`` it
also kills Redis (empty on return) once a further share is delivered.

Prints: delivered (distinct messages), duplicates (messages received more
than once, each with the same Message-ID), lost (rows sent by the database
but never received), stuck (rows still pending or claimed at the end),
seconds from "due" to the first and to the last message, the throughput,
and the load average. Exit status 1 when anything was lost or stuck, the
duplicates exceed the in-flight messages killed, or it did not drain within
``--timeout``.

With ``--channel whatsapp`` the registrants have a verified number, take
these reminders on WhatsApp and stopped them by e-mail: the reminder outbox
hands each one to the messaging layer, whose text outbox sends it to a local
WhatsApp Cloud API (``tests/fakes/whatsapp_cloud.py``, approving the
templates of ``docs/whatsapp-templates.md``) that counts messages by their
``biz_opaque_callback_data`` (the message's key). Lost are then the
WhatsApp rows sent by the database but never received. In both modes the
run ends once the reminders *and* the messages they queued (e-mails, texts)
have left, and stuck counts the rows of both outboxes still pending.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/outboxchaos \\
        .venv/bin/python tests/chaos/outbox_drain.py --reminders 10000 --port 6392
    ... --restart-redis
    ... --channel whatsapp [--restart-redis]

Every wait here is bounded.
"""

import argparse
import collections
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from email import message_from_bytes
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


class Counts:
    """Messages received, counted by key, with the times of the first and last."""

    def __init__(self) -> None:
        self.counts: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        self.first: float | None = None
        self.last: float | None = None

    def record(self, key: str) -> None:
        with self.lock:
            self.counts[key] += 1
            now = time.monotonic()
            self.first = self.first or now
            self.last = now

    def distinct(self) -> int:
        with self.lock:
            return len(self.counts)


class Sink(Counts):
    """A local SMTP server counting messages by Message-ID."""

    def __init__(self, port: int) -> None:
        from aiosmtpd.controller import Controller

        super().__init__()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                message = message_from_bytes(envelope.content)
                sink.record(message.get("Message-ID", ""))
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def whatsapp_cloud() -> tuple[Any, Counts]:
    """The local WhatsApp Cloud API, approving the documented templates, and
    the count of what it accepted by ``biz_opaque_callback_data``."""
    from tests.fakes.whatsapp_cloud import FakeWhatsAppCloud
    from tests.whatsapp_templates import approved_templates

    counts = Counts()

    class Counting(FakeWhatsAppCloud):
        def _message(self, headers: Any, body: bytes) -> dict[str, Any]:
            answer = super()._message(headers, body)  # raises when refused: not received
            counts.record(str(json.loads(body).get("biz_opaque_callback_data", "")))
            return answer

    templates = approved_templates()
    for language in ("fr", "en"):
        if ("webinars_reminder", language) not in templates:
            raise RuntimeError(f"docs/whatsapp-templates.md has no webinars_reminder in {language}")
    return Counting(templates=templates), counts


def prepare(env: dict[str, str], count: int, channel: str) -> tuple[int, list[int]]:
    """Migrate, then write ``count`` registrations of one session, each with
    a "day before" reminder not yet due — by e-mail, or with ``channel``
    "whatsapp" by WhatsApp only (a verified number, no quiet hours, the kind
    stopped by e-mail); returns the session id and the reminder ids."""
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=900,
    )
    os.environ.update(env)
    import django

    django.setup()
    import datetime

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from academy.models import User
    from tests.academy.factories import UserFactory
    from tests.webinars.factories import SessionFactory
    from webinars.models import Registration, Reminder
    from webinars.services.reminders import REMINDER_KIND

    tag = uuid.uuid4().hex[:6]
    prefix = secrets.randbelow(10) * 10**6  # numbers of an earlier run in this database differ
    whatsapp = channel == "whatsapp"
    verified = timezone.now() if whatsapp else None
    trainer = UserFactory(role="trainer", email=f"trainer-{tag}@chaos.example")
    session = SessionFactory(starts_at=timezone.now() + datetime.timedelta(hours=20), trainers=[trainer])
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                email=f"p{index}-{tag}@chaos.example",
                first_name=f"P{index}",
                password=unusable,
                language="en" if whatsapp and index % 4 == 0 else "fr",  # both templates
                **(
                    {
                        "phone": f"+22177{(prefix + index) % 10**7:07d}",
                        "phone_verified_at": verified,
                        "quiet_hours_start": None,
                        "quiet_hours_end": None,
                        "message_channels": {REMINDER_KIND: ["whatsapp"]},
                        "email_opt_outs": [REMINDER_KIND],
                    }
                    if whatsapp
                    else {}
                ),
            )
            for index in range(count)
        ],
        batch_size=2000,
    )
    registrations = Registration.objects.bulk_create(
        [Registration(session=session, user=user, status="confirmed") for user in users], batch_size=2000
    )
    later = timezone.now() + datetime.timedelta(days=365)
    reminders = Reminder.objects.bulk_create(
        [
            Reminder(registration=registration, kind="day", due_at=later, next_attempt_at=later)
            for registration in registrations
        ],
        batch_size=2000,
    )
    return session.pk, [reminder.pk for reminder in reminders]


def spawn(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *command], cwd=ROOT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT
    )


def worker(env: dict[str, str], logs: Path, name: str) -> subprocess.Popen:
    return spawn(
        ["-m", "celery", "-A", "config", "worker", "--pool=solo", "--without-gossip", "--without-mingle",
         "-n", f"{name}@%h", "--loglevel=INFO"],
        env, logs / f"{name}.log",
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument(
        "--channel", choices=("email", "whatsapp"), default="email", help="how the reminders reach people"
    )
    parser.add_argument("--port", type=int, default=6392, help="private Redis port")
    parser.add_argument("--kill-at", type=float, default=0.3, help="share delivered when a worker is killed")
    parser.add_argument("--restart-redis", action="store_true", help="also kill and restart Redis")
    parser.add_argument("--redis-at", type=float, default=0.6, help="share delivered when Redis is killed")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs even on success")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # the SMTP server's own chatter
    if not args.database_url.startswith("postgres"):
        parser.error("workers and beats share PostgreSQL: --database-url or DATABASE_URL=postgres://...")
    if shutil.which("redis-server") is None:
        parser.error("redis-server is not installed")
    sys.path.insert(0, str(ROOT))
    from tests.benchmarks.room_fanout import free_port
    from tests.chaos.room_reconnect_storm import PrivateRedis

    redis_server = PrivateRedis(args.port)
    redis_server.start()
    smtp_port = free_port()
    sink = Sink(smtp_port)  # in WhatsApp mode, the e-mails a fall-back would send
    sink.start()
    wa = None
    received_counts: Counts = sink
    if args.channel == "whatsapp":
        wa, received_counts = whatsapp_cloud()
        wa.__enter__()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": redis_server.url,
        "CELERY_BROKER_URL": redis_server.url,
        "CELERY_RESULT_BACKEND": redis_server.url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        # No cap on paid messages in this run (the default would send most by e-mail).
        "MESSAGING_DAILY_CAP": "1000000",
        **({key: str(value) for key, value in wa.settings().items()} if wa is not None else {}),
    }
    logs = Path(tempfile.mkdtemp(prefix="outbox-chaos-"))
    processes: dict[str, subprocess.Popen] = {}
    failed = True
    try:
        _session, ids = prepare(env, args.reminders, args.channel)
        from django.db.models import Q
        from django.utils import timezone

        from academy.messaging.models import TextMessage
        from academy.models import OutgoingEmail
        from webinars.models import Reminder
        from webinars.services.reminders import reminder_key

        rows = Reminder.objects.filter(pk__in=ids)
        # The messages the reminders queue, by their keys (the e-mail's
        # Message-ID, WhatsApp's biz_opaque_callback_data).
        keys = {reminder_key(row) for row in rows.only("pk", "registration_id", "kind", "revision")}
        texts = TextMessage.objects.filter(message__key__in=keys)
        emails = OutgoingEmail.objects.filter(key__in=keys)
        pending = Q(status="pending") | Q(claimed_at__isnull=False)
        for name in ("worker1", "worker2"):
            processes[name] = worker(env, logs, name)
        for name in ("beat1", "beat2"):  # a second beat by mistake
            processes[name] = spawn(
                ["-m", "celery", "-A", "config", "beat", "--loglevel=INFO", "--schedule", str(logs / name)],
                env, logs / f"{name}.log",
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if all("ready." in (logs / f"worker{i}.log").read_text(errors="replace") for i in (1, 2)):
                break
            time.sleep(0.5)
        else:
            raise RuntimeError("the workers did not start")
        time.sleep(2)
        due = time.monotonic()
        rows.update(due_at=timezone.now(), next_attempt_at=timezone.now())
        print(f"{len(ids)} reminders due; workers and two beats running (logs: {logs})", flush=True)
        killed = 0
        redis_restarted = False
        kill_after = int(args.kill_at * len(ids))
        redis_after = int(args.redis_at * len(ids))
        while time.monotonic() - due < args.timeout:
            delivered = received_counts.distinct()
            if not killed and delivered >= kill_after:
                processes["worker1"].send_signal(signal.SIGKILL)
                processes["worker1"].wait(10)
                killed = 1
                print(
                    f"  {time.monotonic() - due:6.1f} s  kill -9 worker1 at {delivered} delivered", flush=True
                )
                time.sleep(1)
                processes["worker1"] = worker(env, logs, "worker1")
            if args.restart_redis and not redis_restarted and delivered >= redis_after:
                print(f"  {time.monotonic() - due:6.1f} s  Redis killed at {delivered} delivered", flush=True)
                redis_server.stop()
                time.sleep(5)
                redis_server.start()
                redis_restarted = True
                print(f"  {time.monotonic() - due:6.1f} s  Redis back (empty)", flush=True)
            if not (
                rows.filter(status="pending").exists()
                or texts.filter(status="pending").exists()
                or emails.filter(status="pending").exists()
            ):
                break
            time.sleep(0.5)
        drained = time.monotonic() - due
        for name, process in processes.items():
            if process.poll() is not None and not name.startswith("worker1"):
                print(f"  {name} died: see {logs / (name + '.log')}")
        time.sleep(2)  # the last SMTP sessions and HTTP answers
        now = timezone.now()
        stuck = rows.filter(pending).count() + texts.filter(pending).count() + emails.filter(pending).count()
        sent_rows = rows.filter(status="sent").count()
        from academy.services import message_id

        with received_counts.lock:
            received = dict(received_counts.counts)
        if wa is None:
            expected = {message_id(key) for key in keys}
            lost = len(expected - received.keys())
            never = lost
            extra = ""
        else:
            expected = keys
            # Sent by the database, never received by the Cloud API.
            sent_keys = set(texts.filter(status="sent").values_list("message__key", flat=True))
            lost = len(sent_keys - received.keys())
            ids_of = {message_id(key) for key in keys}
            with sink.lock:
                fallen_back = ids_of & sink.counts.keys()
            # Reached on no channel at all (WhatsApp, or e-mail after a fall-back).
            never = len({key for key in keys if key not in received and message_id(key) not in fallen_back})
            extra = (
                f" · WhatsApp rows sent {len(sent_keys)} · failed {texts.filter(status='failed').count()}"
                f" · fell back to e-mail {emails.count()} (received {len(fallen_back)})"
                f" · reached on no channel {never}"
            )
        delivered = len(expected & received.keys())
        duplicates = sum(count - 1 for key, count in received.items() if key in expected and count > 1)
        first = None if received_counts.first is None else received_counts.first - due
        last = None if received_counts.last is None else received_counts.last - due
        load = os.getloadavg()
        failures = rows.filter(status="failed").count()
        print(
            f"{args.channel}: reminders {len(ids)} · delivered {delivered} · duplicates {duplicates} "
            f"(killed in flight ≤ {killed}) · lost {lost} · stuck {stuck} · reminder rows sent {sent_rows} "
            f"· failed {failures}{extra}"
        )
        if first is not None and last is not None:
            rate = delivered / max(last - first, 1e-9)
            print(
                f"first message {first:.1f} s after due · last {last:.1f} s · drained in {drained:.1f} s "
                f"· {rate:.0f} messages/s · load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
                f"· at {now:%H:%M:%S}"
            )
        failed = bool(lost or never or stuck or duplicates > killed or drained >= args.timeout)
        return 1 if failed else 0
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        sink.stop()
        if wa is not None:
            wa.__exit__(None, None, None)
        redis_server.stop()
        if not failed and not args.keep_logs:
            shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
