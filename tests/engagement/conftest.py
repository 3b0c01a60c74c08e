import datetime

import pytest
from django.utils import timezone

from academy.models import Verb
from academy.services import activity_record
from distributors.engagement.services import engagement_refresh
from tests.distributors.factories import DistributorFactory, MembershipFactory


def ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def activity(user, *, days_ago: float, verb=Verb.LESSON_COMPLETED, minutes=10, **kwargs):
    return activity_record(actor=user, verb=verb, minutes=minutes, occurred_at=ago(days_ago), **kwargs)


@pytest.fixture
def refreshed(network):
    """The network with some activity, rollups and snapshots computed."""
    activity(network.staff_a, days_ago=3)
    activity(network.lead_a, days_ago=40, verb=Verb.QUIZ_PASSED)
    activity(network.staff_b, days_ago=50)
    engagement_refresh(months=12)
    return network


def more_distributors(network, count: int = 3):
    """Extra distributors with people and activity in territory A."""
    for index in range(count):
        distributor = DistributorFactory(name=f"Extra {index}", territory=network.territory_a, country="CI")
        for role in ("lead", "staff"):
            member = MembershipFactory(distributor=distributor, role=role).user
            activity(member, days_ago=index + 1)
            activity(member, days_ago=35 + index, verb=Verb.QUIZ_FAILED)
    engagement_refresh(months=12)


def learned_and_attended(network):
    """Staff A completes a course and attends a web-conference for 45 minutes; the session."""
    from tests.courses.factories import build_course, complete_course
    from tests.webinars.conftest import end_session
    from tests.webinars.factories import SessionFactory
    from webinars import services as webinar_services

    complete_course(network.staff_a, build_course(owner=network.trainer, title="Hygiène"))
    session = SessionFactory(trainers=[network.trainer])
    webinar_services.registration_create(user=network.staff_a, session=session)
    end_session(session)
    webinar_services.attendance_mark(
        actor=network.trainer, session=session, user=network.staff_a, attended=True, minutes=45
    )
    return session
