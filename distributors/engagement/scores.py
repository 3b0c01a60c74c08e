"""The engagement score (0–100) of distributors and people, and the
snapshots dashboards read.

Components, each 0–100 over the rolling window (``ENGAGEMENT_SCORE_WINDOW_DAYS``,
90 days by default), and their weights (``ENGAGEMENT_SCORE_WEIGHTS``):

========== ====== ==============================================================
component  weight distributor (person)
========== ====== ==============================================================
activity   25     share of current staff active in the window (share of weeks
                  with activity since joining, at most the window)
completions 20    assignments completed / assignments of current staff (own)
quizzes    10     quizzes passed / quizzes taken in the window
webinars   15     monthly web-conferences of the window attended by at least
                  one staff member (attended by the person since joining)
recency    15     100 up to ``ENGAGEMENT_RECENCY_FULL_DAYS`` (7) days since the
                  last activity, falling linearly to 0 at
                  ``ENGAGEMENT_RECENCY_ZERO_DAYS`` (60)
certified  15     average share of current staff certified on each assigned
                  course (share of the assigned courses the person is certified on)
========== ====== ==============================================================

A component that does not apply (no assignment, no quiz taken, no
web-conference held, no assigned course) is left out and the score is the
weighted mean of the others; with none, the score is 0.
"""

import datetime
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.models import EngagementEvent
from distributors.engagement.facts import (
    DistributorFacts,
    PersonFacts,
    distributor_facts,
    person_facts,
)
from distributors.engagement.models import (
    CertifiedHeadcount,
    DistributorDay,
    DistributorScore,
    PersonScore,
    SnapshotKind,
)
from distributors.engagement.risks import evaluate_risks

COMPONENTS: tuple[str, ...] = ("activity", "completions", "quizzes", "webinars", "recency", "certified")


def _percent(part: float, whole: float) -> int | None:
    return None if not whole else max(0, min(100, round(100 * part / whole)))


def recency_component(last_activity_on: datetime.date | None, as_of: datetime.date) -> int:
    if last_activity_on is None:
        return 0
    days = (as_of - last_activity_on).days
    full, zero = settings.ENGAGEMENT_RECENCY_FULL_DAYS, settings.ENGAGEMENT_RECENCY_ZERO_DAYS
    if days <= full:
        return 100
    if days >= zero:
        return 0
    return round(100 * (zero - days) / (zero - full))


def weighted_score(components: dict[str, int | None]) -> int:
    """The weighted mean of the components that apply (0 when none does)."""
    weights = settings.ENGAGEMENT_SCORE_WEIGHTS
    applied = [(weights[name], value) for name, value in components.items() if value is not None]
    total = sum(weight for weight, _value in applied)
    if not total:
        return 0
    return round(sum(weight * value for weight, value in applied) / total)


@dataclass
class Score:
    score: int
    components: dict[str, int | None]


def distributor_score(facts: DistributorFacts, as_of: datetime.date) -> Score:
    """The score of one distributor from its facts (no query)."""
    certified = [_percent(h.certified, h.staff) for h in facts.headcounts if h.staff]
    components = {
        "activity": _percent(facts.active_staff, facts.staff) if facts.staff else 0,
        "completions": _percent(facts.assigned_done, facts.assigned),
        "quizzes": _percent(facts.quizzes_passed, facts.quizzes_passed + facts.quizzes_failed),
        "webinars": _percent(facts.sessions_attended, facts.monthly_sessions),
        "recency": recency_component(facts.last_activity_on, as_of),
        "certified": round(sum(c or 0 for c in certified) / len(certified)) if certified else None,
    }
    return Score(weighted_score(components), components)


def person_score(facts: PersonFacts, as_of: datetime.date, window_days: int | None = None) -> Score:
    """The score of one person from their facts (no query)."""
    window = window_days or settings.ENGAGEMENT_SCORE_WINDOW_DAYS
    weeks = max(1, min(window, (as_of - facts.joined_on).days + 1) // 7)
    components = {
        "activity": min(100, _percent(facts.active_weeks, weeks) or 0),
        "completions": _percent(facts.assigned_done, facts.assigned),
        "quizzes": _percent(facts.quizzes_passed, facts.quizzes_passed + facts.quizzes_failed),
        "webinars": _percent(facts.sessions_attended, facts.monthly_sessions),
        "recency": recency_component(facts.last_activity_on, as_of),
        "certified": _percent(facts.certified_courses, facts.assigned_courses),
    }
    return Score(weighted_score(components), components)


def _month_activity(start: datetime.date, end: datetime.date) -> dict[int, dict[str, int]]:
    """Per distributor between two days (included): events, minutes learned,
    web-conferences attended (rollups) and distinct active people (log)."""
    result: dict[int, dict[str, int]] = {}
    for row in (
        DistributorDay.objects.filter(day__gte=start, day__lte=end)
        .values("distributor_id")
        .annotate(
            events=Coalesce(Sum("events"), 0),
            minutes=Coalesce(Sum("minutes_learned"), 0),
            attended=Coalesce(Sum("webinars_attended"), 0),
        )
        .order_by()
    ):
        result[row["distributor_id"]] = {
            "events": row["events"],
            "minutes": row["minutes"],
            "attended": row["attended"],
            "people": 0,
        }
    begin = datetime.datetime.combine(start, datetime.time.min, tzinfo=datetime.UTC)
    finish = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
    )
    for people in (
        EngagementEvent.objects.filter(
            occurred_at__gte=begin, occurred_at__lt=finish, distributor__isnull=False
        )
        .values("distributor_id")
        .annotate(people=Count("actor_id", distinct=True))
        .order_by()
    ):
        result.setdefault(people["distributor_id"], {"events": 0, "minutes": 0, "attended": 0})["people"] = (
            people["people"]
        )
    return result


