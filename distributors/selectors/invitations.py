"""Invitations, as their inviters see them and as a link finds them."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from academy.models import User
from distributors import scoping
from distributors.models import Invitation, InvitationStatus, invitation_token_digest


def invitation_visible_queryset(*, user: User) -> QuerySet[Invitation]:
    """Invitations the user may see, with distributor and inviter loaded.

    Admins: all. Managers: those of their territories' distributors. A lead:
    those of their distributor. Anyone else: none.
    """
    return scoping.visible(Invitation.objects.select_related("distributor", "invited_by"), user)


def invitation_status_q(status: str) -> Q:
    """A filter for invitations in ``status`` (computed from the dates, now)."""
    now = timezone.now()
    open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
    if status == InvitationStatus.ACCEPTED:
        return Q(accepted_at__isnull=False)
    if status == InvitationStatus.REVOKED:
        return Q(revoked_at__isnull=False)
    if status == InvitationStatus.EXPIRED:
        return open_ & Q(expires_at__lte=now)
    if status == InvitationStatus.PENDING:
        return open_ & Q(expires_at__gt=now)
    raise ValueError(f"Unknown invitation status: {status!r}")


def invitation_open_list(*, user: User, distributor_id: int) -> QuerySet[Invitation]:
    """The distributor's invitations still waiting for an answer (pending or
    expired, i.e. neither accepted nor revoked), soonest to expire first."""
    return (
        invitation_visible_queryset(user=user)
        .filter(distributor_id=distributor_id, accepted_at__isnull=True, revoked_at__isnull=True)
        .order_by("expires_at", "id")
    )


def invitation_for_token(*, token: str) -> Invitation | None:
    """The invitation a link's token belongs to (in any status), or None."""
    if not token or len(token) > 128:
        return None
    return (
        Invitation.objects.select_related("distributor", "invited_by")
        .filter(token_hash=invitation_token_digest(token))
        .first()
    )
