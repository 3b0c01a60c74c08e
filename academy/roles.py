"""Who is what.

An account carries one company role (``User.role``: learner, manager, trainer,
admin). Other roles are not stored on the account: a domain app contributes
them through :func:`role_source_register` (the distributors app gives "lead"
from the person's current membership, so it ends when they leave the
distributor). ``user_roles`` merges both into the set of role names the rest
of the code asks about.

"May this user do X on Y?" is asked with ``user.has_perm("<app>.<action>", y)``
(django-rules; each app declares its permissions in its ``rules.py``) or, in a
service, with :func:`academy.permissions.require`.
"""

from collections.abc import Callable, Iterable

from django.contrib.auth.models import AnonymousUser

from academy.models import Role, User

LEARNER = Role.LEARNER.value
LEAD = "lead"
MANAGER = Role.MANAGER.value
TRAINER = Role.TRAINER.value
ADMIN = Role.ADMIN.value

_CACHE_ATTR = "_academy_roles"

RoleSource = Callable[[User], Iterable[str]]
_sources: list[RoleSource] = []


def role_source_register(source: RoleSource) -> None:
    """Add a source of roles not stored on the account (called from an app's
    ``ready()``): ``source(user)`` names the extra roles ``user`` holds now."""
    if source not in _sources:
        _sources.append(source)


def user_roles(user: User | AnonymousUser) -> frozenset[str]:
    """Role names of ``user`` (empty for anonymous or inactive people).

    Cached on the user object for the length of a request.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    roles = {user.role}
    for source in _sources:
        roles.update(source(user))
    result = frozenset(roles)
    setattr(user, _CACHE_ATTR, result)
    return result


def forget_roles(user: User) -> None:
    """Drop the cached roles after a membership or role change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
