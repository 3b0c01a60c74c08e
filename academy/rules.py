"""Role predicates shared by every app's rules.py."""

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
