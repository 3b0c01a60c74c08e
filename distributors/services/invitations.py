"""Invitations to join a distributor's team: issue, resend, revoke, accept."""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from academy import services as academy_services
from academy.errors import ApplicationError
from academy.messaging.services import message_send
from academy.models import Role, User, Verb
from academy.permissions import require
from academy.services import activity_record
from distributors.models import (
    INVITATION_VALIDITY,
    Distributor,
    DistributorStatus,
    Invitation,
    InvitationStatus,
    Membership,
    MembershipRole,
    invitation_token_digest,
)
from distributors.selectors import invitation_status_q
from distributors.services._base import full_clean
from distributors.services.memberships import membership_start


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, invitation_token_digest(token)


def invitation_accept_url(token: str) -> str:
    return settings.SITE_URL + reverse("distributors:invitation_accept", args=[token])


INVITATION_TOPIC = "distributors.invitation"
# The kind of message (registered in distributors.apps): e-mail only, never stopped.
INVITATION_KIND = INVITATION_TOPIC


def _email_key_prefix(invitation: Invitation) -> str:
    return f"invitation-{invitation.pk}-"


def _send_later(invitation: Invitation, token: str) -> None:
    """Queue the invitation e-mail for ``token`` in the outbox, in this
    transaction (an earlier link's e-mail still waiting is withdrawn). The
    e-mail is in the invitee's language (their account's, else the one
    chosen when inviting); it carries the link, so its body is kept only
    until it is sent."""
    academy_services.emails_withdraw(topic=INVITATION_TOPIC, key_prefix=_email_key_prefix(invitation))
    recipient = User.objects.filter(email=invitation.email).first()
    context = {
        "invitation": invitation,
        "distributor": invitation.distributor,
        "inviter": invitation.invited_by,
        "accept_url": invitation_accept_url(token),
        "has_account": recipient is not None,
    }
    if recipient is None:
        # Not saved: it only carries the address, name, language and time zone of the e-mail.
        inviter = invitation.invited_by
        recipient = User(
            email=invitation.email,
            first_name=invitation.first_name,
            last_name=invitation.last_name,
            language=invitation.language,
            time_zone=inviter.time_zone if inviter else "UTC",
        )
    # An address, not yet a person: e-mail only (the kind takes nothing else).
    message_send(
        key=_email_key_prefix(invitation) + invitation.token_hash[:24],
        kind=INVITATION_KIND,
        topic=INVITATION_TOPIC,
        user=recipient,
        template="distributors/emails/invitation",
        context=context,
        sensitive=True,  # the link signs the invitee up
    )
    invitation.sent_at = timezone.now()
    invitation.send_count += 1
    invitation.save(update_fields=["sent_at", "send_count", "updated_at"])


