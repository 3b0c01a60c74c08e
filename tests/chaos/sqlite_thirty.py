"""Thirty people at once on the embedded default (not part of the unit run).

Creates a fresh SQLite database in a temporary folder (``migrate``,
``seed_demo``, then N learners of a demo distributor registered to a live
web-conference), starts the web server exactly as the ``Procfile``'s ``web``
line does (uvicorn, ``config.asgi``, default settings ``config.settings.local``,
in-memory channel layer) on a free loopback port, and drives N simulated
people at once with ``httpx`` and ``websockets``:

* all N sign in at the same moment through the real login form (CSRF);
* each joins the live room over WebSocket and posts chat messages at
  ``--chat-interval`` seconds apart (the documented limit is a burst of 5,
  then one per 2 s);
* meanwhile each opens courses and lessons, enrols, completes lessons and
  starts and submits quizzes (real form POSTs), with a short pause between
  actions;
* a baseline client asks ``/healthz`` (one query) twice a second.

Prints p50 / p95 / max of sign-in, write (POST) and page (GET) times and of
the baseline; sockets closed by the server (with close codes); chat
messages sent, refused ("too fast" and others), stored, vanished (sent, not
refused, not stored) and missed deliveries (stored, not received by a person
connected throughout); server errors and ``database is locked`` lines in the
server log; the load average. Exit status 1 when a figure misses the target
(sign-in and write p95 under 2 s, nothing closed, lost, refused or locked).

    .venv/bin/python tests/chaos/sqlite_thirty.py                  # 30 people, 60 s
    .venv/bin/python tests/chaos/sqlite_thirty.py --people 30 --seconds 90 --legacy-hashes

``--legacy-hashes`` stores the people's passwords with PBKDF2 (as accounts
made before Argon2 was the first hasher): their first sign-in verifies the
old hash and upgrades it. Loopback only; every loop is bounded in count and
time, and the server is stopped at the end.
"""

import argparse
import asyncio
import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.room_fanout import free_port, percentile  # noqa: E402

MARK = "thirty|"
PASSWORD = "thirty-people-" + "x" * 6
TARGET_SECONDS = 2.0


# ------------------------------------------------------------------- the data


