"""Every at-risk rule at the exact edge of its threshold, from facts built by
hand (the facts themselves are tested in test_risks.py)."""

import datetime

import pytest
from django.utils import translation

from distributors.engagement.facts import CourseHeadcount, DistributorFacts
from distributors.engagement.risks import (
    rule_certified_zero,
    rule_inactive,
    rule_missed_webinars,
    rule_onboarding,
    rule_overdue,
    rule_score_drop,
)
from distributors.engagement.scores import ScoreChange
from tests.courses.factories import CourseFactory

TODAY = datetime.date(2026, 3, 15)


def facts(**values) -> DistributorFacts:
    return DistributorFacts(distributor_id=1, **{"staff": 3, **values})


def days_ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


# ------------------------------------------------------------------ inactive


@pytest.mark.parametrize(
    ("limit", "days", "fires"),
    [
        (30, 29, False),
        (30, 30, True),
        (30, 31, True),
        (30, 0, False),
        (7, 6, False),
        (7, 7, True),
        (7, 8, True),
    ],
)
def test_inactive_fires_from_exactly_the_threshold(settings, limit, days, fires):
    settings.ENGAGEMENT_RISK_INACTIVE_DAYS = limit
    reason = rule_inactive(facts(last_activity_on=days_ago(days)), today=TODAY)
    assert reason == ({"code": "inactive", "days": days} if fires else None)


def test_inactive_without_any_activity_says_so():
    assert rule_inactive(facts(last_activity_on=None), today=TODAY) == {"code": "inactive", "days": None}


@pytest.mark.parametrize("last_activity_on", [None, days_ago(400)])
def test_inactive_ignores_a_distributor_without_staff(last_activity_on):
    assert rule_inactive(facts(staff=0, last_activity_on=last_activity_on), today=TODAY) is None


def test_inactive_counts_one_staff_member():
    assert rule_inactive(facts(staff=1, last_activity_on=days_ago(30)), today=TODAY) is not None


# ----------------------------------------------------------- missed webinars


@pytest.mark.parametrize(
    ("needed", "last", "fires"),
    [
        # Newest first. Only the last ``needed`` sessions count: older ones may differ.
        (2, [False, False], True),
        (2, [False, False, True], True),
        (2, [False, False, True, True, True], True),
        (2, [False, True], False),
        (2, [True, False], False),
        (2, [False, True, False], False),
        (2, [True, False, False], False),
        # Fewer sessions held than the rule looks at: not enough history to judge.
        (2, [False], False),
        (2, [], False),
        (3, [False, False], False),
        (3, [False, False, False], True),
        (3, [False, False, True], False),
        (3, [False, False, False, True], True),
        (1, [False], True),
        (1, [False, True], True),
        (1, [True, False], False),
    ],
)
def test_missed_webinars_looks_at_the_last_n_sessions_only(settings, needed, last, fires):
    settings.ENGAGEMENT_RISK_MISSED_WEBINARS = needed
    reason = rule_missed_webinars(facts(last_sessions_attended=last))
    assert reason == ({"code": "missed_webinars", "count": needed} if fires else None)


def test_missed_webinars_ignores_a_distributor_without_staff():
    assert rule_missed_webinars(facts(staff=0, last_sessions_attended=[False, False, False])) is None


def test_missed_webinars_counts_one_staff_member():
    assert rule_missed_webinars(facts(staff=1, last_sessions_attended=[False, False])) is not None


# ------------------------------------------------------------------- overdue


@pytest.mark.parametrize(
    ("threshold", "overdue", "fires"),
    [
        (1, 0, False),
        (1, 1, True),
        (1, 2, True),
        (3, 2, False),
        (3, 3, True),
        (3, 4, True),
        # A threshold below one still needs one overdue assignment.
        (0, 0, False),
        (0, 1, True),
        (-2, 0, False),
    ],
)
def test_overdue_fires_from_exactly_the_threshold(settings, threshold, overdue, fires):
    settings.ENGAGEMENT_RISK_OVERDUE_ASSIGNMENTS = threshold
    reason = rule_overdue(facts(overdue=overdue))
    assert reason == ({"code": "overdue", "count": overdue} if fires else None)


