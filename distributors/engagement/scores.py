"""The engagement score (0–100) of distributors and people, and the
snapshots dashboards read.

Components, each 0–100 over the rolling window (``ENGAGEMENT_SCORE_WINDOW_DAYS``,
90 days by default), and their weights (``ENGAGEMENT_SCORE_WEIGHTS``):

========== ====== ==============================================================
component  weight distributor (person)
========== ====== ==============================================================
activity   25     share of current staff active in the window (share of weeks
                  with activity since joining, at most the window)
completions 20    assignments due and completed / assignments due (own)
quizzes    10     quizzes passed / quizzes taken in the window
webinars   15     monthly web-conferences of the window attended by at least
                  one staff member (attended by the person since joining)
recency    15     100 up to ``ENGAGEMENT_RECENCY_FULL_DAYS`` (7) days since the
                  last activity, falling linearly to 0 at
                  ``ENGAGEMENT_RECENCY_ZERO_DAYS`` (60)
certified  15     average share of current staff certified on each assigned
                  course that is due (share of those the person is certified on)
========== ====== ==============================================================

Each share is rounded to the nearest whole percent (half to even, Python's
``round``) and kept within 0–100; so is the weighted mean.

A component that does not apply is left out and the score is the weighted
mean of the others; with none, the score is 0.

When a component applies
------------------------

The score as of a day D looks at the window W = D − 89 … D (both included).
A component enters it only when it applies over that window as a whole:

* **activity** and **recency** always apply (no staff or no activity: 0).
* **completions** applies when at least one assignee was *due* by the end
  of D (their due date on or before D). An assignment counts from its due
  date, not from the day it was made: one due tomorrow is not counted at
  all (even if already completed), one due today or earlier is counted
  among the assignments, and among the completed ones once completed.
* **certified** applies when an assigned course has an assignment due by the
  end of D and the distributor has staff; courses not yet due are left out.
* **quizzes** applies when at least one quiz was taken in W.
* **webinars** applies when at least one monthly web-conference was held in
  W (for a person: since they joined, within W).

Like for like
-------------

A score is compared with the score ``COMPARE_DAYS`` (30) days earlier
over the components that apply on *both* days, and only those:
both sides are recomputed as the weighted mean of that common set
(:func:`score_change`). For completions and certified, applying on both days
means applying for the whole comparison window (a due date, once passed,
stays passed, unless the assignment is cancelled); for quizzes and webinars it means a quiz taken and a
web-conference held in each of the two 90-day windows. A component that
starts (or stops) applying between the two days is named as such and left
out of the difference, so a new assignment or a first quiz never shows as a
drop. The score-drop alert (``risks.rule_score_drop``) reads this
like-for-like difference.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

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
from distributors.engagement.table_statistics import tables_analyze

COMPONENTS: tuple[str, ...] = ("activity", "completions", "quizzes", "webinars", "recency", "certified")

# How many days back the current score is compared with ("in a month").
COMPARE_DAYS = 30


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


@dataclass(frozen=True)
class ComponentChange:
    """One component compared on both days: its value before and now (0–100)."""

    name: str
    before: int
    now: int

    @property
    def points(self) -> int:
        return self.now - self.before


@dataclass(frozen=True)
class ScoreChange:
    """How a score moved, like for like: ``before`` and ``now`` are the
    weighted means of the components that apply on both days (``compared``),
    ``points`` is ``now - before``; ``started`` and ``stopped`` name the
    components that apply on only one of the two days (not compared)."""

    before: int
    now: int
    compared: list[ComponentChange] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)

    @property
    def points(self) -> int:
        return self.now - self.before


def score_change(before: dict[str, int | None] | None, now: dict[str, int | None]) -> ScoreChange | None:
    """The like-for-like change from the components ``before`` to ``now``
    (None when there is nothing before). Components in :data:`COMPONENTS` order."""
    if before is None:
        return None
    both = [name for name in COMPONENTS if before.get(name) is not None and now.get(name) is not None]
    return ScoreChange(
        before=weighted_score({name: before[name] for name in both}),
        now=weighted_score({name: now[name] for name in both}),
        compared=[ComponentChange(name, before[name], now[name]) for name in both],  # type: ignore[arg-type]
        started=[name for name in COMPONENTS if before.get(name) is None and now.get(name) is not None],
        stopped=[name for name in COMPONENTS if before.get(name) is not None and now.get(name) is None],
    )


def change_as_dict(change: ScoreChange | None) -> dict[str, Any] | None:
    """The change as stored on a snapshot and returned by the API."""
    if change is None:
        return None
    return {
        "before": change.before,
        "now": change.now,
        "points": change.points,
        "components": [
            {"component": c.name, "before": c.before, "now": c.now, "points": c.points}
            for c in change.compared
        ],
        "started": list(change.started),
        "stopped": list(change.stopped),
    }


def change_from_dict(data: dict[str, Any] | None) -> ScoreChange | None:
    if not data:
        return None
    return ScoreChange(
        before=data["before"],
        now=data["now"],
        compared=[ComponentChange(c["component"], c["before"], c["now"]) for c in data["components"]],
        started=list(data["started"]),
        stopped=list(data["stopped"]),
    )


def _signed(points: int) -> str:
    # A true minus sign, as the figures are read, not parsed.
    return f"+{points}" if points > 0 else f"\u2212{-points}" if points < 0 else "0"


def change_display(data: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a page or an e-mail shows of a stored change: the signed points,
    the like-for-like scores before and now, the direction and why."""
    change = change_from_dict(data)
    if change is None:
        return None
    direction = "up" if change.points > 0 else "down" if change.points < 0 else "same"
    return {
        "points": _signed(change.points),
        "before": change.before,
        "now": change.now,
        "direction": direction,
        "why": change_summary(data),
    }


