"""Field report pages: list, send, read with replies, triage, attachment download."""

import pytest
from django.urls import reverse

from academy.models import Notification
from distributors import services
from distributors.models import FieldReport, FieldReportReply
from tests.academy.factories import UserFactory
from tests.distributors.conftest import upload
from tests.distributors.factories import FieldReportFactory
from tests.files import pdf_bytes

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ list
@pytest.mark.parametrize("extra", [0, 3])
def test_manager_list_with_constant_queries(client, activity, django_assert_num_queries, extra):
    for index in range(extra):
        report = FieldReportFactory(sender=activity.staff_a, title=f"Extra {index}")
        services.field_report_triage(actor=activity.manager_a, report=report, reply="Noted")
    client.force_login(activity.manager_a)
    # session, user, membership, count, rows, unread notifications, country and distributor choices
    with django_assert_num_queries(8):
        response = client.get(reverse("distributors:field_report_list"))
    body = response.content.decode()
    assert "Dist A tender" in body and "Dist B tender" not in body
    if extra:
        assert "Extra 0" in body


def test_list_filters_and_errors(client, activity):
    client.force_login(activity.admin)
    page = reverse("distributors:field_report_list")
    body = client.get(
        page, {"kind": "competitor_info", "distributor": activity.distributor_b.pk}
    ).content.decode()
    assert "Dist B competitor" in body and "Dist A competitor" not in body and "Dist B tender" not in body
    body = client.get(page, {"country": "SN", "status": "new"}).content.decode()
    assert "Dist A tender" in body and "Dist A competitor" in body and "Dist B tender" not in body
    response = client.get(page, {"kind": "rumour"})
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    body = client.get(page, {"status": "closed"}).content.decode()
    assert "Aucune remontée ne correspond à ces filtres." in body


def test_staff_see_their_own_reports_and_the_send_button(client, activity):
    client.force_login(activity.staff_a)
    body = client.get(reverse("distributors:field_report_list")).content.decode()
    assert "Dist A tender" in body and "Dist A competitor" not in body
    assert reverse("distributors:field_report_create") in body


def test_empty_states(client, network):
    client.force_login(network.staff_a)
    assert (
        "Aucune remontée pour l’instant."
        in client.get(reverse("distributors:field_report_list")).content.decode()
    )
    client.force_login(UserFactory())
    body = client.get(reverse("distributors:field_report_list")).content.decode()
    assert "Aucune remontée à afficher." in body
    assert reverse("distributors:field_report_create") not in body


def test_list_needs_sign_in(client):
    assert client.get(reverse("distributors:field_report_list")).status_code == 302


