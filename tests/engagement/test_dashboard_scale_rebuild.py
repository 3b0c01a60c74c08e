"""The rebuild at scale writes only what differs from the log (PostgreSQL),
and still leaves exactly the rows of a direct aggregation, whatever was
wrong, missing or extra in the tables before."""

import datetime
import random

import pytest
from django.db import connection

from academy.models import EngagementEvent
from distributors.engagement.models import DistributorDay, DistributorVerbDay, PersonDay
from distributors.engagement.rollups import rollups_rebuild
from tests.engagement.test_rollups import direct_aggregation, random_events, stored

pytestmark = pytest.mark.django_db


def row_versions(model) -> dict:
    """Each row's id and PostgreSQL row version (``xmin`` changes when a row is written)."""
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT id, xmin::text FROM "{model._meta.db_table}"')  # noqa: S608
        return dict(cursor.fetchall())


def test_rebuild_repairs_wrong_missing_and_extra_rows(network):
    random_events(random.Random(15), network, 150, days_back=70)
    rollups_rebuild()
    person = PersonDay.objects.order_by("pk").first()
    PersonDay.objects.filter(pk=person.pk).update(events=person.events + 5, minutes_learned=999)
    verb = DistributorVerbDay.objects.order_by("pk").first()
    verb.delete()
    day = DistributorDay.objects.order_by("day").first()
    stray = day.day + datetime.timedelta(days=1)
    DistributorDay.objects.filter(distributor_id=day.distributor_id, day=stray).delete()
    DistributorDay.objects.create(distributor_id=day.distributor_id, day=stray, events=3)  # an extra row
    result = rollups_rebuild()
    assert stored() == direct_aggregation()
    assert result.events == EngagementEvent.objects.count()
    assert result.person_days == PersonDay.objects.count()
    assert result.distributor_days == DistributorDay.objects.count()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row versions are PostgreSQL's")
def test_rebuild_of_unchanged_rollups_writes_nothing(network):
    random_events(random.Random(16), network, 120, days_back=50)
    rollups_rebuild()
    before = {model: row_versions(model) for model in (PersonDay, DistributorDay, DistributorVerbDay)}
    changed = PersonDay.objects.order_by("pk").first()
    PersonDay.objects.filter(pk=changed.pk).update(events=changed.events + 1)
    rollups_rebuild()
    after = {model: row_versions(model) for model in (PersonDay, DistributorDay, DistributorVerbDay)}
    assert after[DistributorDay] == before[DistributorDay]
    assert after[DistributorVerbDay] == before[DistributorVerbDay]
    rewritten = {pk for pk, version in after[PersonDay].items() if before[PersonDay].get(pk) != version}
    assert rewritten == {changed.pk}  # the one row put right, and no other
    assert stored() == direct_aggregation()
