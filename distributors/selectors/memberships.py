"""Who belongs (and belonged) to which distributor."""

from django.db.models import F, QuerySet

from academy import roles
from academy.models import User
from distributors import scoping
from distributors.models import Distributor, Membership

_MEMBERSHIP_CACHE = "_academy_current_membership"


def membership_current(*, user: User) -> Membership | None:
    """The person's open membership (with its distributor and territory), or None.

    Cached on the user object for the length of a request; services that
    change memberships clear it (:func:`membership_cache_clear`).
    """
    if not user.is_authenticated:
        return None
    if hasattr(user, _MEMBERSHIP_CACHE):
        return getattr(user, _MEMBERSHIP_CACHE)
    membership = (
        Membership.objects.select_related("distributor", "distributor__territory")
        .filter(user=user, left_on__isnull=True)
        .first()
    )
    setattr(user, _MEMBERSHIP_CACHE, membership)
    return membership


def membership_roles(user: User) -> frozenset[str]:
    """The roles a person holds through their current membership ("lead"
    while they lead a team); the kernel's role registry asks this."""
    membership = membership_current(user=user)
    return frozenset({roles.LEAD}) if membership is not None and membership.is_lead else frozenset()


def membership_distributor(user: User) -> Distributor | None:
    """The distributor a person belongs to now (None for company staff); the
    activity log attaches each new event to it."""
    membership = membership_current(user=user)
    return membership.distributor if membership else None


def membership_cache_clear(*, user: User) -> None:
    if hasattr(user, _MEMBERSHIP_CACHE):
        delattr(user, _MEMBERSHIP_CACHE)
    roles.forget_roles(user)


def team_current(*, distributor: Distributor) -> QuerySet[Membership]:
    """Open memberships of a distributor with their people, leads first."""
    return (
        Membership.objects.filter(distributor=distributor, left_on__isnull=True)
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name")
    )


def teams_current(*, distributors: "QuerySet[Distributor]") -> QuerySet[Membership]:
    """Open memberships of several distributors (a subquery-friendly set:
    callers pick the columns they need)."""
    return Membership.objects.filter(distributor__in=distributors, left_on__isnull=True)


def distributor_memberships(*, distributor: Distributor) -> QuerySet[Membership]:
    """Every membership of a distributor, current and past, with the person
    and who ended it: current ones first (leads first), then by leaving date."""
    return (
        Membership.objects.filter(distributor=distributor)
        .select_related("user", "ended_by")
        .order_by(F("left_on").desc(nulls_first=True), "role", "user__last_name", "user__first_name", "id")
    )


def membership_history(*, user: User) -> QuerySet[Membership]:
    """The person's own memberships, newest first (every period shows)."""
    return Membership.objects.filter(user=user).select_related("distributor").order_by("-joined_on", "-id")


def membership_visible_queryset(*, user: User) -> QuerySet[Membership]:
    """Memberships the user may see, with person and distributor.

    Admins: all. Managers: those of their territories' distributors. A lead:
    every membership of their distributor, and their own. Anyone else: their
    own.
    """
    return scoping.visible(
        Membership.objects.select_related("user", "distributor", "ended_by"), user, own_path="user"
    )
