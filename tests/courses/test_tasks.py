"""Course reminders through the outbox: due rows claimed by the dispatcher and sent exactly once."""

import datetime
import threading
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from academy import tasks
from academy.errors import ApplicationError
from academy.outbox import due_q, outbox_claim
from config.celery_app import app as celery_app
from courses import services
from courses.models import Certificate, Enrollment, Reminder
from courses.services import reminders
from tests.courses.conftest import reminders_send
from tests.courses.factories import build_course, complete_course

pytestmark = pytest.mark.django_db


def test_beat_runs_the_outbox_dispatcher_every_minute():
    entry = celery_app.conf.beat_schedule["academy-outbox-drain"]
    assert entry["task"] == "academy.outbox_drain"
    assert entry["schedule"] == 15.0
    assert not any(e["task"] == "courses.reminders_dispatch" for e in celery_app.conf.beat_schedule.values())


def test_due_reminder_is_sent_once_in_the_learner_language(network, due_soon, course):
    # One run hands the reminder over and, in its next round, sends the
    # e-mail it queued (two rows sent); a second run sends nothing.
    report = tasks.outbox_drain.delay().get()
    assert (report["sent"], report["retried"], report["failed"], report["cancelled"]) == (2, 0, 0, 0)
    assert tasks.outbox_drain.delay().get()["sent"] == 0  # again: still one e-mail
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [network.staff_a.email]
    assert f"« {course.title} » arrive à échéance" in message.subject
    assert "/courses/" + course.slug in message.body
    assert message.extra_headers["Message-ID"] == f"<course-reminder-{due_soon.pk}-due_soon@127.0.0.1>"
    due_soon.refresh_from_db()
    assert (due_soon.status, due_soon.attempts) == ("sent", 1) and due_soon.sent_at is not None
    assert network.staff_a.notifications.filter(kind="courses.due_soon").count() == 1


def test_overdue_reminder_goes_out_the_morning_after_the_due_date(network, due_soon, time_machine):
    reminders_send()
    overdue = Reminder.objects.get(kind="overdue")
    assert reminders_send(now=overdue.send_at - datetime.timedelta(minutes=1)).sent == 0
    time_machine.move_to(overdue.send_at + datetime.timedelta(minutes=2))
    assert reminders_send().sent == 1
    assert reminders_send().sent == 0
    assert [m.subject.split("] ")[1] for m in mail.outbox][1].endswith("est en retard")


def test_a_failed_send_is_retried_with_backoff_then_sent_once(network, due_soon, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    real_send = reminders.message_send
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("database unreachable")
        return real_send(**kwargs)

    with mock.patch.object(reminders, "message_send", side_effect=flaky):
        result = reminders_send()
        assert (result.sent, result.retried) == (0, 1)
        due_soon.refresh_from_db()
        assert (due_soon.status, due_soon.attempts) == ("pending", 1)
        assert due_soon.next_attempt_at == timezone.now() + datetime.timedelta(minutes=1)
        assert due_soon.claim_token is None
        assert "database unreachable" in due_soon.last_error
        assert reminders_send().sent == 0  # not due again yet
        time_machine.move_to(timezone.now() + datetime.timedelta(minutes=2), tick=False)
        assert reminders_send().sent == 1
        assert reminders_send().sent == 0
    assert len(mail.outbox) == 1 and calls["n"] == 2


def test_sending_gives_up_after_too_many_failures(network, due_soon, time_machine, settings):
    time_machine.move_to(timezone.now(), tick=False)
    with mock.patch.object(reminders, "message_send", side_effect=ConnectionError("down")):
        for _ in range(settings.OUTBOX_MAX_ATTEMPTS):
            reminders_send()
            time_machine.move_to(timezone.now() + datetime.timedelta(hours=3), tick=False)
        due_soon.refresh_from_db()
        assert (due_soon.status, due_soon.attempts) == ("failed", settings.OUTBOX_MAX_ATTEMPTS)
        assert reminders_send().failed == 0  # left alone
    assert mail.outbox == []
    services.reminder_requeue(reminder=due_soon)
    due_soon.refresh_from_db()
    assert (due_soon.status, due_soon.attempts) == ("pending", 0)
    assert reminders_send().sent == 1


def test_reminders_no_longer_relevant_are_cancelled(network, due_soon, course):
    Reminder.objects.filter(pk=due_soon.pk).update(status="pending")
    services.assignments_release_member(membership=network.staff_a.memberships.get())
    assert reminders_send().sent == 0
    due_soon.refresh_from_db()
    assert due_soon.status == "cancelled" and mail.outbox == []


def test_expiry_reminder_enrols_the_holder_again(network, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC))
    course = build_course(owner=network.trainer, validity_months=12, kinds=("text",))
    complete_course(network.staff_a, course)
    certificate = Certificate.objects.get()
    assert certificate.expires_on == datetime.date(2027, 3, 2)
    time_machine.move_to(
        datetime.datetime(2027, 1, 1, 8, 30, tzinfo=datetime.UTC)
    )  # 60 days before, Dakar morning
    result = reminders_send()
    assert result.sent == 1
    assert "expire dans 60 jours" in mail.outbox[0].subject
    again = Enrollment.objects.get(user=network.staff_a, status="active")
    assert again.source == "recertification"
    time_machine.move_to(datetime.datetime(2027, 1, 31, 8, 30, tzinfo=datetime.UTC))
    assert reminders_send().sent == 1  # 30 days before: same enrolment
    assert Enrollment.objects.filter(user=network.staff_a, status="active").count() == 1


