import datetime
import random
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from academy.models import EngagementEvent, Verb
from academy.services import activity_record
from distributors.engagement.models import MEASURES, DistributorDay, DistributorVerbDay, PersonDay
from distributors.engagement.rollups import ACTION_VERBS, COUNTED_VERBS, rollups_rebuild, rollups_update

pytestmark = pytest.mark.django_db


def direct_aggregation():
    """The rollups computed in Python straight from the log."""
    people: dict = defaultdict(lambda: dict.fromkeys(MEASURES, 0))
    distributors: dict = defaultdict(lambda: {**dict.fromkeys(MEASURES, 0), "active_people": set()})
    verbs: dict = defaultdict(int)
    for event in EngagementEvent.objects.all():
        day = event.occurred_at.astimezone(datetime.UTC).date()
        targets = [people[(event.actor_id, day)]]
        if event.distributor_id:
            row = distributors[(event.distributor_id, day)]
            if event.verb in ACTION_VERBS:
                row["active_people"].add(event.actor_id)
            targets.append(row)
            verbs[(event.distributor_id, day, event.verb)] += 1
        for row in targets:
            row["events"] += 1
            row["actions"] += event.verb in ACTION_VERBS
            for measure, verb in COUNTED_VERBS.items():
                row[measure] += event.verb == verb
            if event.verb in (Verb.LESSON_VIEWED, Verb.LESSON_COMPLETED, Verb.REPLAY_WATCHED):
                row["minutes_learned"] += event.minutes
            if event.verb == Verb.WEBINAR_ATTENDED:
                row["minutes_attended"] += event.minutes
    for row in distributors.values():
        row["active_people"] = len(row["active_people"])
    return dict(people), dict(distributors), dict(verbs)


def stored():
    people = {
        (row.user_id, row.day): {m: getattr(row, m) for m in MEASURES} for row in PersonDay.objects.all()
    }
    distributors = {
        (row.distributor_id, row.day): {
            **{m: getattr(row, m) for m in MEASURES},
            "active_people": row.active_people,
        }
        for row in DistributorDay.objects.all()
    }
    verbs = {(r.distributor_id, r.day, r.verb): r.events for r in DistributorVerbDay.objects.all()}
    return people, distributors, verbs


def random_events(rng, network, count, *, days_back=60):
    actors = [network.lead_a, network.staff_a, network.lead_b, network.staff_b, network.manager_a]
    now = timezone.now()
    for _ in range(count):
        actor = rng.choice(actors)
        verb = rng.choice(list(Verb))
        activity_record(
            actor=actor,
            verb=verb,
            object_type="courses.lesson",
            object_id=rng.randint(1, 5),
            minutes=rng.choice([0, 5, 12, 40]),
            occurred_at=now - datetime.timedelta(minutes=rng.randint(0, days_back * 24 * 60)),
        )


def test_incremental_equals_rebuild_equals_direct_aggregation(network):
    rng = random.Random(7)
    random_events(rng, network, 150)
    rollups_update()
    assert stored() == direct_aggregation()

    # Back-filled history (past dates, later ids) and today's events.
    random_events(rng, network, 80, days_back=400)
    random_events(rng, network, 20, days_back=0)
    result = rollups_update()
    assert result.events == 100
    incremental = stored()
    assert incremental == direct_aggregation()

    rollups_rebuild()
    assert stored() == incremental

    # Nothing new: nothing changes, running twice is harmless.
    assert rollups_update().events == 0
    assert stored() == incremental


def test_late_committed_event_inside_the_overlap_is_counted(network):
    activity_record(actor=network.staff_a, verb=Verb.LOGGED_IN)
    rollups_update()
    late = activity_record(actor=network.staff_a, verb=Verb.LESSON_COMPLETED, minutes=9)
    # Simulate a cursor that already moved past this id (it committed after a later one).
    from distributors.engagement.models import RollupCursor

    RollupCursor.objects.filter(name="rollups").update(last_event_id=late.pk)
    activity_record(actor=network.staff_b, verb=Verb.LOGGED_IN)
    rollups_update()
    assert stored() == direct_aggregation()


def test_engagement_rebuild_command(network, capsys):
    random_events(random.Random(3), network, 40)
    call_command("engagement_rebuild")
    assert stored() == direct_aggregation()
    assert f"{EngagementEvent.objects.count()} events" in capsys.readouterr().out
