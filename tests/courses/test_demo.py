import io

import pytest
from django.core.management import call_command

from courses.models import (
    Assignee,
    Certificate,
    Course,
    Enrollment,
    LearningPath,
    PathEnrollment,
    QuizAttempt,
)
from distributors.models import Distributor
from tests.distributors.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_demo_courses_cover_every_stage():
    call_command("seed_demo", stdout=io.StringIO())
    published = Course.objects.filter(status="published")
    assert published.count() >= 12
    assert set(published.values_list("language", flat=True)) == {"fr", "en"}
    elisa = Course.objects.get(slug="kits-elisa-principes")
    assert Course.objects.get(slug="elisa-kits-principles").translation_group == elisa.translation_group
    assert (
        elisa.modules.count() == 2 and QuizAttempt.objects.filter(quiz__lesson__module__course=elisa).exists()
    )
    assert (
        LearningPath.objects.filter(
            slug__in=["integration-nouveaux-collaborateurs", "technicien-kits-elisa"]
        ).count()
        == 2
    )
    states = {certificate.state() for certificate in Certificate.objects.all()}
    assert {"valid", "expired"} <= states
    # The new version of the water course: its holder is in the grace period.
    assert any(certificate.recertification_due() for certificate in Certificate.objects.all())
    assert Enrollment.objects.filter(status="active", progress_percent=0).exists()  # not started
    assert Enrollment.objects.filter(status="active", progress_percent__gt=0).exists()  # in progress
    assert Enrollment.objects.filter(status="completed").exists()
    assert QuizAttempt.objects.filter(passed=False).exists()  # failed quiz
    assert {a.state() for a in Assignee.objects.all()} >= {"done", "due", "overdue"}
    assert Course.objects.get(slug="analyse-microbiologique-eau").version == 2
    document = elisa.modules.first().lessons.get(kind="document")
    assert document.document_file.open("rb").read(5) == b"%PDF-"
    # Newcomers of a team with an onboarding path are enrolled in it, in the team's language.
    for distributor, path in [
        ("BioDiag Sénégal", "integration-nouveaux-collaborateurs"),
        ("Labo Conseil Benelux", "new-staff-onboarding"),
    ]:
        newcomer = MembershipFactory(distributor=Distributor.objects.get(name=distributor)).user
        assert PathEnrollment.objects.get(user=newcomer).path.slug == path
