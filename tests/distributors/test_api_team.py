"""API: memberships and invitations."""

import pytest
from django.urls import reverse

from academy.services import activity_record
from distributors.models import Invitation, Membership
from tests.distributors.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db

JSON = "application/json"


def url(name, *args):
    return reverse(f"api:distributors-{name}", args=args)


# ------------------------------------------------------------------ memberships
@pytest.mark.parametrize("extra", [0, 3])
def test_membership_list_constant_queries(client, network, django_assert_num_queries, extra):
    for _index in range(extra):
        MembershipFactory(distributor=network.distributor_a)
    client.force_login(network.manager_a)
    with django_assert_num_queries(5):  # session, user, membership, count, rows
        body = client.get(url("membership-list")).json()
    assert body["count"] == 2 + extra
    assert {row["distributor"]["name"] for row in body["results"]} == {"Dist A"}


def test_membership_filters(client, network):
    client.force_login(network.admin)

    def get(**params):
        return client.get(url("membership-list"), params).json()["count"]

    assert get(role="lead") == 2
    assert get(distributor=network.distributor_b.pk) == 2
    assert get(active="false") == 0
    assert get(user=network.staff_a.pk) == 1
    response = client.get(url("membership-list"), {"role": "boss", "distributor": "x"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"role", "distributor"}


def test_membership_scoping(client, network):
    staff_b_membership = network.staff_b.memberships.get()
    client.force_login(network.staff_a)
    assert client.get(url("membership-list")).json()["count"] == 1
    assert client.get(url("membership-detail", staff_b_membership.pk)).status_code == 404
    client.force_login(network.lead_a)
    assert client.get(url("membership-list")).json()["count"] == 2
    assert client.get(url("membership-detail", staff_b_membership.pk)).status_code == 404
    client.force_login(network.trainer)
    assert client.get(url("membership-list")).json()["count"] == 0
    client.logout()
    assert client.get(url("membership-list")).status_code == 401


def test_lead_ends_a_membership_with_a_reason(client, network, django_assert_num_queries):
    membership = network.staff_a.memberships.get()
    client.force_login(network.lead_a)
    response = client.post(
        url("membership-end", membership.pk), {"reason": "Moved abroad"}, content_type=JSON
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["is_active"], body["left_reason"], body["ended_by"]["id"]) == (
        False,
        "Moved abroad",
        network.lead_a.pk,
    )
    response = client.post(url("membership-end", membership.pk), {}, content_type=JSON)
    assert response.status_code == 400 and response.json()["code"] == "membership_ended"


def test_membership_end_validation_and_isolation(client, network):
    membership = network.staff_a.memberships.get()
    client.force_login(network.lead_a)
    response = client.post(url("membership-end", membership.pk), {"reason": "x" * 2001}, content_type=JSON)
    assert response.status_code == 400 and "reason" in response.json()["fields"]
    response = client.post(url("membership-end", network.lead_a.memberships.get().pk), {}, content_type=JSON)
    assert response.status_code == 400 and response.json()["code"] == "remove_self"
    # Staff see their own membership (known) but may not end it; others' are unknown to them.
    client.force_login(network.staff_a)
    assert client.post(url("membership-end", membership.pk), {}, content_type=JSON).status_code == 403
    lead_membership = network.lead_a.memberships.get()
    assert client.post(url("membership-end", lead_membership.pk), {}, content_type=JSON).status_code == 404
    client.force_login(network.lead_b)
    assert client.post(url("membership-end", membership.pk), {}, content_type=JSON).status_code == 404
    client.force_login(network.manager_b)
    assert client.post(url("membership-end", membership.pk), {}, content_type=JSON).status_code == 404
    assert Membership.objects.filter(left_on__isnull=False).count() == 0


# ------------------------------------------------------------------ invitations
@pytest.mark.parametrize("extra", [0, 3])
def test_invitation_list_constant_queries(client, activity, django_assert_num_queries, extra):
    for _index in range(extra):
        InvitationFactory(actor=activity.lead_a, distributor=activity.distributor_a)
    client.force_login(activity.lead_a)
    with django_assert_num_queries(5):  # session, user, membership, count, rows
        body = client.get(url("invitation-list")).json()
    assert body["count"] == 2 + extra
    assert {row["distributor"]["name"] for row in body["results"]} == {"Dist A"}
    assert all(row["status"] == "pending" for row in body["results"])
    assert "token" not in body["results"][0] and "token_hash" not in body["results"][0]


def test_invitation_status_filter(client, activity):
    client.force_login(activity.manager_a)
    invitation = Invitation.objects.filter(distributor=activity.distributor_a).first()
    client.post(url("invitation-revoke", invitation.pk))

    def count(status):
        return client.get(url("invitation-list"), {"status": status}).json()["count"]

    assert [count(s) for s in ("pending", "revoked", "accepted", "expired")] == [1, 1, 0, 0]
    assert client.get(url("invitation-list"), {"status": "lost"}).status_code == 400


def test_invite_through_the_api(client, network, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(network.lead_a)
    payload = {"distributor": network.distributor_a.pk, "email": "Awa@Test.Example", "language": "en"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("invitation-list"), payload, content_type=JSON)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["email"], body["role"], body["status"], body["language"]) == (
        "awa@test.example",
        "staff",
        "pending",
        "en",
    )
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["awa@test.example"]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"email": "nope"}, {"email"}),
        ({"email": "a@test.example", "role": "boss", "language": "de"}, {"role", "language"}),
        ({"email": "a@test.example", "role": "lead"}, {"role"}),
        ({}, {"email"}),
    ],
)
def test_invitation_validation(client, network, payload, fields):
    client.force_login(network.lead_a)
    response = client.post(
        url("invitation-list"), {"distributor": network.distributor_a.pk, **payload}, content_type=JSON
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == fields
    assert not Invitation.objects.exists()


def test_duplicate_pending_invitation_and_current_member(client, network):
    client.force_login(network.manager_a)
    payload = {"distributor": network.distributor_a.pk, "email": "a@test.example"}
    assert client.post(url("invitation-list"), payload, content_type=JSON).status_code == 201
    response = client.post(url("invitation-list"), payload, content_type=JSON)
    assert response.status_code == 400 and response.json()["code"] == "invitation_exists"
    response = client.post(
        url("invitation-list"), {**payload, "email": network.staff_a.email}, content_type=JSON
    )
    assert response.status_code == 400 and response.json()["code"] == "membership_exists"


@pytest.mark.parametrize(("person", "code"), [("lead_a", 400), ("manager_a", 400), ("staff_b", 403)])
def test_cannot_invite_into_another_distributor(client, network, person, code):
    """An unknown distributor is an invalid choice (400); a learner of B may not invite into B (403)."""
    client.force_login(getattr(network, person))
    response = client.post(
        url("invitation-list"),
        {"distributor": network.distributor_b.pk, "email": "a@test.example"},
        content_type=JSON,
    )
    assert response.status_code == code
    if code == 400:
        assert "distributor" in response.json()["fields"]
    assert not Invitation.objects.exists()


def test_resend_and_revoke(client, network, mailoutbox, django_capture_on_commit_callbacks):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    client.force_login(network.lead_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("invitation-resend", invitation.pk))
    assert response.status_code == 200 and len(mailoutbox) == 1
    assert invitation.token not in mailoutbox[0].body  # a new link
    response = client.post(url("invitation-revoke", invitation.pk))
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    response = client.post(url("invitation-revoke", invitation.pk))
    assert response.status_code == 409 and response.json()["code"] == "invitation_revoked"


def test_resend_and_revoke_isolation(client, network):
    invitation = InvitationFactory(actor=network.lead_a, distributor=network.distributor_a)
    for person, code in (("lead_b", 404), ("manager_b", 404), ("staff_a", 404)):
        client.force_login(getattr(network, person))
        assert client.post(url("invitation-resend", invitation.pk)).status_code == code
        assert client.post(url("invitation-revoke", invitation.pk)).status_code == code
        assert client.get(url("invitation-detail", invitation.pk)).status_code == code
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"
    client.logout()
    assert client.post(url("invitation-revoke", invitation.pk)).status_code == 401


@pytest.mark.parametrize(
    ("name", "target", "person"),
    [
        ("territory-detail", "territory", "manager_a"),
        ("membership-detail", "membership", "lead_a"),
        ("invitation-detail", "invitation", "lead_a"),
        ("event-detail", "event", "manager_a"),
    ],
)
def test_detail_endpoints_query_counts(client, network, django_assert_num_queries, name, target, person):
    from academy.models import Verb

    objects = {
        "territory": lambda: network.territory_a,
        "membership": lambda: network.staff_a.memberships.get(),
        "invitation": lambda: InvitationFactory(actor=network.lead_a, distributor=network.distributor_a),
        "event": lambda: activity_record(actor=network.staff_a, verb=Verb.LOGGED_IN),
    }
    pk = objects[target]().pk
    client.force_login(getattr(network, person))
    expected = 5 if target == "territory" else 4  # session, user, membership, object (+ managers)
    with django_assert_num_queries(expected):
        assert client.get(url(name, pk)).status_code == 200
