"""The network as engagement measures it: which distributors a person
follows, who was on each team on a given day, whom a message to a team
reaches. Lists cover every distributor at once (the scores are computed for
the whole network in one pass) or one distributor the caller already
checked access to."""

import datetime
from collections.abc import Sequence

from django.db.models import Q, QuerySet
from django.utils.functional import Promise

from academy.models import User
from distributors import scoping
from distributors.models import Distributor, DistributorStatus, Membership, MembershipRole


def distributor_followed_queryset(*, user: User) -> QuerySet[Distributor]:
    """Distributors whose engagement ``user`` follows: admins all, managers
    their territories' distributors, a lead their own; nobody else any."""
    return scoping.visible_distributors(user, staff=scoping.Staff.LEADS)


def distributor_ids() -> QuerySet[Distributor, int]:
    """The id of every distributor, whatever its status (one query)."""
    return Distributor.objects.values_list("pk", flat=True)


def distributor_status_choices() -> Sequence[tuple[str, str | Promise]]:
    """The statuses of a distributor's lifecycle, as (value, translatable label) choices."""
    return DistributorStatus.choices


def membership_open_on(*, day: datetime.date) -> QuerySet[Membership]:
    """Memberships open on ``day``, of every distributor: joined on or before
    it and not left by then (a person who leaves on a day is no longer on
    the team that day)."""
    return Membership.objects.filter(Q(joined_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gt=day)))


def team_current_users(*, distributor: Distributor, leads_only: bool = False) -> list[User]:
    """The people of the distributor's current team with an active account
    (only its lead(s) with ``leads_only``), by last then first name (one query)."""
    memberships = Membership.objects.filter(
        distributor=distributor, left_on__isnull=True, user__is_active=True
    ).select_related("user")
    if leads_only:
        memberships = memberships.filter(role=MembershipRole.LEAD)
    return [membership.user for membership in memberships.order_by("user__last_name", "user__first_name")]