def _score_row(facts: DistributorFacts, score: Score, **fields: object) -> DistributorScore:
    return DistributorScore(
        distributor_id=facts.distributor_id,
        score=score.score,
        staff=facts.staff,
        active_staff=facts.active_staff,
        last_activity_on=facts.last_activity_on,
        **score.components,
        **fields,  # type: ignore[arg-type]
    )


def month_snapshots_refresh(*, month: datetime.date, today: datetime.date | None = None) -> int:
    """(Re)compute every distributor's snapshot of ``month`` (its first day):
    as of its last day, or of today for the month in progress."""
    today = today or timezone.localdate()
    month = month.replace(day=1)
    last_day = min(today, month + relativedelta(months=1) - datetime.timedelta(days=1))
    facts = distributor_facts(as_of=last_day)
    activity = _month_activity(month, last_day)
    rows = []
    for item in facts.values():
        stats = activity.get(item.distributor_id, {})
        rows.append(
            _score_row(
                item,
                distributor_score(item, last_day),
                kind=SnapshotKind.MONTH,
                period=month,
                as_of=last_day,
                events=stats.get("events", 0),
                active_people=stats.get("people", 0),
                minutes_learned=stats.get("minutes", 0),
                webinars_attended=stats.get("attended", 0),
            )
        )
    with transaction.atomic():
        DistributorScore.objects.filter(kind=SnapshotKind.MONTH, period=month).delete()
        DistributorScore.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def current_snapshots_refresh(*, today: datetime.date | None = None) -> int:
    """(Re)compute the current score, components, at-risk reasons and
    certified headcounts of every distributor, and every current staff
    member's score. A fixed number of queries."""
    today = today or timezone.localdate()
    facts = distributor_facts(as_of=today, with_risk_facts=True)
    month_ago = today - datetime.timedelta(days=30)
    earlier = {
        pk: distributor_score(item, month_ago).score
        for pk, item in distributor_facts(as_of=month_ago).items()
    }
    window = settings.ENGAGEMENT_SCORE_WINDOW_DAYS
    activity = _month_activity(today - datetime.timedelta(days=window - 1), today)
    rows: list[DistributorScore] = []
    headcounts: list[CertifiedHeadcount] = []
    for item in facts.values():
        score = distributor_score(item, today)
        risks = evaluate_risks(
            item, score=score.score, score_month_ago=earlier.get(item.distributor_id), today=today
        )
        stats = activity.get(item.distributor_id, {})
        rows.append(
            _score_row(
                item,
                score,
                kind=SnapshotKind.CURRENT,
                period=today,
                as_of=today,
                events=stats.get("events", 0),
                active_people=stats.get("people", 0),
                minutes_learned=stats.get("minutes", 0),
                webinars_attended=stats.get("attended", 0),
                score_month_ago=earlier.get(item.distributor_id),
                risks=risks,
                is_at_risk=bool(risks),
                risk_codes="".join(f",{risk['code']}" for risk in risks) + ("," if risks else ""),
            )
        )
        headcounts.extend(
            CertifiedHeadcount(
                distributor_id=item.distributor_id,
                course_id=h.course_id,
                staff=h.staff,
                certified=h.certified,
                certified_before=h.certified_before,
                as_of=today,
            )
            for h in item.headcounts
        )
    people = []
    for person in person_facts(as_of=today).values():
        score = person_score(person, today)
        people.append(
            PersonScore(
                user_id=person.user_id,
                distributor_id=person.distributor_id,
                as_of=today,
                score=score.score,
                last_activity_on=person.last_activity_on,
                active_weeks=person.active_weeks,
                lessons_completed=person.lessons_completed,
                courses_completed=person.courses_completed,
                minutes_learned=person.minutes_learned,
                webinars_attended=person.webinars_attended,
                **score.components,  # type: ignore[arg-type]
            )
        )
    with transaction.atomic():
        DistributorScore.objects.filter(kind=SnapshotKind.CURRENT).delete()
        DistributorScore.objects.bulk_create(rows, batch_size=500)
        CertifiedHeadcount.objects.all().delete()
        CertifiedHeadcount.objects.bulk_create(headcounts, batch_size=1000)
        PersonScore.objects.all().delete()
        PersonScore.objects.bulk_create(people, batch_size=1000)
    return len(rows)


def snapshots_refresh(*, months: int = 1, today: datetime.date | None = None) -> int:
    """The current snapshot and the ``months`` latest monthly ones (1: the
    month in progress; 12 for the yearly trend). Returns the rows written."""
    today = today or timezone.localdate()
    written = current_snapshots_refresh(today=today)
    first = today.replace(day=1)
    for back in range(max(1, months)):
        written += month_snapshots_refresh(month=first - relativedelta(months=back), today=today)
    return written


def missing_months(*, months: int = 12, today: datetime.date | None = None) -> int:
    """How many of the last ``months`` months have no snapshot at all."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    wanted = {first - relativedelta(months=back) for back in range(months)}
    have = set(
        DistributorScore.objects.filter(kind=SnapshotKind.MONTH, period__in=wanted)
        .values_list("period", flat=True)
        .distinct()
    )
    return len(wanted - have)


def component_labels() -> dict[str, str]:
    """The name of each score component, as pages and exports show it."""
    return {
        "activity": _("Active staff"),
        "completions": _("Assignments completed"),
        "quizzes": _("Quiz success"),
        "webinars": _("Web-conferences"),
        "recency": _("Recency"),
        "certified": _("Certified staff"),
    }
