"""Which components apply on which day (due dates, window edges), and the
like-for-like change end to end: snapshot, risk, dashboard, distributor
page, digest and API."""

import datetime

import pytest
from dateutil.relativedelta import relativedelta
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from academy.models import EngagementEvent, Verb
from academy.outbox import outboxes_drain
from academy.services import activity_record
from courses import services as course_services
from distributors.engagement.facts import distributor_facts, person_facts
from distributors.engagement.models import CertifiedHeadcount, DistributorScore, PersonScore, SnapshotKind
from distributors.engagement.rollups import rollups_update
from distributors.engagement.scores import (
    COMPARE_DAYS,
    current_snapshots_refresh,
    distributor_score,
    missing_months,
    month_snapshots_refresh,
    person_score,
    score_change,
    snapshot_components,
    snapshots_refresh,
)
from distributors.engagement.services import digest_send
from distributors.models import Membership
from tests.courses.factories import build_course

pytestmark = pytest.mark.django_db


def utc_today() -> datetime.date:
    return timezone.now().astimezone(datetime.UTC).date()


def at_noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)


def act(user, day: datetime.date, verb=Verb.LESSON_COMPLETED) -> None:
    activity_record(actor=user, verb=verb, minutes=5, occurred_at=at_noon(day))


def current(network) -> DistributorScore:
    return DistributorScore.objects.get(distributor=network.distributor_a, kind=SnapshotKind.CURRENT)


@pytest.mark.parametrize(
    ("days_after_due", "counted"),
    [(-1, False), (0, True), (1, True)],  # due tomorrow, today, yesterday
)
def test_an_assignment_counts_from_its_due_date(network, days_after_due, counted):
    today = utc_today()
    course = build_course(owner=network.trainer)
    due = today + datetime.timedelta(days=1)
    course_services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_on=due
    )
    as_of = due + datetime.timedelta(days=days_after_due)
    facts = distributor_facts(as_of=as_of)[network.distributor_a.pk]
    assert (facts.assigned, facts.assigned_done) == ((2, 0) if counted else (0, 0))
    assert [(h.course_id, h.due) for h in facts.headcounts] == [(course.pk, counted)]
    score = distributor_score(facts, as_of)
    assert score.components["completions"] == (0 if counted else None)
    assert score.components["certified"] == (0 if counted else None)
    lead = person_facts(as_of=as_of)[network.lead_a.pk]
    assert (lead.assigned, lead.assigned_courses) == ((1, 1) if counted else (0, 0))
    assert person_score(lead, as_of).components["completions"] == (0 if counted else None)
    assert person_score(lead, as_of).components["certified"] == (0 if counted else None)


@pytest.mark.parametrize(("days_before", "counted"), [(88, True), (89, True), (90, False)])
def test_a_quiz_counts_inside_the_window_only(network, days_before, counted):
    as_of = utc_today()
    act(network.staff_a, as_of - datetime.timedelta(days=days_before), verb=Verb.QUIZ_FAILED)
    rollups_update()
    facts = distributor_facts(as_of=as_of)[network.distributor_a.pk]
    assert facts.quizzes_failed == (1 if counted else 0)
    assert distributor_score(facts, as_of).components["quizzes"] == (0 if counted else None)


def test_assigning_a_course_due_later_leaves_the_score_as_it_was(network):
    """Sahel Analyses: one course assigned, due in 30 days."""
    today = utc_today()
    for user in (network.lead_a, network.staff_a):
        act(user, today - datetime.timedelta(days=2))
    rollups_update()
    current_snapshots_refresh(today=today)
    before = current(network)
    course_services.assignment_create(
        actor=network.manager_a,
        distributor=network.distributor_a,
        course=build_course(owner=network.trainer),
        due_days=30,
    )
    current_snapshots_refresh(today=today)
    after = current(network)
    assert (before.score, after.score) == (100, 100)
    assert (after.completions, after.certified) == (None, None)


def ivoire(network) -> datetime.date:
    """Ivoire Labo Services: active on both days; since the earlier one an
    assignment fell due (not done) and quizzes were failed."""
    today = utc_today()
    Membership.objects.update(joined_on=today - datetime.timedelta(days=200))
    for user in (network.lead_a, network.staff_a):
        act(user, today - datetime.timedelta(days=COMPARE_DAYS + 3))
        act(user, today - datetime.timedelta(days=3))
    act(network.staff_a, today - datetime.timedelta(days=5), verb=Verb.QUIZ_FAILED)
    course_services.assignment_create(
        actor=network.manager_a,
        distributor=network.distributor_a,
        course=build_course(owner=network.trainer),
        due_on=today - datetime.timedelta(days=10),
        at=at_noon(today - datetime.timedelta(days=20)),
    )
    rollups_update()
    current_snapshots_refresh(today=today)
    return today