def prepare(env: dict[str, str], people: int, *, legacy_hashes: bool) -> dict[str, Any]:
    """Migrate and seed the fresh database, then add the people (members of a
    demo distributor, confirmed registrants of a live session). Returns the
    session id, the people's e-mail addresses and the courses they may take."""
    for command in (["migrate", "--verbosity", "0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
            stdout=subprocess.DEVNULL,
        )
    os.environ.update(env)
    import logging

    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.utils import timezone

    from academy.models import User
    from courses.models import Course
    from distributors import services as distributor_services
    from distributors.models import Distributor
    from webinars import services
    from webinars.models import Registration, RegistrationStatus

    # One hash for everyone (hashing is slow on purpose): the configured
    # first hasher, or PBKDF2 as accounts made before Argon2 have.
    hashed = make_password(PASSWORD, hasher="pbkdf2_sha256" if legacy_hashes else "default")
    tag = uuid.uuid4().hex[:6]
    distributor = Distributor.objects.order_by("pk").first()
    emails = []
    users = []
    for n in range(people):
        user = User.objects.create(
            email=f"p{n}-{tag}@thirty.example",
            first_name="Person",
            last_name=str(n),
            role="learner",
            language="en",
            password=hashed,
        )
        distributor_services.membership_start(user=user, distributor=distributor)
        emails.append(user.email)
        users.append(user)
    trainer = User.objects.filter(role="trainer").order_by("pk").first()
    session = services.session_create(
        actor=trainer,
        title="Thirty at once",
        starts_at=timezone.now() + datetime.timedelta(minutes=5),
        time_zone="UTC",
        video_url="https://meet.example.com/thirty",
        audience={"audience_everyone": True},
    )
    services.session_start(actor=trainer, session=session)
    Registration.objects.bulk_create(
        Registration(session=session, user=user, status=RegistrationStatus.CONFIRMED) for user in users
    )
    courses = []
    for course in Course.objects.filter(status="published", self_enrolment=True, language="en"):
        lessons = list(
            course.modules.order_by("position", "lessons__position").values_list(
                "lessons__pk", "lessons__kind"
            )
        )
        lessons = [(pk, kind) for pk, kind in lessons if pk is not None]
        if any(kind == "quiz" for _pk, kind in lessons):
            courses.append({"slug": course.slug, "lessons": lessons})
    connection.close()
    return {"session_id": session.pk, "emails": emails, "courses": courses}


# ------------------------------------------------------------------ the server


def procfile_web_command(port: int) -> list[str]:
    """The Procfile's ``web`` line, with this interpreter and a free port."""
    line = next(
        line.split(":", 1)[1]
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    )
    words = shlex.split(line)
    words = [sys.executable if word == "python" else word for word in words]
    words[words.index("--port") + 1] = str(port)
    return words


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        procfile_web_command(port), cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError(f"uvicorn did not start:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.2)


# ------------------------------------------------------------------ the people


@dataclass
class Person:
    index: int
    email: str
    sign_in: float = float("nan")
    signed_in: bool = False
    cookie: str = ""
    writes: list[float] = field(default_factory=list)
    pages: list[float] = field(default_factory=list)
    http_errors: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # chat texts sent
    refused: dict[str, str] = field(default_factory=dict)  # ref -> error code
    received: set[str] = field(default_factory=set)  # chat texts received
    errors: list[str] = field(default_factory=list)  # other error frames
    connected: bool = False
    closed_by_server: str = ""  # who failed the socket, code and reason (not the final 1000)
    ws: Any = None


CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ATTEMPT = re.compile(r'name="attempt" value="(\d+)"')
CHOICE = re.compile(r'name="(question_\d+)" value="(\d+)"')


async def timed(person: Person, client: Any, method: str, url: str, bucket: list[float], **kw: Any) -> Any:
    started = time.monotonic()
    try:
        response = await client.request(method, url, **kw)
    except Exception as error:
        person.http_errors.append(f"{method} {url}: {type(error).__name__}")
        return None
    bucket.append(time.monotonic() - started)
    if response.status_code >= 500 or response.status_code in (403, 404, 405):
        person.http_errors.append(f"{method} {url}: {response.status_code}")
    return response


def csrf_of(client: Any, html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else client.cookies.get("csrftoken", "")


async def sign_in(person: Person, client: Any, start: asyncio.Event) -> None:
    page = await timed(person, client, "GET", "/login/", person.pages)
    if page is None:
        return
    token = csrf_of(client, page.text)
    await start.wait()  # everyone at the same moment
    started = time.monotonic()
    try:
        response = await client.post(
            "/login/",
            data={"username": person.email, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{client.base_url}/login/"},
        )
    except Exception as error:
        person.http_errors.append(f"sign-in: {type(error).__name__}")
        return
    person.sign_in = time.monotonic() - started
    person.signed_in = response.status_code == 302 and "sessionid" in client.cookies
    person.cookie = client.cookies.get("sessionid", "")
    if not person.signed_in:
        person.http_errors.append(f"sign-in: {response.status_code}")


async def learn(person: Person, client: Any, courses: list[dict], until: float, pause: float) -> None:
    """Courses in turn, from a different one per person: course page, enrol,
    each lesson (text lessons completed, the quiz started and submitted)."""
    order = courses[person.index % len(courses) :] + courses[: person.index % len(courses)]
    for course in order:
        slug = course["slug"]
        if time.monotonic() > until:
            return
        page = await timed(person, client, "GET", f"/courses/{slug}/", person.pages)
        if page is None:
            return
        token = csrf_of(client, page.text)
        await timed(person, client, "POST", f"/courses/{slug}/enrol/", person.writes, data=_form(token))
        for pk, kind in course["lessons"]:
            if time.monotonic() > until:
                return
            await asyncio.sleep(pause)
            lesson_url = f"/courses/{slug}/lessons/{pk}/"
            page = await timed(person, client, "GET", lesson_url, person.pages)
            if page is None:
                continue
            token = csrf_of(client, page.text)
            if kind != "quiz":
                await timed(
                    person, client, "POST", f"{lesson_url}complete/", person.writes, data=_form(token)
                )
                continue
            await timed(
                person, client, "POST", lesson_url, person.writes, data={**_form(token), "action": "start"}
            )
            page = await timed(person, client, "GET", lesson_url, person.pages)
            attempt = ATTEMPT.search(page.text) if page is not None else None
            if page is None or attempt is None:
                continue
            answers: dict[str, str] = {}
            for name, value in CHOICE.findall(page.text):
                answers.setdefault(name, value)  # the first answer offered
            data = {**_form(csrf_of(client, page.text)), "attempt": attempt.group(1), **answers}
            await timed(person, client, "POST", lesson_url, person.writes, data=data)


def _form(token: str) -> dict[str, str]:
    return {"csrfmiddlewaretoken": token}


async def join_room(person: Person, port: int, session_id: int) -> None:
    import websockets

    person.ws = await websockets.connect(
        f"ws://127.0.0.1:{port}/ws/webinars/{session_id}/",
        additional_headers={"Cookie": f"sessionid={person.cookie}", "Origin": f"http://127.0.0.1:{port}"},
        open_timeout=30,
        max_queue=None,
        compression=None,
    )
    person.connected = True


async def read_room(person: Person, snapshot: asyncio.Event) -> None:
    import websockets

    try:
        async for raw in person.ws:
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "snapshot":
                snapshot.set()
            elif kind == "chat.message":
                text = frame["data"]["message"]["text"]
                if text.startswith(MARK):
                    person.received.add(text)
            elif kind == "error":
                if frame.get("ref", "").startswith(MARK):
                    person.refused[frame["ref"]] = frame.get("code", "?")
                else:
                    person.errors.append(frame.get("code", "?"))
    except websockets.ConnectionClosed as closed:
        # This client closes with 1000 at the end; anything else is a failure,
        # started by the server (its close frame came first) or by this
        # client (its own keepalive gave up on the server).
        if closed.rcvd is not None and (closed.sent is None or closed.rcvd_then_sent):
            if closed.rcvd.code != 1000:
                person.closed_by_server = f"server {closed.rcvd.code} {closed.rcvd.reason}".strip()
        elif closed.sent is not None:
            if closed.sent.code != 1000:
                person.closed_by_server = f"client {closed.sent.code} {closed.sent.reason}".strip()
        else:
            person.closed_by_server = "1006 connection lost"
    finally:
        person.connected = False
        snapshot.set()


async def chat(person: Person, until: float, interval: float) -> None:
    k = 0
    while time.monotonic() < until and person.connected:
        text = f"{MARK}{person.index}|{k}"
        try:
            await person.ws.send(json.dumps({"type": "chat.send", "text": text, "ref": text}))
        except Exception:
            return
        person.sent.append(text)
        k += 1
        await asyncio.sleep(interval)


async def baseline(port: int, until: float, times: list[float], errors: list[str]) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        while time.monotonic() < until:
            started = time.monotonic()
            try:
                await client.get("/healthz")
                times.append(time.monotonic() - started)
            except Exception as error:
                errors.append(type(error).__name__)
            await asyncio.sleep(0.5)


async def run(args: argparse.Namespace, port: int, data: dict[str, Any]) -> dict[str, Any]:
    import httpx

    people = [Person(n, email) for n, email in enumerate(data["emails"])]
    base = f"http://127.0.0.1:{port}"
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=2)
    clients = [httpx.AsyncClient(base_url=base, timeout=60, limits=limits) for _ in people]
    start = asyncio.Event()
    loads: list[float] = []
    base_times: list[float] = []
    base_errors: list[str] = []
    try:
        signing = [asyncio.ensure_future(sign_in(p, c, start)) for p, c in zip(people, clients, strict=True)]
        await asyncio.sleep(2.0)  # every login form fetched
        start.set()
        started = time.monotonic()
        await asyncio.wait_for(asyncio.gather(*signing), timeout=120)
        sign_in_wall = time.monotonic() - started
        until = time.monotonic() + args.seconds
        baseline_task = asyncio.ensure_future(baseline(port, until, base_times, base_errors))
        signed = [p for p in people if p.signed_in]
        snapshots = {p.index: asyncio.Event() for p in signed}

        async def enter(person: Person) -> None:
            try:
                await join_room(person, port, data["session_id"])
            except Exception as error:
                person.errors.append(f"connect: {type(error).__name__}")
                snapshots[person.index].set()
                return
            readers.append(asyncio.ensure_future(read_room(person, snapshots[person.index])))

        readers: list[asyncio.Future] = []
        await asyncio.gather(*(enter(p) for p in signed))
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in snapshots.values())), timeout=60)

        async def watch_load() -> None:
            while time.monotonic() < until:
                loads.append(os.getloadavg()[0])
                await asyncio.sleep(5)

        by_index = {p.index: c for p, c in zip(people, clients, strict=True)}
        await asyncio.gather(
            *(chat(p, until, args.chat_interval) for p in signed),
            *(learn(p, by_index[p.index], data["courses"], until, args.pause) for p in signed),
            baseline_task,
            watch_load(),
        )
        # Deliveries still on their way.
        deadline = time.monotonic() + args.settle
        while time.monotonic() < deadline:
            accepted = {t for p in signed for t in p.sent if t not in p.refused}
            if all(accepted - set(p.sent) <= p.received for p in signed if p.connected):
                break
            await asyncio.sleep(0.25)
        for person in signed:
            if person.ws is not None:
                await person.ws.close()
        await asyncio.gather(*readers)
    finally:
        for client in clients:
            await client.aclose()
    return {
        "people": people,
        "sign_in_wall": sign_in_wall,
        "baseline": base_times,
        "baseline_errors": base_errors,
        "loads": loads,
    }


