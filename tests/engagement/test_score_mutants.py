"""Score behaviour the other score tests left open: recency as a step, the
day edges and sources of the month snapshot figures, and every figure the
current snapshot stores (distributor rows, certified headcounts, people)."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.test import override_settings
from django.utils import timezone

from academy.models import EngagementEvent, Verb
from academy.services import activity_record
from courses import services as course_services
from courses.models import Certificate
from distributors.engagement.facts import person_facts
from distributors.engagement.models import CertifiedHeadcount, DistributorScore, PersonScore, SnapshotKind
from distributors.engagement.rollups import rollups_update
from distributors.engagement.scores import (
    current_snapshots_refresh,
    month_snapshots_refresh,
    person_score,
    recency_component,
)
from distributors.models import Membership
from tests.courses.factories import build_course, complete_course

D = datetime.date(2026, 3, 31)


def utc_today() -> datetime.date:
    return timezone.now().astimezone(datetime.UTC).date()


def at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def act(user, when: datetime.datetime, verb=Verb.LESSON_COMPLETED, minutes: int = 5) -> None:
    activity_record(actor=user, verb=verb, minutes=minutes, occurred_at=when)


def long_standing(today: datetime.date) -> None:
    """Everyone joined long ago: their joining is outside every window."""
    Membership.objects.update(joined_on=today - datetime.timedelta(days=400))
    EngagementEvent.objects.update(occurred_at=at(today - datetime.timedelta(days=400)))


def row(distributor, kind=SnapshotKind.CURRENT) -> DistributorScore:
    return DistributorScore.objects.get(distributor=distributor, kind=kind)


def figures(snapshot: DistributorScore) -> tuple[int, int, int, int]:
    return (snapshot.events, snapshot.active_people, snapshot.minutes_learned, snapshot.webinars_attended)


# ---------------------------------------------------------------- recency


@override_settings(ENGAGEMENT_RECENCY_FULL_DAYS=30, ENGAGEMENT_RECENCY_ZERO_DAYS=30)
@pytest.mark.parametrize(("days", "expected"), [(0, 100), (29, 100), (30, 100), (31, 0), (90, 0)])
def test_recency_can_be_a_step(days, expected):
    """Full and zero on the same day: 100 up to it, 0 after, no slope."""
    assert recency_component(D - datetime.timedelta(days=days), D) == expected


# ---------------------------------------------------------------- month snapshot


def _month(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    month = today.replace(day=1) - relativedelta(months=2)
    return month, month + relativedelta(months=1) - datetime.timedelta(days=1)


@pytest.mark.django_db
def test_a_month_counts_no_one_active_only_the_day_after_it(network):
    today = utc_today()
    long_standing(today)
    month, last = _month(today)
    act(network.staff_a, at(last))
    act(network.staff_b, at(last + datetime.timedelta(days=1)))
    rollups_update()
    month_snapshots_refresh(month=month, today=today)
    assert figures(row(network.distributor_a, SnapshotKind.MONTH)) == (1, 1, 5, 0)
    assert figures(row(network.distributor_b, SnapshotKind.MONTH)) == (0, 0, 0, 0)


@pytest.mark.django_db
def test_activity_not_yet_rolled_up_counts_its_people_only(network):
    """Events, minutes and web-conferences come from the rollups, people
    from the log: before the rollups count an event, only its person shows."""
    today = utc_today()
    long_standing(today)
    month, _last = _month(today)
    act(network.staff_a, at(month + datetime.timedelta(days=3)), minutes=20)
    act(network.lead_a, at(month + datetime.timedelta(days=4)), verb=Verb.WEBINAR_ATTENDED, minutes=30)
    month_snapshots_refresh(month=month, today=today)
    assert figures(row(network.distributor_a, SnapshotKind.MONTH)) == (0, 2, 0, 0)
    rollups_update()
    month_snapshots_refresh(month=month, today=today)
    # Minutes learned are the lesson's; the attendance counts its own minutes.
    assert figures(row(network.distributor_a, SnapshotKind.MONTH)) == (2, 2, 20, 1)


@pytest.mark.django_db
@override_settings(TIME_ZONE="Africa/Lagos")
def test_a_month_counts_utc_days_whatever_the_time_zone(network):
    """Lagos is an hour ahead of UTC: the month still starts and ends at UTC
    midnight, as its rollup days do."""
    today = utc_today()
    long_standing(today)
    month, last = _month(today)
    act(network.staff_a, at(last, 23, 30))  # 00:30 the next day in Lagos
    act(network.staff_b, at(month - datetime.timedelta(days=1), 23, 30))  # 00:30 on the 1st in Lagos
    rollups_update()
    month_snapshots_refresh(month=month, today=today)
    assert row(network.distributor_a, SnapshotKind.MONTH).active_people == 1
    assert row(network.distributor_b, SnapshotKind.MONTH).active_people == 0


# ---------------------------------------------------------------- current snapshot


@pytest.mark.django_db
def test_the_current_row_of_a_quiet_distributor_has_zero_figures(network):
    today = utc_today()
    long_standing(today)
    act(network.staff_a, at(today - datetime.timedelta(days=5)), verb=Verb.WEBINAR_ATTENDED, minutes=0)
    rollups_update()
    current_snapshots_refresh(today=today)
    assert figures(row(network.distributor_a)) == (1, 1, 0, 1)
    assert figures(row(network.distributor_b)) == (0, 0, 0, 0)


@pytest.mark.django_db
def test_the_current_row_raises_the_like_for_like_drop(network):
    """Active 110 days ago, not since: a month ago the window still saw
    everyone active (activity 100, recency 0: 62.5, half to even 62), today
    nobody (0)."""
    today = utc_today()
    long_standing(today)
    for user in (network.lead_a, network.staff_a):
        act(user, at(today - datetime.timedelta(days=110)))
    rollups_update()
    current_snapshots_refresh(today=today)
    snapshot = row(network.distributor_a)
    assert (snapshot.score, snapshot.score_month_ago) == (0, 62)
    assert snapshot.risks == [
        {"code": "inactive", "days": 110},
        {"code": "score_drop", "points": 62, "before": 62, "now": 0},
    ]
    assert snapshot.is_at_risk is True
    assert snapshot.risk_codes == ",inactive,score_drop,"


@pytest.mark.django_db
def test_the_current_certified_headcounts(network):
    today = utc_today()
    long_ago = today - datetime.timedelta(days=200)
    long_standing(today)
    course = build_course(owner=network.trainer)
    complete_course(network.staff_a, course)
    Certificate.objects.update(issued_on=long_ago)
    course_services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_days=30
    )
    current_snapshots_refresh(today=today)
    headcount = CertifiedHeadcount.objects.get()
    assert (headcount.distributor_id, headcount.course_id, headcount.as_of) == (
        network.distributor_a.pk,
        course.pk,
        today,
    )
    # Two staff, one certified today and already at the start of the lookback.
    assert (headcount.staff, headcount.certified, headcount.certified_before) == (2, 1, 1)


@pytest.mark.django_db
def test_the_current_person_rows(network):
    today = utc_today()
    long_standing(today)
    staff = network.staff_a
    act(staff, at(today - datetime.timedelta(days=3)), minutes=12)
    act(staff, at(today - datetime.timedelta(days=3)), verb=Verb.COURSE_COMPLETED, minutes=0)
    act(staff, at(today - datetime.timedelta(days=10)), verb=Verb.WEBINAR_ATTENDED, minutes=0)
    rollups_update()
    current_snapshots_refresh(today=today)
    person = PersonScore.objects.get(user=staff)
    facts = person_facts(as_of=today)[staff.pk]
    expected = person_score(facts, today)
    assert person.score == expected.score
    assert person.score > 0
    assert (
        person.active_weeks,
        person.lessons_completed,
        person.courses_completed,
        person.minutes_learned,
        person.webinars_attended,
    ) == (2, 1, 1, 12, 1)
    assert (facts.active_weeks, facts.lessons_completed, facts.courses_completed) == (2, 1, 1)
    assert (facts.minutes_learned, facts.webinars_attended) == (12, 1)
