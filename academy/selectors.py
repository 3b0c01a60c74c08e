"""Reads of the academy shell."""

from django.db.models import QuerySet

from academy.models import ApiToken, EngagementEvent, ErasureRequest, ErasureStatus, Notification, User


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def activity_uncounted(*, limit: int) -> list[int]:
    """Ids of up to ``limit`` committed events the derived measures have not
    counted yet, lowest first (see ``EngagementEvent.counted``)."""
    return list(
        EngagementEvent.objects.filter(counted=False).order_by("id").values_list("id", flat=True)[:limit]
    )


def erasure_request_pending(*, user: User) -> ErasureRequest | None:
    """The person's own erasure request waiting for an administrator, if any."""
    return ErasureRequest.objects.filter(user=user, status=ErasureStatus.PENDING).first()


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The person's own API tokens (revoked and expired ones included), newest first."""
    return ApiToken.objects.filter(owner=user).order_by("-created_at", "-id")


def api_token_get(*, user: User, pk: int) -> ApiToken | None:
    """One of the person's own tokens; None for anybody else's (a page answers 404)."""
    return api_token_list(user=user).filter(pk=pk).first()


def api_token_by_prefix(*, prefix: str) -> ApiToken | None:
    """The token a request names, with its owner (one query), to authenticate it."""
    try:
        return ApiToken.objects.select_related("owner").get(prefix=prefix)
    except ApiToken.DoesNotExist:
        return None
