"""Who is what.

An account carries one company role (``User.role``: learner, manager, trainer,
admin). Leading a distributor's team is not stored on the account: it comes
from the person's current membership (``distributors.Membership.role``), so it
ends when they leave the distributor. ``user_roles`` merges both into the set
of role names the rest of the code asks about.

"May this user do X on Y?" is asked with ``user.has_perm("<app>.<action>", y)``
(django-rules; each app declares its permissions in its ``rules.py``) or, in a
service, with :func:`academy.permissions.require`.
"""

from django.contrib.auth.models import AnonymousUser

from academy.models import Role, User

LEARNER = Role.LEARNER.value
LEAD = "lead"
MANAGER = Role.MANAGER.value
TRAINER = Role.TRAINER.value
ADMIN = Role.ADMIN.value

_CACHE_ATTR = "_academy_roles"


def user_roles(user: User | AnonymousUser) -> frozenset[str]:
    """Role names of ``user`` (empty for anonymous or inactive people).

    Cached on the user object for the length of a request.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from distributors.selectors import membership_current

    roles = {user.role}
    membership = membership_current(user=user)
    if membership is not None and membership.is_lead:
        roles.add(LEAD)
    result = frozenset(roles)
    setattr(user, _CACHE_ATTR, result)
    return result


def forget_roles(user: User) -> None:
    """Drop the cached roles after a membership or role change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
