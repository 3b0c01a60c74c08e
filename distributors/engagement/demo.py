"""Demo engagement: a year of history, nudges, and the first computation of
rollups and scores.

The distributors demo records six months of activity with each
distributor's level of engagement (``distributors.demo.ENGAGEMENT``:
engaged, drifting, at risk); this adds the six months before them at the
earlier level, so the 12-month trends show who drifted away. A manager's
nudges (one that worked, one too recent to tell) show on the distributor
pages. Rollups and snapshots are computed once the whole demo is committed
(courses and web-conferences are seeded after this app)."""

import datetime
import functools
import random

from django.db import transaction
from django.utils import timezone

from academy.demo import MANAGER_CENTRAL_EMAIL, MANAGER_WEST_EMAIL, DemoLogin
from academy.models import EngagementEvent, User, Verb
from academy.services import activity_record
from distributors.demo import ENGAGEMENT
from distributors.engagement.models import Nudge
from distributors.engagement.services import engagement_refresh, nudge_send, nudge_template_text
from distributors.models import Distributor, Membership

# Weeks before the six months the distributors demo already covers.
FIRST_WEEK, LAST_WEEK = 27, 52
COURSE_TITLES = [
    "Kits ELISA : principes et manipulation",
    "Qualité au laboratoire",
    "Méthode de vente conseil",
    "Analyse microbiologique de l’eau",
]

# (manager, distributor, audience, template, days ago)
NUDGES = [
    (MANAGER_WEST_EMAIL, "Sahel Analyses", "team", "reconnect", 110),
    (MANAGER_CENTRAL_EMAIL, "Gabon Biomédical", "lead", "webinar", 6),
]


def _at(day: datetime.date, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def _record(
    membership: Membership, moment: datetime.datetime, verb: str, offset: int = 0, **kwargs: object
) -> None:
    activity_record(
        actor=membership.user,
        verb=verb,
        distributor=membership.distributor,
        occurred_at=moment + datetime.timedelta(minutes=offset),
        **kwargs,  # type: ignore[arg-type]
    )


def _earlier_history() -> None:
    today = timezone.localdate()
    oldest = today - datetime.timedelta(weeks=LAST_WEEK)
    # The other demos' sign-ins go back six months: older ones mean this ran already.
    marker = _at(oldest + datetime.timedelta(weeks=4), 0, 0)
    if EngagementEvent.objects.filter(verb=Verb.LOGGED_IN, occurred_at__lt=marker).exists():
        return
    memberships = Membership.objects.select_related("user", "distributor").order_by(
        "user__email", "joined_on"
    )
    for membership in memberships:
        level = ENGAGEMENT.get(membership.distributor.name, (0.5, 0.5))[0]
        rng = random.Random(f"year/{membership.user.email}/{membership.distributor.name}")
        lessons = 0
        for week in range(LAST_WEEK, FIRST_WEEK - 1, -1):
            monday = today - datetime.timedelta(weeks=week, days=today.weekday())
            if monday < membership.joined_on or (membership.left_on and monday > membership.left_on):
                continue
            if rng.random() > level:
                continue
            day = monday + datetime.timedelta(days=rng.randint(0, 4))
            moment = _at(day, rng.randint(7, 16), rng.randint(0, 59))

            record = functools.partial(_record, membership, moment)

            title = COURSE_TITLES[(lessons // 5) % len(COURSE_TITLES)]
            record(Verb.LOGGED_IN)
            lessons += 1
            record(
                Verb.LESSON_COMPLETED,
                5,
                object_type="courses.lesson",
                object_name=f"{title} — leçon {lessons % 5 + 1}",
                minutes=rng.randint(8, 25),
            )
            if lessons % 5 == 0:
                passed = rng.random() < 0.75
                record(
                    Verb.QUIZ_PASSED if passed else Verb.QUIZ_FAILED,
                    40,
                    object_type="courses.quiz",
                    object_name=f"{title} — quiz final",
                    context={"score": rng.randint(70, 100) if passed else rng.randint(35, 69)},
                )
                if passed:
                    record(Verb.COURSE_COMPLETED, 41, object_type="courses.course", object_name=title)
            if day.day <= 7 and rng.random() < 0.6:
                record(
                    Verb.WEBINAR_ATTENDED,
                    300,
                    object_type="webinars.session",
                    object_name="Rendez-vous mensuel des distributeurs",
                    minutes=rng.randint(35, 60),
                )


def _nudges() -> None:
    for email, name, audience, template, days_ago in NUDGES:
        distributor = Distributor.objects.filter(name=name).first()
        manager = User.objects.filter(email=email).first()
        if distributor is None or manager is None or Nudge.objects.filter(distributor=distributor).exists():
            continue
        messages = {
            language: nudge_template_text(
                key=template, language=language, distributor=distributor, sender=manager
            )
            for language in ("fr", "en")
        }
        nudge = nudge_send(
            actor=manager, distributor=distributor, audience=audience, template=template, messages=messages
        )
        sent_at = timezone.now() - datetime.timedelta(days=days_ago)
        Nudge.objects.filter(pk=nudge.pk).update(sent_at=sent_at)
        EngagementEvent.objects.filter(actor=manager, verb=Verb.NUDGE_SENT, context__nudge=nudge.pk).update(
            occurred_at=sent_at
        )


def _refresh() -> None:
    engagement_refresh(months=12)


def seed() -> list[DemoLogin]:
    _earlier_history()
    _nudges()
    # After every app's demo is committed: rollups, 12 monthly snapshots, at-risk reasons.
    transaction.on_commit(_refresh)
    return []