def stored_chat(env: dict[str, str], session_id: int) -> set[str]:
    from concurrent.futures import ThreadPoolExecutor

    def read() -> set[str]:
        from django.db import connection

        from webinars.models import RoomEvent

        try:
            rows = RoomEvent.objects.filter(session_id=session_id, type="chat.message")
            return {
                row.payload["message"]["text"]
                for row in rows
                if row.payload["message"]["text"].startswith(MARK)
            }
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(read).result()


def figures(name: str, values: list[float]) -> str:
    if not values:
        return f"{name:<14} none"
    return (
        f"{name:<14} n={len(values):<5} p50 {percentile(values, 0.5) * 1000:7.0f} ms   "
        f"p95 {percentile(values, 0.95) * 1000:7.0f} ms   max {max(values) * 1000:7.0f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="how long the people work after signing in"
    )
    parser.add_argument(
        "--chat-interval", type=float, default=2.5, help="seconds between one person's messages"
    )
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between one person's lessons")
    parser.add_argument("--settle", type=float, default=15.0, help="seconds to wait for the last deliveries")
    parser.add_argument("--legacy-hashes", action="store_true", help="store the passwords with PBKDF2")
    args = parser.parse_args()
    if not 1 <= args.people <= 200 or not 1 <= args.seconds <= 900:
        parser.error("--people 1..200, --seconds 1..900")

    folder = Path(tempfile.mkdtemp(prefix="sqlite-thirty-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{folder / 'academy.sqlite3'}",
        "ACADEMY_VAR_DIR": str(folder / "var"),
        "REDIS_URL": "",
    }
    env.pop("CELERY_BROKER_URL", None)
    log = folder / "uvicorn.log"
    keep = False
    server = None
    try:
        data = prepare(env, args.people, legacy_hashes=args.legacy_hashes)
        port = free_port()
        server = start_server(env, port, log)
        result = asyncio.run(run(args, port, data))
        stored = stored_chat(env, data["session_id"])
        text = log.read_text(errors="replace")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()

    people: list[Person] = result["people"]
    signed = [p for p in people if p.signed_in]
    sent = [t for p in signed for t in p.sent]
    refused = {ref: code for p in signed for ref, code in p.refused.items()}
    too_fast = sum(1 for code in refused.values() if code == "rate_limited")
    vanished = [t for t in sent if t not in refused and t not in stored]
    throughout = [
        p for p in signed if not p.closed_by_server and not any(e.startswith("connect") for e in p.errors)
    ]
    missed = sum(
        1 for p in throughout for t in stored if not t.startswith(f"{MARK}{p.index}|") and t not in p.received
    )
    closed = [p.closed_by_server for p in signed if p.closed_by_server]
    locked = text.count("database is locked")
    tracebacks = text.count("Traceback")
    sign_ins = [p.sign_in for p in people if p.sign_in == p.sign_in]
    writes = [w for p in people for w in p.writes]
    pages = [w for p in people for w in p.pages]
    http_errors = [e for p in people for e in p.http_errors]
    load = os.getloadavg()
    base95 = percentile(result["baseline"], 0.95)

    print(f"people         {len(people)} ({len(signed)} signed in), {args.seconds:.0f} s of work")
    print(f"sign-in wall   {result['sign_in_wall']:.1f} s for {len(people)} simultaneous sign-ins")
    print(figures("sign-in", sign_ins))
    print(figures("write (POST)", writes))
    print(figures("page (GET)", pages))
    print(figures("baseline", result["baseline"]) + "   (/healthz, one query)")
    if base95 == base95 and base95 > 0:
        print(
            f"ratio p95      sign-in {percentile(sign_ins, 0.95) / base95:.1f}× "
            f"write {percentile(writes, 0.95) / base95:.1f}× "
            f"page {percentile(pages, 0.95) / base95:.1f}× baseline"
        )
    print(f"http errors    {len(http_errors)} {sorted(set(http_errors))[:5] if http_errors else ''}")
    print(f"sockets failed {len(closed)} {sorted(set(closed)) if closed else ''}")
    print(
        f"chat           sent {len(sent)}, refused {len(refused)} (too fast {too_fast}), "
        f"stored {len(stored & set(sent))}, vanished {len(vanished)}"
    )
    print(f"deliveries     missed {missed} (stored, not received by a person connected throughout)")
    other = sorted({e for p in signed for e in p.errors})
    print(f"room errors    {other or 'none'}")
    print(f"server log     {locked} 'database is locked', {tracebacks} tracebacks")
    peak = max(result["loads"], default=load[0])
    print(
        f"load average   {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
        f"(peak 1-min {peak:.2f}, {os.cpu_count()} CPUs)"
    )

    failed = [
        name
        for name, bad in [
            ("sign-in failures", len(signed) < len(people)),
            ("sign-in p95", not percentile(sign_ins, 0.95) < TARGET_SECONDS),
            ("write p95", not percentile(writes, 0.95) < TARGET_SECONDS),
            ("http errors", bool(http_errors)),
            ("sockets closed", bool(closed)),
            ("chat refused", bool(refused)),
            ("chat vanished", bool(vanished)),
            ("deliveries missed", bool(missed)),
            ("database is locked", bool(locked)),
            ("server tracebacks", bool(tracebacks)),
        ]
        if bad
    ]
    if failed:
        keep = True
        print(f"FAILED         {', '.join(failed)}; server log {log}")
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
