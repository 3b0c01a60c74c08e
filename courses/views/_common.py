from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from academy.permissions import can


def require_perm(request: HttpRequest, permission: str, obj: object | None = None) -> None:
    """403 unless the signed-in person has ``permission`` (on ``obj``)."""
    if not can(request.user, permission, obj):
        raise PermissionDenied


PAGE_SIZE = 12
