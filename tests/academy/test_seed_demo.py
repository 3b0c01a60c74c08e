import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from academy.demo import DEMO_PASSWORD
from academy.models import User

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"academy", "distributors", "courses", "webinars", "engagement"}
    }


def test_seed_demo_is_idempotent_and_prints_logins():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = _counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert _counts() == first
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for role in ("admin", "trainer", "manager", "lead", "learner"):
        assert f"  {role}" in text


def test_demo_covers_every_role_and_several_countries():
    call_command("seed_demo", stdout=io.StringIO())
    from distributors.models import Distributor, Membership, Territory

    assert User.objects.filter(role="admin").count() >= 1
    assert User.objects.filter(role="trainer").count() >= 1
    managers = User.objects.filter(role="manager")
    assert managers.count() >= 2
    territories_per_manager = [set(m.managed_territories.values_list("pk", flat=True)) for m in managers]
    assert territories_per_manager[0].isdisjoint(territories_per_manager[1])
    assert Territory.objects.count() >= 3
    countries = set(Distributor.objects.values_list("country", flat=True))
    assert {"SN", "CI", "CM"} <= countries and "BE" in countries
    for distributor in Distributor.objects.exclude(status="prospect"):
        assert Membership.objects.filter(distributor=distributor, role="lead").exists(), distributor
    assert Membership.objects.filter(left_on__isnull=False).exists()  # staff turnover
    lead = User.objects.get(email="fatou.ndiaye@biodiag-senegal.example")
    assert lead.check_password(DEMO_PASSWORD)


@pytest.mark.parametrize("command", ["seed_demo", "seed_large"])
def test_demo_data_is_refused_with_the_production_settings(settings, command):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="--force-production"):
        call_command(command, stdout=io.StringIO())
    assert not User.objects.exists()


def test_forced_demo_in_production_has_no_account_with_a_known_password(settings):
    settings.DEMO_DATA_ALLOWED = False
    out = io.StringIO()
    call_command("seed_demo", "--force-production", stdout=out)
    people = list(User.objects.all())
    assert len(people) > 20
    assert not [person.email for person in people if person.check_password(DEMO_PASSWORD)]
    assert DEMO_PASSWORD not in out.getvalue()
    assert "no password" in out.getvalue()