def test_components_that_start_to_count_are_not_a_drop(network):
    today = ivoire(network)
    row = current(network)
    # Headline: (25*100 + 20*0 + 10*0 + 15*100 + 15*0) / 85 = 47; a month ago 100.
    assert (row.activity, row.completions, row.quizzes, row.recency, row.certified) == (100, 0, 0, 100, 0)
    assert row.score == 47
    assert row.score_month_ago == 100
    assert row.score_change == {
        "before": 100,
        "now": 100,
        "points": 0,
        "components": [
            {"component": "activity", "before": 100, "now": 100, "points": 0},
            {"component": "recency", "before": 100, "now": 100, "points": 0},
        ],
        "started": ["completions", "quizzes", "certified"],
        "stopped": [],
    }
    assert "score_drop" not in row.risk_codes
    assert [risk["code"] for risk in row.risks] == ["overdue"]
    # The stored change is the one computed from both days' facts.
    earlier = today - datetime.timedelta(days=COMPARE_DAYS)
    expected = score_change(
        distributor_score(distributor_facts(as_of=earlier)[network.distributor_a.pk], earlier).components,
        distributor_score(distributor_facts(as_of=today)[network.distributor_a.pk], today).components,
    )
    assert (expected.before, expected.now, expected.started) == (
        100,
        100,
        ["completions", "quizzes", "certified"],
    )


WHY = (
    "no component moved; started to count (not compared): "
    "Assignments completed, Quiz success, Certified staff"
)


