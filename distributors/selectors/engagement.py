"""Reads of the engagement log."""

import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone

from academy.models import EngagementEvent, User
from distributors import scoping
from distributors.models import Distributor


def engagement_event_visible_queryset(*, user: User) -> QuerySet[EngagementEvent]:
    """Events the user may read, with actor and distributor loaded, newest first.

    Admins: all. Managers: the events of their territories' distributors. A
    lead: the events of their distributor and their own. Anyone else: their own.
    """
    qs = EngagementEvent.objects.select_related("actor", "distributor").order_by("-occurred_at", "-id")
    return scoping.visible(qs, user, own_path="actor")


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
