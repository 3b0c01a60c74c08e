"""The measuring selectors (``courses.selectors.measures``) at the edges of
a day: what was assigned, completed, overdue or certified at its end, in
the time zone asked for, for every distributor at once and without mixing
distributors or people."""

import datetime
import zoneinfo

import pytest

from courses import selectors, services
from courses.models import Assignee, Certificate, LessonProgress
from distributors import services as distributor_services
from distributors.models import Membership
from tests.academy.factories import UserFactory
from tests.courses.factories import build_course, complete_course, lessons_of

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)
# Half past eleven at night in UTC is already the next day in Lagos (UTC+1).
LAGOS = zoneinfo.ZoneInfo("Africa/Lagos")


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def next_day(day: datetime.date, days: int = 1) -> datetime.date:
    return day + datetime.timedelta(days=days)


def joined_long_before() -> None:
    """The network's people joined a year before DAY (they may leave after it)."""
    Membership.objects.update(joined_on=DAY - datetime.timedelta(days=365))


def test_courses_assigned_on_counts_assignments_made_and_not_cancelled_by_the_end_of_the_day(
    network, time_machine
):
    time_machine.move_to(at(DAY, 9), tick=False)
    elisa = build_course(owner=network.trainer, kinds=("text",))
    water = build_course(owner=network.trainer, kinds=("text",))
    quality = build_course(owner=network.trainer, kinds=("text",))
    other = build_course(owner=network.trainer, kinds=("text",))
    path = services.path_create(actor=network.trainer, title="Intégration", language="fr")
    services.path_course_add(actor=network.trainer, path=path, course=water)
    services.path_course_add(actor=network.trainer, path=path, course=quality)
    services.path_publish(actor=network.trainer, path=path)
    time_machine.move_to(at(DAY, 23, 30), tick=False)
    direct = services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=elisa, due_days=30
    )
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, path=path, due_days=30
    )
    services.assignment_create(
        actor=network.manager_b, distributor=network.distributor_b, course=other, due_days=30
    )
    services.assignment_cancel(actor=network.manager_a, assignment=direct, at=at(next_day(DAY, 2), 0, 0))
    a, b = network.distributor_a.pk, network.distributor_b.pk

    def assigned(day, tz):
        return {d: set(courses) for d, courses in selectors.courses_assigned_due_on(day=day, tz=tz).items()}

    assert selectors.courses_assigned_due_on(day=DAY - datetime.timedelta(days=1), tz=datetime.UTC) == {}
    on_the_day = {a: {elisa.pk, water.pk, quality.pk}, b: {other.pk}}
    assert assigned(DAY, datetime.UTC) == on_the_day
    # Cancelled at midnight starting the day after next: still assigned the whole next day.
    assert assigned(next_day(DAY), datetime.UTC) == on_the_day
    assert assigned(next_day(DAY, 2), datetime.UTC) == {
        a: {water.pk, quality.pk},
        b: {other.pk},
    }
    # In Lagos the assignments were made on the next day.
    assert assigned(DAY, LAGOS) == {}


def test_courses_assigned_due_on_runs_one_query_without_paths(
    network, time_machine, django_assert_num_queries
):
    time_machine.move_to(at(DAY), tick=False)
    course = build_course(owner=network.trainer, kinds=("text",))
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_days=30
    )
    with django_assert_num_queries(1):
        assert selectors.courses_assigned_due_on(day=DAY) == {network.distributor_a.pk: {course.pk: False}}


def test_path_course_ids_are_the_courses_of_the_paths_named(network):
    water = build_course(owner=network.trainer, kinds=("text",))
    quality = build_course(owner=network.trainer, kinds=("text",))
    onboarding = services.path_create(actor=network.trainer, title="Intégration", language="fr")
    services.path_course_add(actor=network.trainer, path=onboarding, course=water)
    other = services.path_create(actor=network.trainer, title="Qualité", language="fr")
    services.path_course_add(actor=network.trainer, path=other, course=quality)
    assert selectors.path_course_ids(path_slugs=[onboarding.slug]) == {water.pk}
    assert selectors.path_course_ids(path_slugs=[onboarding.slug, other.slug]) == {water.pk, quality.pk}
    assert selectors.path_course_ids(path_slugs=["no-such-path"]) == set()


