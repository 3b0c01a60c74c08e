"""Permissions of the distributors app (django-rules).

Object permissions take a Distributor. Visibility of lists is enforced by the
selectors; these answer "may this user act on this distributor"."""

import rules

from academy.rules import is_admin, is_manager
from distributors.selectors import membership_current


@rules.predicate
def is_lead_of(user, distributor) -> bool:
    if distributor is None:
        return False
    membership = membership_current(user=user)
    return bool(membership and membership.is_lead and membership.distributor_id == distributor.pk)


@rules.predicate
def is_member_of(user, distributor) -> bool:
    if distributor is None:
        return False
    membership = membership_current(user=user)
    return bool(membership and membership.distributor_id == distributor.pk)


@rules.predicate
def is_territory_manager_of(user, distributor) -> bool:
    if distributor is None:
        return False
    return is_manager(user) and distributor.territory.managers.filter(pk=user.pk).exists()


manages_distributor = is_admin | is_territory_manager_of

rules.add_perm("distributors.view_distributor", manages_distributor | is_member_of)
rules.add_perm("distributors.manage_distributor", manages_distributor)
rules.add_perm("distributors.view_team", manages_distributor | is_lead_of)
rules.add_perm("distributors.manage_team", manages_distributor | is_lead_of)
