"""Home page panels of engagement measurement (called by distributors.home)."""

from django.utils import timezone

from academy import roles
from academy.home import Panel
from academy.http import AuthenticatedHttpRequest
from distributors.engagement.models import DistributorScore, SnapshotKind
from distributors.engagement.risks import risk_message
from distributors.engagement.selectors import engagement_distributors, learning_weeks, streak_weeks
from distributors.selectors import membership_current


def panels(request: AuthenticatedHttpRequest, granted: frozenset[str]) -> list[Panel]:
    user = request.user
    result: list[Panel] = []
    if roles.MANAGER in granted or roles.ADMIN in granted:
        visible = engagement_distributors(user=user).order_by().values("pk")
        at_risk = list(
            DistributorScore.objects.filter(
                kind=SnapshotKind.CURRENT, is_at_risk=True, distributor__in=visible
            )
            .select_related("distributor")
            .order_by("score", "distributor__name")[:6]
        )
        for row in at_risk:
            # Shown by the panel beside the score (one reason, the first).
            row.first_reason = risk_message(row.risks[0]) if row.risks else ""  # type: ignore[attr-defined]
        count = (
            len(at_risk)
            if len(at_risk) < 6
            else DistributorScore.objects.filter(
                kind=SnapshotKind.CURRENT, is_at_risk=True, distributor__in=visible
            ).count()
        )
        result.append(
            Panel(
                "engagement/home/_manager.html",
                {"at_risk": at_risk, "at_risk_count": count},
                order=15,
            )
        )
    if roles.LEAD in granted:
        membership = membership_current(user=user)
        if membership is not None:
            current = DistributorScore.objects.filter(
                distributor_id=membership.distributor_id, kind=SnapshotKind.CURRENT
            ).first()
            result.append(Panel("engagement/home/_lead.html", {"current": current}, order=12))
    if roles.LEARNER in granted and membership_current(user=user) is not None:
        today = timezone.localdate()
        streak, _this_week = streak_weeks(learning_weeks(user=user, today=today, weeks=26), today)
        result.append(Panel("engagement/home/_learner.html", {"streak": streak}, order=14))
    return result


__all__ = ["panels"]