def test_revoked_certificate_gets_no_reminder(network, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC))
    course = build_course(owner=network.trainer, validity_months=12, kinds=("text",))
    complete_course(network.staff_a, course)
    Certificate.objects.update(status="revoked")  # changed behind the services' back
    time_machine.move_to(datetime.datetime(2027, 1, 1, 8, 30, tzinfo=datetime.UTC))
    assert reminders_send().cancelled == 1
    assert mail.outbox == []


# ------------------------------------------------------------------ PostgreSQL: concurrent workers


def _require_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED): run with DATABASE_URL=postgres://..."
        )


def _claim():
    now = timezone.now()
    rows = Reminder.objects.filter(due_q(now)).order_by("next_attempt_at", "pk")
    return outbox_claim(rows, limit=100, claim={"claimed_at": now})


def _in_thread(target):
    errors: list[BaseException] = []

    def run():
        try:
            target()
        except BaseException as error:  # surfaced in the test thread
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    return thread, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_claim_skips_rows_another_dispatcher_holds(network, course):
    _require_postgresql()
    services.assignment_create(
        actor=network.manager_a,
        distributor=network.distributor_a,
        course=course,
        due_on=timezone.localdate() + datetime.timedelta(days=2),
    )
    due = list(Reminder.objects.filter(kind="due_soon").values_list("pk", flat=True))
    assert len(due) == 2
    locked = threading.Event()
    release = threading.Event()

    def hold_locks():
        from django.db import transaction

        with transaction.atomic():
            list(Reminder.objects.select_for_update().filter(pk=due[0]))
            locked.set()
            release.wait(10)

    thread, errors = _in_thread(hold_locks)
    thread.start()
    assert locked.wait(10)
    try:
        claimed = _claim()
        assert claimed == [due[1]]  # the locked row is skipped, not waited for
    finally:
        release.set()
        thread.join(10)
    assert not errors
    assert _claim() == [due[0]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_send_each_reminder_once(network, course):
    _require_postgresql()
    from distributors import services as distributor_services
    from tests.academy.factories import UserFactory

    for _ in range(8):
        distributor_services.membership_start(user=UserFactory(), distributor=network.distributor_a)
    services.assignment_create(
        actor=network.manager_a,
        distributor=network.distributor_a,
        course=course,
        due_on=timezone.localdate() + datetime.timedelta(days=2),
    )
    expected = Reminder.objects.filter(kind="due_soon").count()
    assert expected == 10
    barrier = threading.Barrier(3)
    results = []

    def dispatch():
        barrier.wait(10)
        results.append(reminders_send(batch_size=4))

    threads = [_in_thread(dispatch) for _ in range(3)]
    for thread, _errors in threads:
        thread.start()
    for thread, errors in threads:
        thread.join(30)
        assert not errors
    reminders_send()  # whatever the three left
    assert len(mail.outbox) == expected
    assert len({m.to[0] for m in mail.outbox}) == expected  # one e-mail per person
    assert set(Reminder.objects.filter(kind="due_soon").values_list("status", flat=True)) == {"sent"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_quiz_starts_cannot_exceed_the_maximum(network):
    _require_postgresql()
    from courses.models import QuizAttempt
    from tests.courses.factories import lessons_of, wrong_answers

    course = build_course(owner=network.trainer, kinds=("quiz",), max_attempts=2)
    quiz = lessons_of(course)[0].quiz
    services.enrollment_create(user=network.staff_a, course=course)
    first = services.quiz_attempt_start(user=network.staff_a, quiz=quiz)
    services.quiz_attempt_submit(user=network.staff_a, attempt=first, answers=wrong_answers(quiz))
    barrier = threading.Barrier(4)
    started, refused = [], []

    def start_and_submit():
        barrier.wait(10)
        try:
            attempt = services.quiz_attempt_start(user=network.staff_a, quiz=quiz)
            started.append(attempt.pk)
            services.quiz_attempt_submit(user=network.staff_a, attempt=attempt, answers=wrong_answers(quiz))
        except ApplicationError as error:
            refused.append(error.code)

    threads = [_in_thread(start_and_submit) for _ in range(4)]
    for thread, _errors in threads:
        thread.start()
    for thread, errors in threads:
        thread.join(30)
        assert not errors
    assert QuizAttempt.objects.filter(quiz=quiz).count() == 2
    assert QuizAttempt.objects.filter(quiz=quiz, submitted_at__isnull=False).count() == 2
    assert len(set(started)) == 1 and refused  # one second attempt, the others refused
