"""E-mail dispatch through SMTP: one connection per batch against one per
message (not part of the unit run).

Queues ``--emails`` e-mails in a fresh database (SQLite file by default,
``--database-url`` for PostgreSQL), then drains them through the e-mail
outbox to a local SMTP server (``tests.fakes.smtp``) three ways, each on the
same rows put back in the queue:

- **baseline**: smtplib alone sends the same messages over one connection
  (the transport's own cost, no database);
- **batch**: the outbox as shipped, one connection per dispatch batch;
- **per message**: the same outbox with the batch context removed, so each
  e-mail opens its own connection (what it did before).

Prints messages per second for each, the ratios, the SMTP sessions seen and
the load average. On loopback the difference is the SMTP handshake alone; a
real provider adds a TLS handshake and the network's round trips to each
connection, so the gap only grows.

    .venv/bin/python tests/benchmarks/email_batch.py --emails 2000
"""

import argparse
import dataclasses
import os
import smtplib
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.benchmarks.harness import migrate  # noqa: E402 (after the path above)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="academy-email-bench-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": args.database_url or f"sqlite:///{folder}/bench.sqlite3",
        "ACADEMY_VAR_DIR": folder,
    }
    env.pop("REDIS_URL", None)
    migrate(env)
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings
    from django.utils import timezone

    from academy.models import OutgoingEmail
    from academy.outbox import OutboxStatus, outbox_drain
    from academy.services import EMAIL_OUTBOX, message_id
    from tests.fakes.smtp import MailServer

    OutgoingEmail.objects.all().delete()
    OutgoingEmail.objects.bulk_create(
        [
            OutgoingEmail(
                key=f"bench-{index}",
                topic="bench",
                to=f"person{index}@bench.example",
                subject=f"Rappel : session de formation n° {index}",
                body="Bonjour,\n\nVotre session commence demain à 14 h.\n" * 8,
                html="",
                next_attempt_at=timezone.now(),
            )
            for index in range(args.emails)
        ],
        batch_size=1000,
    )

    def requeue() -> None:
        OutgoingEmail.objects.update(
            status=OutboxStatus.PENDING, attempts=0, sent_at=None, next_attempt_at=timezone.now()
        )

    results: dict[str, tuple[float, int]] = {}
    per_message = dataclasses.replace(EMAIL_OUTBOX, batch=nullcontext)
    with MailServer() as server, override_settings(**server.settings(), OUTBOX_TIME_BUDGET_SECONDS=3600):
        rows = list(OutgoingEmail.objects.order_by("pk"))
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as smtp:
            for row in rows:
                smtp.sendmail(
                    settings.DEFAULT_FROM_EMAIL,
                    [row.to],
                    f"Message-ID: {message_id(row.key)}\r\nSubject: {row.subject}\r\n\r\n{row.body}".encode(),
                )
        results["baseline (smtplib, one connection)"] = (time.perf_counter() - started, 1)
        for name, box in (("batch (as shipped)", EMAIL_OUTBOX), ("per message (before)", per_message)):
            requeue()
            before = len(server.sessions)
            started = time.perf_counter()
            report = outbox_drain(box, batch_size=args.batch_size)
            elapsed = time.perf_counter() - started
            assert report.sent == args.emails, report
            results[name] = (elapsed, len(server.sessions) - before)

    load = os.getloadavg()
    print(f"{args.emails} e-mails, batches of {args.batch_size}, database {django.db.connection.vendor}")
    print(f"load average: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    baseline = results["baseline (smtplib, one connection)"][0]
    for name, (elapsed, sessions) in results.items():
        print(
            f"{name:38s} {args.emails / elapsed:8.0f} messages/s  {sessions:5d} SMTP sessions  "
            f"{elapsed / baseline:5.2f}× the baseline's time"
        )
    batch, per = results["batch (as shipped)"][0], results["per message (before)"][0]
    print(f"one connection per batch is {per / batch:.2f}× faster than one per message")


if __name__ == "__main__":
    main()
