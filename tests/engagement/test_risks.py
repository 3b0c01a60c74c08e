"""Each at-risk rule fires and clears on a constructed history; the score
follows its documented components."""

import datetime

import pytest
from django.utils import timezone

from academy.models import Verb
from courses import services as course_services
from courses.models import Certificate
from distributors.engagement.facts import DistributorFacts, distributor_facts
from distributors.engagement.risks import (
    evaluate_risks,
    risk_message,
    rule_certified_zero,
    rule_inactive,
    rule_missed_webinars,
    rule_onboarding,
    rule_overdue,
    rule_score_drop,
)
from distributors.engagement.rollups import rollups_update
from distributors.engagement.scores import ScoreChange, distributor_score, recency_component, weighted_score
from distributors.models import Membership
from distributors.services import membership_end
from tests.courses.factories import PathFactory, build_course, complete_course, lessons_of
from tests.distributors.factories import MembershipFactory
from tests.engagement.conftest import activity
from tests.webinars.factories import SeriesFactory
from webinars.models import Attendance, Session

pytestmark = pytest.mark.django_db


def facts_of(network, day=None):
    rollups_update()
    day = day or timezone.localdate()
    return distributor_facts(as_of=day, with_risk_facts=True)[network.distributor_a.pk]


def test_inactive_fires_after_30_days_and_clears_with_activity(network):
    today = timezone.localdate()
    activity(network.staff_a, days_ago=45)
    Membership.objects.update(joined_on=today - datetime.timedelta(days=100))
    # The network's own join events are today: move them back too.
    from academy.models import EngagementEvent

    EngagementEvent.objects.filter(verb=Verb.JOINED_DISTRIBUTOR).update(
        occurred_at=timezone.now() - datetime.timedelta(days=100)
    )
    reason = rule_inactive(facts_of(network), today=today)
    assert reason is not None and reason["days"] >= 30
    assert "45" in risk_message(reason) or "44" in risk_message(reason)
    activity(network.lead_a, days_ago=0, verb=Verb.LOGGED_IN)
    assert rule_inactive(facts_of(network), today=today) is None


def _monthly_session(series, days_ago: int) -> Session:
    starts = timezone.now() - datetime.timedelta(days=days_ago)
    return Session.objects.create(
        series=series,
        occurrence_start=starts,
        title=f"Rendez-vous {days_ago}",
        starts_at=starts,
        time_zone="Africa/Abidjan",
        status="ended",
    )


def test_missed_webinars_fires_after_two_missed_sessions_and_clears_on_attendance(network):
    series = SeriesFactory(actor=network.trainer, trainers=[network.trainer])
    _monthly_session(series, 62)
    latest = _monthly_session(series, 31)
    # A quarterly series does not count as the monthly web-conference.
    quarterly = SeriesFactory(
        actor=network.trainer, trainers=[network.trainer], rrule="FREQ=MONTHLY;INTERVAL=3"
    )
    quarter = _monthly_session(quarterly, 5)
    Attendance.objects.create(
        session=quarter, user=network.staff_a, distributor=network.distributor_a, attended=True
    )
    assert rule_missed_webinars(facts_of(network)) == {"code": "missed_webinars", "count": 2}
    Attendance.objects.create(
        session=latest, user=network.staff_a, distributor=network.distributor_a, attended=True
    )
    assert rule_missed_webinars(facts_of(network)) is None


def test_overdue_assignment_fires_and_clears_when_completed(network):
    course = build_course(owner=network.trainer)
    course_services.assignment_create(
        actor=network.manager_a,
        distributor=network.distributor_a,
        course=course,
        target="people",
        people=[network.staff_a],
        due_on=timezone.localdate() + datetime.timedelta(days=5),
    )
    assert rule_overdue(facts_of(network)) is None
    later = timezone.localdate() + datetime.timedelta(days=6)
    assert rule_overdue(facts_of(network, later)) == {"code": "overdue", "count": 1}
    complete_course(network.staff_a, course)
    assert rule_overdue(facts_of(network, later)) is None