# ---------------------------------------------------------------- onboarding


def test_onboarding_is_quiet_when_nobody_is_late():
    assert rule_onboarding(facts(onboarding_late=[])) is None


def test_onboarding_names_the_late_people_sorted_five_at_most(settings):
    settings.ENGAGEMENT_RISK_ONBOARDING_DAYS = 21
    late = [(name, days_ago(30)) for name in ["Gus", "Ann", "Fay", "Bob", "Eve", "Dan", "Cy"]]
    assert rule_onboarding(facts(onboarding_late=late)) == {
        "code": "onboarding",
        "count": 7,
        "names": ["Ann", "Bob", "Cy", "Dan", "Eve"],
        "days": 21,
    }


@pytest.mark.parametrize("count", [1, 5])
def test_onboarding_counts_everyone_late(count):
    late = [(f"P{index}", days_ago(20)) for index in range(count)]
    reason = rule_onboarding(facts(onboarding_late=late))
    assert reason is not None
    assert reason["count"] == count and len(reason["names"]) == count


# ---------------------------------------------------------------- score drop


@pytest.mark.parametrize(
    ("threshold", "before", "now", "fires"),
    [
        (20, 80, 61, False),
        (20, 80, 60, True),
        (20, 80, 59, True),
        (20, 60, 80, False),
        (20, 50, 50, False),
        (5, 50, 46, False),
        (5, 50, 45, True),
    ],
)
def test_score_drop_fires_from_exactly_the_threshold(settings, threshold, before, now, fires):
    settings.ENGAGEMENT_RISK_SCORE_DROP = threshold
    reason = rule_score_drop(facts(), change=ScoreChange(before=before, now=now))
    expected = {"code": "score_drop", "points": before - now, "before": before, "now": now}
    assert reason == (expected if fires else None)


def test_score_drop_needs_a_score_a_month_ago():
    assert rule_score_drop(facts(), change=None) is None


# ------------------------------------------------------------ certified zero


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("certified", "certified_before", "fires"),
    [
        (0, 1, True),
        (0, 3, True),
        (0, 0, False),
        (1, 1, False),
        (1, 0, False),
        (2, 5, False),
    ],
)
def test_certified_zero_needs_certified_staff_before_and_none_now(certified, certified_before, fires):
    course = CourseFactory(title="Safety basics")
    headcount = CourseHeadcount(
        course_id=course.pk, staff=4, certified=certified, certified_before=certified_before
    )
    reason = rule_certified_zero(facts(headcounts=[headcount]))
    assert reason == ({"code": "certified_zero", "courses": ["Safety basics"]} if fires else None)


@pytest.mark.django_db
def test_certified_zero_lists_only_the_courses_that_lost_everyone():
    lost, kept, other = CourseFactory(title="Lost"), CourseFactory(title="Kept"), CourseFactory(title="Also")
    headcounts = [
        CourseHeadcount(course_id=lost.pk, staff=2, certified=0, certified_before=2),
        CourseHeadcount(course_id=kept.pk, staff=2, certified=1, certified_before=2),
        CourseHeadcount(course_id=other.pk, staff=2, certified=0, certified_before=1),
    ]
    assert rule_certified_zero(facts(headcounts=headcounts)) == {
        "code": "certified_zero",
        "courses": ["Lost", "Also"],
    }


def test_certified_zero_is_quiet_without_headcounts():
    assert rule_certified_zero(facts(headcounts=[])) is None


# Rule order, evaluate_risks and the wording of every reason: test_score_risk_rules.py.


@pytest.mark.django_db
def test_certified_zero_names_a_deleted_course_with_an_empty_title():
    gone = CourseHeadcount(course_id=987654, staff=1, certified=0, certified_before=1)
    assert rule_certified_zero(facts(headcounts=[gone])) == {"code": "certified_zero", "courses": [""]}
