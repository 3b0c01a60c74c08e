import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from courses import selectors, services
from courses.models import Certificate, Course
from distributors import services as distributor_services
from distributors.audience import audience_filter, audience_includes
from tests.academy.factories import UserFactory
from tests.courses.factories import build_course, complete_course, lessons_of

pytestmark = pytest.mark.django_db


def _restricted(network, *, territories=(), distributors=(), leads=True, staff=True, customers=True):
    course = build_course(owner=network.trainer, kinds=("text",))
    services.course_update(
        actor=network.trainer,
        course=course,
        audience_everyone=False,
        audience_leads=leads,
        audience_staff=staff,
        audience_customers=customers,
        audience_territories=list(territories),
        audience_distributors=list(distributors),
    )
    return course


def _sees(user, course) -> bool:
    in_catalogue = selectors.course_catalogue(user=user).filter(pk=course.pk).exists()
    assert in_catalogue == audience_includes(course, user=user)
    return in_catalogue


class TestAudienceThroughCourses:
    """Every branch of distributors.audience, exercised on courses."""

    def test_everyone(self, network):
        course = build_course(owner=network.trainer, kinds=("text",))
        customer = UserFactory()
        assert all(
            _sees(user, course) for user in (network.staff_a, network.lead_b, customer, network.manager_a)
        )

    def test_nobody_when_signed_out_or_inactive(self, network):
        course = build_course(owner=network.trainer, kinds=("text",))
        assert not audience_filter(Course.objects.all(), user=AnonymousUser()).exists()
        inactive = UserFactory()
        inactive.is_active = False
        inactive.save()
        assert not audience_filter(Course.objects.filter(pk=course.pk), user=inactive).exists()

    def test_company_staff_are_never_restricted(self, network):
        course = _restricted(
            network, distributors=[network.distributor_b], leads=False, staff=False, customers=False
        )
        for person in (network.admin, network.trainer, network.manager_a):
            assert _sees(person, course)

    def test_by_distributor(self, network):
        course = _restricted(network, distributors=[network.distributor_b])
        assert _sees(network.staff_b, course) and _sees(network.lead_b, course)
        assert not _sees(network.staff_a, course)
        assert not _sees(UserFactory(), course)  # a customer: there is a place restriction

    def test_by_territory(self, network):
        course = _restricted(network, territories=[network.territory_a])
        assert _sees(network.staff_a, course) and _sees(network.lead_a, course)
        assert not _sees(network.staff_b, course)

    def test_by_kind_of_person(self, network):
        leads_only = _restricted(network, staff=False, customers=False)
        assert _sees(network.lead_a, leads_only) and not _sees(network.staff_a, leads_only)
        assert not _sees(UserFactory(), leads_only)
        staff_only = _restricted(network, leads=False, customers=False)
        assert _sees(network.staff_a, staff_only) and not _sees(network.lead_a, staff_only)
        customers_only = _restricted(network, leads=False, staff=False)
        assert _sees(UserFactory(), customers_only) and not _sees(network.staff_a, customers_only)

    def test_follows_turnover(self, network):
        course = _restricted(network, distributors=[network.distributor_b])
        mover = network.staff_a
        assert not _sees(mover, course)
        distributor_services.membership_end(membership=mover.memberships.get())
        distributor_services.membership_start(user=mover, distributor=network.distributor_b)
        assert _sees(mover, course)


def test_course_visibility(network):
    draft = build_course(owner=network.trainer, kinds=("text",), publish=False)
    published = build_course(owner=network.trainer, kinds=("text",))
    other_trainer = UserFactory(role="trainer")
    assert set(selectors.course_visible(user=network.trainer)) == {draft, published}
    assert set(selectors.course_visible(user=other_trainer)) == {published}
    assert set(selectors.course_visible(user=network.admin)) == {draft, published}
    assert set(selectors.course_visible(user=network.staff_a)) == {published}
    services.enrollment_create(user=network.staff_a, course=published)
    services.course_archive(actor=network.trainer, course=published)
    assert set(selectors.course_visible(user=network.staff_a)) == {published}  # enrolled: still opens
    assert not selectors.course_visible(user=network.staff_b).exists()
    assert not selectors.course_catalogue(user=network.staff_a).exists()


def test_resume_lesson(network, course):
    first, second, _quiz = lessons_of(course)
    page = selectors.course_page(user=network.staff_a, course=course)
    assert page.resume_lesson == first and not page.is_enrolled
    services.enrollment_create(user=network.staff_a, course=course)
    services.lesson_open(user=network.staff_a, lesson=second)
    assert selectors.course_page(user=network.staff_a, course=course).resume_lesson == second
    services.lesson_complete(user=network.staff_a, lesson=second)
    assert selectors.course_page(user=network.staff_a, course=course).resume_lesson == first


