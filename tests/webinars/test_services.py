import datetime
import threading
from unittest import mock

import httpx
import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.test import override_settings

from academy.errors import ApplicationError
from academy.models import EngagementEvent, OutgoingEmail, Verb
from tests.academy.factories import UserFactory
from tests.webinars.conftest import end_session, reminders_send
from tests.webinars.factories import SessionFactory
from webinars import services
from webinars.models import Registration, Reminder, ReminderStatus, Session, SessionStatus
from webinars.services import reminders as reminders_module

pytestmark = pytest.mark.django_db


def test_registration_records_engagement_with_the_distributor(session, network):
    registration = services.registration_create(user=network.staff_a, session=session)
    assert registration.status == "confirmed" and registration.distributor == network.distributor_a
    event = EngagementEvent.objects.get(verb=Verb.WEBINAR_REGISTERED)
    assert (event.actor, event.distributor, event.object_id) == (
        network.staff_a,
        network.distributor_a,
        str(session.pk),
    )
    services.registration_cancel(actor=network.staff_a, registration=registration)
    assert EngagementEvent.objects.filter(verb=Verb.WEBINAR_UNREGISTERED, actor=network.staff_a).exists()


def test_twice_registered_is_refused(session, network):
    services.registration_create(user=network.staff_a, session=session)
    with pytest.raises(ApplicationError) as error:
        services.registration_create(user=network.staff_a, session=session)
    assert error.value.code == "already_registered"


def test_registration_closes_at_the_start(session, network):
    with time_machine.travel(session.starts_at, tick=False), pytest.raises(ApplicationError) as error:
        services.registration_create(user=network.staff_a, session=session)
    assert error.value.code == "registration_closed"


def test_outside_the_audience_is_not_found(network):
    session = SessionFactory(
        audience={"audience_everyone": False, "audience_territories": [network.territory_b]}
    )
    with pytest.raises(ApplicationError) as error:
        services.registration_create(user=network.staff_a, session=session)
    assert error.value.status == 404
    assert services.registration_create(user=network.staff_b, session=session).status == "confirmed"


def test_capacity_waiting_list_and_capacity_increase(network):
    session = SessionFactory(capacity=1)
    services.registration_create(user=network.staff_a, session=session)
    waiting = services.registration_create(user=network.lead_a, session=session)
    assert waiting.status == "waitlisted"
    with pytest.raises(ApplicationError) as error:
        services.session_update(actor=None, session=session, capacity=0)
    assert "capacity" in error.value.fields
    services.session_update(actor=None, session=session, capacity=2)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_someone_else_cannot_cancel_my_registration(session, network):
    registration = services.registration_create(user=network.staff_a, session=session)
    with pytest.raises(ApplicationError) as error:
        services.registration_cancel(actor=network.lead_a, registration=registration)
    assert error.value.status == 404
    # A trainer of the session can.
    services.registration_cancel(actor=network.trainer, registration=registration)


def test_join_link_only_for_registered_people_shortly_before(session, network):
    services.registration_create(user=network.staff_a, session=session)
    with pytest.raises(ApplicationError) as error:
        services.session_join_url(user=network.staff_a, session=session)
    assert error.value.code == "join_closed" and error.value.status == 403
    with time_machine.travel(session.starts_at - datetime.timedelta(minutes=14), tick=False):
        assert services.session_join_url(user=network.staff_a, session=session) == session.video_url
        with pytest.raises(ApplicationError) as error:
            services.session_join_url(user=network.lead_a, session=session)
        assert error.value.code == "not_registered"
        assert services.session_join_url(user=network.trainer, session=session) == session.video_url
    for moment in (session.starts_at - datetime.timedelta(minutes=16), session.ends_at):
        with time_machine.travel(moment, tick=False), pytest.raises(ApplicationError):
            services.session_join_url(user=network.staff_a, session=session)


@override_settings(BBB_URL="https://bbb.example.com/bigbluebutton/", BBB_SECRET="s3cret")
def test_bigbluebutton_join_start_and_errors_for_the_trainer(network):
    session = SessionFactory(trainers=[network.trainer], video_provider="bbb", video_url="")
    assert session.bbb_meeting_id and session.bbb_moderator_password != session.bbb_attendee_password
    services.registration_create(user=network.staff_a, session=session)
    ok = httpx.Response(200, content=b"<response><returncode>SUCCESS</returncode></response>")
    refused = httpx.Response(
        200,
        content=b"<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey>"
        b"<message>You did not pass the checksum security check</message></response>",
    )
    with time_machine.travel(session.starts_at - datetime.timedelta(minutes=5), tick=False):
        with mock.patch("httpx.Client.get", return_value=refused):
            with pytest.raises(ApplicationError) as error:
                services.session_start(actor=network.trainer, session=session)
            assert "checksum security check" in error.value.message
            session.refresh_from_db()
            assert session.status == SessionStatus.SCHEDULED
        with mock.patch("httpx.Client.get", return_value=ok):
            services.session_start(actor=network.trainer, session=session)
            learner_url = services.session_join_url(user=network.staff_a, session=session)
            host_url = services.session_join_url(user=network.trainer, session=session)
    assert "role=VIEWER" in learner_url and f"password={session.bbb_attendee_password}" in learner_url
    assert "role=MODERATOR" in host_url
    assert learner_url.startswith("https://bbb.example.com/bigbluebutton/api/join?")