def test_certificate_holders_are_the_pairs_valid_that_day_among_the_people_and_courses_asked(
    network, time_machine, django_assert_num_queries
):
    time_machine.move_to(at(DAY), tick=False)
    elisa = build_course(owner=network.trainer, kinds=("text",), validity_months=3)
    water = build_course(owner=network.trainer, kinds=("text",))
    complete_course(network.staff_a, elisa)
    complete_course(network.staff_a, water)
    complete_course(network.lead_a, elisa)
    complete_course(network.staff_b, elisa)
    expires_on = Certificate.objects.filter(course=elisa).first().expires_on
    time_machine.move_to(at(next_day(DAY), 23, 30), tick=False)
    services.certificate_revoke(
        actor=network.trainer, certificate=Certificate.objects.get(user=network.lead_a), reason="Erreur"
    )
    time_machine.move_to(at(datetime.date(2027, 1, 1)), tick=False)
    people = [network.staff_a.pk, network.staff_b.pk]

    def holders(day, *, user_ids=people, **kwargs):
        return selectors.certificate_holders(day=day, course_ids={elisa.pk}, user_ids=user_ids, **kwargs)

    assert holders(DAY - datetime.timedelta(days=1)) == set()
    assert holders(DAY) == {(network.staff_a.pk, elisa.pk), (network.staff_b.pk, elisa.pk)}
    assert holders(expires_on) == holders(DAY)
    assert holders(next_day(expires_on)) == set()
    assert selectors.certificate_holders(
        day=DAY, course_ids={elisa.pk, water.pk}, user_ids=[network.staff_a.pk]
    ) == {(network.staff_a.pk, elisa.pk), (network.staff_a.pk, water.pk)}
    # Revoked at half past eleven UTC: not valid that day in UTC, still valid in Lagos, where
    # the day had ended.
    assert holders(DAY, user_ids=[network.lead_a.pk]) == {(network.lead_a.pk, elisa.pk)}
    assert holders(next_day(DAY), user_ids=[network.lead_a.pk]) == set()
    assert holders(next_day(DAY), user_ids=[network.lead_a.pk], tz=LAGOS) == {(network.lead_a.pk, elisa.pk)}
    with django_assert_num_queries(0):
        assert selectors.certificate_holders(day=DAY, course_ids=set(), user_ids=people) == set()


def test_certificates_expiring_among_the_people_within_the_days_soonest_first(network, time_machine):
    time_machine.move_to(at(DAY), tick=False)
    courses = [build_course(owner=network.trainer, kinds=("text",), validity_months=3) for _ in range(4)]
    for course in courses:
        complete_course(network.staff_a, course)
    complete_course(network.staff_b, courses[0])
    today = next_day(DAY, 10)
    by_course = {c.course_id: c for c in Certificate.objects.filter(user=network.staff_a)}
    for course, expires_in in zip(courses, (60, 61, 3, -1), strict=True):
        Certificate.objects.filter(pk=by_course[course.pk].pk).update(
            expires_on=today + datetime.timedelta(days=expires_in)
        )
    Certificate.objects.filter(user=network.staff_b).update(expires_on=next_day(today))
    expiring = list(
        selectors.certificates_expiring_among(user_ids=[network.staff_a.pk, network.lead_a.pk], today=today)
    )
    # Within 60 days included, soonest first; already expired or after 60 days left out.
    assert [c.course_id for c in expiring] == [courses[2].pk, courses[0].pk]
    assert [
        c.course_id
        for c in selectors.certificates_expiring_among(user_ids=[network.staff_a.pk], today=today, days=3)
    ] == [courses[2].pk]


def test_people_started_opened_a_lesson_or_hold_a_certificate(network):
    course = build_course(owner=network.trainer, kinds=("text", "text"))
    other = build_course(owner=network.trainer, kinds=("text",))
    opened, enrolled, certified, elsewhere, outsider = (UserFactory() for _ in range(5))
    services.enrollment_create(user=opened, course=course)
    services.lesson_open(user=opened, lesson=lessons_of(course)[0])
    services.enrollment_create(user=enrolled, course=course)  # enrolled, nothing opened
    complete_course(certified, course)
    certificate = Certificate.objects.get(user=certified)
    services.certificate_revoke(actor=network.trainer, certificate=certificate, reason="Erreur")
    # Without any lesson progress left, the certificate alone shows the person started.
    LessonProgress.objects.filter(enrollment__user=certified).delete()
    complete_course(elsewhere, other)
    complete_course(outsider, course)
    people = {opened.pk, enrolled.pk, certified.pk, elsewhere.pk}
    # A revoked certificate still counts.
    assert selectors.people_started(course_ids={course.pk}, user_ids=people) == {opened.pk, certified.pk}
    assert selectors.people_started(course_ids={other.pk}, user_ids=people) == {elsewhere.pk}


