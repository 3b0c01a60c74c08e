"""Distributor lifecycle, scorecards, engagement log and memberships."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from academy.errors import ApplicationError
from academy.models import EngagementEvent, Verb
from academy.services import activity_record
from distributors import services
from distributors.models import DistributorStatusChange, Membership
from tests.academy.factories import UserFactory
from tests.distributors.factories import DistributorFactory, MembershipFactory, ScorecardReviewFactory

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ status
def test_status_change_records_who_when_and_why(network):
    change = services.distributor_status_change(
        actor=network.manager_a,
        distributor=network.distributor_a,
        status="suspended",
        reason="Unpaid invoices",
    )
    network.distributor_a.refresh_from_db()
    assert network.distributor_a.status == "suspended"
    assert (change.from_status, change.to_status, change.changed_by, change.reason) == (
        "active",
        "suspended",
        network.manager_a,
        "Unpaid invoices",
    )
    history = list(network.distributor_a.status_changes.values_list("to_status", flat=True))
    assert history == ["suspended", "active"]


def test_status_can_walk_the_whole_lifecycle(network):
    distributor = DistributorFactory(territory=network.territory_a, status="prospect", country="CI")
    for status in ("onboarding", "active", "suspended", "active", "ended", "prospect"):
        services.distributor_status_change(
            actor=network.manager_a, distributor=distributor, status=status, reason="step"
        )
    assert distributor.status_changes.count() == 7


@pytest.mark.parametrize(
    ("start", "target"), [("active", "prospect"), ("active", "onboarding"), ("ended", "active")]
)
def test_invalid_transitions_are_refused_with_the_allowed_ones(network, start, target):
    distributor = DistributorFactory(territory=network.territory_a, status=start, country="CI")
    with pytest.raises(ApplicationError) as error:
        services.distributor_status_change(
            actor=network.manager_a, distributor=distributor, status=target, reason="why not"
        )
    assert error.value.code == "invalid_transition"
    assert "status" in error.value.fields
    distributor.refresh_from_db()
    assert distributor.status == start
    assert distributor.status_changes.count() == 1


def test_status_change_needs_a_reason_and_a_known_status(network):
    with pytest.raises(ApplicationError) as error:
        services.distributor_status_change(
            actor=network.manager_a, distributor=network.distributor_a, status="suspended", reason="  "
        )
    assert "reason" in error.value.fields
    with pytest.raises(ApplicationError) as error:
        services.distributor_status_change(
            actor=network.manager_a, distributor=network.distributor_a, status="bankrupt", reason="x"
        )
    assert "status" in error.value.fields
    with pytest.raises(ApplicationError) as error:
        services.distributor_status_change(
            actor=network.manager_a, distributor=network.distributor_a, status="active", reason="x"
        )
    assert error.value.code == "invalid_transition"


@pytest.mark.parametrize("person", ["manager_b", "lead_a", "staff_a", "trainer"])
def test_only_the_territory_managers_change_the_status(network, person):
    with pytest.raises(PermissionDenied):
        services.distributor_status_change(
            actor=getattr(network, person), distributor=network.distributor_a, status="ended", reason="x"
        )
    assert not DistributorStatusChange.objects.filter(to_status="ended").exists()


def test_admin_changes_any_status(network):
    services.distributor_status_change(
        actor=network.admin, distributor=network.distributor_b, status="ended", reason="Contract ended"
    )
    network.distributor_b.refresh_from_db()
    assert network.distributor_b.status == "ended"


# ------------------------------------------------------------------ distributors
def test_distributor_create_checks_country_and_account_manager(network):
    with pytest.raises(ApplicationError) as error:
        DistributorFactory(territory=network.territory_a, country="CM")
    assert "country" in error.value.fields
    with pytest.raises(ApplicationError) as error:
        DistributorFactory(territory=network.territory_a, country="SN", account_manager=network.trainer)
    assert "account_manager" in error.value.fields


def test_distributor_update(network):
    services.distributor_update(
        actor=network.manager_a, distributor=network.distributor_a, city=" Thiès ", is_exclusive=True
    )
    network.distributor_a.refresh_from_db()
    assert (network.distributor_a.city, network.distributor_a.is_exclusive) == ("Thiès", True)
    with pytest.raises(ApplicationError):
        services.distributor_update(
            actor=network.manager_a, distributor=network.distributor_a, status="ended"
        )
    with pytest.raises(ApplicationError) as error:
        services.distributor_update(actor=network.manager_a, distributor=network.distributor_a, country="CM")
    assert "country" in error.value.fields
    with pytest.raises(PermissionDenied):
        services.distributor_update(actor=network.lead_a, distributor=network.distributor_a, city="Touba")


# ------------------------------------------------------------------ scorecards
def test_scorecard_review_is_dated_and_averaged(network):
    review = ScorecardReviewFactory(
        actor=network.manager_a,
        distributor=network.distributor_a,
        payment_reliability=5,
        established_network=4,
        technical_competence=3,
        commitment=4,
        payment_reliability_notes=" Always on time ",
    )
    assert review.reviewed_on == timezone.localdate()
    assert review.reviewed_by == network.manager_a
    assert review.average == 4.0
    assert review.payment_reliability_notes == "Always on time"


@pytest.mark.parametrize("value", [0, 6, -1])
def test_scorecard_ratings_are_between_1_and_5(network, value):
    with pytest.raises(ApplicationError) as error:
        ScorecardReviewFactory(actor=network.manager_a, distributor=network.distributor_a, commitment=value)
    assert "commitment" in error.value.fields


def test_scorecard_review_date_cannot_be_in_the_future(network):
    with pytest.raises(ApplicationError) as error:
        ScorecardReviewFactory(
            actor=network.manager_a,
            distributor=network.distributor_a,
            reviewed_on=timezone.localdate() + datetime.timedelta(days=1),
        )
    assert "reviewed_on" in error.value.fields


@pytest.mark.parametrize("person", ["manager_b", "lead_a"])
def test_scorecard_only_by_territory_managers(network, person):
    with pytest.raises(PermissionDenied):
        ScorecardReviewFactory(actor=getattr(network, person), distributor=network.distributor_a)


# ------------------------------------------------------------------ engagement log
def test_engagement_record_defaults_to_the_current_distributor(network):
    event = activity_record(actor=network.staff_a, verb=Verb.LOGGED_IN)
    assert event.distributor == network.distributor_a
    staff_event = activity_record(actor=network.manager_a, verb=Verb.LOGGED_IN)
    assert staff_event.distributor is None
    explicit = activity_record(actor=network.staff_a, verb=Verb.LOGGED_IN, distributor=None)
    assert explicit.distributor is None


def test_engagement_record_fills_the_object_and_keeps_the_time_given(network):
    moment = timezone.now() - datetime.timedelta(days=40)
    event = activity_record(
        actor=network.staff_a,
        verb=Verb.FEEDBACK_GIVEN,
        obj=network.distributor_a,
        occurred_at=moment,
        minutes=-5,
        context={"rating": 4},
    )
    assert (event.object_type, event.object_id, event.object_name) == (
        "distributors.distributor",
        str(network.distributor_a.pk),
        "Dist A",
    )
    assert event.occurred_at == moment
    assert event.minutes == 0
    assert event.xapi_verb == "http://adlnet.gov/expapi/verbs/responded"


def test_engagement_record_refuses_unknown_verbs_and_large_contexts(network):
    with pytest.raises(ValueError, match="verb"):
        activity_record(actor=network.staff_a, verb="danced")
    with pytest.raises(ValueError, match="context"):
        activity_record(actor=network.staff_a, verb=Verb.LOGGED_IN, context={"x": "y" * 5000})
    assert not EngagementEvent.objects.filter(actor=network.staff_a, verb=Verb.LOGGED_IN).exists()


def test_events_stay_with_the_distributor_of_the_time(network):
    person = network.staff_a
    activity_record(actor=person, verb=Verb.LESSON_COMPLETED)
    services.membership_end(membership=person.memberships.get(), ended_by=network.lead_a)
    MembershipFactory(user=person, distributor=network.distributor_b)
    activity_record(actor=person, verb=Verb.LESSON_COMPLETED)
    distributors = list(
        EngagementEvent.objects.filter(actor=person, verb=Verb.LESSON_COMPLETED)
        .order_by("id")
        .values_list("distributor__name", flat=True)
    )
    assert distributors == ["Dist A", "Dist B"]
    assert person.memberships.count() == 2


# ------------------------------------------------------------------ memberships
def test_company_staff_cannot_become_members(network):
    with pytest.raises(ApplicationError) as error:
        services.membership_start(user=network.trainer, distributor=network.distributor_a)
    assert error.value.code == "not_a_learner"


def test_duplicate_active_membership_is_refused(network):
    with pytest.raises(ApplicationError) as error:
        services.membership_start(user=network.staff_a, distributor=network.distributor_b)
    assert error.value.code == "membership_exists"
    assert Membership.objects.filter(user=network.staff_a).count() == 1


def test_lead_removes_a_staff_member_with_a_reason(network):
    membership = network.staff_a.memberships.get()
    services.membership_remove(actor=network.lead_a, membership=membership, reason="Left the company")
    membership.refresh_from_db()
    assert membership.left_on == timezone.localdate()
    assert (membership.left_reason, membership.ended_by) == ("Left the company", network.lead_a)
    event = EngagementEvent.objects.get(actor=network.staff_a, verb=Verb.LEFT_DISTRIBUTOR)
    assert event.distributor == network.distributor_a
    assert event.context == {"reason": "Left the company"}


def test_reason_for_removal_is_optional(network):
    membership = services.membership_remove(
        actor=network.manager_a, membership=network.lead_a.memberships.get()
    )
    assert membership.left_reason == ""
    assert membership.ended_by == network.manager_a


@pytest.mark.parametrize(
    ("person", "target"), [("lead_b", "staff_a"), ("staff_a", "lead_a"), ("manager_b", "staff_a")]
)
def test_removal_outside_ones_team_is_forbidden(network, person, target):
    with pytest.raises(PermissionDenied):
        services.membership_remove(
            actor=getattr(network, person), membership=getattr(network, target).memberships.get()
        )
    assert getattr(network, target).memberships.get().left_on is None


def test_lead_cannot_remove_themselves(network):
    with pytest.raises(ApplicationError) as error:
        services.membership_remove(actor=network.lead_a, membership=network.lead_a.memberships.get())
    assert error.value.code == "remove_self"


def test_a_person_can_join_another_distributor_after_leaving(network):
    first = network.staff_a.memberships.get()
    services.membership_remove(actor=network.lead_a, membership=first)
    second = services.membership_start(user=network.staff_a, distributor=network.distributor_b)
    periods = list(network.staff_a.memberships.order_by("id").values_list("distributor__name", "left_on"))
    assert periods == [("Dist A", timezone.localdate()), ("Dist B", None)]
    assert second.is_active
    with pytest.raises(ApplicationError):
        services.membership_end(membership=first)


def test_leaving_date_cannot_precede_joining(network):
    person = UserFactory()
    membership = services.membership_start(
        user=person, distributor=network.distributor_a, joined_on=datetime.date(2025, 5, 1)
    )
    with pytest.raises(ApplicationError) as error:
        services.membership_end(membership=membership, left_on=datetime.date(2025, 4, 1))
    assert "left_on" in error.value.fields
