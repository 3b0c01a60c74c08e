"""Each at-risk rule at its exact thresholds, and every reason's wording."""

import datetime

import pytest
from django.test import override_settings
from django.utils import translation

from distributors.engagement.facts import CourseHeadcount, DistributorFacts
from distributors.engagement.risks import (
    RISK_CHOICES,
    RULES,
    evaluate_risks,
    risk_message,
    rule_certified_zero,
    rule_inactive,
    rule_missed_webinars,
    rule_onboarding,
    rule_overdue,
    rule_score_drop,
)
from distributors.engagement.scores import ScoreChange

TODAY = datetime.date(2026, 3, 31)
QUIET = DistributorFacts(distributor_id=1, staff=2, last_activity_on=TODAY)


def facts(**values) -> DistributorFacts:
    return DistributorFacts(distributor_id=1, **{"staff": 2, "last_activity_on": TODAY, **values})


@pytest.mark.parametrize(
    ("before", "now", "expected"),
    [
        (70, 50, {"code": "score_drop", "points": 20, "before": 70, "now": 50}),  # exactly the threshold
        (70, 51, None),  # one point short
        (70, 49, {"code": "score_drop", "points": 21, "before": 70, "now": 49}),
        (20, 0, {"code": "score_drop", "points": 20, "before": 20, "now": 0}),
        (50, 70, None),  # a rise of 20
        (60, 60, None),
        (100, 0, {"code": "score_drop", "points": 100, "before": 100, "now": 0}),
    ],
)
def test_score_drop_threshold_like_for_like(before, now, expected):
    assert rule_score_drop(facts(), change=ScoreChange(before=before, now=now)) == expected


def test_score_drop_needs_an_earlier_score():
    assert rule_score_drop(facts(), change=None) is None


@override_settings(ENGAGEMENT_RISK_SCORE_DROP=5)
@pytest.mark.parametrize(("now", "fires"), [(45, True), (46, False)])
def test_score_drop_threshold_is_a_setting(now, fires):
    assert (rule_score_drop(facts(), change=ScoreChange(before=50, now=now)) is not None) is fires


def test_components_that_started_to_count_never_raise_the_drop():
    # Ivoire Labo Services: two low components start to count; compared on
    # the others, the score went up.
    change = ScoreChange(before=80, now=87, started=["completions", "quizzes"])
    assert rule_score_drop(facts(), change=change) is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"staff": 0, "last_activity_on": None}, None),  # nobody to be active
        ({"staff": 0, "last_activity_on": TODAY - datetime.timedelta(days=90)}, None),
        ({"last_activity_on": None}, {"code": "inactive", "days": None}),
        ({"last_activity_on": TODAY - datetime.timedelta(days=29)}, None),
        ({"last_activity_on": TODAY - datetime.timedelta(days=30)}, {"code": "inactive", "days": 30}),
        ({"last_activity_on": TODAY - datetime.timedelta(days=31)}, {"code": "inactive", "days": 31}),
        ({"last_activity_on": TODAY}, None),
        (
            {"staff": 1, "last_activity_on": TODAY - datetime.timedelta(days=30)},
            {"code": "inactive", "days": 30},
        ),
    ],
)
def test_inactive_from_30_days(values, expected):
    assert rule_inactive(facts(**values), today=TODAY) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"last_sessions_attended": []}, None),
        ({"last_sessions_attended": [False]}, None),  # only one held yet
        ({"last_sessions_attended": [False, False]}, {"code": "missed_webinars", "count": 2}),
        ({"last_sessions_attended": [False, False, True]}, {"code": "missed_webinars", "count": 2}),
        ({"last_sessions_attended": [True, False]}, None),
        ({"last_sessions_attended": [False, True]}, None),
        ({"last_sessions_attended": [False, True, False]}, None),
        ({"staff": 0, "last_sessions_attended": [False, False]}, None),
        ({"staff": 1, "last_sessions_attended": [False, False]}, {"code": "missed_webinars", "count": 2}),
    ],
)
def test_missed_the_last_two_monthly_webinars(values, expected):
    assert rule_missed_webinars(facts(**values)) == expected


@override_settings(ENGAGEMENT_RISK_MISSED_WEBINARS=3)
def test_missed_webinars_count_is_a_setting():
    assert rule_missed_webinars(facts(last_sessions_attended=[False, False])) is None
    assert rule_missed_webinars(facts(last_sessions_attended=[False, False, True])) is None
    assert rule_missed_webinars(facts(last_sessions_attended=[False, False, False])) == {
        "code": "missed_webinars",
        "count": 3,
    }


@pytest.mark.parametrize(
    ("overdue", "expected"),
    [(0, None), (1, {"code": "overdue", "count": 1}), (2, {"code": "overdue", "count": 2})],
)
def test_overdue_from_one(overdue, expected):
    assert rule_overdue(facts(overdue=overdue)) == expected


