"""Rollups under concurrent writers, on PostgreSQL: transactions that commit
out of id order are counted, any interleaving of writers and refreshes ends
equal to a recount of the log, and a rebuild never blocks the readers."""

import datetime
import random
import threading

import pytest
from django.db import OperationalError, connection, connections, transaction
from django.utils import timezone

from academy.models import EngagementEvent, Verb
from academy.services import activity_record
from distributors.engagement.models import DistributorDay, PersonDay
from distributors.engagement.rollups import rollups_rebuild, rollups_update
from tests.academy.factories import UserFactory
from tests.distributors.factories import DistributorFactory, MembershipFactory
from tests.engagement.test_rollups import direct_aggregation, stored

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL pointing at PostgreSQL (concurrent transactions)")


def _people(count: int) -> list:
    distributor = DistributorFactory()
    people = [UserFactory() for _ in range(count)]
    for person in people:
        MembershipFactory(user=person, distributor=distributor)
    return people


def _in_thread(target, errors: list) -> threading.Thread:
    def run():
        try:
            target()
        except BaseException as error:  # reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_an_event_committed_after_a_higher_id_is_counted():
    early, late = _people(2)
    rollups_update()  # what setting the people up recorded
    errors: list = []
    recorded, release = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            activity_record(actor=early, verb=Verb.LESSON_COMPLETED, minutes=7)
            recorded.set()
            assert release.wait(30)

    writer = _in_thread(slow_writer, errors)
    assert recorded.wait(30)
    later = activity_record(actor=late, verb=Verb.LOGGED_IN)  # a higher id, committed first
    assert rollups_update().events == 1
    release.set()
    writer.join(30)
    assert not errors
    earlier = EngagementEvent.objects.get(actor=early, verb=Verb.LESSON_COMPLETED)
    assert earlier.pk < later.pk
    assert rollups_update().events == 1
    assert stored() == direct_aggregation()
    assert not EngagementEvent.objects.filter(counted=False).exists()


def test_any_interleaving_of_writers_and_refreshes_ends_equal_to_a_recount():
    people = _people(6)
    errors: list = []
    done = threading.Event()
    now = timezone.now()

    def writer(seed: int):
        rng = random.Random(seed)
        for _ in range(15):
            with transaction.atomic():
                for _ in range(rng.randint(1, 3)):
                    activity_record(
                        actor=rng.choice(people),
                        verb=rng.choice(list(Verb)),
                        minutes=rng.choice([0, 5, 30]),
                        occurred_at=now - datetime.timedelta(hours=rng.randint(0, 24 * 40)),
                    )
                # Hold the transaction open a little: ids are taken, commits come out of order.
                threading.Event().wait(rng.random() / 50)

    def refresher():
        while not done.is_set():
            rollups_update(batch_size=7)

    writers = [_in_thread(lambda seed=seed: writer(seed), errors) for seed in range(4)]
    refreshing = _in_thread(refresher, errors)
    for thread in writers:
        thread.join(120)
    done.set()
    refreshing.join(120)
    assert not errors
    rollups_update()
    assert EngagementEvent.objects.count() >= 60
    assert stored() == direct_aggregation()


def test_readers_are_not_blocked_while_a_rebuild_writes():
    people = _people(3)
    for index, person in enumerate(people):
        for days_ago in (1, 40, 80):
            activity_record(
                actor=person,
                verb=Verb.LESSON_COMPLETED,
                minutes=index + 1,
                occurred_at=timezone.now() - datetime.timedelta(days=days_ago),
            )
    rollups_update()
    before = stored()
    reads: list[int] = []
    errors: list = []

    def reader():
        with connection.cursor() as cursor:
            # A reader that would wait for the rebuild's locks gives up at once.
            cursor.execute("SET lock_timeout = '500ms'")
        reads.append(PersonDay.objects.count() + DistributorDay.objects.count())

    def read_during(_month):
        _in_thread(reader, errors).join(30)

    rollups_rebuild(on_batch=read_during)
    assert not errors, errors
    assert len(reads) >= 3 and all(count > 0 for count in reads)
    assert stored() == before == direct_aggregation()


def test_the_old_blocking_rebuild_would_have_been_caught():
    """The reader check above bites: a lock like TRUNCATE's makes it fail."""
    _people(1)
    errors: list = []

    def reader():
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        PersonDay.objects.count()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {PersonDay._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        _in_thread(reader, errors).join(30)
    assert errors and isinstance(errors[0], OperationalError)
