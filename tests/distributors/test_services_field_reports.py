"""Field reports: sending (with attachments), triage, replies and notifications."""

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from academy.errors import ApplicationError
from academy.models import EngagementEvent, Notification, Verb
from academy.outbox import outboxes_drain
from distributors import services
from distributors.attachments import ATTACHMENT_MAX_BYTES, DOCX, JPEG, PDF, PNG, XLSX, attachment_check
from distributors.models import FieldReport, FieldReportReply
from tests.academy.factories import UserFactory
from tests.distributors.conftest import upload
from tests.distributors.factories import FieldReportFactory
from tests.files import ooxml_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def test_staff_send_a_report_for_their_distributor(network, pdf_upload):
    report = FieldReportFactory(
        sender=network.staff_a,
        kind="local_opportunity",
        title=" Tender of the national laboratory ",
        urgency="high",
        product="Food control",
        attachment=pdf_upload,
    )
    assert (report.distributor, report.country.code, report.status, report.title) == (
        network.distributor_a,
        "SN",
        "new",
        "Tender of the national laboratory",
    )
    assert (report.attachment_name, report.attachment_content_type, report.attachment_size) == (
        "devis.pdf",
        PDF,
        len(pdf_bytes()),
    )
    assert report.attachment.name.startswith("field-reports/") and "devis" not in report.attachment.name
    assert report.attachment.open("rb").read() == pdf_bytes()
    event = EngagementEvent.objects.get(verb=Verb.FIELD_REPORT_SENT)
    assert (event.actor, event.distributor, event.object_id) == (
        network.staff_a,
        network.distributor_a,
        str(report.pk),
    )


def test_managers_of_the_territory_are_notified_in_their_language(network):
    network.manager_a.language = "en"
    network.manager_a.save()
    FieldReportFactory(sender=network.staff_a, title="Fake kits in Dakar")
    notification = Notification.objects.get()
    assert notification.user == network.manager_a
    assert notification.title == "New field report from Dist A: Fake kits in Dakar"
    assert notification.url.startswith("/distributors/field-reports/")


def test_people_without_a_distributor_cannot_send_reports(network):
    for person in (UserFactory(), network.manager_a, network.trainer):
        with pytest.raises(PermissionDenied):
            FieldReportFactory(sender=person)
    assert not FieldReport.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("kind", "gossip"), ("title", " "), ("description", ""), ("urgency", "now"), ("country", "ZZ")],
)
def test_report_fields_are_validated(network, field, value):
    with pytest.raises(ApplicationError) as error:
        FieldReportFactory(sender=network.staff_a, **{field: value})
    assert field in error.value.fields
    assert not FieldReport.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "declared", "expected"),
    [
        ("scan.pdf", pdf_bytes(), "application/pdf", PDF),
        ("photo.JPG", png_bytes("JPEG"), "image/jpeg", JPEG),
        ("photo.jpeg", png_bytes("JPEG"), "application/octet-stream", JPEG),
        ("shelf.png", png_bytes(), "image/png", PNG),
        ("offer.docx", ooxml_bytes("word/document.xml"), DOCX, DOCX),
        ("prices.xlsx", ooxml_bytes("xl/workbook.xml"), XLSX, XLSX),
    ],
)
def test_accepted_attachments(name, content, declared, expected):
    assert attachment_check(upload(name, content, declared)) == expected


@pytest.mark.parametrize(
    ("name", "content", "declared", "message"),
    [
        ("virus.exe", b"MZ\x90\x00", "application/octet-stream", "not accepted"),
        ("page.html", b"<html>", "text/html", "not accepted"),
        ("noextension", pdf_bytes(), "application/pdf", "not accepted"),
        ("empty.pdf", b"", "application/pdf", "empty"),
        ("fake.pdf", b"MZ\x90\x00 not a pdf", "application/pdf", "does not match its type"),
        ("fake.png", pdf_bytes(), "image/png", "does not match its type"),
        ("photo.png", png_bytes("JPEG"), "image/png", "does not match its type"),
        ("offer.docx", ooxml_bytes("xl/workbook.xml"), DOCX, "does not match its type"),
        ("offer.docx", b"PK\x03\x04 broken", DOCX, "does not match its type"),
        ("scan.pdf", pdf_bytes(), "text/html", "does not match its name"),
    ],
)
def test_refused_attachments(name, content, declared, message):
    with translation.override("en"), pytest.raises(ApplicationError) as error:
        attachment_check(upload(name, content, declared))
    assert "attachment" in error.value.fields
    assert message in error.value.message


