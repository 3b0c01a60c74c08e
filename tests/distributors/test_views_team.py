"""Team pages: my distributor, invitations, removing a member, accepting an invitation."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from academy.models import EngagementEvent, User, Verb
from distributors import services
from distributors.models import Invitation, Membership
from tests.academy.factories import UserFactory
from tests.distributors.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ my distributor
@pytest.mark.parametrize("extra", [0, 3])
def test_lead_sees_the_team_and_pending_invitations(client, network, django_assert_num_queries, extra):
    for index in range(extra):
        MembershipFactory(distributor=network.distributor_a)
        InvitationFactory(
            actor=network.lead_a, distributor=network.distributor_a, email=f"x{index}@test.example"
        )
    client.force_login(network.lead_a)
    # session, user, membership, history, team, invitations, unread notifications
    with django_assert_num_queries(7):
        response = client.get(reverse("distributors:mine"))
    body = response.content.decode()
    assert str(network.staff_a) in body
    assert (
        reverse(
            "distributors:member_remove",
            args=[network.distributor_a.pk, network.staff_a.memberships.get().pk],
        )
        in body
    )
    assert "Invitations en attente" in body
    if extra:
        assert "x0@test.example" in body
    assert str(network.staff_b) not in body


def test_staff_sees_their_distributor_but_no_team_actions(client, network):
    client.force_login(network.staff_a)
    body = client.get(reverse("distributors:mine")).content.decode()
    assert "Dist A" in body
    assert reverse("distributors:invitations", args=[network.distributor_a.pk]) not in body
    assert f"/distributors/{network.distributor_a.pk}/members/" not in body


def test_history_shows_every_period(client, network):
    services.membership_remove(actor=network.lead_a, membership=network.staff_a.memberships.get())
    services.membership_start(user=network.staff_a, distributor=network.distributor_b)
    client.force_login(network.staff_a)
    body = client.get(reverse("distributors:mine")).content.decode()
    assert "Dist A" in body and "Dist B" in body


def test_person_without_distributor_gets_an_empty_state(client):
    client.force_login(UserFactory())
    body = client.get(reverse("distributors:mine")).content.decode()
    assert "Vous n’êtes rattaché à aucun distributeur" in body


def test_my_distributor_needs_sign_in(client):
    assert client.get(reverse("distributors:mine")).status_code == 302


# ------------------------------------------------------------------ invitations page
def test_lead_invites_from_the_page(client, network, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(network.lead_a)
    page = reverse("distributors:invitations", args=[network.distributor_a.pk])
    body = client.get(page).content.decode()
    assert 'value="lead"' not in body  # leads invite staff only
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            page, {"email": "awa@test.example", "role": "staff", "language": "en"}, follow=True
        )
    assert "awa@test.example" in response.content.decode()
    assert Invitation.objects.get().invited_by == network.lead_a
    assert len(mailoutbox) == 1


def test_manager_may_invite_a_lead(client, network):
    client.force_login(network.manager_a)
    page = reverse("distributors:invitations", args=[network.distributor_a.pk])
    assert 'value="lead"' in client.get(page).content.decode()
    client.post(page, {"email": "lead@test.example", "role": "lead", "language": "fr"})
    assert Invitation.objects.get().role == "lead"


@pytest.mark.parametrize(
    "data",
    [
        {"email": "not an address", "role": "staff", "language": "fr"},
        {"email": "x@test.example", "role": "lead", "language": "fr"},
        {"email": "x@test.example", "role": "staff", "language": "de"},
        {},
    ],
)
def test_invitation_form_errors(client, network, data):
    client.force_login(network.lead_a)
    response = client.post(reverse("distributors:invitations", args=[network.distributor_a.pk]), data)
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not Invitation.objects.exists()


def test_current_member_and_duplicate_are_refused_next_to_the_field(client, network):
    client.force_login(network.lead_a)
    page = reverse("distributors:invitations", args=[network.distributor_a.pk])
    response = client.post(page, {"email": network.staff_a.email, "role": "staff", "language": "fr"})
    assert response.status_code == 400
    assert "Cette personne fait déjà partie de l’équipe." in response.content.decode()


@pytest.mark.parametrize(
    ("person", "code"), [("staff_a", 403), ("lead_b", 404), ("manager_b", 404), ("trainer", 404)]
)
def test_invitations_page_isolation(client, network, person, code):
    client.force_login(getattr(network, person))
    page = reverse("distributors:invitations", args=[network.distributor_a.pk])
    assert client.get(page).status_code == code
    assert (
        client.post(page, {"email": "x@test.example", "role": "staff", "language": "fr"}).status_code == code
    )
    assert not Invitation.objects.exists()


def test_resend_and_revoke_from_the_page(client, network, mailoutbox, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    client.force_login(network.lead_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("distributors:invitation_resend", args=[network.distributor_a.pk, invitation.pk])
        )
    assert response.status_code == 302 and response.url == reverse("distributors:mine")
    assert len(mailoutbox) == 1
    client.post(reverse("distributors:invitation_revoke", args=[network.distributor_a.pk, invitation.pk]))
    assert Invitation.objects.get().status == "revoked"
    response = client.post(
        reverse("distributors:invitation_revoke", args=[network.distributor_a.pk, invitation.pk]), follow=True
    )
    assert "Cette invitation a été retirée." in response.content.decode()


@pytest.mark.parametrize("person", ["lead_b", "manager_b", "staff_a"])
def test_resend_and_revoke_isolation(client, network, person):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    client.force_login(getattr(network, person))
    for name in ("invitation_resend", "invitation_revoke"):
        assert (
            client.post(
                reverse(f"distributors:{name}", args=[network.distributor_a.pk, invitation.pk])
            ).status_code
            == 404
        )
    # The invitation's distributor must match the address.
    client.force_login(network.lead_b)
    assert (
        client.post(
            reverse("distributors:invitation_revoke", args=[network.distributor_b.pk, invitation.pk])
        ).status_code
        == 404
    )
    assert Invitation.objects.get().status == "pending"


def test_resend_needs_post(client, network):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    client.force_login(network.lead_a)
    assert (
        client.get(
            reverse("distributors:invitation_resend", args=[network.distributor_a.pk, invitation.pk])
        ).status_code
        == 405
    )


# ------------------------------------------------------------------ remove a member
def test_lead_removes_a_member_with_a_reason(client, network):
    membership = network.staff_a.memberships.get()
    client.force_login(network.lead_a)
    page = reverse("distributors:member_remove", args=[network.distributor_a.pk, membership.pk])
    assert str(network.staff_a) in client.get(page).content.decode()
    response = client.post(page, {"reason": "Left for a competitor"})
    assert response.status_code == 302 and response.url == reverse("distributors:mine")
    membership.refresh_from_db()
    assert (membership.left_reason, membership.ended_by) == ("Left for a competitor", network.lead_a)


def test_manager_removes_without_reason(client, network):
    membership = network.lead_a.memberships.get()
    client.force_login(network.manager_a)
    response = client.post(
        reverse("distributors:member_remove", args=[network.distributor_a.pk, membership.pk]), {}
    )
    assert response.status_code == 302 and response.url == reverse(
        "distributors:detail", args=[network.distributor_a.pk]
    )
    membership.refresh_from_db()
    assert membership.left_on is not None and membership.left_reason == ""


def test_remove_form_errors(client, network):
    client.force_login(network.lead_a)
    own = network.lead_a.memberships.get()
    response = client.post(reverse("distributors:member_remove", args=[network.distributor_a.pk, own.pk]), {})
    assert response.status_code == 400
    assert "Vous ne pouvez pas vous retirer vous-même" in response.content.decode()
    other = network.staff_a.memberships.get()
    response = client.post(
        reverse("distributors:member_remove", args=[network.distributor_a.pk, other.pk]),
        {"reason": "x" * 2001},
    )
    assert response.status_code == 400
    assert Membership.objects.filter(left_on__isnull=False).count() == 0


@pytest.mark.parametrize(("person", "code"), [("staff_a", 403), ("lead_b", 404), ("manager_b", 404)])
def test_remove_isolation(client, network, person, code):
    membership = network.staff_a.memberships.get()
    client.force_login(getattr(network, person))
    page = reverse("distributors:member_remove", args=[network.distributor_a.pk, membership.pk])
    assert client.post(page, {}).status_code == code
    assert client.get(page).status_code == code
    membership.refresh_from_db()
    assert membership.left_on is None


def test_member_of_another_distributor_is_not_found_here(client, network):
    client.force_login(network.lead_a)
    other = network.staff_b.memberships.get()
    assert (
        client.post(
            reverse("distributors:member_remove", args=[network.distributor_a.pk, other.pk]), {}
        ).status_code
        == 404
    )


# ------------------------------------------------------------------ accepting an invitation
def _accept_url(invitation):
    return reverse("distributors:invitation_accept", args=[invitation.token])


ACCOUNT = {
    "first_name": "Khady",
    "last_name": "Gueye",
    "password1": "savane-baobab-2026",
    "password2": "savane-baobab-2026",
    "language": "en",
    "time_zone": "Africa/Dakar",
}


def test_new_person_accepts_and_is_signed_in(client, network, django_assert_max_num_queries):
    invitation = InvitationFactory(
        actor=network.lead_a, distributor=network.distributor_a, email="khady@test.example"
    )
    page = client.get(_accept_url(invitation))
    assert page.status_code == 200
    assert 'name="password1"' in page.content.decode()
    response = client.post(_accept_url(invitation), ACCOUNT, follow=True)
    assert response.redirect_chain[-1][0] == reverse("academy:home")
    body = response.content.decode()
    assert "Welcome to the team of Dist A!" in body  # in the language just chosen
    user = User.objects.get(email="khady@test.example")
    assert response.context["user"] == user
    assert user.memberships.get().distributor == network.distributor_a
    assert EngagementEvent.objects.filter(actor=user, verb=Verb.LOGGED_IN).exists()
    client.logout()
    again = client.get(_accept_url(invitation))
    assert again.status_code == 410
    assert "Cette invitation a déjà été utilisée." in again.content.decode()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password1": "short", "password2": "short"}, "Ce mot de passe est trop court."),
        ({"password2": "something-else-2026"}, "Les deux mots de passe sont différents."),
        ({"password1": "12345678901", "password2": "12345678901"}, "entièrement numérique"),
        ({"first_name": ""}, "errorlist"),
        ({"time_zone": "Mars/Olympus"}, "errorlist"),
    ],
)
def test_accept_form_errors(client, network, changes, message):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    response = client.post(_accept_url(invitation), {**ACCOUNT, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(email=invitation.email).exists()


def test_unknown_expired_and_revoked_links_explain_themselves(client, network):
    response = client.get(reverse("distributors:invitation_accept", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "Ce lien d’invitation n’est pas valide." in response.content.decode()
    expired = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        response = client.get(_accept_url(expired))
        assert response.status_code == 410
        assert "Cette invitation a expiré le" in response.content.decode()
        assert client.post(_accept_url(expired), ACCOUNT).status_code == 410
    revoked = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    services.invitation_revoke(actor=network.lead_a, invitation=revoked)
    response = client.get(_accept_url(revoked))
    assert response.status_code == 410
    assert "Cette invitation a été retirée." in response.content.decode()
    assert not User.objects.filter(email__in=[expired.email, revoked.email]).exists()


def test_resent_invitation_makes_the_old_link_invalid(client, network):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    old = _accept_url(invitation)
    services.invitation_resend(actor=network.lead_a, invitation=invitation)
    assert client.get(old).status_code == 404


def test_existing_account_joins_when_signing_in_from_the_link(client, network):
    person = UserFactory(email="returning@test.example")
    invitation = InvitationFactory(
        actor=network.lead_b, distributor=network.distributor_b, email=person.email
    )
    page = client.get(_accept_url(invitation)).content.decode()
    login = reverse("academy:login") + "?next=" + _accept_url(invitation).replace("/", "%2F")
    assert login in page
    response = client.post(
        reverse("academy:login"),
        {"username": person.email, "password": "correct-horse-battery", "next": _accept_url(invitation)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("distributors:mine")
    assert "Bienvenue dans l’équipe de Dist B !" in response.content.decode()
    assert person.memberships.get().distributor == network.distributor_b
    assert Invitation.objects.get().status == "accepted"


def test_existing_account_confirms_when_several_teams_invited_them(client, network):
    person = UserFactory(email="returning@test.example")
    first = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a, email=person.email)
    second = InvitationFactory(actor=network.lead_b, distributor=network.distributor_b, email=person.email)
    client.force_login(person)  # two invitations: nothing is decided for them
    assert not person.memberships.exists()
    assert "Rejoindre Dist B" in client.get(_accept_url(second)).content.decode()
    response = client.post(_accept_url(second))
    assert response.status_code == 302 and response.url == reverse("distributors:mine")
    assert person.memberships.get().distributor == network.distributor_b
    response = client.post(_accept_url(first))
    assert response.status_code == 400
    assert "Vous faites encore partie de Dist B." in response.content.decode()


def test_signed_in_as_someone_else(client, network):
    invitation = InvitationFactory(
        actor=network.lead_b, distributor=network.distributor_b, email="returning@test.example"
    )
    UserFactory(email="returning@test.example")
    client.force_login(network.staff_a)
    response = client.get(_accept_url(invitation))
    assert response.status_code == 403
    assert client.post(_accept_url(invitation)).status_code == 403
    assert not network.staff_a.memberships.filter(distributor=network.distributor_b).exists()
    # A new address while signed in: sign out first.
    fresh = InvitationFactory(
        actor=network.lead_b, distributor=network.distributor_b, email="fresh@test.example"
    )
    body = client.get(_accept_url(fresh)).content.decode()
    assert "déconnectez-vous" in body
    assert client.post(_accept_url(fresh), ACCOUNT).status_code == 200
    assert not User.objects.filter(email="fresh@test.example").exists()


def test_member_elsewhere_must_leave_first(client, network):
    invitation = InvitationFactory(
        actor=network.lead_b, distributor=network.distributor_b, email=network.staff_a.email
    )
    client.force_login(network.staff_a)
    response = client.post(_accept_url(invitation))
    assert response.status_code == 400
    assert "Dist A" in response.content.decode()
    assert Invitation.objects.get().status == "pending"