def test_bigbluebutton_not_configured_is_a_clear_error(network):
    session = SessionFactory(trainers=[network.trainer], video_provider="bbb", video_url="")
    with time_machine.travel(session.starts_at, tick=False), pytest.raises(ApplicationError) as error:
        services.session_start(actor=network.trainer, session=session)
    assert "BBB_URL" in error.value.message


def test_start_and_end_rules(session, network):
    with pytest.raises(ApplicationError) as error:
        services.session_start(actor=network.trainer, session=session)
    assert error.value.code == "too_early"
    with pytest.raises(PermissionDenied):
        services.session_start(actor=UserFactory(role="trainer"), session=session)
    with time_machine.travel(session.starts_at - datetime.timedelta(minutes=30), tick=False):
        live = services.session_start(actor=network.trainer, session=session)
        assert live.status == SessionStatus.LIVE
        with pytest.raises(ApplicationError):
            services.registration_create(user=network.staff_a, session=session)
        result = services.session_end(actor=network.trainer, session=session)
    assert result.session.status == SessionStatus.ENDED and result.video_warning == ""


def test_overdue_sessions_are_ended_by_upkeep(session, network):
    services.registration_create(user=network.staff_a, session=session)
    with time_machine.travel(session.ends_at + datetime.timedelta(minutes=121), tick=False):
        assert services.sessions_close_overdue() == 1
        assert services.sessions_close_overdue() == 0
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED and session.ended_at == session.ends_at


def test_feedback_once_per_attendee(session, network):
    services.registration_create(user=network.staff_a, session=session)
    services.registration_create(user=network.lead_a, session=session)
    end_session(session)
    services.attendance_mark(actor=network.trainer, session=session, user=network.staff_a, attended=True)
    services.feedback_submit(user=network.staff_a, session=session, rating=5, comment="Très utile")
    with pytest.raises(ApplicationError) as error:
        services.feedback_submit(user=network.staff_a, session=session, rating=4)
    assert error.value.code == "already_given"
    with pytest.raises(ApplicationError) as error:
        services.feedback_submit(user=network.lead_a, session=session, rating=4)
    assert error.value.code == "not_attended"
    with pytest.raises(ApplicationError) as error:
        services.feedback_submit(user=network.staff_a, session=session, rating=9)
    assert error.value.code in {"invalid", "already_given"}
    assert EngagementEvent.objects.filter(verb=Verb.FEEDBACK_GIVEN).count() == 1


def test_replay_watch_records_engagement(session, network):
    end_session(session)
    with pytest.raises(ApplicationError):
        services.replay_watch(user=network.staff_a, session=session)
    Session.objects.filter(pk=session.pk).update(recording_url="https://video.example.com/r/1")
    session.refresh_from_db()
    assert services.replay_watch(user=network.staff_a, session=session) == "https://video.example.com/r/1"
    assert EngagementEvent.objects.filter(verb=Verb.REPLAY_WATCHED, actor=network.staff_a).count() == 1


def test_material_needs_a_link_or_a_file(session, network):
    with pytest.raises(ApplicationError) as error:
        services.material_add(actor=network.trainer, session=session, title="Slides")
    assert "url" in error.value.fields
    material = services.material_add(
        actor=network.trainer, session=session, title="Slides", url="https://x.example/s.pdf"
    )
    services.material_remove(actor=network.trainer, material=material)


def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_each_reminder_exactly_once():
    _postgres()
    sessions = [SessionFactory() for _ in range(2)]
    with mock.patch("webinars.services.reminders._dispatch_soon"):  # leave every row to the two dispatchers
        for index in range(30):
            user = UserFactory(email=f"concurrent{index}@test.example")
            services.registration_create(user=user, session=sessions[index % 2])
    handed: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(2)
    real_send = reminders_module.message_send

    def recording_send(**kwargs):
        with lock:
            handed.append(kwargs["key"])
        return real_send(**kwargs)

    errors: list[BaseException] = []

    def worker():
        try:
            barrier.wait()
            reminders_send(batch_size=4)
        except BaseException as error:  # reported to the main thread
            errors.append(error)
        finally:
            connections.close_all()

    with mock.patch.object(reminders_module, "message_send", side_effect=recording_send):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert not errors
    assert len(handed) == 30 == len(set(handed))  # each reminder handed over once
    assert Reminder.objects.filter(kind="confirmation", status=ReminderStatus.SENT).count() == 30
    # ... and each became one e-mail, once.
    assert OutgoingEmail.objects.filter(key__in=handed).count() == 30
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == len(mail.outbox) == 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_never_exceed_capacity():
    _postgres()
    session = SessionFactory(capacity=3)
    people = [UserFactory(email=f"rush{index}@test.example") for index in range(8)]
    barrier = threading.Barrier(len(people))

    def register(user):
        try:
            barrier.wait()
            services.registration_create(user=user, session=session)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(user,)) for user in people]
    with mock.patch("webinars.services.reminders._dispatch_soon"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    statuses = list(Registration.objects.filter(session=session).values_list("status", flat=True))
    assert statuses.count("confirmed") == 3 and statuses.count("waitlisted") == 5