def test_attachment_size_is_limited(network):
    big = upload("big.pdf", pdf_bytes() + b"0" * ATTACHMENT_MAX_BYTES, "application/pdf")
    with pytest.raises(ApplicationError) as error:
        FieldReportFactory(sender=network.staff_a, attachment=big)
    assert "attachment" in error.value.fields
    assert not FieldReport.objects.exists()


def test_triage_moves_the_report_on_and_replies(network, mailoutbox, django_capture_on_commit_callbacks):
    network.staff_a.language = "en"
    network.staff_a.save()
    report = FieldReportFactory(sender=network.staff_a, title="Labels peel off")
    Notification.objects.all().delete()
    services.field_report_triage(actor=network.manager_a, report=report, status="acknowledged")
    notification = Notification.objects.get(user=network.staff_a)
    assert notification.title == "Your field report “Labels peel off” is now “Acknowledged”"
    assert mailoutbox == []  # a change of status alone is not e-mailed
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.field_report_triage(
            actor=network.manager_a,
            report=report,
            status="in_progress",
            reply="We are checking with the supplier.",
        )
    report.refresh_from_db()
    assert report.status == "in_progress" and report.status_changed_at is not None
    assert (reply.status_from, reply.status_to, reply.author) == (
        "acknowledged",
        "in_progress",
        network.manager_a,
    )
    # Queued with the reply; the dispatcher woken after the commit sent it.
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [network.staff_a.email]
    assert "Reply to your field report “Labels peel off”" in mailoutbox[0].subject
    assert "We are checking with the supplier." in mailoutbox[0].body
    assert Notification.objects.filter(user=network.staff_a).count() == 2
    reply.refresh_from_db()
    assert reply.emailed_at is not None
    assert outboxes_drain().sent == 0  # sent once


def test_reply_without_status_change(network):
    report = FieldReportFactory(sender=network.staff_a)
    reply = services.field_report_triage(actor=network.admin, report=report, reply="Thanks!")
    assert (reply.status_from, reply.status_to) == ("", "")
    report.refresh_from_db()
    assert report.status == "new"


def test_triage_needs_a_reply_or_a_status(network):
    report = FieldReportFactory(sender=network.staff_a)
    with pytest.raises(ApplicationError) as error:
        services.field_report_triage(actor=network.manager_a, report=report, reply="  ")
    assert "reply" in error.value.fields
    with pytest.raises(ApplicationError):
        services.field_report_triage(actor=network.manager_a, report=report, status="new")
    assert not FieldReportReply.objects.exists()


@pytest.mark.parametrize(
    ("path", "target"),
    [(["closed"], "acknowledged"), (["in_progress"], "new"), (["acknowledged"], "archived")],
)
def test_invalid_triage_transitions(network, path, target):
    report = FieldReportFactory(sender=network.staff_a)
    for status in path:
        services.field_report_triage(actor=network.manager_a, report=report, status=status)
    with pytest.raises(ApplicationError) as error:
        services.field_report_triage(actor=network.manager_a, report=report, status=target)
    assert "status" in error.value.fields
    report.refresh_from_db()
    assert report.status == path[-1]


def test_closed_report_can_be_reopened(network):
    report = FieldReportFactory(sender=network.staff_a)
    services.field_report_triage(actor=network.manager_a, report=report, status="closed", reply="Done")
    services.field_report_triage(actor=network.manager_a, report=report, status="in_progress")
    report.refresh_from_db()
    assert report.status == "in_progress"


@pytest.mark.parametrize("person", ["manager_b", "lead_a", "staff_a", "trainer"])
def test_only_managers_of_the_territory_triage(network, person):
    report = FieldReportFactory(sender=network.staff_a)
    with pytest.raises(PermissionDenied):
        services.field_report_triage(actor=getattr(network, person), report=report, status="closed")


def test_sender_who_left_still_gets_replies(network, mailoutbox, django_capture_on_commit_callbacks):
    report = FieldReportFactory(sender=network.staff_a)
    services.membership_remove(actor=network.lead_a, membership=network.staff_a.memberships.get())
    with django_capture_on_commit_callbacks(execute=True):
        services.field_report_triage(actor=network.manager_a, report=report, reply="Thank you for this.")
    assert len(mailoutbox) == 1
