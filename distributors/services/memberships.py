"""Staff turnover: people joining and leaving distributors."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import Role, User, Verb
from academy.permissions import require
from academy.services import activity_record
from distributors import signals
from distributors.models import Distributor, Membership, MembershipRole
from distributors.selectors import membership_cache_clear
from distributors.services._base import full_clean, start_of


def _already_member_error(user: User) -> ApplicationError:
    return ApplicationError(
        _("%(person)s already belongs to a distributor; end that membership first.") % {"person": user},
        code="membership_exists",
    )


@transaction.atomic
def membership_start(
    *,
    user: User,
    distributor: Distributor,
    role: MembershipRole | str = MembershipRole.STAFF,
    job_title: str = "",
    joined_on: datetime.date | None = None,
) -> Membership:
    """Make ``user`` a member of ``distributor`` from ``joined_on`` (today by default).

    Refused (code ``membership_exists``) when the person already has an open
    membership: they must leave their current distributor first. Only
    distributor staff (learner accounts) can be members. Records
    ``joined_distributor`` and sends ``membership_started``.
    """
    if user.role != Role.LEARNER:
        raise ApplicationError(
            _("Company staff cannot be members of a distributor's team."), code="not_a_learner"
        )
    membership = Membership(
        user=user,
        distributor=distributor,
        role=role,
        job_title=job_title.strip(),
        joined_on=joined_on or timezone.localdate(),
    )
    full_clean(membership, validate_constraints=False)
    if Membership.objects.filter(user=user, left_on__isnull=True).exists():
        raise _already_member_error(user)
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:  # a concurrent request won the race
        raise _already_member_error(user) from error
    membership_cache_clear(user=user)
    activity_record(
        actor=user,
        verb=Verb.JOINED_DISTRIBUTOR,
        obj=distributor,
        distributor=distributor,
        occurred_at=start_of(membership.joined_on),
    )
    signals.membership_started.send(sender=Membership, membership=membership)
    return membership


@transaction.atomic
def membership_end(
    *,
    membership: Membership,
    ended_by: User | None = None,
    reason: str = "",
    left_on: datetime.date | None = None,
) -> Membership:
    """Close a membership (today by default). The person keeps their account
    and history; events already logged stay attached to this distributor.
    Records ``left_distributor`` and sends ``membership_ended``."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "distributor")
        .get(pk=membership.pk)
    )
    if membership.left_on is not None:
        raise ApplicationError(_("This person has already left."), code="membership_ended")
    left_on = left_on or timezone.localdate()
    if left_on < membership.joined_on:
        raise ApplicationError(
            _("The leaving date cannot be before the joining date."),
            fields={"left_on": [_("The leaving date cannot be before the joining date.")]},
        )
    membership.left_on = left_on
    membership.left_reason = reason.strip()
    membership.ended_by = ended_by
    membership.save(update_fields=["left_on", "left_reason", "ended_by", "updated_at"])
    membership_cache_clear(user=membership.user)
    activity_record(
        actor=membership.user,
        verb=Verb.LEFT_DISTRIBUTOR,
        obj=membership.distributor,
        distributor=membership.distributor,
        occurred_at=start_of(left_on),
        context={"reason": membership.left_reason} if membership.left_reason else None,
    )
    signals.membership_ended.send(sender=Membership, membership=membership)
    return membership


def membership_remove(*, actor: User, membership: Membership, reason: str = "") -> Membership:
    """A lead (their own distributor) or a manager (their territory) removes a
    staff member, with an optional reason. Leads cannot remove themselves:
    their manager does it, so a team is never left without anyone noticing.

    Raises PermissionDenied (403) for anyone else.
    """
    require(actor, "distributors.remove_member", membership.distributor)
    if membership.user_id == actor.pk:
        raise ApplicationError(
            _("You cannot remove yourself from the team; ask your manager."), code="remove_self"
        )
    if len(reason) > 2000:
        raise ApplicationError(
            _("The reason is too long (2,000 characters at most)."),
            fields={"reason": [_("The reason is too long (2,000 characters at most).")]},
        )
    return membership_end(membership=membership, ended_by=actor, reason=reason)
