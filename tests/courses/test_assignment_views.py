"""Pages of managers and team leads: assignments and team training."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Assignment
from tests.courses.factories import build_course, complete_course

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"courses:{name}", args=args)


def test_assignment_pages_are_for_managers_and_leads(client, network, course):
    for person in ("staff_a", "trainer"):
        client.force_login(getattr(network, person))
        assert client.get(_url("assignments")).status_code == 403
        assert client.get(_url("assignment_new")).status_code == 403
    client.force_login(network.lead_a)
    assert client.get(_url("assignments")).status_code == 200


def test_assignment_list_is_scoped_and_constant(client, network, course, django_assert_num_queries):
    other = build_course(owner=network.trainer, title="Analyse de l’eau")
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_days=30
    )
    services.assignment_create(
        actor=network.manager_b, distributor=network.distributor_b, course=other, due_days=30
    )
    client.force_login(network.manager_a)
    # session, user, membership, distributors, count, page, recertifications due, unread notifications
    with django_assert_num_queries(8):
        body = client.get(_url("assignments")).content.decode()
    assert course.title in body and "Analyse de l’eau" not in body
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=other, due_days=10
    )
    with django_assert_num_queries(8):
        body = client.get(_url("assignments")).content.decode()
    assert "Analyse de l’eau" in body
    foreign = Assignment.objects.get(distributor=network.distributor_b)
    assert client.get(_url("assignment", foreign.pk)).status_code == 404
    assert client.post(_url("assignment_cancel", foreign.pk)).status_code == 404
    assert client.get(_url("team", network.distributor_b.pk)).status_code == 404
    client.force_login(network.lead_b)
    body = client.get(_url("assignments")).content.decode()
    assert "Analyse de l’eau" in body and course.title not in body


def test_create_an_assignment_from_the_page(client, network, course):
    from tests.distributors.factories import DistributorFactory

    DistributorFactory(name="Ivoire Labo", territory=network.territory_a, country="CI")
    client.force_login(network.manager_a)
    body = client.get(_url("assignment_new")).content.decode()
    assert "Continuer" in body and "Ivoire Labo" in body  # two distributors: choose one first
    body = client.get(_url("assignment_new"), {"distributor": network.distributor_a.pk}).content.decode()
    assert str(network.staff_a) in body
    data = {"distributor": network.distributor_a.pk, "course": course.pk, "target": "distributor"}
    response = client.post(_url("assignment_new"), data)
    assert response.status_code == 400
    assert "Indiquez une échéance ou un nombre de jours." in response.content.decode()
    response = client.post(_url("assignment_new"), {**data, "target": "people", "due_days": 15})
    assert response.status_code == 400 and "Choisissez au moins une personne." in response.content.decode()
    response = client.post(
        _url("assignment_new"), {**data, "target": "people", "people": [network.staff_a.pk], "due_days": 15}
    )
    assignment = Assignment.objects.get()
    assert response.url == _url("assignment", assignment.pk)
    assert list(assignment.assignees.values_list("user", flat=True)) == [network.staff_a.pk]
    # A distributor of another territory is not offered (and refused).
    response = client.post(
        _url("assignment_new"), {**data, "distributor": network.distributor_b.pk, "due_days": 5}
    )
    assert response.status_code == 400 and Assignment.objects.count() == 1


def test_only_what_is_meant_for_the_distributor_is_offered_and_assigned(client, network, course):
    from tests.distributors.factories import DistributorFactory

    ivoire = DistributorFactory(name="Ivoire Labo", territory=network.territory_a, country="CI")
    theirs = build_course(owner=network.trainer, title="Cours Dist B", audience_everyone=False)
    services.course_update(
        actor=network.trainer, course=theirs, audience_distributors=[network.distributor_b]
    )
    ivoire_only = build_course(
        owner=network.trainer, title="Cours Ivoire", audience_everyone=False, audience_distributors=[ivoire]
    )
    client.force_login(network.manager_a)
    body = client.get(_url("assignment_new"), {"distributor": network.distributor_a.pk}).content.decode()
    assert "Cours Dist B" not in body and course.title in body
    data = {"distributor": network.distributor_a.pk, "target": "distributor", "due_days": 15}
    response = client.post(_url("assignment_new"), {**data, "course": theirs.pk})
    assert response.status_code == 400
    # Offered (it is meant for one of the manager's distributors), but not for this one.
    response = client.post(_url("assignment_new"), {**data, "course": ivoire_only.pk})
    assert response.status_code == 400
    assert "Ceci n’est pas destiné à Dist A : son public ne l’inclut pas." in response.content.decode()
    assert not Assignment.objects.exists()
    response = client.post(
        _url("assignment_new"), {**data, "distributor": ivoire.pk, "course": ivoire_only.pk}
    )
    assert Assignment.objects.get().distributor == ivoire


def test_lead_assigns_within_own_distributor(client, network, course):
    client.force_login(network.lead_a)
    body = client.get(_url("assignment_new")).content.decode()
    assert "Dist B" not in body and str(network.staff_a) in body  # their only distributor is preselected
    due = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    client.post(
        _url("assignment_new"),
        {
            "distributor": network.distributor_a.pk,
            "course": course.pk,
            "target": "role",
            "role": "staff",
            "due_on": due,
        },
    )
    assignment = Assignment.objects.get()
    assert assignment.created_by == network.lead_a and assignment.role == "staff"
    body = client.get(_url("assignment", assignment.pk)).content.decode()
    assert str(network.staff_a) in body and "Annuler l’affectation" in body
    client.post(_url("assignment_cancel", assignment.pk))
    assignment.refresh_from_db()
    assert assignment.cancelled_at is not None


def test_team_training_page(client, network, course, django_assert_num_queries):
    services.assignment_create(
        actor=network.manager_a, distributor=network.distributor_a, course=course, due_days=30
    )
    complete_course(network.staff_a, course)
    client.force_login(network.lead_a)
    # session, user, membership, distributor, count, page, headcount (follows, courses, staff, certified),
    # recertification due (follows, list), unread notifications
    with django_assert_num_queries(13):
        body = client.get(_url("team", network.distributor_a.pk)).content.decode()
    assert "Effectif certifié" in body
    assert "<td>1</td><td>2</td>" in body  # 1 certified of 2 current staff
    assert "Fait" in body and "À faire" in body