def test_onboarding_not_started_fires_after_14_days_and_clears_once_started(network, settings):
    course = build_course(owner=network.trainer, kinds=("text",))
    path = PathFactory(actor=network.trainer, slug="onboarding-test")
    course_services.path_course_add(actor=network.trainer, path=path, course=course)
    settings.ENGAGEMENT_ONBOARDING_PATH_SLUGS = ["onboarding-test"]
    newcomer = MembershipFactory(distributor=network.distributor_a, role="staff")
    Membership.objects.filter(pk=newcomer.pk).update(
        joined_on=timezone.localdate() - datetime.timedelta(days=10)
    )
    assert rule_onboarding(facts_of(network)) is None  # not yet 14 days
    Membership.objects.filter(pk=newcomer.pk).update(
        joined_on=timezone.localdate() - datetime.timedelta(days=20)
    )
    reason = rule_onboarding(facts_of(network))
    assert reason["count"] == 1 and reason["names"] == [newcomer.user.get_full_name()]
    course_services.enrollment_create(user=newcomer.user, course=course)
    course_services.lesson_complete(user=newcomer.user, lesson=lessons_of(course)[0])
    assert rule_onboarding(facts_of(network)) is None


def test_score_drop_fires_from_20_points_and_clears_below():
    facts = DistributorFacts(distributor_id=1, staff=2)
    assert rule_score_drop(facts, change=ScoreChange(before=70, now=50)) == {
        "code": "score_drop",
        "points": 20,
        "before": 70,
        "now": 50,
    }
    assert rule_score_drop(facts, change=ScoreChange(before=70, now=51)) is None
    assert rule_score_drop(facts, change=None) is None


def test_certified_headcount_falling_to_zero_fires_and_clears(network):
    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=200)
    course = build_course(owner=network.trainer)
    Membership.objects.update(joined_on=long_ago)
    complete_course(network.staff_a, course)
    Certificate.objects.update(issued_on=long_ago)
    course_services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_days=30
    )
    assert rule_certified_zero(facts_of(network)) is None  # still certified
    membership_end(membership=Membership.objects.get(user=network.staff_a), ended_by=network.manager_a)
    reason = rule_certified_zero(facts_of(network))
    assert reason == {"code": "certified_zero", "courses": [course.title]}
    complete_course(network.lead_a, course)
    assert rule_certified_zero(facts_of(network)) is None


def test_evaluate_risks_lists_each_reason_once():
    facts = DistributorFacts(distributor_id=1, staff=3, overdue=2, last_activity_on=None)
    codes = [
        r["code"]
        for r in evaluate_risks(facts, change=ScoreChange(before=40, now=10), today=timezone.localdate())
    ]
    assert codes == ["inactive", "overdue", "score_drop"]


def test_score_components_and_weights():
    today = timezone.localdate()
    facts = DistributorFacts(
        distributor_id=1,
        staff=4,
        active_staff=2,
        assigned=10,
        assigned_done=5,
        quizzes_passed=3,
        quizzes_failed=1,
        monthly_sessions=3,
        sessions_attended=3,
        last_activity_on=today,
    )
    score = distributor_score(facts, today)
    assert score.components == {
        "activity": 50,
        "completions": 50,
        "quizzes": 75,
        "webinars": 100,
        "recency": 100,
        "certified": None,  # no assigned course: left out
    }
    # (25*50 + 20*50 + 10*75 + 15*100 + 15*100) / 85
    assert score.score == round((1250 + 1000 + 750 + 1500 + 1500) / 85)


def test_recency_and_empty_score():
    today = timezone.localdate()
    assert recency_component(today - datetime.timedelta(days=7), today) == 100
    assert recency_component(today - datetime.timedelta(days=60), today) == 0
    assert 0 < recency_component(today - datetime.timedelta(days=30), today) < 100
    assert recency_component(None, today) == 0
    assert weighted_score(dict.fromkeys(["activity", "quizzes"])) == 0
