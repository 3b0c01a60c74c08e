"""The reminder outbox: what is queued, and exactly one hand-over per row to
the messaging layer (whose e-mail outbox then sends it)."""

import datetime
import uuid
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.db.models import F
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from academy import outbox
from tests.academy.factories import UserFactory
from tests.webinars.conftest import end_session, reminders_send
from tests.webinars.factories import RegistrationFactory, SessionFactory
from tests.webinars.invitations import sent_invitation
from webinars import services
from webinars.models import Registration, Reminder, ReminderStatus, Session
from webinars.services import reminders as reminder_services

pytestmark = pytest.mark.django_db


def _kinds(registration, status=ReminderStatus.PENDING):
    return set(registration.reminders.filter(status=status).values_list("kind", flat=True))


def _calendar(message):
    """The calendar of an invitation e-mail and its MIME method parameter."""
    invitation = sent_invitation(message)
    assert invitation.inline.replace(b"\r\n", b"\n") == invitation.attached.replace(b"\r\n", b"\n")
    return invitation.calendar, f"method={invitation.method}"


def test_registration_queues_confirmation_and_every_reminder_ahead(session, network):
    registration = services.registration_create(user=network.staff_a, session=session)
    assert _kinds(registration) == {"confirmation", "week", "day", "hour", "starting", "follow_up"}
    due = {r.kind: r.due_at for r in registration.reminders.all()}
    assert due["week"] == session.starts_at - datetime.timedelta(days=7)
    assert due["day"] == session.starts_at - datetime.timedelta(hours=24)
    assert due["hour"] == session.starts_at - datetime.timedelta(hours=1)
    assert due["starting"] == session.starts_at - datetime.timedelta(minutes=10)
    assert due["follow_up"] == session.ends_at + datetime.timedelta(minutes=60)


def test_late_registrant_only_gets_reminders_still_ahead(network):
    session = SessionFactory(starts_at=timezone.now() + datetime.timedelta(hours=3))
    registration = services.registration_create(user=network.staff_a, session=session)
    assert _kinds(registration) == {"confirmation", "hour", "starting", "follow_up"}


def test_confirmation_is_sent_once_with_the_invitation_in_the_recipient_language(session, network):
    network.staff_a.language = "en"
    network.staff_a.save()
    services.registration_create(user=network.staff_a, session=session)
    first = reminders_send()
    second = reminders_send()
    assert (first.sent, second.sent) == (1, 0)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [network.staff_a.email]
    assert "You are registered for" in message.subject
    calendar, mimetype = _calendar(message)
    assert "method=REQUEST" in mimetype
    assert calendar["METHOD"] == "REQUEST"
    assert Reminder.objects.get(kind="confirmation").status == ReminderStatus.SENT


def test_timed_reminders_go_out_when_due_and_only_once(session, network):
    services.registration_create(user=network.staff_a, session=session)
    reminders_send()
    mail.outbox.clear()
    with time_machine.travel(session.starts_at - datetime.timedelta(hours=23), tick=False):
        reminders_send()
        reminders_send()
    subjects = [m.subject for m in mail.outbox]
    # The week and the 24-hour reminders were both due; the hour one not yet.
    assert len(subjects) == 2
    assert any("Demain" in s for s in subjects) and any("Dans une semaine" in s for s in subjects)
    with time_machine.travel(session.starts_at - datetime.timedelta(minutes=9), tick=False):
        reminders_send()
    starting = mail.outbox[-1]
    assert "Ça commence" in starting.subject
    assert reverse("webinars:session_join", args=[session.pk]) in starting.body
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == 5


def test_a_failed_send_stays_due_with_backoff_then_succeeds_once(session, network):
    services.registration_create(user=network.staff_a, session=session)
    real_send = reminder_services.message_send
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("database connection lost")
        return real_send(**kwargs)

    with mock.patch.object(reminder_services, "message_send", flaky):
        report = reminders_send()
        assert (report.sent, report.retried) == (0, 1)
        reminder = Reminder.objects.get(kind="confirmation")
        assert reminder.status == ReminderStatus.PENDING
        assert reminder.attempts == 1 and "connection lost" in reminder.last_error
        assert reminder.next_attempt_at > timezone.now()
        assert reminder.claim_token is None
        assert reminders_send().sent == 0  # not due before the backoff
        with time_machine.travel(reminder.next_attempt_at + datetime.timedelta(seconds=1), tick=False):
            assert reminders_send().sent == 1
            assert reminders_send().sent == 0
    assert len(mail.outbox) == 1
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, reminder.last_error) == (ReminderStatus.SENT, 2, "")


