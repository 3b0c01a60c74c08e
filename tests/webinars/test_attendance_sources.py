"""Attendance from every source: BigBlueButton (webhooks signed as
bbb-webhooks signs them, the minute poll, the attendee list at the end), the
video link, the check-in code, corrections by hand; the threshold on the
actual duration; follow-ups once attendance is final."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from academy.errors import ApplicationError
from academy.models import EngagementEvent, Verb
from tests.fakes.bigbluebutton import meeting_ended_event, user_event, webhook_request
from tests.webinars.conftest import end_session, reminders_send
from tests.webinars.factories import SessionFactory
from webinars import services
from webinars.models import (
    Attendance,
    AttendanceInterval,
    Reminder,
    ReminderStatus,
    Session,
    SessionStatus,
    VideoEvent,
)

pytestmark = pytest.mark.django_db


def _at(session, minutes):
    return session.starts_at + datetime.timedelta(minutes=minutes)


def _ms(moment):
    return int(moment.timestamp() * 1000)


def _live(session, *, minutes=0):
    Session.objects.filter(pk=session.pk).update(
        status=SessionStatus.LIVE, started_at=_at(session, minutes), checkin_code="482913"
    )
    session.refresh_from_db()
    return session


@pytest.fixture
def bbb_session(network, fake_bbb):
    session = SessionFactory(trainers=[network.trainer], video_provider="bbb", video_url="")
    services.registration_create(user=network.staff_a, session=session)
    services.registration_create(user=network.lead_a, session=session)
    with time_machine.travel(session.starts_at, tick=False):
        services.session_start(actor=network.trainer, session=session)
    session.refresh_from_db()
    return session


def _join(fake_bbb, session, user):
    """The person clicks "join" (the academy hands out the signed link) and their browser opens it."""
    with time_machine.travel(session.starts_at, tick=False):
        url = services.session_join_url(user=user, session=session)
    return fake_bbb.open_join_url(url)


def _post(client, events, **kwargs):
    url, body = webhook_request("http://testserver" + reverse("webinars:bbb_webhook"), events, **kwargs)
    return client.post(url, data=body, content_type="application/x-www-form-urlencoded")


@pytest.fixture
def site_url(settings):
    settings.SITE_URL = "http://testserver"


# ---------------------------------------------------------------- BigBlueButton


def test_the_fake_server_checks_every_checksum_and_the_webhook_is_registered(bbb_session, fake_bbb):
    assert fake_bbb.calls[:2] == ["create", "hooks/create"] and fake_bbb.refused == []
    assert fake_bbb.hooks == [(services.bbb_webhook_url(), bbb_session.bbb_meeting_id)]
    wrong = type(fake_bbb)(secret="another").client()
    wrong.transport = fake_bbb.transport
    with pytest.raises(Exception, match="checksum"):
        wrong.meeting_info(meeting_id=bbb_session.bbb_meeting_id)
    assert fake_bbb.refused == ["getMeetingInfo"]


def test_webhooks_give_attendance_to_someone_who_never_opened_the_room(
    client, bbb_session, fake_bbb, network, site_url
):
    attendee = _join(fake_bbb, bbb_session, network.staff_a)
    assert attendee.user_id == str(network.staff_a.pk)
    meeting = bbb_session.bbb_meeting_id
    joined = user_event("user-joined", meeting_id=meeting, attendee=attendee, ts=_ms(_at(bbb_session, 2)))
    left = user_event("user-left", meeting_id=meeting, attendee=attendee, ts=_ms(_at(bbb_session, 47)))
    assert _post(client, [joined]).json() == {"applied": 1, "duplicates": 0, "ignored": 0}
    assert _post(client, [left]).status_code == 200
    interval = AttendanceInterval.objects.get(attendance__user=network.staff_a)
    assert (interval.source, interval.joined_at, interval.left_at) == (
        "bbb",
        _at(bbb_session, 2),
        _at(bbb_session, 47),
    )
    assert interval.external_key == attendee.internal_id
    fake_bbb.leave(meeting, attendee)
    services.session_end(actor=None, session=bbb_session, at=bbb_session.ends_at)
    attendance = Attendance.objects.get(user=network.staff_a)
    assert (attendance.minutes_attended, attendance.attended) == (45, True)
    assert EngagementEvent.objects.filter(verb=Verb.WEBINAR_ATTENDED, actor=network.staff_a).count() == 1


def test_a_webhook_with_a_wrong_checksum_is_refused_and_nothing_is_stored(
    client, bbb_session, fake_bbb, network, site_url
):
    attendee = _join(fake_bbb, bbb_session, network.staff_a)
    event = user_event("user-joined", meeting_id=bbb_session.bbb_meeting_id, attendee=attendee, ts=1)
    response = _post(client, [event], secret="not-the-shared-secret")
    assert response.status_code == 401 and response.json()["code"] == "bad_checksum"
    url, body = webhook_request("http://testserver" + reverse("webinars:bbb_webhook"), [event])
    tampered = body.replace("user-joined", "user-left")
    assert (
        client.post(url, data=tampered, content_type="application/x-www-form-urlencoded").status_code == 401
    )
    unsigned = client.post(
        reverse("webinars:bbb_webhook"), data=body, content_type="application/x-www-form-urlencoded"
    )
    assert unsigned.status_code == 401
    assert not VideoEvent.objects.exists() and not AttendanceInterval.objects.exists()


def test_a_replayed_webhook_adds_no_second_interval(client, bbb_session, fake_bbb, network, site_url):
    attendee = _join(fake_bbb, bbb_session, network.staff_a)
    meeting = bbb_session.bbb_meeting_id
    joined = user_event("user-joined", meeting_id=meeting, attendee=attendee, ts=_ms(_at(bbb_session, 0)))
    left = user_event("user-left", meeting_id=meeting, attendee=attendee, ts=_ms(_at(bbb_session, 10)))
    rejoined = user_event("user-joined", meeting_id=meeting, attendee=attendee, ts=_ms(_at(bbb_session, 20)))
    _post(client, [joined, left, rejoined])
    # bbb-webhooks retries a callback it thinks failed: the same events again.
    assert _post(client, [joined, left]).json() == {"applied": 0, "duplicates": 2, "ignored": 0}
    intervals = AttendanceInterval.objects.filter(attendance__user=network.staff_a).order_by("joined_at")
    assert [(i.joined_at, i.left_at) for i in intervals] == [
        (_at(bbb_session, 0), _at(bbb_session, 10)),
        (_at(bbb_session, 20), None),
    ]


def test_unknown_meetings_and_people_and_unreadable_bodies(client, bbb_session, fake_bbb, network, site_url):
    stranger = fake_bbb.open_join_url(
        fake_bbb.client().join_url(
            meeting_id=bbb_session.bbb_meeting_id, full_name="Guest", role="VIEWER", password="x"
        )
    )
    other = user_event("user-joined", meeting_id="elsewhere", attendee=stranger, ts=1)
    guest = user_event("user-joined", meeting_id=bbb_session.bbb_meeting_id, attendee=stranger, ts=1)
    assert _post(client, [other, guest]).json() == {"applied": 1, "duplicates": 0, "ignored": 1}
    assert not AttendanceInterval.objects.exists()
    url, _body = webhook_request("http://testserver" + reverse("webinars:bbb_webhook"), [])
    url = url.rsplit("?", 1)[0]
    from tests.fakes.bigbluebutton import SECRET
    from webinars.bigbluebutton import webhook_checksum

    body = "domain=bbb.test&event=not-json&timestamp=1"
    checksum = webhook_checksum(callback_url=url, body=body, secret=SECRET)
    response = client.post(
        f"{url}?checksum={checksum}", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_payload"


def test_meeting_ended_closes_every_bigbluebutton_interval(client, bbb_session, fake_bbb, network, site_url):
    meeting = bbb_session.bbb_meeting_id
    first = _join(fake_bbb, bbb_session, network.staff_a)
    second = _join(fake_bbb, bbb_session, network.lead_a)
    _post(
        client,
        [
            user_event("user-joined", meeting_id=meeting, attendee=first, ts=_ms(_at(bbb_session, 0))),
            user_event("user-joined", meeting_id=meeting, attendee=second, ts=_ms(_at(bbb_session, 5))),
            meeting_ended_event(meeting_id=meeting, ts=_ms(_at(bbb_session, 25))),
        ],
    )
    assert set(AttendanceInterval.objects.values_list("left_at", flat=True)) == {_at(bbb_session, 25)}


def test_the_poll_opens_and_closes_intervals_from_the_attendee_list(bbb_session, fake_bbb, network):
    attendee = _join(fake_bbb, bbb_session, network.staff_a)
    assert services.bbb_attendance_poll(now=_at(bbb_session, 3)) == 1
    assert services.bbb_attendance_poll(now=_at(bbb_session, 4)) == 1  # still there: nothing new
    fake_bbb.leave(bbb_session.bbb_meeting_id, attendee)
    services.bbb_attendance_poll(now=_at(bbb_session, 33))
    interval = AttendanceInterval.objects.get()
    assert (interval.source, interval.joined_at, interval.left_at) == (
        "bbb",
        _at(bbb_session, 3),
        _at(bbb_session, 33),
    )
    assert Attendance.objects.get(user=network.staff_a).minutes_attended == 30
    assert "getMeetingInfo" in fake_bbb.calls and fake_bbb.refused == []


def test_a_poll_with_nobody_new_costs_the_same_however_many_are_there(
    bbb_session, fake_bbb, network, django_assert_num_queries
):
    _join(fake_bbb, bbb_session, network.staff_a)
    services.bbb_attendance_poll(now=_at(bbb_session, 3))
    # live sessions, attendees' accounts, savepoint, the open intervals, those who left, release
    with django_assert_num_queries(6):
        assert services.bbb_attendance_poll(now=_at(bbb_session, 4)) == 1
    _join(fake_bbb, bbb_session, network.lead_a)
    services.bbb_attendance_poll(now=_at(bbb_session, 5))
    with django_assert_num_queries(6):
        assert services.bbb_attendance_poll(now=_at(bbb_session, 6)) == 1
    assert AttendanceInterval.objects.filter(left_at__isnull=True).count() == 2


def test_a_server_that_cannot_be_reached_is_skipped_by_the_poll(bbb_session, fake_bbb, network):
    _join(fake_bbb, bbb_session, network.staff_a)
    fake_bbb.down = True
    assert services.bbb_attendance_poll(now=_at(bbb_session, 3)) == 0
    assert not AttendanceInterval.objects.exists()


def test_the_attendee_list_at_the_end_counts_those_still_there(bbb_session, fake_bbb, network):
    _join(fake_bbb, bbb_session, network.staff_a)
    services.bbb_attendance_poll(now=_at(bbb_session, 10))
    _join(fake_bbb, bbb_session, network.lead_a)  # joined after the last poll
    result = services.session_end(actor=network.trainer, session=bbb_session, at=_at(bbb_session, 40))
    assert result.video_warning == ""
    staff = Attendance.objects.get(user=network.staff_a)
    lead = Attendance.objects.get(user=network.lead_a)
    assert (staff.minutes_attended, staff.attended) == (30, True)
    assert lead.intervals.get().left_at == _at(bbb_session, 40)
    assert bbb_session.bbb_meeting_id not in fake_bbb.meetings  # the meeting was ended


# ---------------------------------------------------------------- threshold


def test_the_threshold_follows_the_actual_duration(session, network):
    services.registration_create(user=network.staff_a, session=session)
    _live(session)
    assert services.attendance_threshold_minutes(session) == 30  # planned 60 minutes while running
    services.attendance_interval_open(session=session, user=network.staff_a, at=_at(session, 0))
    services.attendance_interval_close(session=session, user=network.staff_a, at=_at(session, 20))
    services.session_end(actor=network.trainer, session=session, at=_at(session, 35))
    session.refresh_from_db()
    assert services.session_actual_minutes(session) == 35
    assert services.attendance_threshold_minutes(session) == 17.5
    attendance = Attendance.objects.get(user=network.staff_a)
    assert (attendance.minutes_attended, attendance.attended) == (20, True)


# ---------------------------------------------------------------- video link


def test_opening_an_external_link_counts_from_the_click_to_the_end(session, network):
    services.registration_create(user=network.staff_a, session=session)
    _live(session)
    with time_machine.travel(_at(session, 10), tick=False):
        assert services.session_join_url(user=network.staff_a, session=session) == session.video_url
    with time_machine.travel(_at(session, 12), tick=False):
        services.session_join_url(user=network.staff_a, session=session)  # a second click
    interval = AttendanceInterval.objects.get()
    assert (interval.source, interval.joined_at, interval.left_at) == ("join", _at(session, 10), None)
    services.session_end(actor=None, session=session, at=_at(session, 60))
    interval.refresh_from_db()
    assert interval.left_at == _at(session, 60)
    assert Attendance.objects.get(user=network.staff_a).minutes_attended == 50


def test_an_imported_report_outweighs_the_click(session, network):
    services.registration_create(user=network.staff_a, session=session)
    _live(session)
    services.attendance_join_record(session=session, user=network.staff_a, at=_at(session, 0))
    services.session_end(actor=None, session=session, at=_at(session, 60))
    assert Attendance.objects.get(user=network.staff_a).attended
    services.attendance_import(
        actor=network.trainer, session=session, content=f"email,duration\n{network.staff_a.email},10\n"
    )
    attendance = Attendance.objects.get(user=network.staff_a)
    assert (attendance.minutes_attended, attendance.attended) == (10, False)


# ---------------------------------------------------------------- check-in code


def test_check_in_with_the_code_while_live(session, network):
    services.registration_create(user=network.staff_a, session=session)
    with time_machine.travel(session.starts_at, tick=False):
        started = services.session_start(actor=network.trainer, session=session)
    code = started.checkin_code
    assert len(code) == 6 and code.isdigit()
    interval = services.attendance_checkin(
        user=network.staff_a, session=session, code=f" {code[:3]} {code[3:]} ", at=_at(session, 15)
    )
    assert (interval.source, interval.joined_at) == ("checkin", _at(session, 15))
    services.session_end(actor=None, session=started, at=_at(session, 60))
    assert Attendance.objects.get(user=network.staff_a).minutes_attended == 45


@pytest.mark.parametrize(
    ("situation", "error_code"),
    [
        ("before", "checkin_closed"),
        ("after", "checkin_closed"),
        ("wrong", "wrong_code"),
        ("reused", "already_checked_in"),
        ("unregistered", "not_registered"),
    ],
)
def test_check_in_refusals_are_clear_and_write_nothing_more(session, network, situation, error_code):
    services.registration_create(user=network.staff_a, session=session)
    person = network.staff_a
    if situation != "before":
        _live(session)
    if situation == "reused":
        services.attendance_checkin(user=person, session=session, code="482913")
    if situation == "after":
        services.session_end(actor=None, session=session, at=_at(session, 60))
    if situation == "unregistered":
        person = network.lead_b
    before = AttendanceInterval.objects.count()
    with pytest.raises(ApplicationError) as error:
        services.attendance_checkin(
            user=person, session=session, code="000000" if situation == "wrong" else "482913"
        )
    assert error.value.code == error_code and error.value.fields["code"]
    assert AttendanceInterval.objects.count() == before


def test_the_check_in_page_and_its_rate_limit(client, session, network):
    # The default rate: 10 wrong codes an hour per person.
    services.registration_create(user=network.staff_a, session=session)
    _live(session)
    client.force_login(network.staff_a)
    url = reverse("webinars:session_checkin", args=[session.pk])
    assert client.get(url).status_code == 200
    for _attempt in range(10):
        response = client.post(url, {"code": "111111"})
        assert response.status_code == 200 and "n’est pas le code" in response.content.decode()
    assert client.post(url, {"code": "482913"}).status_code == 429  # too many wrong codes
    assert not AttendanceInterval.objects.exists()


def test_the_check_in_page_takes_the_right_code(client, session, network):
    services.registration_create(user=network.staff_a, session=session)
    _live(session)
    client.force_login(network.staff_a)
    response = client.post(reverse("webinars:session_checkin", args=[session.pk]), {"code": "482913"})
    assert response.status_code == 302
    assert AttendanceInterval.objects.get().source == "checkin"


# ---------------------------------------------------------------- corrections


def test_a_correction_that_overlaps_is_merged_and_never_negative(session, network):
    services.registration_create(user=network.staff_a, session=session)
    _live(session)
    services.attendance_interval_open(session=session, user=network.staff_a, at=_at(session, 0))
    services.attendance_interval_close(session=session, user=network.staff_a, at=_at(session, 20))
    end_at = _at(session, 60)
    services.session_end(actor=None, session=session, at=end_at)
    first = services.attendance_interval_add(
        actor=network.trainer,
        session=session,
        user=network.staff_a,
        joined_at=_at(session, 30),
        left_at=_at(session, 40),
    )
    merged = services.attendance_interval_add(
        actor=network.trainer,
        session=session,
        user=network.staff_a,
        joined_at=_at(session, 35),
        left_at=_at(session, 50),
    )
    assert not AttendanceInterval.objects.filter(pk=first.pk).exists()
    assert (merged.joined_at, merged.left_at, merged.source) == (_at(session, 30), _at(session, 50), "manual")
    assert (merged.corrected_by, merged.corrected_at is not None) == (network.trainer, True)
    # Overlapping the live room's interval: counted once (0–20 and 10–50 → 50 minutes).
    services.attendance_interval_update(
        actor=network.trainer,
        session=session,
        interval_id=merged.pk,
        joined_at=_at(session, 10),
        left_at=_at(session, 50),
    )
    attendance = Attendance.objects.get(user=network.staff_a)
    assert (attendance.minutes_attended, attendance.attended) == (50, True)
    assert EngagementEvent.objects.filter(verb=Verb.WEBINAR_ATTENDED, actor=network.staff_a).count() == 1
    services.attendance_interval_delete(actor=network.trainer, session=session, interval_id=merged.pk)
    attendance.refresh_from_db()
    assert attendance.minutes_attended == 20 and attendance.minutes_attended >= 0


def test_leaving_before_joining_is_a_field_error_and_nothing_changes(session, network):
    services.registration_create(user=network.staff_a, session=session)
    end_session(session)
    with pytest.raises(ApplicationError) as error:
        services.attendance_interval_add(
            actor=network.trainer,
            session=session,
            user=network.staff_a,
            joined_at=_at(session, 30),
            left_at=_at(session, 10),
        )
    assert list(error.value.fields) == ["left_at"]
    assert not AttendanceInterval.objects.exists()
    with pytest.raises(PermissionDenied):
        services.attendance_interval_add(
            actor=network.staff_a,
            session=session,
            user=network.staff_a,
            joined_at=_at(session, 0),
            left_at=_at(session, 10),
        )


def test_an_interval_of_another_session_cannot_be_corrected(session, network):
    other = SessionFactory(trainers=[network.trainer])
    _live(other)
    interval = services.attendance_interval_open(session=other, user=network.staff_a, at=_at(other, 0))
    _live(session)
    with pytest.raises(ApplicationError) as error:
        services.attendance_interval_delete(actor=network.trainer, session=session, interval_id=interval.pk)
    assert error.value.status == 404
    assert AttendanceInterval.objects.filter(pk=interval.pk).exists()


def test_the_attendance_page_shows_sources_and_takes_corrections(client, session, network):
    services.registration_create(user=network.staff_a, session=session)
    services.registration_create(user=network.lead_a, session=session)
    _live(session)
    services.attendance_interval_open(session=session, user=network.staff_a, at=_at(session, 0))
    services.attendance_checkin(user=network.lead_a, session=session, code="482913", at=_at(session, 5))
    url = reverse("webinars:attendance_intervals", args=[session.pk])
    client.force_login(network.staff_a)
    assert client.get(url).status_code in (403, 404)
    client.force_login(network.trainer)
    page = client.get(url).content.decode()
    assert "Présence dans la salle" in page or "Live room presence" in page
    assert "482913" in page
    bad = client.post(
        url,
        {
            "action": "add",
            "user": network.staff_a.pk,
            "joined_at": "2030-01-01T10:30",
            "left_at": "2030-01-01T10:00",
        },
    )
    assert bad.status_code == 400 and AttendanceInterval.objects.count() == 2
    interval = AttendanceInterval.objects.get(attendance__user=network.staff_a)
    local = session.starts_at.astimezone(datetime.UTC)
    good = client.post(
        url,
        {
            "action": "save",
            "interval": interval.pk,
            "joined_at": local.strftime("%Y-%m-%dT%H:%M"),
            "left_at": (local + datetime.timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert good.status_code == 302
    interval.refresh_from_db()
    assert interval.corrected_by == network.trainer and interval.left_at is not None


# ---------------------------------------------------------------- follow-ups


def test_follow_ups_wait_for_final_attendance_and_go_out_once(session, network, settings):
    settings.WEBINAR_FOLLOW_UP_DELAY_MINUTES = 5
    settings.WEBINAR_ATTENDANCE_SETTLE_MINUTES = 30
    present = services.registration_create(user=network.staff_a, session=session)
    services.registration_create(user=network.lead_a, session=session)
    Reminder.objects.exclude(kind="follow_up").update(status=ReminderStatus.CANCELLED)
    _live(session)
    end_at = _at(session, 40)  # ended early: 40 minutes, threshold 20
    services.session_end(actor=None, session=session, at=end_at)
    follow_up = present.reminders.get(kind="follow_up")
    assert follow_up.due_at == end_at + datetime.timedelta(minutes=30)
    with time_machine.travel(end_at + datetime.timedelta(minutes=10), tick=False):
        report = reminders_send(now=end_at + datetime.timedelta(minutes=10))
    assert report.sent == 0 and mail.outbox == []
    # The trainer adds the phone participant's presence before attendance is final.
    services.attendance_interval_add(
        actor=network.trainer,
        session=session,
        user=network.staff_a,
        joined_at=_at(session, 0),
        left_at=end_at,
    )
    final = end_at + datetime.timedelta(minutes=31)
    with time_machine.travel(final, tick=False):
        reminders_send(now=final)
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert "Merci" in subjects[network.staff_a.email]
    assert "Vous nous avez manqué" in subjects[network.lead_a.email]
    # A later correction marks the lead present: figures change, no second message.
    mail.outbox.clear()
    services.attendance_interval_add(
        actor=network.trainer, session=session, user=network.lead_a, joined_at=_at(session, 0), left_at=end_at
    )
    with time_machine.travel(final + datetime.timedelta(hours=2), tick=False):
        reminders_send(now=final + datetime.timedelta(hours=2))
    assert mail.outbox == []
    assert Attendance.objects.get(user=network.lead_a).attended
    assert EngagementEvent.objects.filter(verb=Verb.WEBINAR_ATTENDED, actor=network.lead_a).count() == 1


def test_the_attendance_page_query_count(client, session, network, django_assert_num_queries):
    for person in (network.staff_a, network.lead_a, network.lead_b):
        services.registration_create(user=person, session=session)
    _live(session)
    for minutes, person in enumerate((network.staff_a, network.lead_a, network.lead_b)):
        services.attendance_interval_open(session=session, user=person, at=_at(session, minutes))
        services.attendance_checkin(user=person, session=session, code="482913", at=_at(session, 30))
    end_session(session)
    services.attendance_interval_add(
        actor=network.trainer,
        session=session,
        user=network.staff_a,
        joined_at=_at(session, 40),
        left_at=_at(session, 50),
    )
    client.force_login(network.trainer)
    url = reverse("webinars:attendance_intervals", args=[session.pk])
    # session, user, membership, hosted session with its trainers and materials,
    # the host check, registrations with their attendance, every interval with
    # who corrected it (one query, not one per person), unread notifications
    with django_assert_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('name="interval"') == 7


def test_the_one_beat_polls_bigbluebutton_every_minute(bbb_session, fake_bbb, network):
    from config.celery_app import app as celery_app
    from webinars import tasks

    entry = celery_app.conf.beat_schedule["webinars-bbb-attendance-poll"]
    assert (entry["task"], entry["schedule"]) == ("webinars.bbb_attendance_poll", 60.0)
    _join(fake_bbb, bbb_session, network.staff_a)
    assert tasks.bbb_attendance_poll() == 1
    assert tasks.bbb_attendance_poll() == 1  # safe to run twice: still one open interval
    assert AttendanceInterval.objects.filter(left_at__isnull=True).count() == 1
