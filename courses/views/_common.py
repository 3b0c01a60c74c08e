from django.core.exceptions import PermissionDenied

from academy.http import AuthenticatedHttpRequest
from academy.permissions import can


def require_perm(request: AuthenticatedHttpRequest, permission: str, obj: object | None = None) -> None:
    """403 unless the signed-in person has ``permission`` (on ``obj``)."""
    if not can(request.user, permission, obj):
        raise PermissionDenied


PAGE_SIZE = 12
