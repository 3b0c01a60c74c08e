"""One entry point to ask and enforce permissions in services."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from academy.models import User


def can(user: User | AnonymousUser, permission: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``permission`` (e.g. ``"distributors.invite_member"``) on ``obj``."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(permission, obj))


def require(user: User | AnonymousUser, permission: str, obj: Any = None) -> None:
    """Raise ``PermissionDenied`` (403) unless :func:`can` allows it."""
    if not can(user, permission, obj):
        raise PermissionDenied(_("You are not allowed to do this."))
