"""``Certificate.objects.valid_on(day)``, the one definition of a valid
certificate, at its boundaries: the day before issue, the issue day, the
expiry day, the day after, and revoked or replaced certificates."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from courses import selectors, services
from courses.models import Certificate
from courses.services import courses_held
from tests.courses.factories import build_course, complete_course, lessons_of

pytestmark = pytest.mark.django_db

ISSUED = datetime.date(2026, 1, 10)
EXPIRES = datetime.date(2026, 4, 10)  # three months later


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def valid_on(day: datetime.date, **kwargs) -> bool:
    return Certificate.objects.valid_on(day, **kwargs).exists()


@pytest.fixture
def certified(network, time_machine):
    """staff_a holds a certificate issued on 10 January 2026, valid three months."""
    time_machine.move_to(at(ISSUED), tick=False)
    course = build_course(owner=network.trainer, validity_months=3, kinds=("text",))
    complete_course(network.staff_a, course)
    certificate = Certificate.objects.get()
    assert (certificate.issued_on, certificate.expires_on) == (ISSUED, EXPIRES)
    network.course = course
    network.certificate = certificate
    return network


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (ISSUED - datetime.timedelta(days=1), False),
        (ISSUED, True),
        (ISSUED + datetime.timedelta(days=1), True),
        (EXPIRES - datetime.timedelta(days=1), True),
        (EXPIRES, True),
        (EXPIRES + datetime.timedelta(days=1), False),
    ],
)
def test_valid_from_the_issue_day_to_the_expiry_day_included(certified, time_machine, day, expected):
    time_machine.move_to(at(datetime.date(2026, 6, 1)), tick=False)
    assert valid_on(day) is expected


def test_valid_today_on_the_issue_day_and_not_before(certified):
    assert timezone.localdate() == ISSUED
    assert valid_on(ISSUED)
    assert not valid_on(ISSUED - datetime.timedelta(days=1))


def test_expired_today_the_day_after_expiry(certified, time_machine):
    time_machine.move_to(at(EXPIRES), tick=False)
    assert valid_on(timezone.localdate())
    time_machine.move_to(at(EXPIRES + datetime.timedelta(days=1)), tick=False)
    assert not valid_on(timezone.localdate())


def test_without_expiry_valid_for_ever_from_issue(network, time_machine):
    time_machine.move_to(at(ISSUED), tick=False)
    complete_course(network.staff_a, build_course(owner=network.trainer, kinds=("text",)))
    assert Certificate.objects.get().expires_on is None
    assert not valid_on(ISSUED - datetime.timedelta(days=1))
    assert valid_on(ISSUED)
    assert valid_on(datetime.date(2040, 1, 1))


def test_revoked_is_not_valid_from_the_day_of_revocation(certified, time_machine):
    net = certified
    revoked_on = datetime.date(2026, 2, 15)
    time_machine.move_to(at(revoked_on), tick=False)
    services.certificate_revoke(actor=net.trainer, certificate=net.certificate, reason="Fraude")
    assert not valid_on(revoked_on)  # today
    time_machine.move_to(at(datetime.date(2026, 6, 1)), tick=False)
    # Before the revocation it was valid; the history says so.
    assert valid_on(revoked_on - datetime.timedelta(days=1))
    assert valid_on(ISSUED)
    assert not valid_on(revoked_on)
    assert not valid_on(revoked_on + datetime.timedelta(days=1))
    assert not valid_on(EXPIRES)


def test_the_end_of_the_day_is_read_in_a_time_zone(certified, time_machine):
    net = certified
    revoked_on = datetime.date(2026, 2, 15)
    time_machine.move_to(at(revoked_on, 23, 30), tick=False)
    services.certificate_revoke(actor=net.trainer, certificate=net.certificate, reason="Fraude")
    time_machine.move_to(at(datetime.date(2026, 6, 1)), tick=False)
    # 23:30 UTC on the 15th: still the 15th in UTC, already the 16th in Tokyo.
    assert not valid_on(revoked_on, tz=datetime.UTC)
    assert valid_on(revoked_on, tz=zoneinfo.ZoneInfo("Asia/Tokyo"))
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        assert valid_on(revoked_on)


def test_a_replaced_certificate_was_valid_until_it_was_renewed(certified, time_machine):
    net = certified
    renewed_on = datetime.date(2026, 3, 20)
    time_machine.move_to(at(renewed_on), tick=False)
    services.certificate_recertify(user=net.staff_a, certificate=net.certificate)
    services.lesson_complete(user=net.staff_a, lesson=lessons_of(net.course)[0])
    net.certificate.refresh_from_db()
    assert net.certificate.status == "replaced"
    renewed = Certificate.objects.exclude(pk=net.certificate.pk).get()
    today = list(Certificate.objects.valid_on(renewed_on))
    assert today == [renewed]
    time_machine.move_to(at(datetime.date(2026, 6, 1)), tick=False)
    assert list(Certificate.objects.valid_on(renewed_on - datetime.timedelta(days=1))) == [net.certificate]


def test_chains_with_other_filters_and_related_managers(certified):
    net = certified
    assert list(net.staff_a.certificates.valid_on(ISSUED)) == [net.certificate]
    assert not Certificate.objects.filter(user=net.lead_a).valid_on(ISSUED).exists()


def test_the_services_and_selectors_ask_the_same_rule(certified, time_machine):
    net = certified
    assert services.certificate_valid(user=net.staff_a, course=net.course) == net.certificate
    assert courses_held(user=net.staff_a, courses=[net.course]) == {net.course.pk}
    assert selectors.course_page(user=net.staff_a, course=net.course).certificate == net.certificate
    time_machine.move_to(at(EXPIRES + datetime.timedelta(days=1)), tick=False)
    assert services.certificate_valid(user=net.staff_a, course=net.course) is None
    assert courses_held(user=net.staff_a, courses=[net.course]) == set()
    assert selectors.course_page(user=net.staff_a, course=net.course).certificate is None
