"""Two tenants whose every visible string carries a marker.

Each tenant X (``A`` or ``B``) is a territory with its manager and one
distributor with a lead and a staff member, and around them one of each
object a URL can point at. Names, titles and e-mail addresses contain
``tenant-<x>-<category>-<suffix>`` so a response body that shows one of them
can be told apart; the categories say who may see it:

- ``people``: the distributor's members (names and e-mail addresses);
- ``network``: the distributor and its territory;
- ``private``: field reports and invitations;
- ``content``: courses, paths, web-conferences and series whose audience is
  that distributor only (company staff see every audience).
"""

import dataclasses
import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from academy import services as academy_services
from academy.email_preferences import unsubscribe_token
from academy.messaging.services import inbound_receive, short_link
from academy.models import User, Verb
from academy.services import activity_record
from courses import services as course_services
from courses.models import Assignment, Certificate, Enrollment, Lesson, QuizAttempt
from courses.models import Question as QuizQuestion
from distributors.engagement.exports import DATASETS
from tests.academy.factories import UserFactory
from tests.courses.factories import PathFactory, build_course, complete_course
from tests.distributors.factories import (
    DistributorFactory,
    FieldReportFactory,
    InvitationFactory,
    MembershipFactory,
    TerritoryFactory,
)
from tests.webinars.factories import SeriesFactory, SessionFactory
from webinars import services as webinar_services

SUFFIX = "7f3a"
CATEGORIES = ("people", "network", "private", "content")


def marker(tenant: str, category: str) -> str:
    return f"tenant-{tenant.lower()}-{category}-{SUFFIX}"


@dataclasses.dataclass
class Tenant:
    key: str
    manager: Any
    lead: Any
    staff: Any
    territory: Any
    distributor: Any
    # What a path parameter of each kind is filled with (see test_isolation.KINDS).
    values: dict[str, list[str]]


@dataclasses.dataclass
class Tenants:
    admin: Any
    trainer: Any
    a: Tenant
    b: Tenant

    def __getitem__(self, key: str) -> Tenant:
        return {"A": self.a, "B": self.b}[key]


def _tenant(key: str, *, trainer, countries: list[str]) -> Tenant:
    people, network, private, content = (marker(key, category) for category in CATEGORIES)
    manager = UserFactory(role="manager", email=f"manager.{key.lower()}.{SUFFIX}@test.example")
    territory = TerritoryFactory(name=f"Territory {network}", countries=countries, managers=[manager])
    distributor = DistributorFactory(name=f"Distributor {network}", territory=territory, country=countries[0])

    def member(role: str):
        user = UserFactory(
            email=f"{role}.{people}@test.example", first_name=role.capitalize(), last_name=people
        )
        return MembershipFactory(user=user, distributor=distributor, role=role)

    lead_membership = member("lead")
    staff_membership = member("staff")
    lead, staff = lead_membership.user, staff_membership.user

    report = FieldReportFactory(sender=staff, title=f"Report {private}", description=f"Details {private}")
    invitation = InvitationFactory(
        actor=lead, distributor=distributor, email=f"invitee.{private}@test.example"
    )

    audience = {"audience_everyone": False, "audience_distributors": [distributor]}
    course = build_course(owner=trainer, title=f"Course {content}", validity_months=12, **audience)
    complete_course(staff, course)
    enrollment = Enrollment.objects.get(user=staff, course=course)
    certificate = Certificate.objects.get(user=staff, course=course)
    attempt = QuizAttempt.objects.filter(enrollment=enrollment).latest("pk")
    lesson = Lesson.objects.filter(module__course=course).order_by("pk").first()
    assert lesson is not None
    question = QuizQuestion.objects.filter(quiz__lesson__module__course=course).order_by("pk").first()
    assert question is not None
    path = PathFactory(actor=trainer, title=f"Path {content}")
    course_services.assignment_create(actor=manager, distributor=distributor, course=course, due_days=30)
    assignment = Assignment.objects.filter(distributor=distributor).latest("pk")
    event = activity_record(actor=staff, verb=Verb.LESSON_COMPLETED, obj=lesson, minutes=5)

    session = SessionFactory(
        title=f"Session {content}",
        trainers=[trainer],
        audience=audience,
        starts_at=(timezone.now() + datetime.timedelta(days=5)).replace(second=0, microsecond=0),
    )
    webinar_services.registration_create(user=staff, session=session)
    series = SeriesFactory(actor=trainer, title=f"Series {content}", audience=audience)
    poll = webinar_services.poll_create(
        actor=trainer, session=session, question=f"Poll {content}?", options=["Yes", "No"], kind="single"
    )
    material = webinar_services.material_add(
        actor=trainer, session=session, title=f"Material {content}", url="https://example.com/slides"
    )
    calendar = webinar_services.calendar_token_regenerate(user=staff)
    # A WhatsApp reply kept for a person: the managers' "Replies from the field" of that territory.
    number = {"A": "+221770000101", "B": "+237670000101"}[key]
    User.objects.filter(pk=staff.pk).update(phone=number, phone_verified_at=timezone.now())
    inbound_receive(
        channel="whatsapp",
        provider="tenants",
        provider_message_id=f"reply-{key}",
        from_number=number,
        text=f"Reply {people}",
    )
    api_token, _secret = academy_services.api_token_create(
        owner=staff, name=f"Token {private}", scopes=["read"]
    )

    values = {
        "territory": [str(territory.pk)],
        "distributor": [str(distributor.pk)],
        "membership": [str(staff_membership.pk)],
        "invitation": [str(invitation.pk)],
        "invitation_token": [invitation.token],
        "field_report": [str(report.pk)],
        "event": [str(event.pk)],
        "course": [course.slug],
        "path": [path.slug],
        "module": [str(lesson.module_id)],
        "lesson": [str(lesson.pk)],
        "quiz_question": [str(question.pk)],
        "quiz_attempt": [str(attempt.pk)],
        "enrollment": [str(enrollment.pk)],
        "certificate": [certificate.code],
        "assignment": [str(assignment.pk)],
        "session": [str(session.pk)],
        "series": [str(series.pk)],
        "poll": [str(poll.pk)],
        "material": [str(material.pk)],
        "calendar_token": [calendar.calendar_token],
        "user_uid": [urlsafe_base64_encode(force_bytes(staff.pk))],
        "password_reset_token": ["set-password-bogus"],
        "export_dataset": list(DATASETS),
        "api_token": [str(api_token.pk)],
        "unsubscribe_token": [unsubscribe_token(user=staff, kind="webinars.reminder")],
        # Africa's Talking's callbacks: a guess of their secret is refused (401).
        "webhook_token": ["not-the-secret"],
        "short_link": [short_link(f"{settings.SITE_URL}/courses/?from={key}").rsplit("/", 2)[-2]],
    }
    return Tenant(
        key=key,
        manager=manager,
        lead=lead,
        staff=staff,
        territory=territory,
        distributor=distributor,
        values=values,
    )


def tenants_build() -> Tenants:
    admin = UserFactory(role="admin", email=f"admin.{SUFFIX}@test.example")
    trainer = UserFactory(role="trainer", email=f"trainer.{SUFFIX}@test.example")
    return Tenants(
        admin=admin,
        trainer=trainer,
        a=_tenant("A", trainer=trainer, countries=["SN", "CI"]),
        b=_tenant("B", trainer=trainer, countries=["CM", "GA"]),
    )
