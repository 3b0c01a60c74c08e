"""One entry point to ask and enforce permissions in services."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.utils.translation import gettext as _

from academy.models import User


def can(user: User | AnonymousUser, permission: str, obj: Model | None = None) -> bool:
    """Whether ``user`` may do ``permission`` (e.g. ``"distributors.invite_member"``) on ``obj``."""
    return bool(user.is_authenticated and user.is_active and user.has_perm(permission, obj))  # type: ignore[arg-type]


def require(user: User | AnonymousUser, permission: str, obj: Model | None = None) -> None:
    """Raise ``PermissionDenied`` (403) unless :func:`can` allows it."""
    if not can(user, permission, obj):
        raise PermissionDenied(_("You are not allowed to do this."))
