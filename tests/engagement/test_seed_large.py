import pytest
from django.core.management import call_command

from academy.models import EngagementEvent, User
from distributors.engagement.models import DistributorScore, PersonDay
from distributors.models import Distributor
from webinars.models import Session

pytestmark = pytest.mark.django_db


def test_seed_large_at_a_small_scale_fills_every_part_and_scores(capsys):
    call_command("seed_large", "--scale", "0.01")
    assert Distributor.objects.count() == 3
    assert User.objects.filter(role="learner").count() == 100
    assert EngagementEvent.objects.count() == 20_000
    assert Session.objects.count() == 6
    assert PersonDay.objects.exists()
    assert DistributorScore.objects.filter(kind="current").count() == 3
    with pytest.raises(Exception, match="already has people"):
        call_command("seed_large", "--scale", "0.01")


def test_seed_large_forced_in_production_gives_no_account_a_known_password(settings):
    settings.DEMO_DATA_ALLOWED = False
    call_command("seed_large", "--scale", "0.01", "--no-refresh", "--force-production")
    person = User.objects.filter(role="learner").first()
    assert person is not None and not person.has_usable_password()


@pytest.mark.postgres
def test_on_postgresql_the_seeded_tables_get_planner_statistics_at_once():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (ANALYZE and pg_class statistics): run with DATABASE_URL=postgres://..."
        )
    call_command("seed_large", "--scale", "0.01", "--no-refresh")
    with connection.cursor() as cursor:
        # reltuples is -1 for a table never analysed; ANALYZE sets it to the row count
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [EngagementEvent._meta.db_table])
        (estimated,) = cursor.fetchone()
    assert estimated == 20_000
