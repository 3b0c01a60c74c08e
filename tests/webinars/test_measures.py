"""The measuring selectors (``webinars.selectors.measures``): sessions held
or scheduled in a period (its start included, its end not), the monthly
series told apart from the others, and attendance per person and per
distributor without mixing distributors."""

import datetime

import pytest

from tests.academy.factories import UserFactory
from tests.webinars.factories import SeriesFactory
from webinars.models import Attendance, Registration, Session
from webinars.selectors import measures

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
MONTHLY = "FREQ=MONTHLY"


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


@pytest.fixture
def series(network):
    """Monthly, every-three-months and weekly series, without their generated sessions."""
    made = {
        "monthly": SeriesFactory(actor=network.trainer, trainers=[network.trainer]),
        "monthly_interval_1": SeriesFactory(
            actor=network.trainer, trainers=[network.trainer], rrule="FREQ=MONTHLY;INTERVAL=1;BYDAY=1TH"
        ),
        "quarterly": SeriesFactory(
            actor=network.trainer, trainers=[network.trainer], rrule="FREQ=MONTHLY;INTERVAL=3"
        ),
        "weekly": SeriesFactory(actor=network.trainer, trainers=[network.trainer], rrule="FREQ=WEEKLY"),
    }
    Session.objects.all().delete()
    return made


def session(starts_at: datetime.datetime, *, status: str = "ended", series=None) -> Session:
    return Session.objects.create(
        series=series,
        occurrence_start=starts_at if series else None,
        title=f"Rendez-vous {starts_at:%d/%m %H:%M}",
        starts_at=starts_at,
        time_zone="Africa/Abidjan",
        status=status,
    )


def test_sessions_held_are_the_ended_ones_from_the_start_included_to_the_end_excluded(series):
    at_start = session(NOON - hours(24))
    before_start = session(NOON - hours(24) - datetime.timedelta(seconds=1))
    inside = session(NOON - hours(1))
    at_end = session(NOON)
    cancelled = session(NOON - hours(2), status="cancelled")
    scheduled = session(NOON - hours(3), status="scheduled")
    held = measures.sessions_held(start=NOON - hours(24), end=NOON)
    assert list(held) == [inside, at_start]  # newest first
    assert list(measures.sessions_held(start=NOON - hours(24), end=NOON + hours(1))) == [
        at_end,
        inside,
        at_start,
    ]
    assert {cancelled, scheduled}.isdisjoint(measures.sessions_held(end=NOON + hours(1)))
    assert list(measures.sessions_held(end=NOON)) == [inside, at_start, before_start]


def test_sessions_held_of_a_series_repeating_every_month(series):
    monthly = session(NOON - hours(5), series=series["monthly"])
    interval_1 = session(NOON - hours(4), series=series["monthly_interval_1"])
    session(NOON - hours(3), series=series["quarterly"])
    session(NOON - hours(2), series=series["weekly"])
    one_off = session(NOON - hours(1))
    held = measures.sessions_held(start=NOON - hours(24), end=NOON, series_rule=MONTHLY)
    assert list(held) == [interval_1, monthly]
    everything = measures.sessions_held(start=NOON - hours(24), end=NOON)
    assert everything.count() == 5 and everything.first() == one_off


def test_sessions_scheduled_from_the_moment_given_soonest_first(series):
    later = session(NOON + hours(48), status="scheduled", series=series["monthly"])
    at_since = session(NOON, status="scheduled", series=series["monthly"])
    session(NOON - datetime.timedelta(seconds=1), status="scheduled", series=series["monthly"])
    session(NOON + hours(1), status="live", series=series["monthly"])
    session(NOON + hours(2), status="cancelled", series=series["monthly"])
    quarterly = session(NOON + hours(3), status="scheduled", series=series["quarterly"])
    assert list(measures.sessions_scheduled(since=NOON, series_rule=MONTHLY)) == [at_since, later]
    assert list(measures.sessions_scheduled(since=NOON)) == [at_since, quarterly, later]