@override_settings(OUTBOX_MAX_ATTEMPTS=2)
def test_a_row_that_keeps_failing_is_marked_failed_and_shown_to_admins(client, session, network):
    services.registration_create(user=network.staff_a, session=session)
    with mock.patch.object(
        reminder_services, "message_send", side_effect=ConnectionError("messaging unavailable")
    ):
        reminders_send()
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=1), tick=False):
            report = reminders_send()
    assert report.failed == 1
    reminder = Reminder.objects.get(kind="confirmation")
    assert reminder.status == ReminderStatus.FAILED
    client.force_login(network.admin)
    url = reverse("admin:webinars_reminder_changelist")
    body = client.get(url, {"status__exact": "failed"}).content.decode()
    assert "messaging unavailable" in body
    # The admin's retry action puts only the failed row back in the queue, and it then goes out.
    client.post(
        url,
        {
            "action": "retry_reminders",
            "_selected_action": list(Reminder.objects.values_list("pk", flat=True)),
        },
    )
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts) == (ReminderStatus.PENDING, 0)
    assert Reminder.objects.filter(status=ReminderStatus.FAILED).count() == 0
    reminders_send()
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT


def test_a_worker_dying_after_claiming_does_not_lose_or_double_the_message(session, network):
    services.registration_create(user=network.staff_a, session=session)
    now = timezone.now()
    # A worker claims the confirmation and dies before sending it.
    dead = uuid.uuid4()
    claim = {"claim_token": dead, "claimed_at": now, "attempts": F("attempts") + 1}
    assert len(outbox.outbox_claim(Reminder.objects.filter(outbox.due_q(now)), limit=10, claim=claim)) == 1
    assert reminders_send().sent == 0  # still claimed: nobody else sends it
    assert mail.outbox == []
    with time_machine.travel(now + datetime.timedelta(seconds=59), tick=False):
        assert reminders_send().sent == 0  # the lease has not expired yet
    later = now + datetime.timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        report = reminders_send()
    assert report.sent == 1
    assert len(mail.outbox) == 1
    reminder = Reminder.objects.get(kind="confirmation")
    assert reminder.status == ReminderStatus.SENT and reminder.attempts == 2
    # The dead worker coming back cannot record a second send with its stale claim.
    outbox_report = outbox.DrainReport()
    reminder.claim_token = dead
    outbox.outbox_process(services.REMINDER_OUTBOX, reminder, token=dead, now=later, report=outbox_report)
    assert outbox_report.sent == 0
    assert Reminder.objects.filter(status=ReminderStatus.SENT, kind="confirmation").count() == 1


def test_reschedule_moves_unsent_reminders_and_sends_the_updated_invitation(session, network):
    registration = services.registration_create(user=network.staff_a, session=session)
    reminders_send()
    mail.outbox.clear()
    new_start = session.starts_at + datetime.timedelta(days=2, hours=1)
    services.session_update(actor=network.trainer, session=session, starts_at=new_start)
    session.refresh_from_db()
    assert session.sequence == 1
    week = registration.reminders.get(kind="week")
    assert week.due_at == new_start - datetime.timedelta(days=7) == week.next_attempt_at
    reminders_send()
    assert len(mail.outbox) == 1
    calendar, _mimetype = _calendar(mail.outbox[0])
    event = calendar.walk("VEVENT")[0]
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == new_start
    # The confirmation was already sent: it is not sent again.
    assert registration.reminders.get(kind="confirmation").status == ReminderStatus.SENT


def test_reschedule_closer_withdraws_reminders_now_in_the_past(network):
    session = SessionFactory(starts_at=timezone.now() + datetime.timedelta(days=10))
    registration = services.registration_create(user=network.staff_a, session=session)
    services.session_update(
        actor=None, session=session, starts_at=timezone.now() + datetime.timedelta(hours=5)
    )
    assert _kinds(registration, ReminderStatus.CANCELLED) == {"week", "day"}
    assert {"hour", "starting", "follow_up"} <= _kinds(registration)


def test_cancelling_a_registration_withdraws_reminders_and_sends_cancel(session, network):
    registration = services.registration_create(user=network.staff_a, session=session)
    reminders_send()
    mail.outbox.clear()
    services.registration_cancel(actor=network.staff_a, registration=registration)
    assert _kinds(registration, ReminderStatus.CANCELLED) == {"week", "day", "hour", "starting", "follow_up"}
    reminders_send()
    assert len(mail.outbox) == 1
    calendar, mimetype = _calendar(mail.outbox[0])
    assert "method=CANCEL" in mimetype and calendar["METHOD"] == "CANCEL"


