import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from academy.errors import ApplicationError
from academy.models import EngagementEvent, Notification, OutgoingEmail, Verb
from academy.outbox import outboxes_drain
from distributors.engagement import tasks
from distributors.engagement.models import DistributorScore, EngagementDigest, Nudge
from distributors.engagement.selectors import nudge_effects, streak_weeks
from distributors.engagement.services import (
    digest_send,
    digests_dispatch,
    engagement_refresh,
    nudge_send,
    nudge_template_text,
)
from tests.engagement.conftest import activity

pytestmark = pytest.mark.django_db


def _messages(network, template="reconnect"):
    return {
        language: nudge_template_text(
            key=template, language=language, distributor=network.distributor_a, sender=network.manager_a
        )
        for language in ("fr", "en")
    }


def test_nudge_goes_to_each_recipient_in_their_language(network, django_capture_on_commit_callbacks):
    network.staff_a.language = "en"
    network.staff_a.save()
    with django_capture_on_commit_callbacks() as callbacks:
        nudge = nudge_send(
            actor=network.manager_a,
            distributor=network.distributor_a,
            audience="team",
            template="reconnect",
            messages=_messages(network),
        )
    assert callbacks, "the dispatcher is woken once the nudge commits"
    assert mail.outbox == []  # queued with the nudge, not sent inside the request
    assert OutgoingEmail.objects.filter(topic="engagement.nudge").count() == 2
    assert outboxes_drain().sent == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    assert "misses the team of Dist A" in by_address[network.staff_a.email].subject
    assert "Dist A" in by_address[network.lead_a.email].subject
    assert by_address[network.lead_a.email].subject != by_address[network.staff_a.email].subject
    assert Notification.objects.filter(user=network.staff_a, kind="engagement.nudge").count() == 1
    event = EngagementEvent.objects.get(verb=Verb.NUDGE_SENT)
    assert event.actor == network.manager_a and event.context["recipients"] == 2
    # Draining again sends nothing.
    assert outboxes_drain().sent == 0
    assert len(mail.outbox) == 2
    assert nudge.delivered_at is not None


def test_nudge_to_the_lead_only(network):
    nudge = nudge_send(
        actor=network.manager_a,
        distributor=network.distributor_a,
        audience="lead",
        template="webinar",
        messages=_messages(network, "webinar"),
    )
    assert list(nudge.recipients.all()) == [network.lead_a]


def test_nudge_checks_permission_and_text(network):
    with pytest.raises(PermissionDenied):
        nudge_send(
            actor=network.manager_b,
            distributor=network.distributor_a,
            audience="team",
            template="reconnect",
            messages=_messages(network),
        )
    with pytest.raises(ApplicationError) as error:
        nudge_send(
            actor=network.manager_a,
            distributor=network.distributor_a,
            audience="everyone",
            template="reconnect",
            messages={"fr": {"subject": "", "body": "x"}},
        )
    assert {"audience", "subject_fr", "subject_en", "body_en"} <= set(error.value.fields)
    assert not Nudge.objects.exists()


def test_nudge_effect_compares_the_two_weeks_before_and_after(network):
    nudge = nudge_send(
        actor=network.manager_a,
        distributor=network.distributor_a,
        audience="team",
        template="reconnect",
        messages=_messages(network),
    )
    sent = nudge.sent_at - datetime.timedelta(days=20)
    Nudge.objects.filter(pk=nudge.pk).update(sent_at=sent)
    activity(network.staff_a, days_ago=25)
    activity(network.staff_a, days_ago=15)
    activity(network.lead_a, days_ago=12)
    activity(network.staff_b, days_ago=12)  # not a recipient
    engagement_refresh()
    nudge.refresh_from_db()
    (effect,) = nudge_effects([nudge])
    assert (effect.before_days, effect.after_days, effect.complete) == (1, 2, True)


def test_weekly_digest_lists_at_risk_distributors_once_per_week(network):
    network.manager_a.language = "en"
    network.manager_a.save()
    activity(network.staff_a, days_ago=45)
    engagement_refresh()
    assert DistributorScore.objects.get(distributor=network.distributor_a, kind="current").is_at_risk
    monday = datetime.date(2026, 3, 2)
    assert digests_dispatch(today=monday) == 2  # both managers
    assert outboxes_drain().sent == 2
    message = next(m for m in mail.outbox if m.to == [network.manager_a.email])
    assert "Dist A" in message.body and "Dist B" not in message.body
    assert "No activity for" in message.body
    assert digest_send(manager=network.manager_a, week=monday + datetime.timedelta(days=3)) is None
    assert digests_dispatch(today=monday) == 0
    assert EngagementDigest.objects.filter(manager=network.manager_a).count() == 1
    assert digests_dispatch(today=monday + datetime.timedelta(days=7)) == 2
    assert outboxes_drain().sent == 2 and len(mail.outbox) == 4


def test_the_hourly_digest_run_waits_for_monday_six_in_the_managers_zone(network, time_machine):
    network.manager_a.time_zone = "Africa/Dakar"  # UTC+0
    network.manager_a.save()
    network.manager_b.time_zone = "Europe/Paris"  # UTC+1 in March
    network.manager_b.save()
    time_machine.move_to(datetime.datetime(2026, 3, 2, 4, 30, tzinfo=datetime.UTC), tick=False)
    assert digests_dispatch() == 0  # 04:30 in Dakar, 05:30 in Paris
    time_machine.move_to(datetime.datetime(2026, 3, 2, 5, 0, tzinfo=datetime.UTC), tick=False)
    assert digests_dispatch() == 1  # 06:00 in Paris
    assert EngagementDigest.objects.get().manager == network.manager_b
    time_machine.move_to(datetime.datetime(2026, 3, 4, 12, 0, tzinfo=datetime.UTC), tick=False)
    assert digests_dispatch() == 1  # a run missed on Monday: Dakar's digest on Wednesday
    assert digests_dispatch() == 0
    assert set(EngagementDigest.objects.values_list("week", flat=True)) == {datetime.date(2026, 3, 2)}


def test_refresh_tasks_are_safe_to_run_twice(network):
    activity(network.staff_a, days_ago=2)
    assert tasks.engagement_refresh() > 0
    first = list(
        DistributorScore.objects.order_by("distributor", "kind", "period").values_list("score", flat=True)
    )
    tasks.engagement_history()
    tasks.engagement_refresh()
    again = list(
        DistributorScore.objects.order_by("distributor", "kind", "period").values_list("score", flat=True)
    )
    assert first == again and len(first) == 2 * 13


def test_streak_counts_consecutive_weeks_and_this_week_does_not_break_it():
    today = datetime.date(2026, 3, 4)  # a Wednesday
    monday = datetime.date(2026, 3, 2)
    weeks = {monday - datetime.timedelta(weeks=n) for n in (1, 2, 3, 5)}
    assert streak_weeks(weeks, today) == (3, False)
    assert streak_weeks(weeks | {monday}, today) == (4, True)
    assert streak_weeks(set(), today) == (0, False)
