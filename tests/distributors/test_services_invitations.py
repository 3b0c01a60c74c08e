"""Invitations: who may invite whom, the e-mail, resend, revoke, accept."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from academy.errors import ApplicationError
from academy.models import EngagementEvent, User, Verb
from distributors import services
from distributors.models import Invitation, Membership, invitation_token_digest
from tests.academy.factories import UserFactory
from tests.distributors.factories import DistributorFactory, InvitationFactory

pytestmark = pytest.mark.django_db


def test_lead_invites_into_their_own_distributor(network):
    invitation = InvitationFactory(
        actor=network.lead_a, distributor=network.distributor_a, email=" New@Test.Example "
    )
    assert invitation.email == "new@test.example"
    assert invitation.status == "pending"
    assert invitation.invited_by == network.lead_a
    assert invitation.token and invitation.token_hash == invitation_token_digest(invitation.token)
    assert invitation.token not in invitation.token_hash
    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.expires_at - stored.created_at >= datetime.timedelta(days=13, hours=23)


@pytest.mark.parametrize(
    ("person", "distributor"),
    [
        ("lead_a", "distributor_b"),
        ("staff_a", "distributor_a"),
        ("manager_a", "distributor_b"),
        ("trainer", "distributor_a"),
    ],
)
def test_invitations_outside_ones_scope_are_forbidden(network, person, distributor):
    with pytest.raises(PermissionDenied):
        InvitationFactory(actor=getattr(network, person), distributor=getattr(network, distributor))
    assert not Invitation.objects.exists()


def test_only_managers_invite_a_lead(network):
    with pytest.raises(ApplicationError) as error:
        InvitationFactory(actor=network.lead_a, distributor=network.distributor_a, role="lead")
    assert "role" in error.value.fields
    invitation = InvitationFactory(actor=network.manager_a, distributor=network.distributor_a, role="lead")
    assert invitation.role == "lead"


@pytest.mark.parametrize(
    ("email", "field", "code"),
    [
        ("not-an-address", "email", "invalid"),
        ("trainer@test.example", "email", "staff_account"),
    ],
)
def test_bad_invitation_addresses(network, email, field, code):
    with pytest.raises(ApplicationError) as error:
        InvitationFactory(actor=network.lead_a, distributor=network.distributor_a, email=email)
    assert field in error.value.fields
    assert error.value.code == code


def test_a_current_member_cannot_be_invited_again(network):
    with pytest.raises(ApplicationError) as error:
        InvitationFactory(
            actor=network.lead_a, distributor=network.distributor_a, email=network.staff_a.email
        )
    assert error.value.code == "membership_exists"


def test_one_pending_invitation_per_address(network):
    InvitationFactory(actor=network.lead_a, distributor=network.distributor_a, email="x@test.example")
    with pytest.raises(ApplicationError) as error:
        InvitationFactory(actor=network.manager_a, distributor=network.distributor_a, email="x@test.example")
    assert error.value.code == "invitation_exists"
    # Another distributor may invite the same address.
    InvitationFactory(actor=network.lead_b, distributor=network.distributor_b, email="x@test.example")


def test_inviting_again_after_expiry_issues_the_invitation_again(network):
    first = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a, email="x@test.example")
    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        assert Invitation.objects.get(pk=first.pk).status == "expired"
        again = InvitationFactory(
            actor=network.lead_a, distributor=network.distributor_a, email="x@test.example"
        )
        assert again.pk == first.pk
        assert again.status == "pending"
        assert again.token != first.token
    assert Invitation.objects.count() == 1


def test_no_invitation_into_an_ended_partnership(network):
    distributor = DistributorFactory(territory=network.territory_a, status="ended", country="CI")
    with pytest.raises(ApplicationError) as error:
        InvitationFactory(actor=network.manager_a, distributor=distributor)
    assert error.value.code == "distributor_ended"


def test_invitation_email_in_the_invitees_language_after_commit(
    network, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invitation = InvitationFactory(
            actor=network.lead_a, distributor=network.distributor_a, language="en", send_email=True
        )
        assert mailoutbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [invitation.email]
    assert "Join the team of Dist A" in message.subject
    assert f"/distributors/invitations/{invitation.token}/" in message.body
    assert "expires on" in message.body
    invitation.refresh_from_db()
    assert invitation.sent_at is not None and invitation.send_count == 1


def test_invitation_email_in_french(network, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        InvitationFactory(
            actor=network.lead_a, distributor=network.distributor_a, language="fr", send_email=True
        )
    assert "Rejoignez l’équipe de Dist A" in mailoutbox[0].subject


def test_existing_account_gets_the_email_in_their_own_language(
    network, mailoutbox, django_capture_on_commit_callbacks
):
    person = UserFactory(language="en", email="known@test.example")
    with django_capture_on_commit_callbacks(execute=True):
        InvitationFactory(
            actor=network.lead_a,
            distributor=network.distributor_a,
            email=person.email,
            language="fr",
            send_email=True,
        )
    assert "Join the team" in mailoutbox[0].subject
    assert "sign in" in mailoutbox[0].body


def test_resend_issues_a_new_link(network, mailoutbox, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    old_token = invitation.token
    with django_capture_on_commit_callbacks(execute=True):
        again = services.invitation_resend(actor=network.lead_a, invitation=invitation)
    assert again.token != old_token
    assert again.token in mailoutbox[0].body
    assert Invitation.objects.get(pk=invitation.pk).token_hash == invitation_token_digest(again.token)


def test_resend_and_revoke_need_the_same_permission(network):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    for person in (network.lead_b, network.staff_a, network.manager_b):
        with pytest.raises(PermissionDenied):
            services.invitation_resend(actor=person, invitation=invitation)
        with pytest.raises(PermissionDenied):
            services.invitation_revoke(actor=person, invitation=invitation)


def test_revoked_invitation_cannot_be_resent_or_accepted(network):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    services.invitation_revoke(actor=network.manager_a, invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == "revoked" and invitation.revoked_by == network.manager_a
    with pytest.raises(ApplicationError) as error:
        services.invitation_resend(actor=network.lead_a, invitation=invitation)
    assert error.value.code == "invitation_revoked"
    with pytest.raises(ApplicationError) as error:
        _accept_new(invitation)
    assert error.value.code == "invitation_revoked"


def _accept_new(invitation, **overrides):
    data = {
        "first_name": "Khady",
        "last_name": "Gueye",
        "password": "savane-baobab-2026",
        "language": "en",
        "time_zone": "Africa/Dakar",
        **overrides,
    }
    return services.invitation_accept_new_account(invitation=invitation, **data)


def test_accepting_creates_the_account_and_the_membership(network):
    invitation = InvitationFactory(
        actor=network.lead_a, distributor=network.distributor_a, email="khady@test.example"
    )
    membership = _accept_new(invitation)
    user = membership.user
    assert (user.email, user.first_name, user.language, user.time_zone, user.country.code) == (
        "khady@test.example",
        "Khady",
        "en",
        "Africa/Dakar",
        "SN",
    )
    assert user.check_password("savane-baobab-2026")
    assert (membership.distributor, membership.role, membership.left_on) == (
        network.distributor_a,
        "staff",
        None,
    )
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    assert (invitation.accepted_by, invitation.membership) == (user, membership)
    assert EngagementEvent.objects.filter(actor=user, verb=Verb.INVITATION_ACCEPTED).count() == 1
    with pytest.raises(ApplicationError) as error:  # single use
        _accept_new(invitation)
    assert error.value.code == "invitation_used"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "password123"}, "password"),
        ({"password": "12345678901"}, "password"),
        ({"password": "khadygueye1"}, "password"),
        ({"first_name": " "}, "first_name"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"language": "de"}, "language"),
    ],
)
def test_accepting_validates_the_account(network, overrides, field):
    invitation = InvitationFactory(
        actor=network.lead_a, distributor=network.distributor_a, email="khadygueye@test.example"
    )
    with pytest.raises(ApplicationError) as error:
        _accept_new(invitation, **overrides)
    assert field in error.value.fields
    assert not User.objects.filter(email="khadygueye@test.example").exists()
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"


def test_expired_invitation_cannot_be_accepted(network):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    later = timezone.now() + datetime.timedelta(days=14, minutes=1)
    with time_machine.travel(later), pytest.raises(ApplicationError) as error:
        _accept_new(invitation)
    assert error.value.code == "invitation_expired"
    assert error.value.message.startswith("Cette invitation a expiré le ")


def test_existing_account_joins_after_signing_in(network):
    person = UserFactory(email="former@test.example")
    invitation = InvitationFactory(
        actor=network.manager_b, distributor=network.distributor_b, email=person.email, role="lead"
    )
    with pytest.raises(ApplicationError) as error:
        _accept_new(invitation)
    assert error.value.code == "account_exists"
    membership = services.invitation_accept_existing_account(invitation=invitation, user=person)
    assert (membership.user, membership.distributor, membership.role) == (
        person,
        network.distributor_b,
        "lead",
    )


def test_existing_account_must_be_the_one_invited(network):
    invitation = InvitationFactory(
        actor=network.lead_a, distributor=network.distributor_a, email="someone@test.example"
    )
    with pytest.raises(ApplicationError) as error:
        services.invitation_accept_existing_account(invitation=invitation, user=UserFactory())
    assert (error.value.code, error.value.status) == ("wrong_account", 403)


def test_member_of_another_distributor_must_leave_first(network):
    invitation = InvitationFactory(
        actor=network.lead_b, distributor=network.distributor_b, email=network.staff_a.email
    )
    with pytest.raises(ApplicationError) as error:
        services.invitation_accept_existing_account(invitation=invitation, user=network.staff_a)
    assert error.value.code == "membership_exists"
    assert "Dist A" in error.value.message
    assert Membership.objects.filter(user=network.staff_a, left_on__isnull=True).count() == 1
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"


def test_signing_in_attaches_the_one_pending_invitation(network):
    person = UserFactory(email="returning@test.example")
    invitation = InvitationFactory(
        actor=network.lead_a, distributor=network.distributor_a, email=person.email
    )
    membership = services.invitation_accept_on_login(user=person)
    assert membership is not None and membership.distributor == network.distributor_a
    assert Invitation.objects.get(pk=invitation.pk).status == "accepted"
    assert services.invitation_accept_on_login(user=person) is None


def test_signing_in_attaches_nothing_when_unclear(network):
    person = UserFactory(email="returning@test.example")
    assert services.invitation_accept_on_login(user=person) is None  # no invitation
    InvitationFactory(actor=network.lead_a, distributor=network.distributor_a, email=person.email)
    InvitationFactory(actor=network.lead_b, distributor=network.distributor_b, email=person.email)
    assert services.invitation_accept_on_login(user=person) is None  # two teams: they choose
    InvitationFactory(actor=network.lead_b, distributor=network.distributor_b, email=network.staff_a.email)
    assert services.invitation_accept_on_login(user=network.staff_a) is None  # still in a team
    expired = UserFactory(email="late@test.example")
    InvitationFactory(actor=network.lead_a, distributor=network.distributor_a, email=expired.email)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        assert services.invitation_accept_on_login(user=expired) is None
    assert not Membership.objects.filter(user__in=[person, expired]).exists()