def test_every_page_says_why_the_score_changed(client, network, settings):
    ivoire(network)
    network.manager_a.language = "en"
    network.manager_a.save()
    client.force_login(network.manager_a)
    client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})
    dashboard = client.get(reverse("engagement:dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert WHY in dashboard
    assert "in 30 days, like for like (100 → 100 on the same components)" in dashboard
    page = client.get(
        reverse("engagement:distributor", args=[network.distributor_a.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert WHY in page
    team = client.get(
        reverse("engagement:team_of", args=[network.distributor_a.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert WHY in team

    api = client.get(
        reverse("api:distributors-engagement-detail", args=[network.distributor_a.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    ).json()
    assert api["score"] == 47
    assert api["score_month_ago"] == 100
    assert api["score_change"]["points"] == 0
    assert api["score_change"]["started"] == ["completions", "quizzes", "certified"]
    assert api["score_change"]["summary"] == WHY

    digest_send(manager=network.manager_a)
    outboxes_drain()
    (body,) = [m.body for m in mail.outbox if m.to == [network.manager_a.email]]
    assert "0 in 30 days, like for like (100 → 100 on the same components)" in body
    assert f"Why: {WHY}" in body


def test_the_api_has_no_change_before_any_earlier_day(client, network):
    current_snapshots_refresh(today=utc_today())
    DistributorScore.objects.update(score_change=None, score_month_ago=None)
    client.force_login(network.manager_a)
    api = client.get(reverse("api:distributors-engagement-detail", args=[network.distributor_a.pk])).json()
    assert api["score_change"] is None


def test_a_month_snapshot_counts_the_days_of_its_month_only(network):
    today = utc_today()
    month = today.replace(day=1) - relativedelta(months=2)
    last = month + relativedelta(months=1) - datetime.timedelta(days=1)
    for user, day, minutes in (
        (network.staff_a, month - datetime.timedelta(days=1), 1000),
        (network.staff_a, month, 5),
        (network.lead_a, last, 7),
        (network.staff_a, last + datetime.timedelta(days=1), 100),
    ):
        activity_record(actor=user, verb=Verb.LESSON_COMPLETED, minutes=minutes, occurred_at=at_noon(day))
    activity_record(actor=network.lead_a, verb=Verb.WEBINAR_ATTENDED, occurred_at=at_noon(month))
    activity_record(
        actor=network.lead_a,
        verb=Verb.WEBINAR_ATTENDED,
        occurred_at=at_noon(last + datetime.timedelta(days=1)),
    )
    rollups_update()
    assert month_snapshots_refresh(month=month + datetime.timedelta(days=9), today=today) == 2
    assert month_snapshots_refresh(month=month, today=today) == 2  # replaced, not added
    row = DistributorScore.objects.get(distributor=network.distributor_a, kind=SnapshotKind.MONTH)
    assert (row.period, row.as_of) == (month, last)
    assert (row.events, row.active_people, row.minutes_learned, row.webinars_attended) == (3, 2, 12, 1)
    expected = distributor_score(distributor_facts(as_of=last)[network.distributor_a.pk], last)
    assert row.score == expected.score
    assert snapshot_components(row) == expected.components
    other = DistributorScore.objects.get(distributor=network.distributor_b, kind=SnapshotKind.MONTH)
    assert (other.events, other.active_people, other.minutes_learned, other.webinars_attended) == (0, 0, 0, 0)


def test_the_month_in_progress_is_as_of_today(network):
    today = utc_today()
    EngagementEvent.objects.update(occurred_at=at_noon(today - datetime.timedelta(days=400)))  # joining
    act(network.staff_a, today)
    rollups_update()
    month_snapshots_refresh(month=today, today=today)
    row = DistributorScore.objects.get(distributor=network.distributor_a, kind=SnapshotKind.MONTH)
    assert (row.period, row.as_of, row.events, row.active_people) == (today.replace(day=1), today, 1, 1)


def test_snapshots_refresh_writes_the_current_row_and_each_month_asked(network):
    today = utc_today()
    assert missing_months(months=12, today=today) == 12
    assert missing_months(months=1, today=today) == 1
    assert snapshots_refresh(months=3, today=today) == 2 + 3 * 2
    assert missing_months(months=3, today=today) == 0
    assert missing_months(months=4, today=today) == 1
    assert missing_months(today=today) == 9
    periods = set(DistributorScore.objects.filter(kind=SnapshotKind.MONTH).values_list("period", flat=True))
    first = today.replace(day=1)
    assert periods == {first, first - relativedelta(months=1), first - relativedelta(months=2)}
    assert DistributorScore.objects.filter(kind=SnapshotKind.CURRENT).count() == 2
    assert snapshots_refresh(months=0, today=today) == 2 + 2  # at least the month in progress
    assert snapshots_refresh(today=today) == 2 + 2


def test_snapshots_as_of_an_earlier_day(network):
    past = utc_today() - datetime.timedelta(days=45)
    assert snapshots_refresh(months=1, today=past) == 2 + 2
    row = DistributorScore.objects.get(distributor=network.distributor_a, kind=SnapshotKind.CURRENT)
    month = DistributorScore.objects.get(distributor=network.distributor_a, kind=SnapshotKind.MONTH)
    assert (row.period, row.as_of) == (past, past)
    assert (month.period, month.as_of) == (past.replace(day=1), past)
    assert missing_months(months=1, today=past) == 0
    assert missing_months(months=1) == 1  # this month has none yet


def test_the_current_row_is_not_a_month(network):
    first = utc_today().replace(day=1)
    current_snapshots_refresh(today=first)  # its period is the first of the month
    assert missing_months(months=1, today=first) == 1


def test_the_current_snapshot_rows(network):
    today = utc_today()
    Membership.objects.update(joined_on=today - datetime.timedelta(days=200))
    course = build_course(owner=network.trainer)
    course_services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_days=30
    )
    EngagementEvent.objects.update(occurred_at=at_noon(today - datetime.timedelta(days=400)))
    for user, verb, days, minutes in (
        (network.staff_a, Verb.LESSON_COMPLETED, 89, 5),  # the window's first day
        (network.lead_a, Verb.LESSON_COMPLETED, 90, 100),  # the day before it
        (network.lead_a, Verb.LESSON_COMPLETED, 1, 0),
    ):
        activity_record(
            actor=user, verb=verb, minutes=minutes, occurred_at=at_noon(today - datetime.timedelta(days=days))
        )
    rollups_update()
    assert current_snapshots_refresh(today=today) == 2
    row = current(network)
    assert (row.events, row.active_people, row.minutes_learned, row.webinars_attended) == (2, 2, 5, 0)
    assert (row.staff, row.active_staff, row.last_activity_on) == (2, 2, today - datetime.timedelta(days=1))
    assert (row.period, row.as_of) == (today, today)
    # 30 days earlier both were active, the last time 59 days before: recency 2.
    assert row.score_month_ago == 63  # (25*100 + 15*2) / 40 = 63.25
    assert row.score_change["now"] == 100
    assert (row.risks, row.is_at_risk, row.risk_codes) == ([], False, "")
    quiet = DistributorScore.objects.get(distributor=network.distributor_b, kind=SnapshotKind.CURRENT)
    assert (quiet.risks, quiet.is_at_risk, quiet.risk_codes) == (
        [{"code": "inactive", "days": None}],
        True,
        ",inactive,",
    )
    headcount = CertifiedHeadcount.objects.get()
    assert (headcount.distributor_id, headcount.course_id, headcount.staff, headcount.certified) == (
        network.distributor_a.pk,
        course.pk,
        2,
        0,
    )
    assert headcount.as_of == today
    people = {score.user_id: score for score in PersonScore.objects.all()}
    assert set(people) == {network.lead_a.pk, network.staff_a.pk, network.lead_b.pk, network.staff_b.pk}
    lead = people[network.lead_a.pk]
    assert (lead.distributor_id, lead.as_of, lead.last_activity_on) == (
        network.distributor_a.pk,
        today,
        today - datetime.timedelta(days=1),
    )
    assert (lead.recency, lead.completions, lead.certified) == (100, None, None)  # not due yet
