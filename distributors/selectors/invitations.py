"""Invitations, as their inviters see them and as a link finds them."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from academy import roles
from academy.models import User
from distributors.models import Invitation, InvitationStatus, invitation_token_digest
from distributors.selectors.memberships import membership_current


def invitation_visible_queryset(*, user: User) -> QuerySet[Invitation]:
    """Invitations the user may see, with distributor and inviter loaded.

    Admins: all. Managers: those of their territories' distributors. A lead:
    those of their distributor. Anyone else: none.
    """
    granted = roles.user_roles(user)
    qs = Invitation.objects.select_related("distributor", "invited_by")
    if roles.ADMIN in granted:
        return qs
    if roles.MANAGER in granted:
        return qs.filter(distributor__territory__managers=user)
    if roles.LEAD in granted:
        membership = membership_current(user=user)
        assert membership is not None  # lead-ness comes from the membership
        return qs.filter(distributor_id=membership.distributor_id)
    return qs.none()


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