def test_assignment_due_by_distributor_as_it_stood_at_the_end_of_the_day(network, time_machine):
    joined_long_before()
    time_machine.move_to(at(DAY, 9), tick=False)
    course = build_course(owner=network.trainer, kinds=("text",))
    late = build_course(owner=network.trainer, kinds=("text",))
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_on=next_day(DAY, 2)
    )
    services.assignment_create(
        actor=network.manager_b, distributor=network.distributor_b, course=course, due_on=next_day(DAY, 2)
    )
    time_machine.move_to(at(next_day(DAY), 23, 59), tick=False)
    complete_course(network.lead_a, course)
    # Made the next day: not counted on DAY+1.
    time_machine.move_to(at(next_day(DAY, 2), 0, 0), tick=False)
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=late, due_on=next_day(DAY, 2)
    )
    time_machine.move_to(at(next_day(DAY, 4)), tick=False)
    distributor_services.membership_end(membership=network.staff_b.memberships.get())
    a, b = network.distributor_a.pk, network.distributor_b.pk

    def standing(day, **kwargs):
        return {
            pk: (c.assigned, c.done, c.overdue)
            for pk, c in selectors.assignment_due_by_distributor(day=day, **kwargs).items()
        }

    assert standing(DAY - datetime.timedelta(days=1)) == {}
    # Assigned but not due yet: nothing counts, even done.
    assert standing(DAY) == {a: (0, 0, 0), b: (0, 0, 0)}
    assert standing(next_day(DAY)) == {a: (0, 0, 0), b: (0, 0, 0)}
    assert standing(next_day(DAY), tz=LAGOS) == {a: (0, 0, 0), b: (0, 0, 0)}
    # Due on DAY+2 (included): counted that day, overdue from the day after;
    # the second course is due that day too.
    assert standing(next_day(DAY, 2)) == {a: (4, 1, 0), b: (2, 0, 0)}
    assert standing(next_day(DAY, 3)) == {a: (4, 1, 3), b: (2, 0, 2)}
    # staff_b left on DAY+4: no longer counted from that day, still counted before.
    assert standing(next_day(DAY, 4)) == {a: (4, 1, 3), b: (1, 0, 1)}
    assert standing(next_day(DAY, 3)) == {a: (4, 1, 3), b: (2, 0, 2)}


def test_assignment_due_by_person_counts_current_assignments_done_by_the_end_of_the_day(
    network, time_machine
):
    joined_long_before()
    time_machine.move_to(at(DAY, 9), tick=False)
    course = build_course(owner=network.trainer, kinds=("text",))
    cancelled = build_course(owner=network.trainer, kinds=("text",))
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_on=DAY
    )
    stopped = services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=cancelled, due_on=DAY
    )
    services.assignment_create(
        actor=network.manager_b, distributor=network.distributor_b, course=course, due_on=DAY
    )
    later = build_course(owner=network.trainer, kinds=("text",))
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=later, due_on=next_day(DAY)
    )
    services.assignment_cancel(actor=network.manager_a, assignment=stopped)
    time_machine.move_to(at(DAY, 23, 30), tick=False)
    complete_course(network.staff_a, course)
    people = [network.lead_a.pk, network.staff_a.pk]

    def completion(day, **kwargs):
        return {
            pk: (c.assigned, c.done)
            for pk, c in selectors.assignment_due_by_person(user_ids=people, day=day, **kwargs).items()
        }

    assert completion(DAY) == {network.lead_a.pk: (1, 0), network.staff_a.pk: (1, 1)}
    # Not due yet the day before; the course due the next day never counts on DAY.
    assert completion(DAY - datetime.timedelta(days=1)) == {}
    assert completion(next_day(DAY)) == {network.lead_a.pk: (2, 0), network.staff_a.pk: (2, 1)}
    assert completion(DAY, tz=LAGOS) == {network.lead_a.pk: (1, 0), network.staff_a.pk: (1, 0)}
    distributor_services.membership_end(membership=network.lead_a.memberships.get())
    assert completion(DAY) == {network.staff_a.pk: (1, 1)}


def test_assignment_status_by_person_today_for_one_distributor(network, time_machine):
    time_machine.move_to(at(DAY), tick=False)
    due_today = build_course(owner=network.trainer, kinds=("text",))
    due_yesterday = build_course(owner=network.trainer, kinds=("text",))
    finished = build_course(owner=network.trainer, kinds=("text",))
    for course in (due_today, due_yesterday, finished):
        services.assignment_create(
            actor=network.manager_a, distributor=network.distributor_a, course=course, due_on=next_day(DAY, 5)
        )
    services.assignment_create(
        actor=network.manager_b, distributor=network.distributor_b, course=due_today, due_on=next_day(DAY)
    )
    complete_course(network.staff_a, finished)
    today = next_day(DAY, 5)
    Assignee.objects.filter(assignment__course=due_yesterday).update(due_on=next_day(DAY, 4))
    Assignee.objects.filter(assignment__course=finished, user=network.lead_a).update(due_on=None)
    people = [network.lead_a.pk, network.staff_a.pk, network.staff_b.pk]
    status = {
        pk: (s.done, s.overdue, s.due)
        for pk, s in selectors.assignment_status_by_person(
            distributor_id=network.distributor_a.pk, user_ids=people, today=today
        ).items()
    }
    # Due today is still due; due yesterday is overdue; no due date is due; staff_b is another distributor's.
    assert status == {network.lead_a.pk: (0, 1, 2), network.staff_a.pk: (1, 1, 1)}
