"""The demo data of the distributors app: every state a page can show."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from academy.models import EngagementEvent
from distributors.models import (
    Distributor,
    FieldReport,
    FieldReportReply,
    Invitation,
    Membership,
    ScorecardReview,
)

pytestmark = pytest.mark.django_db


def test_demo_covers_the_distributor_states():
    call_command("seed_demo", stdout=io.StringIO())
    statuses = set(Distributor.objects.values_list("status", flat=True))
    assert statuses == {"prospect", "onboarding", "active", "suspended", "ended"}
    ended = Distributor.objects.get(status="ended")
    assert list(ended.status_changes.order_by("created_at").values_list("to_status", flat=True)) == [
        "prospect",
        "onboarding",
        "active",
        "suspended",
        "ended",
    ]
    assert all(change.reason for change in ended.status_changes.all())
    # Turnover: people who left, and one who moved to another distributor.
    assert Membership.objects.filter(left_on__isnull=False).count() >= 8
    mover = (
        Membership.objects.filter(left_on__isnull=False)
        .values("user")
        .filter(user__memberships__left_on__isnull=True)
    )
    assert mover.exists()
    assert ScorecardReview.objects.values("distributor").distinct().count() >= 8
    assert set(FieldReport.objects.values_list("status", flat=True)) == {
        "new",
        "acknowledged",
        "in_progress",
        "closed",
    }
    assert FieldReportReply.objects.exclude(body="").exists()
    assert FieldReport.objects.exclude(attachment="").exists()
    assert {invitation.status for invitation in Invitation.objects.all()} == {
        "pending",
        "accepted",
        "expired",
        "revoked",
    }


def test_demo_has_six_months_of_events_in_the_past():
    call_command("seed_demo", stdout=io.StringIO())
    now = timezone.now()
    oldest = (
        EngagementEvent.objects.exclude(verb__in=["joined_distributor", "left_distributor"])
        .order_by("occurred_at")
        .first()
    )
    assert now - oldest.occurred_at > datetime.timedelta(days=150)
    assert not EngagementEvent.objects.filter(occurred_at__gt=now + datetime.timedelta(minutes=1)).exists()
    assert EngagementEvent.objects.filter(verb="webinar_attended").exists()
    assert EngagementEvent.objects.filter(verb="certificate_issued").exists()
    # A suspended distributor drifts away: fewer events in the last two months than before.
    faso = Distributor.objects.get(name="Faso Diagnostic")
    recent = EngagementEvent.objects.filter(
        distributor=faso, occurred_at__gte=now - datetime.timedelta(days=60)
    ).count()
    earlier = EngagementEvent.objects.filter(
        distributor=faso,
        occurred_at__range=(now - datetime.timedelta(days=180), now - datetime.timedelta(days=120)),
    ).count()
    assert recent < earlier
    # Events of people who left stop at their leaving date.
    for membership in Membership.objects.filter(left_on__isnull=False).select_related("user"):
        late = EngagementEvent.objects.filter(
            actor=membership.user,
            distributor=membership.distributor,
            occurred_at__date__gt=membership.left_on + datetime.timedelta(days=7),
        ).exclude(verb="left_distributor")
        assert not late.exists(), membership
