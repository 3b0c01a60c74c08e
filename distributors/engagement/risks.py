"""At-risk rules: each a small function of a distributor's facts that
returns a reason (a dict with a ``code`` and the figures to explain it) or
None. Thresholds are settings (``ENGAGEMENT_RISK_*``). Reasons are stored
on the current score snapshot and worded in the reader's language by
:func:`risk_message`."""

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from courses.selectors import course_titles
from distributors.engagement.facts import DistributorFacts

if TYPE_CHECKING:  # scores imports the rules
    from distributors.engagement.scores import ScoreChange

Risk = dict[str, Any]


def rule_inactive(facts: DistributorFacts, *, today: datetime.date, **_: object) -> Risk | None:
    """No activity for ``ENGAGEMENT_RISK_INACTIVE_DAYS`` (30) days."""
    limit = settings.ENGAGEMENT_RISK_INACTIVE_DAYS
    if facts.staff == 0:
        return None
    if facts.last_activity_on is None:
        return {"code": "inactive", "days": None}
    days = (today - facts.last_activity_on).days
    return {"code": "inactive", "days": days} if days >= limit else None


def rule_missed_webinars(facts: DistributorFacts, **_: object) -> Risk | None:
    """Nobody attended the last ``ENGAGEMENT_RISK_MISSED_WEBINARS`` (2) monthly web-conferences."""
    needed = settings.ENGAGEMENT_RISK_MISSED_WEBINARS
    last = facts.last_sessions_attended
    if facts.staff == 0 or len(last) < needed or any(last[:needed]):
        return None
    return {"code": "missed_webinars", "count": needed}


def rule_overdue(facts: DistributorFacts, **_: object) -> Risk | None:
    """At least ``ENGAGEMENT_RISK_OVERDUE_ASSIGNMENTS`` (1) overdue assignment."""
    if facts.overdue >= max(1, settings.ENGAGEMENT_RISK_OVERDUE_ASSIGNMENTS):
        return {"code": "overdue", "count": facts.overdue}
    return None


def rule_onboarding(facts: DistributorFacts, **_: object) -> Risk | None:
    """A staff member who joined ``ENGAGEMENT_RISK_ONBOARDING_DAYS`` (14) or
    more days ago (within ``ENGAGEMENT_RISK_NEW_STAFF_DAYS``) has not opened
    a lesson of the onboarding path."""
    if not facts.onboarding_late:
        return None
    names = sorted(name for name, _joined in facts.onboarding_late)
    return {
        "code": "onboarding",
        "count": len(names),
        "names": names[:5],
        "days": settings.ENGAGEMENT_RISK_ONBOARDING_DAYS,
    }


def rule_score_drop(facts: DistributorFacts, *, change: "ScoreChange | None", **_: object) -> Risk | None:
    """The score fell by ``ENGAGEMENT_RISK_SCORE_DROP`` (20) points or more
    in 30 days, like for like: over the components that apply on both days
    (``scores.score_change``), so a component that started or stopped
    counting never raises it."""
    if change is None:
        return None
    drop = -change.points
    if drop >= settings.ENGAGEMENT_RISK_SCORE_DROP:
        return {"code": "score_drop", "points": drop, "before": change.before, "now": change.now}
    return None


def rule_certified_zero(facts: DistributorFacts, **_: object) -> Risk | None:
    """An assigned course had certified staff ``ENGAGEMENT_RISK_CERTIFIED_LOOKBACK_DAYS``
    (90) days ago and has none today (e.g. the certified people left)."""
    courses = [h.course_id for h in facts.headcounts if h.certified == 0 and h.certified_before > 0]
    if not courses:
        return None
    titles = course_titles(ids=courses)
    return {"code": "certified_zero", "courses": [titles.get(pk, "") for pk in courses]}


RULES: tuple[Callable[..., Risk | None], ...] = (
    rule_inactive,
    rule_missed_webinars,
    rule_overdue,
    rule_onboarding,
    rule_score_drop,
    rule_certified_zero,
)


def evaluate_risks(
    facts: DistributorFacts, *, change: "ScoreChange | None", today: datetime.date
) -> list[Risk]:
    """Every reason for which the distributor is at risk (empty: it is not).
    ``change`` is the like-for-like change over the last 30 days."""
    reasons = []
    for rule in RULES:
        reason = rule(facts, change=change, today=today)
        if reason is not None:
            reasons.append(reason)
    return reasons


def risk_message(risk: Risk) -> str:
    """The reason in the active language."""
    code = risk.get("code")
    if code == "inactive":
        if risk.get("days") is None:
            return _("No activity recorded yet")
        return ngettext("No activity for %(days)d day", "No activity for %(days)d days", risk["days"]) % risk
    if code == "missed_webinars":
        return (
            ngettext(
                "Missed the last monthly web-conference",
                "Missed the last %(count)d monthly web-conferences",
                risk["count"],
            )
            % risk
        )
    if code == "overdue":
        return ngettext("%(count)d overdue assignment", "%(count)d overdue assignments", risk["count"]) % risk
    if code == "onboarding":
        return ngettext(
            "%(count)d new staff member has not started the onboarding path after %(days)d days: %(names)s",
            "%(count)d new staff members have not started the onboarding path after %(days)d days: %(names)s",
            risk["count"],
        ) % {**risk, "names": ", ".join(risk.get("names", []))}
    if code == "score_drop":
        return _("Score down %(points)d points in a month, like for like (%(before)d → %(now)d)") % risk
    if code == "certified_zero":
        return _("No certified staff left on: %(courses)s") % {"courses": ", ".join(risk.get("courses", []))}
    return str(code)


RISK_CHOICES = [
    ("inactive", gettext_lazy("No recent activity")),
    ("missed_webinars", gettext_lazy("Missed web-conferences")),
    ("overdue", gettext_lazy("Overdue assignments")),
    ("onboarding", gettext_lazy("Onboarding not started")),
    ("score_drop", gettext_lazy("Score dropped")),
    ("certified_zero", gettext_lazy("No certified staff left")),
]
