"""Reads of the distributors app. Every selector that takes the acting user
returns only what that user may see."""

from django.db.models import Count, Q, QuerySet

from academy import roles
from academy.models import User
from distributors.models import Distributor, DistributorStatus, Membership, Territory

_MEMBERSHIP_CACHE = "_academy_current_membership"


def membership_current(*, user: User) -> Membership | None:
    """The person's open membership (with its distributor), or None.

    Cached on the user object for the length of a request.
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


def membership_cache_clear(*, user: User) -> None:
    if hasattr(user, _MEMBERSHIP_CACHE):
        delattr(user, _MEMBERSHIP_CACHE)
    roles.forget_roles(user)


def territory_list(*, user: User) -> QuerySet[Territory]:
    """Territories the user may see: all for admins, their own for managers."""
    granted = roles.user_roles(user)
    qs = Territory.objects.all()
    if roles.ADMIN in granted:
        return qs
    if roles.MANAGER in granted:
        return qs.filter(managers=user)
    return qs.none()


def distributor_visible_queryset(*, user: User) -> QuerySet[Distributor]:
    """Distributors the user may know exist.

    Admins: all. Managers: the distributors of their territories. A lead or staff member: only their
    current distributor. Anyone else: none.
    """
    granted = roles.user_roles(user)
    qs = Distributor.objects.all()
    if roles.ADMIN in granted:
        return qs
    if roles.MANAGER in granted:
        return qs.filter(territory__managers=user)
    membership = membership_current(user=user)
    if membership is not None:
        return qs.filter(pk=membership.distributor_id)
    return qs.none()


def team_current(*, distributor: Distributor) -> QuerySet[Membership]:
    """Open memberships of a distributor with their people, leads first."""
    return (
        Membership.objects.filter(distributor=distributor, left_on__isnull=True)
        .select_related("user")
        .order_by("role", "user__last_name", "user__first_name")
    )


def territory_overview(*, user: User) -> QuerySet[Territory]:
    """The user's visible territories, each with distributor counts
    (``n_total``, ``n_active``, ``n_onboarding``) and current staff
    headcount (``n_staff``)."""
    active_staff = Q(distributors__memberships__left_on__isnull=True)
    return territory_list(user=user).annotate(
        n_total=Count("distributors", distinct=True),
        n_active=Count(
            "distributors", filter=Q(distributors__status=DistributorStatus.ACTIVE), distinct=True
        ),
        n_onboarding=Count(
            "distributors", filter=Q(distributors__status=DistributorStatus.ONBOARDING), distinct=True
        ),
        n_staff=Count("distributors__memberships", filter=active_staff, distinct=True),
    )