def test_certified_headcount_counts_current_staff_with_valid_certificates(network, time_machine):
    time_machine.move_to(datetime.datetime(2026, 1, 10, 9, 0, tzinfo=datetime.UTC))
    elisa = build_course(owner=network.trainer, kinds=("text",), validity_months=12, title="Kits ELISA")
    water = build_course(owner=network.trainer, kinds=("text",), title="Analyse de l’eau")
    unassigned = build_course(owner=network.trainer, kinds=("text",), title="Non affectée")
    path = services.path_create(actor=network.trainer, title="Intégration", language="fr")
    services.path_course_add(actor=network.trainer, path=path, course=water)
    services.path_publish(actor=network.trainer, path=path)
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=elisa, due_days=30
    )
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, path=path, due_days=30
    )
    complete_course(network.staff_a, elisa)
    complete_course(network.lead_a, water)
    complete_course(network.lead_a, unassigned)
    leaver = UserFactory()
    distributor_services.membership_start(user=leaver, distributor=network.distributor_a)
    complete_course(leaver, elisa)
    distributor_services.membership_end(membership=leaver.memberships.get())
    complete_course(network.staff_b, elisa)  # another distributor
    rows = selectors.certified_headcount(user=network.lead_a, distributor=network.distributor_a)
    assert [(row.course.title, row.staff, row.certified, row.percent) for row in rows] == [
        ("Analyse de l’eau", 2, 1, 50),
        ("Kits ELISA", 2, 1, 50),
    ]
    time_machine.move_to(
        datetime.datetime(2027, 2, 1, 9, 0, tzinfo=datetime.UTC)
    )  # ELISA certificates expired
    rows = selectors.certified_headcount(user=network.manager_a, distributor=network.distributor_a)
    assert [(row.course.title, row.certified) for row in rows] == [("Analyse de l’eau", 1), ("Kits ELISA", 0)]
    assert selectors.certified_headcount(user=network.manager_b, distributor=network.distributor_a) == []
    assert selectors.certified_headcount(user=network.staff_a, distributor=network.distributor_a) == []


def test_assignment_status_per_person(network, course, time_machine):
    today = timezone.localdate()
    services.assignment_create(
        actor=network.manager_a,
        distributor=network.distributor_a,
        course=course,
        due_on=today + datetime.timedelta(days=5),
    )
    complete_course(network.lead_a, course)
    rows = {row.user: row.status for row in selectors.assignee_status_list(user=network.manager_a)}
    assert rows == {network.lead_a: "done", network.staff_a: "due"}
    time_machine.move_to(timezone.now() + datetime.timedelta(days=7))
    rows = {row.user: row.status for row in selectors.assignee_status_list(user=network.lead_a)}
    assert rows == {network.lead_a: "done", network.staff_a: "overdue"}
    assignment = selectors.assignment_list(user=network.lead_a).get()
    assert (assignment.n_people, assignment.n_done, assignment.n_overdue) == (2, 1, 1)
    distributor_services.membership_end(membership=network.staff_a.memberships.get())
    assert {row.user for row in selectors.assignee_status_list(user=network.manager_a)} == {network.lead_a}
    released = selectors.assignee_status_list(user=network.manager_a, include_released=True)
    assert {row.user: row.status for row in released}[network.staff_a] == "released"
    assert not selectors.assignee_status_list(user=network.manager_b).exists()
    assert not selectors.assignee_status_list(user=network.staff_a).exists()
    assert not selectors.assignment_list(user=network.trainer).exists()


def test_completion_list_is_scoped(network, course):
    complete_course(network.staff_a, course)
    complete_course(network.staff_b, course)
    assert [e.user for e in selectors.completion_list(user=network.manager_a)] == [network.staff_a]
    assert [e.user for e in selectors.completion_list(user=network.lead_b)] == [network.staff_b]
    assert selectors.completion_list(user=network.admin).count() == 2
    later = timezone.now() + datetime.timedelta(minutes=1)
    assert not selectors.completion_list(user=network.admin, since=later).exists()
    assert not selectors.completion_list(user=network.staff_a).exists()


def test_my_assignments_and_expiring_certificates(network, time_machine):
    time_machine.move_to(datetime.datetime(2026, 1, 10, 9, 0, tzinfo=datetime.UTC))
    course = build_course(owner=network.trainer, kinds=("text",), validity_months=3)
    complete_course(network.staff_a, course)
    assert not selectors.certificates_expiring(user=network.staff_a).exists()
    time_machine.move_to(datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC))
    assert list(selectors.certificates_expiring(user=network.staff_a)) == [Certificate.objects.get()]
    other = build_course(owner=network.trainer, kinds=("text",))
    services.assignment_create(
        actor=network.lead_a, distributor=network.distributor_a, course=other, due_days=10
    )
    mine = list(selectors.my_assignments(user=network.staff_a, open_only=True))
    assert [(a.assignment.course, a.status) for a in mine] == [(other, "due")]