def invitation_problem(invitation: Invitation) -> tuple[str, str] | None:
    """Why ``invitation`` cannot be accepted now, as ``(code, message for the
    invitee)``, or None when it is pending."""
    status = invitation.status
    if status == InvitationStatus.ACCEPTED:
        return "invitation_used", _(
            "This invitation has already been used. Sign in with your e-mail address and password."
        )
    if status == InvitationStatus.REVOKED:
        return "invitation_revoked", _(
            "This invitation has been withdrawn. "
            "Ask your team lead or manager if you think this is a mistake."
        )
    if status == InvitationStatus.EXPIRED:
        return "invitation_expired", _(
            "This invitation expired on %(date)s. Ask your team lead or manager to send you a new one."
        ) % {"date": formats.date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")}
    return None


def _refuse_unusable(invitation: Invitation) -> None:
    problem = invitation_problem(invitation)
    if problem is not None:
        code, message = problem
        raise ApplicationError(message, code=code, status=409)


def _lock(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",)).select_related("distributor").get(pk=invitation.pk)
    )


def _normalised_email(email: str) -> str:
    email = User.objects.normalize_email((email or "").strip()).lower()
    try:
        validate_email(email)
    except ValidationError as error:
        message = _("Enter a valid e-mail address.")
        raise ApplicationError(message, fields={"email": [message]}) from error
    return email


@transaction.atomic
def invitation_create(
    *,
    actor: User,
    distributor: Distributor,
    email: str,
    role: MembershipRole | str = MembershipRole.STAFF,
    language: str | None = None,
    first_name: str = "",
    last_name: str = "",
    send_email: bool = True,
    validity: datetime.timedelta = INVITATION_VALIDITY,
) -> Invitation:
    """Invite ``email`` to join ``distributor`` with ``role``; the e-mail with
    the link is sent after commit (in the invitee's language).

    Leads invite into their own distributor (staff only); the territory's
    managers and administrators into any of theirs (403 otherwise). Refused:
    an ended partnership, a company staff address, someone already in the
    team, or an address with a pending invitation (resend it instead). An
    expired invitation to the same address is issued again.
    The returned instance carries the raw ``token`` (never stored).
    """
    require(actor, "distributors.invite_member", distributor)
    if role not in MembershipRole.values:
        message = _("Choose a role.")
        raise ApplicationError(message, fields={"role": [message]})
    if role == MembershipRole.LEAD and not actor.has_perm("distributors.manage_distributor", distributor):
        message = _("Only a manager can invite a team lead.")
        raise ApplicationError(message, code="lead_invitation", fields={"role": [message]})
    if distributor.status == DistributorStatus.ENDED:
        raise ApplicationError(
            _("The partnership with this distributor has ended; nobody can be invited."),
            code="distributor_ended",
        )
    email = _normalised_email(email)
    language = language or settings.LANGUAGE_CODE
    existing = User.objects.filter(email=email).first()
    if existing is not None and existing.role != Role.LEARNER:
        message = _("This address belongs to a company staff account.")
        raise ApplicationError(message, code="staff_account", fields={"email": [message]})
    if (
        existing is not None
        and Membership.objects.filter(user=existing, distributor=distributor, left_on__isnull=True).exists()
    ):
        message = _("This person is already a member of the team.")
        raise ApplicationError(message, code="membership_exists", fields={"email": [message]})

    token, digest = _new_token()
    now = timezone.now()
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .filter(distributor=distributor, email=email, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if invitation is not None and invitation.expires_at > now:
        message = _("An invitation to this address is already pending; resend it from the list if needed.")
        raise ApplicationError(message, code="invitation_exists", fields={"email": [message]})
    if invitation is None:
        invitation = Invitation(distributor=distributor, email=email)
    invitation.role = role
    invitation.language = language
    invitation.first_name = first_name.strip()
    invitation.last_name = last_name.strip()
    invitation.invited_by = actor
    invitation.token_hash = digest
    invitation.expires_at = now + validity
    invitation.sent_at = None
    full_clean(invitation, exclude=["token_hash"], validate_constraints=False)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as error:  # a concurrent invitation to the same address
        message = _("An invitation to this address is already pending; resend it from the list if needed.")
        raise ApplicationError(message, code="invitation_exists", fields={"email": [message]}) from error
    invitation.token = token
    if send_email:
        _send_later(invitation, token)
    return invitation


@transaction.atomic
def invitation_resend(
    *, actor: User, invitation: Invitation, validity: datetime.timedelta = INVITATION_VALIDITY
) -> Invitation:
    """Send a pending or expired invitation again with a new link (the old
    one stops working) valid for ``validity`` from now. Refused once accepted
    or revoked. Same permission as inviting."""
    require(actor, "distributors.invite_member", invitation.distributor)
    invitation = _lock(invitation)
    if not invitation.is_open:
        _refuse_unusable(invitation)
    token, digest = _new_token()
    invitation.token_hash = digest
    invitation.expires_at = timezone.now() + validity
    invitation.sent_at = None
    invitation.save(update_fields=["token_hash", "expires_at", "sent_at", "updated_at"])
    invitation.token = token
    _send_later(invitation, token)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    """Withdraw an invitation that has not been accepted: its link stops
    working. Same permission as inviting."""
    require(actor, "distributors.invite_member", invitation.distributor)
    invitation = _lock(invitation)
    if not invitation.is_open:
        _refuse_unusable(invitation)
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = actor
    invitation.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    academy_services.emails_withdraw(topic=INVITATION_TOPIC, key_prefix=_email_key_prefix(invitation))
    return invitation


def _mark_accepted(invitation: Invitation, user: User) -> Membership:
    membership = membership_start(user=user, distributor=invitation.distributor, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.membership = membership
    invitation.save(update_fields=["accepted_at", "accepted_by", "membership", "updated_at"])
    activity_record(
        actor=user, verb=Verb.INVITATION_ACCEPTED, obj=invitation, distributor=invitation.distributor
    )
    return membership


@transaction.atomic
def invitation_accept_new_account(
    *,
    invitation: Invitation,
    first_name: str,
    last_name: str,
    password: str,
    language: str,
    time_zone: str,
) -> Membership:
    """Accept a pending invitation by creating the invitee's account (name,
    password checked by the password validators, language, time zone) and
    their membership. The link is used up. Refused (409) when the invitation
    is not pending, and (400) when the address already has an account: that
    person signs in and accepts with :func:`invitation_accept_existing_account`.
    """
    invitation = _lock(invitation)
    _refuse_unusable(invitation)
    if User.objects.filter(email=invitation.email).exists():
        raise ApplicationError(
            _("An account already uses this address: sign in to accept the invitation."),
            code="account_exists",
        )
    errors: dict[str, list[str]] = {}
    first_name, last_name = first_name.strip(), last_name.strip()
    if not first_name:
        errors["first_name"] = [_("Enter your first name.")]
    if not last_name:
        errors["last_name"] = [_("Enter your last name.")]
    candidate = User(email=invitation.email, first_name=first_name, last_name=last_name)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    user = academy_services.user_create(
        email=invitation.email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        language=language,
        time_zone=time_zone,
        country=str(invitation.distributor.country),
    )
    return _mark_accepted(invitation, user)


@transaction.atomic
def invitation_accept_existing_account(*, invitation: Invitation, user: User) -> Membership:
    """Attach the signed-in ``user`` to the invitation's distributor. The
    invitation must be pending and addressed to the user's e-mail; a person
    still in another team must leave it first (code ``membership_exists``)."""
    invitation = _lock(invitation)
    _refuse_unusable(invitation)
    if user.email.lower() != invitation.email:
        raise ApplicationError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email},
            code="wrong_account",
            status=403,
        )
    if user.role != Role.LEARNER:
        raise ApplicationError(
            _("Company staff cannot be members of a distributor's team."), code="not_a_learner"
        )
    current = Membership.objects.select_related("distributor").filter(user=user, left_on__isnull=True).first()
    if current is not None:
        raise ApplicationError(
            _(
                "You still belong to %(distributor)s. Ask your team lead or manager there to end your "
                "membership, then open this link again."
            )
            % {"distributor": current.distributor},
            code="membership_exists",
        )
    return _mark_accepted(invitation, user)


def invitation_accept_on_login(*, user: User) -> Membership | None:
    """Attach a person who has just signed in to the team that invited their
    address: done when they belong to no team and exactly one pending
    invitation is addressed to them (with several, they choose through the
    links). Returns the new membership, or None when nothing changed; it
    never raises, so signing in cannot fail because of an invitation."""
    if user.role != Role.LEARNER or Membership.objects.filter(user=user, left_on__isnull=True).exists():
        return None
    pending = list(
        Invitation.objects.filter(invitation_status_q(InvitationStatus.PENDING), email=user.email.lower())[:2]
    )
    if len(pending) != 1:
        return None
    try:
        return invitation_accept_existing_account(invitation=pending[0], user=user)
    except ApplicationError:  # accepted or withdrawn meanwhile: the sign-in goes on
        return None
