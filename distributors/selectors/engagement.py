"""Reads of the engagement log."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from academy import roles
from academy.models import EngagementEvent, User
from distributors.models import Distributor
from distributors.selectors.memberships import membership_current


def engagement_event_visible_queryset(*, user: User) -> QuerySet[EngagementEvent]:
    """Events the user may read, with actor and distributor loaded, newest first.

    Admins: all. Managers: the events of their territories' distributors. A
    lead: the events of their distributor and their own. Anyone else: their own.
    """
    granted = roles.user_roles(user)
    qs = EngagementEvent.objects.select_related("actor", "distributor").order_by("-occurred_at", "-id")
    if roles.ADMIN in granted:
        return qs
    if roles.MANAGER in granted:
        return qs.filter(distributor__territory__managers=user)
    if not granted:
        return qs.none()
    membership = membership_current(user=user)
    if membership is not None and membership.is_lead:
        return qs.filter(Q(distributor_id=membership.distributor_id) | Q(actor=user))
    return qs.filter(actor=user)


def engagement_recent(*, distributor: Distributor, limit: int = 15) -> list[EngagementEvent]:
    """The distributor's latest events with their actors (callers check access)."""
    return list(
        EngagementEvent.objects.filter(distributor=distributor)
        .select_related("actor")
        .order_by("-occurred_at", "-id")[:limit]
    )


def engagement_summary(*, distributor: Distributor, days: int = 30) -> dict[str, int]:
    """Events and distinct active people of the distributor over the last
    ``days`` days, in one query: ``{"events": n, "people": n}``."""
    since = timezone.now() - datetime.timedelta(days=days)
    return EngagementEvent.objects.filter(distributor=distributor, occurred_at__gte=since).aggregate(
        events=Count("id"), people=Count("actor", distinct=True)
    )