# ------------------------------------------------------------------ send
def test_send_a_report_with_an_attachment(client, network):
    client.force_login(network.staff_a)
    page = reverse("distributors:field_report_create")
    assert 'enctype="multipart/form-data"' in client.get(page).content.decode()
    data = {
        "kind": "local_opportunity",
        "title": "Tender of the national laboratory",
        "description": "Closing in six weeks.",
        "country": "SN",
        "product": "Food control",
        "urgency": "high",
        "attachment": upload("specs.pdf", pdf_bytes(), "application/pdf"),
    }
    response = client.post(page, data)
    report = FieldReport.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "distributors:field_report_detail", args=[report.pk]
    )
    assert (report.sender, report.attachment_name, report.urgency) == (network.staff_a, "specs.pdf", "high")
    assert Notification.objects.filter(user=network.manager_a).count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "errorlist"),
        ({"kind": "gossip"}, "errorlist"),
        (
            {"attachment": upload("tool.exe", b"MZ", "application/octet-stream")},
            "Ce type de fichier n’est pas accepté.",
        ),
        (
            {"attachment": upload("photo.png", pdf_bytes(), "image/png")},
            "Le contenu du fichier ne correspond pas à son type",
        ),
    ],
)
def test_send_form_errors(client, network, changes, message):
    client.force_login(network.staff_a)
    data = {
        "kind": "product_issue",
        "title": "Labels",
        "description": "Peel off",
        "country": "SN",
        "urgency": "normal",
        **changes,
    }
    response = client.post(reverse("distributors:field_report_create"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not FieldReport.objects.exists()


@pytest.mark.parametrize("person", ["manager_a", "trainer", "admin"])
def test_only_distributor_staff_send(client, network, person):
    client.force_login(getattr(network, person))
    assert client.get(reverse("distributors:field_report_create")).status_code == 403


# ------------------------------------------------------------------ read, triage
@pytest.mark.parametrize("replies", [1, 4])
def test_sender_reads_the_replies_with_constant_queries(client, network, django_assert_num_queries, replies):
    report = FieldReportFactory(sender=network.staff_a, title="Fake kits")
    for index in range(replies):
        services.field_report_triage(actor=network.manager_a, report=report, reply=f"Answer {index}")
    client.force_login(network.staff_a)
    # session, user, membership, report, replies with authors, permission to triage (none: no
    # query for a learner), unread notifications
    with django_assert_num_queries(6):
        body = client.get(reverse("distributors:field_report_detail", args=[report.pk])).content.decode()
    assert f"Answer {replies - 1}" in body
    assert "Trier et répondre" not in body


def test_manager_triages_from_the_page(client, network):
    report = FieldReportFactory(sender=network.staff_a)
    client.force_login(network.manager_a)
    body = client.get(reverse("distributors:field_report_detail", args=[report.pk])).content.decode()
    assert "Trier et répondre" in body
    response = client.post(
        reverse("distributors:field_report_triage", args=[report.pk]),
        {"status": "acknowledged", "reply": "We read it."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "acknowledged"
    assert FieldReportReply.objects.get().body == "We read it."
    assert Notification.objects.filter(user=network.staff_a).exists()


@pytest.mark.parametrize("data", [{}, {"status": "new"}, {"status": "archived"}])
def test_triage_form_errors(client, network, data):
    report = FieldReportFactory(sender=network.staff_a)
    client.force_login(network.manager_a)
    response = client.post(reverse("distributors:field_report_triage", args=[report.pk]), data)
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not FieldReportReply.objects.exists()


@pytest.mark.parametrize(
    ("person", "read", "triage"),
    [
        ("lead_a", 200, 403),
        ("staff_b", 404, 404),
        ("lead_b", 404, 404),
        ("manager_b", 404, 404),
        ("trainer", 404, 404),
    ],
)
def test_report_isolation(client, network, person, read, triage):
    report = FieldReportFactory(sender=network.staff_a)
    client.force_login(getattr(network, person))
    assert client.get(reverse("distributors:field_report_detail", args=[report.pk])).status_code == read
    response = client.post(
        reverse("distributors:field_report_triage", args=[report.pk]), {"status": "closed"}
    )
    assert response.status_code == triage
    report.refresh_from_db()
    assert report.status == "new"


# ------------------------------------------------------------------ attachment
def test_attachment_is_served_to_permitted_people_only(client, network, pdf_upload):
    report = FieldReportFactory(sender=network.staff_a, attachment=pdf_upload)
    page = reverse("distributors:field_report_attachment", args=[report.pk])
    for person in ("staff_a", "lead_a", "manager_a", "admin"):
        client.force_login(getattr(network, person))
        response = client.get(page)
        assert response.status_code == 200, person
        assert b"".join(response.streaming_content) == pdf_bytes()
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="devis.pdf"'
        assert "no-store" in response["Cache-Control"]
    for person in ("staff_b", "lead_b", "manager_b", "trainer"):
        client.force_login(getattr(network, person))
        assert client.get(page).status_code == 404, person
    client.logout()
    assert client.get(page).status_code == 302


def test_report_without_attachment(client, network):
    report = FieldReportFactory(sender=network.staff_a)
    client.force_login(network.staff_a)
    assert client.get(reverse("distributors:field_report_attachment", args=[report.pk])).status_code == 404
