"""Writes of engagement measurement: refreshing the derived tables, nudges
and weekly digests.

A distributor is typed ``Any`` here: it comes from the distributors app's
selectors, and naming its class would mean importing that app's models."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from academy import services as academy_services
from academy.email_preferences import email_wanted
from academy.errors import ApplicationError
from academy.i18n import in_language_of
from academy.messaging.services import message_send
from academy.models import Role, User, Verb
from academy.permissions import require
from academy.services import activity_record
from distributors import scoping
from distributors.engagement.models import (
    DistributorScore,
    EngagementDigest,
    Nudge,
    NudgeAudience,
    SnapshotKind,
)
from distributors.engagement.risks import risk_message
from distributors.engagement.rollups import RollupResult, rollups_update
from distributors.engagement.scores import (
    change_display,
    current_snapshots_refresh,
    missing_months,
    snapshots_refresh,
)
from distributors.selectors import team_current_users

# The kinds of message (academy.messaging.kinds, registered in the app's
# ready()): the digest is a table (e-mail only), a nudge may go by WhatsApp
# or SMS to a learner who chose them.
DIGEST_EMAIL = "engagement.digest"
NUDGE_EMAIL = "engagement.nudge"


@dataclass
class RefreshResult:
    rollups: RollupResult
    snapshots: int


def engagement_refresh(*, months: int = 1, today: datetime.date | None = None) -> RefreshResult:
    """Bring rollups and score snapshots up to date: the rollups from the
    events added since the last run, the current snapshot, and the ``months``
    latest monthly snapshots (all twelve when some are missing)."""
    rollups = rollups_update()
    if missing_months(today=today):
        months = max(months, 12)
    return RefreshResult(rollups, snapshots_refresh(months=months, today=today))


# ---------------------------------------------------------------- nudges


@dataclass(frozen=True)
class NudgeTemplate:
    key: str
    label: Any
    subject: Any
    body: Any


NUDGE_TEMPLATES: tuple[NudgeTemplate, ...] = (
    NudgeTemplate(
        "reconnect",
        gettext_lazy("We miss you"),
        gettext_lazy("The academy misses the team of %(distributor)s"),
        gettext_lazy(
            "Hello,\n\nWe have not seen much of the team of %(distributor)s on the academy lately. "
            "New courses and the replays of the monthly web-conferences are waiting for you: twenty "
            "minutes this week are enough to get back on track.\n\nIs anything in your way? Just reply, "
            "I will be glad to help.\n\n%(manager)s"
        ),
    ),
    NudgeTemplate(
        "webinar",
        gettext_lazy("Monthly web-conference"),
        gettext_lazy("See you at the next monthly web-conference"),
        gettext_lazy(
            "Hello,\n\nThe team of %(distributor)s has missed the last monthly web-conferences. They "
            "are the best place to hear about new products and to ask your questions to our "
            "specialists. Register for the next one from the academy, in the Web-conferences menu.\n\n"
            "%(manager)s"
        ),
    ),
    NudgeTemplate(
        "assignments",
        gettext_lazy("Overdue training"),
        gettext_lazy("Training to complete for %(distributor)s"),
        gettext_lazy(
            "Hello,\n\nSome training assigned to the team of %(distributor)s is past its due date. "
            "You will find it under My learning. Completing it keeps your certifications valid for "
            "the tenders and the laboratories you work with.\n\n%(manager)s"
        ),
    ),
    NudgeTemplate(
        "onboarding",
        gettext_lazy("Onboarding of new staff"),
        gettext_lazy("Welcome your new colleagues with the onboarding path"),
        gettext_lazy(
            "Hello,\n\nNew colleagues have joined %(distributor)s. The onboarding path gives them "
            "the essentials about the company, our product lines and the consultative sale in a "
            "few short courses. Could you make sure they start it this week?\n\n%(manager)s"
        ),
    ),
)
NUDGE_TEMPLATE_KEYS = tuple(template.key for template in NUDGE_TEMPLATES)
SUBJECT_MAX = 200
BODY_MAX = 5000


def nudge_template_text(*, key: str, language: str, distributor: Any, sender: User) -> dict[str, str]:
    """The subject and body of a template in ``language``, filled in."""
    template = next((t for t in NUDGE_TEMPLATES if t.key == key), NUDGE_TEMPLATES[0])
    values = {"distributor": distributor.name, "manager": sender.get_full_name() or sender.email}
    with translation.override(language):
        return {"subject": str(template.subject) % values, "body": str(template.body) % values}


def nudge_recipients(*, distributor: Any, audience: str) -> list[User]:
    """The current lead(s) or the whole current team of the distributor (active accounts)."""
    return team_current_users(distributor=distributor, leads_only=audience == NudgeAudience.LEAD)


@transaction.atomic
def nudge_send(
    *,
    actor: User,
    distributor: Any,
    audience: str,
    template: str,
    messages: dict[str, dict[str, str]],
) -> Nudge:
    """Send a re-engagement message to the distributor's lead or team.

    ``messages`` gives the subject and body in each language; each recipient
    gets the version in their language (the default language's otherwise),
    as a notification now and an e-mail after commit. Records ``nudge_sent``
    for the sender. Needs ``distributors.nudge`` on the distributor."""
    require(actor, "distributors.nudge", distributor)
    errors: dict[str, list[str]] = {}
    if audience not in NudgeAudience.values:
        errors["audience"] = [_("Choose who receives the message.")]
    if template not in NUDGE_TEMPLATE_KEYS:
        errors["template"] = [_("Choose a template.")]
    cleaned: dict[str, dict[str, str]] = {}
    for language, _name in settings.LANGUAGES:
        text = messages.get(language, {})
        subject, body = (text.get("subject") or "").strip(), (text.get("body") or "").strip()
        if not subject:
            errors[f"subject_{language}"] = [_("Write a subject.")]
        elif len(subject) > SUBJECT_MAX:
            errors[f"subject_{language}"] = [_("At most %(max)d characters.") % {"max": SUBJECT_MAX}]
        if not body:
            errors[f"body_{language}"] = [_("Write a message.")]
        elif len(body) > BODY_MAX:
            errors[f"body_{language}"] = [_("At most %(max)d characters.") % {"max": BODY_MAX}]
        cleaned[language] = {"subject": subject, "body": body}
    if errors:
        raise ApplicationError(_("The message could not be sent."), fields=errors)
    recipients = nudge_recipients(distributor=distributor, audience=audience)
    if not recipients:
        message = (
            _("This distributor has no team lead at the moment.")
            if audience == NudgeAudience.LEAD
            else _("This distributor has nobody in its team at the moment.")
        )
        raise ApplicationError(message, fields={"audience": [message]})
    nudge = Nudge(
        distributor=distributor,
        sender=actor,
        audience=audience,
        template=template,
        messages=cleaned,
        sent_at=timezone.now(),
    )
    nudge.full_clean()
    nudge.save()
    nudge.recipients.set(recipients)
    url = reverse("engagement:me")
    for user in recipients:
        text = nudge_message_for(nudge, user)
        academy_services.notification_create(
            user=user, kind="engagement.nudge", title=text["subject"], body=text["body"][:1000], url=url
        )
    activity_record(
        actor=actor,
        verb=Verb.NUDGE_SENT,
        obj=distributor,
        context={
            "nudge": nudge.pk,
            "audience": audience,
            "recipients": len(recipients),
            "template": template,
        },
    )
    for user in recipients:
        text = nudge_message_for(nudge, user)
        message_send(
            key=f"nudge-{nudge.pk}-{user.pk}",
            topic="engagement.nudge",
            user=user,
            template="engagement/email/nudge",
            context={
                "subject": text["subject"],
                "body": text["body"],
                "distributor": distributor,
                "sender": actor,
                "learning_url": settings.SITE_URL + reverse("courses:my_learning"),
            },
            kind=NUDGE_EMAIL,
            # The text invites a reply ("just reply"): it goes to the manager.
            reply_to=actor.email,
        )
    nudge.delivered_at = timezone.now()
    nudge.save(update_fields=["delivered_at", "updated_at"])
    return nudge


def nudge_message_for(nudge: Nudge, user: User) -> dict[str, str]:
    return (
        nudge.messages.get(user.language)
        or nudge.messages.get(settings.LANGUAGE_CODE)
        or {
            "subject": "",
            "body": "",
        }
    )


# ---------------------------------------------------------------- weekly digest


def week_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


DIGEST_HOUR = 6


def digest_send(*, manager: User, week: datetime.date | None = None) -> EngagementDigest | None:
    """Queue ``manager``'s digest of the distributors of their territories
    at risk and why, in the manager's language; at most once per week (a
    row per digest, written in the same transaction as its e-mail). Returns
    the digest, or None when it had already been sent or the manager
    stopped the digest (profile page, or its unsubscribe link)."""
    if not email_wanted(user=manager, kind=DIGEST_EMAIL):
        return None  # before the table is computed (message_send would not queue it either)
    week = week_of(week or timezone.localdate())
    with transaction.atomic():
        digest, _created = EngagementDigest.objects.get_or_create(manager=manager, week=week)
        digest = EngagementDigest.objects.select_for_update().get(pk=digest.pk)
        if digest.sent_at is not None:
            return None
        at_risk = list(
            scoping.visible(
                DistributorScore.objects.filter(kind=SnapshotKind.CURRENT, is_at_risk=True), manager
            )
            .select_related("distributor", "distributor__territory")
            .order_by("score", "distributor__name")
        )
        with in_language_of(manager):
            rows = [
                {
                    "distributor": row.distributor,
                    "score": row.score,
                    "reasons": [risk_message(risk) for risk in row.risks],
                    "change": change_display(row.score_change),
                    "url": settings.SITE_URL + reverse("engagement:distributor", args=[row.distributor_id]),
                }
                for row in at_risk
            ]
        message_send(
            key=f"digest-{manager.pk}-{week.isoformat()}",
            topic="engagement.digest",
            user=manager,
            template="engagement/email/digest",
            context={
                "rows": rows,
                "week": week,
                "dashboard_url": settings.SITE_URL + reverse("engagement:dashboard"),
            },
            kind=DIGEST_EMAIL,
        )
        digest.distributors = len(rows)
        digest.sent_at = timezone.now()
        digest.save(update_fields=["distributors", "sent_at", "updated_at"])
    return digest


def digests_dispatch(*, today: datetime.date | None = None) -> int:
    """Send this week's digest to every active manager with a territory who
    has not had it yet, from Monday 06:00 in the manager's time zone (run
    hourly: a missed run only delays it). Returns the number sent."""
    now = timezone.now()
    managers = User.objects.filter(
        role=Role.MANAGER, is_active=True, managed_territories__isnull=False
    ).distinct()
    sent = 0
    for manager in managers:
        if today is None:
            local = timezone.localtime(now, manager.tzinfo)
            if local.weekday() == 0 and local.hour < DIGEST_HOUR:
                continue  # Monday before six: last week's digest was sent, this one waits
            week = local.date()
        else:
            week = today
        if digest_send(manager=manager, week=week) is not None:
            sent += 1
    return sent


__all__ = [
    "NUDGE_TEMPLATES",
    "current_snapshots_refresh",
    "digest_send",
    "digests_dispatch",
    "engagement_refresh",
    "nudge_send",
]