@override_settings(ENGAGEMENT_RISK_OVERDUE_ASSIGNMENTS=3)
@pytest.mark.parametrize(("overdue", "fires"), [(2, False), (3, True)])
def test_overdue_threshold_is_a_setting(overdue, fires):
    assert (rule_overdue(facts(overdue=overdue)) is not None) is fires


@override_settings(ENGAGEMENT_RISK_OVERDUE_ASSIGNMENTS=0)
def test_overdue_threshold_is_at_least_one():
    assert rule_overdue(facts(overdue=0)) is None
    assert rule_overdue(facts(overdue=1)) == {"code": "overdue", "count": 1}


def test_onboarding_names_the_first_five_newcomers_in_order():
    joined = TODAY - datetime.timedelta(days=20)
    late = [(name, joined) for name in ("Zoé", "Awa", "Moussa", "Binta", "Issa", "Koffi")]
    assert rule_onboarding(facts(onboarding_late=late)) == {
        "code": "onboarding",
        "count": 6,
        "names": ["Awa", "Binta", "Issa", "Koffi", "Moussa"],
        "days": 14,
    }
    assert rule_onboarding(facts(onboarding_late=[])) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headcount", "fires"),
    [
        (CourseHeadcount(course_id=999_999, staff=3, certified=0, certified_before=1), True),
        (CourseHeadcount(course_id=999_999, staff=3, certified=0, certified_before=2), True),
        (CourseHeadcount(course_id=999_999, staff=3, certified=1, certified_before=1), False),
        (CourseHeadcount(course_id=999_999, staff=3, certified=0, certified_before=0), False),
        (CourseHeadcount(course_id=999_999, staff=3, certified=2, certified_before=0), False),
    ],
)
def test_certified_headcount_falling_to_zero(headcount, fires):
    reason = rule_certified_zero(facts(headcounts=[headcount]))
    assert reason == ({"code": "certified_zero", "courses": [""]} if fires else None)


def test_evaluate_risks_in_rule_order():
    assert (
        rule_inactive,
        rule_missed_webinars,
        rule_overdue,
        rule_onboarding,
        rule_score_drop,
        rule_certified_zero,
    ) == RULES
    everything = facts(
        last_activity_on=TODAY - datetime.timedelta(days=40),
        last_sessions_attended=[False, False],
        overdue=1,
        onboarding_late=[("Awa", TODAY)],
    )
    reasons = evaluate_risks(everything, change=ScoreChange(before=40, now=10), today=TODAY)
    assert [r["code"] for r in reasons] == [
        "inactive",
        "missed_webinars",
        "overdue",
        "onboarding",
        "score_drop",
    ]
    assert evaluate_risks(QUIET, change=None, today=TODAY) == []


@pytest.mark.parametrize(
    ("risk", "english"),
    [
        ({"code": "inactive", "days": None}, "No activity recorded yet"),
        ({"code": "inactive", "days": 1}, "No activity for 1 day"),
        ({"code": "inactive", "days": 30}, "No activity for 30 days"),
        ({"code": "missed_webinars", "count": 1}, "Missed the last monthly web-conference"),
        ({"code": "missed_webinars", "count": 2}, "Missed the last 2 monthly web-conferences"),
        ({"code": "overdue", "count": 1}, "1 overdue assignment"),
        ({"code": "overdue", "count": 3}, "3 overdue assignments"),
        (
            {"code": "onboarding", "count": 1, "names": ["Awa Diop"], "days": 14},
            "1 new staff member has not started the onboarding path after 14 days: Awa Diop",
        ),
        (
            {"code": "onboarding", "count": 2, "names": ["Awa", "Issa"], "days": 14},
            "2 new staff members have not started the onboarding path after 14 days: Awa, Issa",
        ),
        (
            {"code": "score_drop", "points": 20, "before": 70, "now": 50},
            "Score down 20 points in a month, like for like (70 → 50)",
        ),
        (
            {"code": "certified_zero", "courses": ["PCR basics", "ELISA"]},
            "No certified staff left on: PCR basics, ELISA",
        ),
        (
            {"code": "onboarding", "count": 2, "days": 14},
            "2 new staff members have not started the onboarding path after 14 days: ",
        ),
        ({"code": "certified_zero"}, "No certified staff left on: "),
        ({"code": "something_new"}, "something_new"),
    ],
)
@pytest.mark.parametrize("language", ["en", None])  # None: the wording in the code itself
def test_risk_messages(risk, english, language):
    with translation.override(language):
        assert risk_message(risk) == english


def test_score_drop_message_in_french():
    with translation.override("fr"):
        assert (
            risk_message({"code": "score_drop", "points": 26, "before": 80, "now": 54})
            == "Score en baisse de 26 points en un mois, à périmètre égal (80 → 54)"
        )


def test_risk_choices():
    with translation.override("en"):
        assert [(code, str(label)) for code, label in RISK_CHOICES] == [
            ("inactive", "No recent activity"),
            ("missed_webinars", "Missed web-conferences"),
            ("overdue", "Overdue assignments"),
            ("onboarding", "Onboarding not started"),
            ("score_drop", "Score dropped"),
            ("certified_zero", "No certified staff left"),
        ]
