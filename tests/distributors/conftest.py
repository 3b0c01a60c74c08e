"""Fixtures of the distributors tests: files of each accepted type, and a
network with activity (field reports, invitations, reviews) in both territories."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.distributors.factories import FieldReportFactory, InvitationFactory, ScorecardReviewFactory
from tests.files import pdf_bytes


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