def test_attendance_pairs_and_counts_keep_distributors_and_people_apart(network, series):
    first = session(NOON - hours(48))
    second = session(NOON - hours(24))
    elsewhere = session(NOON - hours(12))
    for user, distributor, attended_first, attended_second in (
        (network.staff_a, network.distributor_a, True, True),
        (network.lead_a, network.distributor_a, False, True),
        (network.staff_b, network.distributor_b, True, False),
        (UserFactory(), None, True, True),  # a customer, of no distributor
    ):
        Attendance.objects.create(session=first, user=user, distributor=distributor, attended=attended_first)
        Attendance.objects.create(
            session=second, user=user, distributor=distributor, attended=attended_second
        )
    Attendance.objects.create(
        session=elsewhere, user=network.staff_a, distributor=network.distributor_a, attended=True
    )
    sessions = [first.pk, second.pk]
    a, b = network.distributor_a.pk, network.distributor_b.pk

    assert measures.sessions_attended_by_distributor(session_ids=sessions) == {
        (a, first.pk),
        (a, second.pk),
        (b, first.pk),
    }
    by_person = measures.sessions_attended_by_person(session_ids=sessions)
    assert (network.staff_a.pk, first.pk) in by_person and (network.lead_a.pk, first.pk) not in by_person
    assert (network.staff_a.pk, elsewhere.pk) not in by_person
    assert len(by_person) == 6
    people = [network.staff_a.pk, network.lead_a.pk, network.staff_b.pk, network.lead_b.pk]
    assert measures.attendance_count_by_person(session_ids=sessions, user_ids=people) == {
        network.staff_a.pk: 2,
        network.lead_a.pk: 1,
        network.staff_b.pk: 1,
    }


def test_attendance_list_of_the_distributors_at_sessions_ended_since(network, series):
    since = NOON - hours(24)
    recent = session(NOON - hours(1))
    at_since = session(since)
    too_old = session(since - datetime.timedelta(seconds=1))
    not_ended = session(NOON - hours(2), status="live")
    rows = [
        Attendance.objects.create(session=recent, user=network.staff_a, distributor=network.distributor_a),
        Attendance.objects.create(
            session=at_since, user=network.lead_a, distributor=network.distributor_a, attended=True
        ),
        Attendance.objects.create(session=recent, user=network.staff_b, distributor=network.distributor_b),
    ]
    Attendance.objects.create(session=too_old, user=network.staff_a, distributor=network.distributor_a)
    Attendance.objects.create(session=not_ended, user=network.staff_a, distributor=network.distributor_a)
    listed = measures.attendance_list(distributor_ids=[network.distributor_a.pk], since=since)
    # Attended or not, latest session first.
    assert list(listed) == rows[:2]
    both = [network.distributor_a.pk, network.distributor_b.pk]
    assert list(measures.attendance_list(distributor_ids=both, since=since)) == [rows[0], rows[2], rows[1]]


def test_registration_list_confirmed_to_sessions_not_over_from_the_moment_given(network, series):
    since = NOON - hours(2)
    live = session(since, status="live")
    soon = session(NOON + hours(1), status="scheduled")
    started_earlier = session(since - datetime.timedelta(seconds=1), status="live")
    ended = session(NOON + hours(2), status="ended")
    cancelled = session(NOON + hours(3), status="cancelled")
    waitlisted = session(NOON + hours(4), status="scheduled")
    for item in (soon, live, started_earlier, ended, cancelled):
        Registration.objects.create(session=item, user=network.staff_a, status="confirmed")
    Registration.objects.create(session=waitlisted, user=network.staff_a, status="waitlisted")
    withdrawn = session(NOON + hours(5), status="scheduled")
    Registration.objects.create(session=withdrawn, user=network.staff_a, status="cancelled")
    Registration.objects.create(session=soon, user=network.staff_b, status="confirmed")
    listed = measures.registration_list_confirmed(user=network.staff_a, since=since)
    assert [r.session for r in listed] == [live, soon]