def snapshot_components(snapshot: Any, prefix: str = "") -> dict[str, int | None]:
    """The components of a stored snapshot (or an annotated row, with ``prefix``)."""
    return {name: getattr(snapshot, prefix + name) for name in COMPONENTS}


def change_between(before: Any, now: Any) -> dict[str, Any] | None:
    """The like-for-like change between two stored snapshots (e.g. two
    consecutive months), as :func:`change_as_dict`; None if one is missing."""
    if before is None or now is None:
        return None
    return change_as_dict(score_change(snapshot_components(before), snapshot_components(now)))


def change_summary(data: dict[str, Any] | None) -> str:
    """Why the score changed, in the active language, e.g. "Assignments
    completed −30, Web-conferences +10; started to count (not compared):
    Quiz success". Empty when there is nothing to compare with."""
    change = change_from_dict(data)
    if change is None:
        return ""
    labels = component_labels()
    moved = [f"{labels[c.name]} {_signed(c.points)}" for c in change.compared if c.points]
    parts = [", ".join(moved) if moved else _("no component moved")]
    if change.started:
        parts.append(
            _("started to count (not compared): %(names)s")
            % {"names": ", ".join(labels[name] for name in change.started)}
        )
    if change.stopped:
        parts.append(
            _("stopped counting (not compared): %(names)s")
            % {"names": ", ".join(labels[name] for name in change.stopped)}
        )
    return pgettext("between the parts of why a score changed", "; ").join(parts)


def distributor_score(facts: DistributorFacts, as_of: datetime.date) -> Score:
    """The score of one distributor from its facts (no query)."""
    certified = [_percent(h.certified, h.staff) for h in facts.headcounts if h.staff and h.due]
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
    month_ago = today - datetime.timedelta(days=COMPARE_DAYS)
    earlier = {
        pk: distributor_score(item, month_ago).components
        for pk, item in distributor_facts(as_of=month_ago).items()
    }
    window = settings.ENGAGEMENT_SCORE_WINDOW_DAYS
    activity = _month_activity(today - datetime.timedelta(days=window - 1), today)
    rows: list[DistributorScore] = []
    headcounts: list[CertifiedHeadcount] = []
    for item in facts.values():
        score = distributor_score(item, today)
        change = score_change(earlier.get(item.distributor_id), score.components)
        risks = evaluate_risks(item, change=change, today=today)
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
                score_month_ago=change.before if change is not None else None,
                score_change=change_as_dict(change),
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
    tables_analyze(DistributorScore, CertifiedHeadcount, PersonScore)
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
