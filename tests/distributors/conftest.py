"""Fixtures of the distributors tests: files of each accepted type, and a
network with activity (field reports, invitations, reviews) in both territories."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.distributors.factories import FieldReportFactory, InvitationFactory, ScorecardReviewFactory


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def png_bytes(fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, format=fmt)
    return buffer.getvalue()


def ooxml_bytes(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def pdf_upload():
    return upload("devis.pdf", pdf_bytes(), "application/pdf")


@pytest.fixture
def activity(network):
    """Two field reports, two open invitations and two reviews per distributor."""
    net = network
    for distributor, lead, staff, manager in (
        (net.distributor_a, net.lead_a, net.staff_a, net.manager_a),
        (net.distributor_b, net.lead_b, net.staff_b, net.manager_b),
    ):
        FieldReportFactory(sender=staff, title=f"{distributor.name} tender")
        FieldReportFactory(sender=lead, title=f"{distributor.name} competitor", kind="competitor_info")
        InvitationFactory(actor=lead, distributor=distributor)
        InvitationFactory(actor=manager, distributor=distributor)
        ScorecardReviewFactory(actor=manager, distributor=distributor, reviewed_on=datetime.date(2025, 1, 15))
        ScorecardReviewFactory(actor=manager, distributor=distributor, commitment=5)
    return net
