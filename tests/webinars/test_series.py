"""Recurrence in local time across daylight saving, idempotent generation,
rule edits that follow through to sessions nobody changed by hand."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.utils import translation

from academy.errors import ApplicationError
from tests.webinars.conftest import reminders_send
from tests.webinars.factories import SeriesFactory
from webinars import recurrence, services
from webinars.models import Session, SessionStatus

UTC = datetime.UTC
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
ABIDJAN = zoneinfo.ZoneInfo("Africa/Abidjan")


def _first_thursdays(time_zone: str, after: datetime.datetime, limit: int = 6):
    return recurrence.occurrences(
        rule="FREQ=MONTHLY;BYDAY=1TH",
        start_date=datetime.date(2026, 1, 1),
        start_time=datetime.time(14, 0),
        time_zone=time_zone,
        after=after,
        limit=limit,
    )


def test_first_thursday_at_14_paris_stays_14_local_across_daylight_saving():
    dates = _first_thursdays("Europe/Paris", datetime.datetime(2026, 1, 15, tzinfo=UTC))
    assert [d.date() for d in dates] == [
        datetime.date(2026, 2, 5),
        datetime.date(2026, 3, 5),
        datetime.date(2026, 4, 2),
        datetime.date(2026, 5, 7),
        datetime.date(2026, 6, 4),
        datetime.date(2026, 7, 2),
    ]
    assert {d.astimezone(PARIS).hour for d in dates} == {14}
    # Winter: 13:00 UTC; after the change on 29 March 2026: 12:00 UTC.
    assert dates[1].astimezone(UTC).hour == 13
    assert dates[2].astimezone(UTC).hour == 12


def test_abidjan_has_no_daylight_saving_so_utc_never_moves():
    dates = _first_thursdays("Africa/Abidjan", datetime.datetime(2026, 1, 15, tzinfo=UTC), limit=12)
    assert {d.astimezone(UTC).hour for d in dates} == {14}


def test_autumn_change_in_paris_keeps_local_time():
    dates = recurrence.occurrences(
        rule="FREQ=WEEKLY;BYDAY=MO",
        start_date=datetime.date(2026, 10, 19),
        start_time=datetime.time(9, 30),
        time_zone="Europe/Paris",
        after=datetime.datetime(2026, 10, 18, tzinfo=UTC),
        limit=2,
    )
    assert [d.astimezone(UTC).hour for d in dates] == [7, 8]  # before and after 25 October


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "Enter a recurrence rule"),
        ("FREQ=HOURLY", "daily, weekly, monthly or yearly"),
        ("FREQ=MONTHLY;BYDAY=XX", "not a valid recurrence rule"),
        ("DTSTART:20260101T140000\nRRULE:FREQ=DAILY", "only the RRULE part"),
    ],
)
def test_bad_rules_are_refused_on_the_rule_field(rule, message):
    with translation.override("en"), pytest.raises(ApplicationError) as error:
        recurrence.rule_parse(rule, dtstart=datetime.datetime(2026, 1, 1, 14))
    assert message in error.value.message
    assert "rrule" in error.value.fields


def test_rrule_prefix_is_accepted():
    assert recurrence.rule_normalise(" rrule:freq=monthly; byday=1TH ") == "FREQ=MONTHLY;BYDAY=1TH"


@pytest.mark.django_db
@override_settings(WEBINAR_GENERATE_MONTHS_AHEAD=4)
def test_series_generates_sessions_ahead_idempotently(network):
    with time_machine.travel(datetime.datetime(2026, 1, 10, 8, tzinfo=UTC), tick=False):
        series = services.series_create(
            actor=network.trainer,
            title="Rendez-vous mensuel",
            rrule="FREQ=MONTHLY;BYDAY=1TH",
            start_date=datetime.date(2026, 1, 1),
            start_time=datetime.time(14, 0),
            time_zone="Europe/Paris",
            capacity=50,
        )
        starts = list(series.sessions.values_list("starts_at", flat=True))
        assert [s.astimezone(PARIS).strftime("%m-%d %H:%M") for s in starts] == [
            "02-05 14:00",
            "03-05 14:00",
            "04-02 14:00",
            "05-07 14:00",
        ]
        assert services.series_sessions_generate(series=series) == 0
        assert services.series_generate_all() == 0
        session = series.sessions.first()
        assert session.trainers.get() == network.trainer
        assert session.capacity == 50 and session.occurrence_start == session.starts_at
    with time_machine.travel(datetime.datetime(2026, 2, 10, 8, tzinfo=UTC), tick=False):
        assert services.series_generate_all() == 1  # June comes into the horizon
    assert series.sessions.count() == 5


@pytest.mark.django_db
def test_preview_lists_the_next_dates(network):
    with time_machine.travel(datetime.datetime(2026, 3, 20, tzinfo=UTC), tick=False):
        dates = services.series_preview(
            rrule="FREQ=MONTHLY;BYDAY=1TH",
            start_date=datetime.date(2026, 1, 1),
            start_time=datetime.time(14, 0),
            time_zone="Africa/Abidjan",
            count=3,
        )
    assert [d.date().isoformat() for d in dates] == ["2026-04-02", "2026-05-07", "2026-06-04"]


@pytest.mark.django_db
@override_settings(WEBINAR_GENERATE_MONTHS_AHEAD=3)
def test_rule_change_moves_untouched_sessions_and_spares_customised_ones(network):
    with time_machine.travel(datetime.datetime(2026, 1, 10, 8, tzinfo=UTC), tick=False):
        series = services.series_create(
            actor=network.trainer,
            title="Rendez-vous",
            rrule="FREQ=MONTHLY;BYDAY=1TH",
            start_date=datetime.date(2026, 1, 1),
            start_time=datetime.time(14, 0),
            time_zone="Africa/Abidjan",
        )
        february, march, april = series.sessions.order_by("starts_at")
        registration = services.registration_create(user=network.staff_a, session=february)
        services.session_update(actor=network.trainer, session=march, agenda="Spécial tenders")
        march.refresh_from_db()
        assert march.is_customised

        # Same days, one hour later: untouched sessions move, the registrant gets an update.
        services.series_update(actor=network.trainer, series=series, start_time=datetime.time(15, 0))
        february.refresh_from_db()
        march.refresh_from_db()
        assert february.starts_at.astimezone(ABIDJAN).hour == 15 and february.sequence == 1
        assert march.starts_at.astimezone(ABIDJAN).hour == 14  # changed by hand: left alone
        assert registration.reminders.filter(kind="update", revision=1).exists()

        # Now the third Thursday: February's session (with a registrant) is cancelled, April's deleted.
        services.series_update(actor=network.trainer, series=series, rrule="FREQ=MONTHLY;BYDAY=3TH")
        february.refresh_from_db()
        assert february.status == SessionStatus.CANCELLED
        assert not Session.objects.filter(pk=april.pk).exists()
        assert Session.objects.filter(pk=march.pk, status=SessionStatus.SCHEDULED).exists()
        third = series.sessions.filter(status=SessionStatus.SCHEDULED, is_customised=False)
        assert [s.starts_at.astimezone(ABIDJAN).date().isoformat() for s in third.order_by("starts_at")] == [
            "2026-01-15",
            "2026-02-19",
            "2026-03-19",
        ]
        reminders_send()
    assert any("Annulée" in m.subject for m in mail.outbox)


@pytest.mark.django_db
def test_series_edit_needs_to_host_it(network):
    series = SeriesFactory()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.series_update(actor=network.trainer, series=series, title="Autre")


@pytest.mark.django_db
def test_learners_cannot_create_series(network):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.series_create(
            actor=network.staff_a,
            title="x",
            rrule="FREQ=DAILY",
            start_date=datetime.date(2026, 1, 1),
            start_time=datetime.time(9),
            time_zone="UTC",
        )


@pytest.mark.django_db
@override_settings(WEBINAR_GENERATE_MONTHS_AHEAD=3)
def test_pausing_a_series_keeps_its_sessions_and_stops_generation(network):
    with time_machine.travel(datetime.datetime(2026, 1, 10, 8, tzinfo=UTC), tick=False):
        series = SeriesFactory(actor=network.trainer, start_date=datetime.date(2026, 1, 1))
        before = set(series.sessions.values_list("pk", flat=True))
        services.series_update(actor=network.trainer, series=series, is_active=False)
        assert set(series.sessions.values_list("pk", flat=True)) == before
    with time_machine.travel(datetime.datetime(2026, 3, 10, 8, tzinfo=UTC), tick=False):
        assert services.series_generate_all() == 0
