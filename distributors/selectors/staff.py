"""Who works for which distributor, now or on a given day: what other apps'
services read to attribute work to the right team and to reach its staff."""

import datetime

from django.db.models import Q
from django.utils import timezone

from academy.models import User
from distributors.models import Distributor, Membership
from distributors.selectors.memberships import membership_current


def distributor_on(*, user: User, day: datetime.date) -> Distributor | None:
    """The distributor ``user`` belonged to on ``day``: from today on their
    current one (:func:`membership_current`, cached on the user), before
    that the one whose membership was open that day (the latest joined), so
    history recorded with past dates is attributed to the right team after
    staff turnover."""
    if day >= timezone.localdate():
        membership = membership_current(user=user)
        return membership.distributor if membership else None
    membership = (
        Membership.objects.filter(user=user, joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=day))
        .select_related("distributor")
        .order_by("-joined_on")
        .first()
    )
    return membership.distributor if membership else None


def team_current_by_user(*, distributor: Distributor) -> dict[int, Membership]:
    """The distributor's current memberships with their people, keyed by the
    person's id (one query)."""
    return {
        membership.user_id: membership
        for membership in Membership.objects.filter(
            distributor=distributor, left_on__isnull=True
        ).select_related("user")
    }
