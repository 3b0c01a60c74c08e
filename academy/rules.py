"""Role predicates shared by every app's rules.py, and the academy's own permissions."""

import rules

from academy import roles


@rules.predicate
def is_admin(user) -> bool:
    return roles.ADMIN in roles.user_roles(user)


@rules.predicate
def is_manager(user) -> bool:
    return roles.MANAGER in roles.user_roles(user)


@rules.predicate
def is_trainer(user) -> bool:
    return roles.TRAINER in roles.user_roles(user)


@rules.predicate
def is_learner(user) -> bool:
    return roles.LEARNER in roles.user_roles(user)


@rules.predicate
def is_lead(user) -> bool:
    return roles.LEAD in roles.user_roles(user)


is_company_staff = is_manager | is_trainer | is_admin

rules.add_perm("academy.view_api_docs", rules.is_authenticated)
rules.add_perm("academy.use_admin_site", is_admin)
