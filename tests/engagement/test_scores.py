"""The score formula at the exact boundaries of each component, the
like-for-like change and the README's worked example (computed here, so
the README cannot drift from the code). No database."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from distributors.engagement.facts import CourseHeadcount, DistributorFacts, PersonFacts
from distributors.engagement.scores import (
    COMPARE_DAYS,
    COMPONENTS,
    ComponentChange,
    Score,
    ScoreChange,
    _percent,
    change_as_dict,
    change_between,
    change_display,
    change_from_dict,
    change_summary,
    component_labels,
    distributor_score,
    person_score,
    recency_component,
    score_change,
    snapshot_components,
    weighted_score,
)

D = datetime.date(2026, 3, 31)


def days_before(days: int) -> datetime.date:
    return D - datetime.timedelta(days=days)


def test_the_documented_constants():
    assert COMPONENTS == ("activity", "completions", "quizzes", "webinars", "recency", "certified")
    assert COMPARE_DAYS == 30
    assert settings.ENGAGEMENT_SCORE_WEIGHTS == {
        "activity": 25,
        "completions": 20,
        "quizzes": 10,
        "webinars": 15,
        "recency": 15,
        "certified": 15,
    }
    assert settings.ENGAGEMENT_RECENCY_FULL_DAYS == 7
    assert settings.ENGAGEMENT_RECENCY_ZERO_DAYS == 60
    assert settings.ENGAGEMENT_SCORE_WINDOW_DAYS == 90
    assert settings.ENGAGEMENT_RISK_SCORE_DROP == 20


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (0, 0, None),  # nothing to measure: does not apply
        (3, 0, None),
        (0, 5, 0),
        (1, 1, 100),
        (1, 8, 12),  # 12.5: half to even
        (3, 8, 38),  # 37.5: half to even, up
        (1, 3, 33),
        (2, 3, 67),  # rounded, not truncated
        (199, 200, 100),  # 99.5 rounds to 100
        (5, 4, 100),  # capped at 100
        (-1, 4, 0),  # never below 0
        (1, 200, 0),  # 0.5 rounds to 0
        (3, 200, 2),  # 1.5 rounds to 2
    ],
)
def test_percent_rounding_and_bounds(part, whole, expected):
    assert _percent(part, whole) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (-1, 100),  # activity dated after the score day
        (0, 100),
        (6, 100),
        (7, 100),  # full up to 7 days
        (8, 98),  # 100 * 52 / 53 = 98.1
        (30, 57),  # 100 * 30 / 53 = 56.6
        (33, 51),  # 100 * 27 / 53 = 50.9 (40 with zero + full)
        (59, 2),  # 100 * 1 / 53 = 1.9
        (60, 0),  # zero from 60 days
        (61, 0),
        (400, 0),
    ],
)
def test_recency_full_and_zero_days(days, expected):
    assert recency_component(days_before(days), D) == expected


def test_recency_without_any_activity_is_zero():
    assert recency_component(None, D) == 0


@override_settings(ENGAGEMENT_RECENCY_FULL_DAYS=10, ENGAGEMENT_RECENCY_ZERO_DAYS=20)
@pytest.mark.parametrize(("days", "expected"), [(10, 100), (11, 90), (15, 50), (19, 10), (20, 0)])
def test_recency_follows_its_settings(days, expected):
    assert recency_component(days_before(days), D) == expected


@pytest.mark.parametrize(
    ("components", "expected"),
    [
        ({}, 0),
        (dict.fromkeys(COMPONENTS), 0),  # none applies
        ({"activity": 100}, 100),
        ({"activity": 100, "completions": 0}, 56),  # 2500 / 45 = 55.6
        ({"activity": 0, "quizzes": 100}, 29),  # 1000 / 35 = 28.6
        ({"webinars": 100, "recency": 0}, 50),  # equal weights
        ({"certified": 100, "completions": 0}, 43),  # 1500 / 35 = 42.9
        ({"activity": 50, "completions": None, "quizzes": 100}, 64),  # 2250 / 35 = 64.3
        # every component: (25*80 + 20*60 + 10*40 + 15*20 + 15*100 + 15*0) / 100
        (
            {
                "activity": 80,
                "completions": 60,
                "quizzes": 40,
                "webinars": 20,
                "recency": 100,
                "certified": 0,
            },
            54,
        ),
        ({"activity": 1, "completions": 0}, 1),  # 25 / 45 = 0.56
        ({"quizzes": 1, "activity": 0}, 0),  # 10 / 35 = 0.29
    ],
)
def test_weighted_mean_of_the_components_that_apply(components, expected):
    assert weighted_score(components) == expected


def test_distributor_components_and_score():
    facts = DistributorFacts(
        distributor_id=1,
        staff=4,
        active_staff=3,
        assigned=8,
        assigned_done=3,
        quizzes_passed=3,
        quizzes_failed=1,
        monthly_sessions=3,
        sessions_attended=2,
        last_activity_on=days_before(8),
        headcounts=[
            CourseHeadcount(course_id=1, staff=4, certified=2),
            CourseHeadcount(course_id=2, staff=4, certified=1),
        ],
    )
    score = distributor_score(facts, D)
    assert score == Score(
        # (25*75 + 20*38 + 10*75 + 15*67 + 15*98 + 15*38) / 100 = 64.3
        score=64,
        components={
            "activity": 75,
            "completions": 38,
            "quizzes": 75,
            "webinars": 67,
            "recency": 98,
            "certified": 38,  # (50 + 25) / 2 = 37.5, half to even
        },
    )


def test_a_distributor_without_staff_scores_zero_activity():
    score = distributor_score(DistributorFacts(distributor_id=1), D)
    assert score.components == {
        "activity": 0,
        "completions": None,
        "quizzes": None,
        "webinars": None,
        "recency": 0,
        "certified": None,
    }
    assert score.score == 0


@pytest.mark.parametrize(
    ("headcounts", "expected"),
    [
        ([], None),
        ([CourseHeadcount(course_id=1, staff=4, certified=4, due=False)], None),  # not due yet
        ([CourseHeadcount(course_id=1, staff=0, certified=0)], None),  # nobody to certify
        (
            [
                CourseHeadcount(course_id=1, staff=4, certified=4),
                CourseHeadcount(course_id=2, staff=4, certified=0, due=False),
            ],
            100,
        ),
        (
            [
                CourseHeadcount(course_id=1, staff=4, certified=4),
                CourseHeadcount(course_id=2, staff=0, certified=0),
            ],
            100,
        ),
        (
            [
                CourseHeadcount(course_id=1, staff=4, certified=1),
                CourseHeadcount(course_id=2, staff=4, certified=2),
                CourseHeadcount(course_id=3, staff=4, certified=4),
            ],
            58,  # (25 + 50 + 100) / 3 = 58.3
        ),
        (
            [
                CourseHeadcount(course_id=1, staff=3, certified=2),
                CourseHeadcount(course_id=2, staff=3, certified=3),
            ],
            84,  # (67 + 100) / 2 = 83.5, half to even
        ),
    ],
)
def test_certified_counts_only_courses_due_and_staffed(headcounts, expected):
    facts = DistributorFacts(distributor_id=1, staff=4, headcounts=headcounts)
    assert distributor_score(facts, D).components["certified"] == expected


@pytest.mark.parametrize(
    ("passed", "failed", "expected"),
    [(0, 0, None), (0, 1, 0), (1, 0, 100), (3, 1, 75), (1, 3, 25), (1, 7, 12)],
)
def test_quiz_success(passed, failed, expected):
    facts = DistributorFacts(distributor_id=1, staff=1, quizzes_passed=passed, quizzes_failed=failed)
    assert distributor_score(facts, D).components["quizzes"] == expected


@pytest.mark.parametrize(
    ("joined_days_ago", "active_weeks", "window", "expected"),
    [
        (0, 1, None, 100),  # one week at least
        (6, 1, None, 100),  # 7 days: one week
        (12, 1, None, 100),  # 13 days: still one week
        (13, 1, None, 50),  # 14 days: two weeks
        (200, 6, None, 50),  # the window (90 days) caps it: 12 weeks
        (200, 12, None, 100),
        (200, 13, None, 100),  # never above 100
        (200, 1, 14, 50),  # a 14-day window: two weeks
        (0, 0, None, 0),
    ],
)
def test_person_activity_is_the_share_of_weeks(joined_days_ago, active_weeks, window, expected):
    facts = PersonFacts(user_id=1, distributor_id=1, joined_on=days_before(joined_days_ago))
    facts.active_weeks = active_weeks
    assert person_score(facts, D, window_days=window).components["activity"] == expected


def test_person_components_and_score():
    facts = PersonFacts(
        user_id=1,
        distributor_id=1,
        joined_on=days_before(200),
        active_weeks=9,
        quizzes_passed=1,
        quizzes_failed=1,
        last_activity_on=days_before(30),
        assigned=4,
        assigned_done=1,
        monthly_sessions=3,
        sessions_attended=1,
        assigned_courses=3,
        certified_courses=2,
    )
    assert person_score(facts, D) == Score(
        # (25*75 + 20*25 + 10*50 + 15*33 + 15*57 + 15*67) / 100 = 52.3
        score=52,
        components={
            "activity": 75,
            "completions": 25,
            "quizzes": 50,
            "webinars": 33,
            "recency": 57,
            "certified": 67,
        },
    )


def test_person_components_that_do_not_apply():
    facts = PersonFacts(user_id=1, distributor_id=1, joined_on=D)
    assert person_score(facts, D) == Score(
        score=0,
        components={
            "activity": 0,
            "completions": None,
            "quizzes": None,
            "webinars": None,
            "recency": 0,
            "certified": None,
        },
    )


# ---------------------------------------------------------------- like for like

ALL = dict.fromkeys(COMPONENTS)


def test_no_change_without_an_earlier_score():
    assert score_change(None, {**ALL, "activity": 50}) is None
    assert change_as_dict(None) is None
    assert change_from_dict(None) is None
    assert change_from_dict({}) is None


def test_change_compares_only_the_components_that_apply_on_both_days():
    before = {**ALL, "activity": 80, "quizzes": 50, "recency": 100}
    now = {**ALL, "activity": 60, "completions": 0, "recency": 100, "certified": 10}
    change = score_change(before, now)
    assert change == ScoreChange(
        before=88,  # (25*80 + 15*100) / 40 = 87.5, half to even
        now=75,  # (25*60 + 15*100) / 40
        compared=[ComponentChange("activity", 80, 60), ComponentChange("recency", 100, 100)],
        started=["completions", "certified"],
        stopped=["quizzes"],
    )
    assert change.points == -13
    assert [c.points for c in change.compared] == [-20, 0]


def test_change_with_nothing_in_common_is_zero():
    change = score_change({**ALL, "quizzes": 100}, {**ALL, "webinars": 0})
    assert change == ScoreChange(before=0, now=0, compared=[], started=["webinars"], stopped=["quizzes"])
    assert change.points == 0


def test_a_component_at_zero_still_counts_as_applying():
    change = score_change({**ALL, "activity": 0}, {**ALL, "activity": 40})
    assert change == ScoreChange(before=0, now=40, compared=[ComponentChange("activity", 0, 40)])
    assert change.points == 40


def test_change_lists_follow_the_component_order():
    before = {**ALL, "certified": 1, "activity": 1}
    now = {"recency": 2, "webinars": 2, "activity": 3}
    change = score_change(before, now)
    assert [c.name for c in change.compared] == ["activity"]
    assert change.started == ["webinars", "recency"]
    assert change.stopped == ["certified"]


def test_change_as_dict_round_trips():
    change = ScoreChange(
        before=70,
        now=45,
        compared=[ComponentChange("completions", 80, 50), ComponentChange("webinars", 30, 40)],
        started=["quizzes"],
        stopped=["certified"],
    )
    data = change_as_dict(change)
    assert data == {
        "before": 70,
        "now": 45,
        "points": -25,
        "components": [
            {"component": "completions", "before": 80, "now": 50, "points": -30},
            {"component": "webinars", "before": 30, "now": 40, "points": 10},
        ],
        "started": ["quizzes"],
        "stopped": ["certified"],
    }
    assert change_from_dict(data) == change


def test_why_it_changed_in_english_and_french():
    data = change_as_dict(
        ScoreChange(
            before=70,
            now=45,
            compared=[
                ComponentChange("completions", 80, 50),
                ComponentChange("recency", 100, 100),
                ComponentChange("webinars", 30, 40),
            ],
            started=["quizzes", "certified"],
            stopped=["activity"],
        )
    )
    with translation.override("en"):
        assert change_summary(data) == (
            "Assignments completed \u221230, Web-conferences +10; "
            "started to count (not compared): Quiz success, Certified staff; "
            "stopped counting (not compared): Active staff"
        )
        assert change_display(data) == {
            "points": "\u221225",
            "before": 70,
            "now": 45,
            "direction": "down",
            "why": change_summary(data),
        }
    with translation.override("fr"):
        assert change_summary(data) == (
            "Affectations terminées \u221230, Web-conférences +10 ; "
            "comptent désormais (non comparés) : Réussite aux quiz, Personnel certifié ; "
            "ne comptent plus (non comparés) : Personnel actif"
        )


def test_why_it_changed_when_nothing_moved():
    data = change_as_dict(ScoreChange(before=50, now=50, compared=[ComponentChange("activity", 50, 50)]))
    with translation.override("en"):
        assert change_summary(data) == "no component moved"
        assert change_display(data) == {
            "points": "0",
            "before": 50,
            "now": 50,
            "direction": "same",
            "why": "no component moved",
        }
    assert change_summary(None) == ""
    assert change_display(None) is None


def test_a_rise_is_signed_plus():
    data = change_as_dict(ScoreChange(before=40, now=41, compared=[ComponentChange("quizzes", 40, 41)]))
    with translation.override("en"):
        assert change_display(data) == {
            "points": "+1",
            "before": 40,
            "now": 41,
            "direction": "up",
            "why": "Quiz success +1",
        }


class Snapshot:
    def __init__(self, **values):
        for name in COMPONENTS:
            setattr(self, name, values.get(name))
            setattr(self, f"e_{name}", values.get(name))


def test_change_between_two_snapshots():
    january, february = Snapshot(activity=50, quizzes=80), Snapshot(activity=70, completions=10)
    assert snapshot_components(january) == {**ALL, "activity": 50, "quizzes": 80}
    assert snapshot_components(february, prefix="e_") == {**ALL, "activity": 70, "completions": 10}
    assert change_between(january, february) == {
        "before": 50,
        "now": 70,
        "points": 20,
        "components": [{"component": "activity", "before": 50, "now": 70, "points": 20}],
        "started": ["completions"],
        "stopped": ["quizzes"],
    }
    assert change_between(None, february) is None
    assert change_between(january, None) is None


def test_component_labels():
    with translation.override("en"):
        assert component_labels() == {
            "activity": "Active staff",
            "completions": "Assignments completed",
            "quizzes": "Quiz success",
            "webinars": "Web-conferences",
            "recency": "Recency",
            "certified": "Certified staff",
        }


# ---------------------------------------------------------------- the README's example

EXAMPLE_DAY = datetime.date(2026, 3, 31)
EXAMPLE_BEFORE = EXAMPLE_DAY - datetime.timedelta(days=COMPARE_DAYS)


def example_facts() -> tuple[DistributorFacts, DistributorFacts]:
    """Four staff, three active; a month ago nothing was due yet and nobody
    had taken a quiz; since then four assignments fell due (none done) and
    one quiz out of five was passed."""
    before = DistributorFacts(
        distributor_id=1,
        staff=4,
        active_staff=3,
        monthly_sessions=3,
        sessions_attended=2,
        last_activity_on=EXAMPLE_BEFORE - datetime.timedelta(days=3),
    )
    now = DistributorFacts(
        distributor_id=1,
        staff=4,
        active_staff=3,
        assigned=4,
        assigned_done=0,
        quizzes_passed=1,
        quizzes_failed=4,
        monthly_sessions=3,
        sessions_attended=3,
        last_activity_on=EXAMPLE_DAY - datetime.timedelta(days=10),
    )
    return before, now


def readme_section() -> str:
    text = (Path(settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    start = text.index("### How the engagement score is computed")
    end = text.find("\n## ", start)
    return text[start : end if end != -1 else None]


def test_the_readme_example_is_what_the_code_computes():
    before_facts, now_facts = example_facts()
    before = distributor_score(before_facts, EXAMPLE_BEFORE)
    now = distributor_score(now_facts, EXAMPLE_DAY)
    change = score_change(before.components, now.components)
    assert (before.score, now.score) == (80, 59)
    assert (change.before, change.now, change.points) == (80, 87, 7)
    section = readme_section()
    weights = settings.ENGAGEMENT_SCORE_WEIGHTS

    def cell(value: int | None) -> str:
        return "n/a" if value is None else str(value)

    for name in COMPONENTS:
        row = f"| {name} | {weights[name]} | {cell(before.components[name])} | {cell(now.components[name])} |"
        assert row in section, row
    assert f"| **score** | | **{before.score}** | **{now.score}** |" in section
    assert f"| **like for like** | | **{change.before}** | **{change.now}** |" in section
    with translation.override("en"):
        assert f"> {change_summary(change_as_dict(change))}" in section
    # Every figure quoted in the arithmetic lines comes from the code.
    assert f"= {before.score}" in section and f"= {now.score}" in section
    assert f"+{change.points}" in section
    assert re.search(rf"{change.before} → {change.now}", section)


def test_why_it_changed_names_every_component_that_stopped_counting():
    data = change_as_dict(ScoreChange(before=0, now=0, stopped=["activity", "webinars"]))
    with translation.override("en"):
        assert change_summary(data) == (
            "no component moved; stopped counting (not compared): Active staff, Web-conferences"
        )
