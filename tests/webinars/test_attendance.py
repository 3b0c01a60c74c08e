import datetime

import pytest
import time_machine
from django.test import override_settings

from academy.errors import ApplicationError
from academy.models import EngagementEvent, Verb
from tests.webinars.conftest import end_session
from webinars import services
from webinars.models import Attendance, Session, SessionStatus

pytestmark = pytest.mark.django_db


def _live(session):
    Session.objects.filter(pk=session.pk).update(status=SessionStatus.LIVE, started_at=session.starts_at)
    session.refresh_from_db()
    return session


def _at(session, minutes):
    return session.starts_at + datetime.timedelta(minutes=minutes)


def test_presence_intervals_are_merged_and_decide_attendance(session, network):
    services.registration_create(user=network.staff_a, session=session)
    services.registration_create(user=network.lead_a, session=session)
    _live(session)
    # Staff: 0–20, reconnects 15–40 (overlap), then 50–… still present at the end (60).
    services.attendance_interval_open(session=session, user=network.staff_a, at=_at(session, -5))
    services.attendance_interval_close(session=session, user=network.staff_a, at=_at(session, 20))
    services.attendance_interval_open(session=session, user=network.staff_a, at=_at(session, 15))
    services.attendance_interval_close(session=session, user=network.staff_a, at=_at(session, 40))
    services.attendance_interval_open(session=session, user=network.staff_a, at=_at(session, 50))
    # Lead: 10 minutes only.
    services.attendance_interval_open(session=session, user=network.lead_a, at=_at(session, 0))
    services.attendance_interval_close(session=session, user=network.lead_a, at=_at(session, 10))
    with time_machine.travel(session.ends_at, tick=False):
        services.session_end(actor=network.trainer, session=session)
    staff = Attendance.objects.get(session=session, user=network.staff_a)
    lead = Attendance.objects.get(session=session, user=network.lead_a)
    assert (staff.minutes_attended, staff.attended) == (50, True)  # 0–40 and 50–60
    assert (lead.minutes_attended, lead.attended) == (10, False)
    assert staff.distributor == network.distributor_a and staff.registration is not None
    events = EngagementEvent.objects.filter(verb=Verb.WEBINAR_ATTENDED)
    assert [(e.actor, e.minutes) for e in events] == [(network.staff_a, 50)]
    # Ending twice is refused; the event is recorded once.
    with pytest.raises(ApplicationError):
        services.session_end(actor=network.trainer, session=session)
    assert events.count() == 1


@override_settings(WEBINAR_ATTENDANCE_MIN_SHARE=0.1)
def test_threshold_is_a_setting(session, network):
    _live(session)
    services.attendance_interval_open(session=session, user=network.staff_a, at=_at(session, 0))
    services.attendance_interval_close(session=session, user=network.staff_a, at=_at(session, 10))
    assert Attendance.objects.get(user=network.staff_a).attended


def test_trainer_marks_attendance_by_hand_after_the_end(session, network):
    services.registration_create(user=network.staff_a, session=session)
    end_session(session)
    attendance = services.attendance_mark(
        actor=network.trainer, session=session, user=network.staff_a, attended=True, minutes=45
    )
    assert (attendance.attended, attendance.minutes_attended, attendance.source) == (True, 45, "manual")
    assert (
        EngagementEvent.objects.filter(verb=Verb.WEBINAR_ATTENDED, actor=network.staff_a, minutes=45).count()
        == 1
    )
    services.attendance_mark(
        actor=network.trainer, session=session, user=network.staff_a, attended=True, minutes=50
    )
    assert EngagementEvent.objects.filter(verb=Verb.WEBINAR_ATTENDED).count() == 1


def test_marking_needs_a_started_session_and_a_host(session, network):
    with pytest.raises(ApplicationError):
        services.attendance_mark(actor=network.trainer, session=session, user=network.staff_a, attended=True)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.attendance_mark(actor=network.lead_a, session=session, user=network.staff_a, attended=True)