def test_cancelling_a_session_tells_everyone_once(session, network):
    services.registration_create(user=network.staff_a, session=session)
    services.registration_create(user=network.lead_b, session=session)
    reminders_send()
    mail.outbox.clear()
    services.session_cancel(actor=network.trainer, session=session, reason="Formateur malade")
    reminders_send()
    reminders_send()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([network.staff_a.email, network.lead_b.email])
    assert all("Annulée" in m.subject for m in mail.outbox)
    assert all("Formateur malade" in m.body for m in mail.outbox)
    assert not Reminder.objects.filter(status=ReminderStatus.PENDING).exists()


def test_a_reminder_that_became_irrelevant_is_cancelled_not_sent(session, network):
    services.registration_create(user=network.staff_a, session=session)
    reminders_send()
    Session.objects.filter(pk=session.pk).update(status="cancelled")
    with time_machine.travel(session.starts_at - datetime.timedelta(hours=23), tick=False):
        report = reminders_send()
    assert report.sent == 0 and report.cancelled == 2


def test_follow_ups_depend_on_attendance_and_wait_for_the_end(session, network):
    present = services.registration_create(user=network.staff_a, session=session)
    absent = services.registration_create(user=network.lead_b, session=session)
    reminders_send()
    mail.outbox.clear()
    after = session.ends_at + datetime.timedelta(minutes=61)
    Reminder.objects.filter(status=ReminderStatus.PENDING).exclude(kind="follow_up").update(
        status=ReminderStatus.CANCELLED
    )
    with time_machine.travel(after, tick=False):
        report = reminders_send()
        assert (report.sent, report.deferred) == (0, 2)  # the session has not ended
    follow_up = present.reminders.get(kind="follow_up")
    assert follow_up.attempts == 0 and follow_up.next_attempt_at > after
    with time_machine.travel(session.starts_at, tick=False):
        services.attendance_interval_open(session=session, user=network.staff_a)
    Session.objects.filter(pk=session.pk).update(status="live", started_at=session.starts_at)
    session.refresh_from_db()
    with time_machine.travel(session.ends_at, tick=False):
        services.session_end(actor=None, session=session)
    with time_machine.travel(after + datetime.timedelta(minutes=20), tick=False):
        reminders_send()
    by_person = {m.to[0]: m for m in mail.outbox}
    assert "Merci" in by_person[network.staff_a.email].subject
    assert reverse("webinars:session_feedback", args=[session.pk]) in by_person[network.staff_a.email].body
    assert "Vous nous avez manqué" in by_person[network.lead_b.email].subject
    assert absent.reminders.get(kind="follow_up").status == ReminderStatus.SENT


def test_waitlisted_person_is_promoted_with_notice_when_a_place_frees_up(network):
    session = SessionFactory(capacity=1)
    first = services.registration_create(user=network.staff_a, session=session)
    second = services.registration_create(user=network.lead_a, session=session)
    assert second.status == "waitlisted"
    assert _kinds(second) == {"waitlisted"}
    services.registration_cancel(actor=network.staff_a, registration=first)
    second.refresh_from_db()
    assert second.status == "confirmed" and second.promoted_at is not None
    assert {"confirmation", "week", "day", "hour", "starting", "follow_up"} <= _kinds(second)
    reminders_send()
    promoted = [m for m in mail.outbox if m.to == [network.lead_a.email]]
    assert any("Une place s’est libérée" in m.subject for m in promoted)


def test_registrations_keep_their_own_reminders_when_registering_again(session, network):
    first = services.registration_create(user=network.staff_a, session=session)
    services.registration_cancel(actor=network.staff_a, registration=first)
    again = services.registration_create(user=network.staff_a, session=session)
    assert again.pk != first.pk
    assert _kinds(again) >= {"confirmation", "week"}
    assert Registration.objects.filter(session=session, user=network.staff_a).count() == 2


def test_many_rows_are_sent_in_batches(network):
    session = SessionFactory()
    for _ in range(5):
        RegistrationFactory(session=session, user=UserFactory())
    report = reminders_send(batch_size=2)
    assert report.sent == 5 and len(mail.outbox) == 5


def test_end_session_helper_runs_attendance(session, network):
    services.registration_create(user=network.staff_a, session=session)
    ended = end_session(session)
    assert ended.status == "ended"