ZOOM_REPORT = """Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest
{staff},{staff_email},{d} 02:00:15 PM,{d} 02:35:40 PM,36,No
{staff},{staff_email},{d} 02:40:00 PM,{d} 03:00:00 PM,20,No
{lead},{lead_email},{d} 02:05:00 PM,{d} 02:15:00 PM,10,No
Invité,guest@elsewhere.example,{d} 02:00:00 PM,{d} 03:00:00 PM,60,Yes
"""


def test_zoom_participants_report_import(session, network):
    services.registration_create(user=network.staff_a, session=session)
    services.registration_create(user=network.lead_a, session=session)
    end_session(session)
    local = session.starts_at.astimezone(session.tzinfo)
    assert local.hour == session.starts_at.astimezone(session.tzinfo).hour
    day = local.strftime("%m/%d/%Y")
    # Times of the file are read in the session's zone (Abidjan = UTC); align the session at 14:00.
    start = local.replace(hour=14, minute=0)
    Session.objects.filter(pk=session.pk).update(
        starts_at=start, started_at=start, ended_at=start + datetime.timedelta(hours=1)
    )
    session.refresh_from_db()
    content = ZOOM_REPORT.format(
        d=day,
        staff=network.staff_a,
        staff_email=network.staff_a.email.upper(),
        lead=network.lead_a,
        lead_email=network.lead_a.email,
    )
    report = services.attendance_import(actor=network.trainer, session=session, content=content.encode())
    assert (report.people, report.intervals, report.attended) == (2, 3, 1)
    assert report.skipped == ["guest@elsewhere.example"]
    staff = Attendance.objects.get(user=network.staff_a)
    assert staff.minutes_attended == 55 and staff.attended and staff.source == "import"
    # Importing again replaces, it does not add up.
    services.attendance_import(actor=network.trainer, session=session, content=content)
    staff.refresh_from_db()
    assert staff.minutes_attended == 55 and staff.intervals.count() == 2


def test_an_oversized_report_is_refused_before_reading(session, network):
    end_session(session)
    content = b"email,duration\n" + b"x" * (2 * 1024 * 1024)
    with pytest.raises(ApplicationError) as error:
        services.attendance_import(actor=network.trainer, session=session, content=content)
    assert "file" in error.value.fields
    assert not Attendance.objects.filter(session=session).exists()


def test_duration_only_report_with_semicolons(session, network):
    end_session(session)
    content = f"E-mail;Durée (minutes)\n{network.staff_a.email};25\n{network.staff_a.email};20\n"
    report = services.attendance_import(actor=network.trainer, session=session, content=content)
    assert report.attended == 1
    assert Attendance.objects.get(user=network.staff_a).minutes_attended == 45


def test_a_malformed_report_is_refused_whole_with_line_numbers(session, network):
    end_session(session)
    content = (
        "email,join time,leave time\n"
        f"{network.staff_a.email},2026-01-01 14:00,2026-01-01 14:30\n"
        "not-an-address,2026-01-01 14:00,2026-01-01 14:30\n"
        f"{network.lead_a.email},yesterday,2026-01-01 14:30\n"
        f"{network.lead_b.email},2026-01-01 15:00,2026-01-01 14:30\n"
    )
    with pytest.raises(ApplicationError) as error:
        services.attendance_import(actor=network.trainer, session=session, content=content)
    messages = error.value.fields["file"]
    assert len(messages) == 3
    assert messages[0].startswith("Line 3") or messages[0].startswith("Ligne 3")
    assert not Attendance.objects.exists()


def test_a_report_without_the_needed_columns_is_refused(session, network):
    end_session(session)
    with pytest.raises(ApplicationError) as error:
        services.attendance_import(actor=network.trainer, session=session, content="name,company\nA,B\n")
    assert "file" in error.value.fields
