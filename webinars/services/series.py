"""Series: create, edit (the rule and what sessions inherit), and keep
sessions generated a few months ahead."""

import datetime
import zoneinfo
from collections.abc import Sequence
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.models import User, known_time_zones
from academy.permissions import require
from webinars import recurrence
from webinars.models import RegistrationStatus, Series, Session, SessionStatus
from webinars.services._common import full_clean
from webinars.services.sessions import (
    audience_apply,
    audience_apply_m2m,
    session_cancel,
    session_create,
    session_update,
    trainers_check,
)

SERIES_FIELDS = (
    "title",
    "description",
    "language",
    "rrule",
    "start_date",
    "start_time",
    "time_zone",
    "duration_minutes",
    "capacity",
    "video_provider",
    "video_url",
    "is_active",
)


def _validate_rule(series: Series) -> None:
    series.rrule = recurrence.rule_normalise(series.rrule)
    recurrence.rule_parse(
        series.rrule,
        dtstart=recurrence.local_start(start_date=series.start_date, start_time=series.start_time),
    )
    first = recurrence.occurrences(
        rule=series.rrule,
        start_date=series.start_date,
        start_time=series.start_time,
        time_zone=series.time_zone,
        after=datetime.datetime.combine(series.start_date, datetime.time.min, tzinfo=datetime.UTC)
        - datetime.timedelta(days=2),
        limit=1,
    )
    if not first:
        message = _("This rule produces no date.")
        raise ApplicationError(message, fields={"rrule": [message]})


def series_preview(
    *, rrule: str, start_date: datetime.date, start_time: datetime.time, time_zone: str, count: int = 6
) -> list[datetime.datetime]:
    """The next ``count`` dates of a rule (aware, in ``time_zone``), for the series form."""
    if time_zone not in known_time_zones():
        message = _("“%(value)s” is not a known time zone.") % {"value": time_zone}
        raise ApplicationError(message, fields={"time_zone": [message]})
    return recurrence.preview(
        rule=rrule,
        start_date=start_date,
        start_time=start_time,
        time_zone=time_zone,
        now=timezone.now(),
        count=min(max(count, 1), 24),
    )


@transaction.atomic
def series_create(
    *,
    actor: User,
    title: str,
    rrule: str,
    start_date: datetime.date,
    start_time: datetime.time,
    time_zone: str,
    trainers: Sequence[User] = (),
    audience: dict[str, Any] | None = None,
    **fields: Any,
) -> Series:
    """Create a series and generate its sessions for the coming months."""
    require(actor, "webinars.create_series")
    unknown = set(fields) - set(SERIES_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    trainers = list(trainers) or [actor]
    trainers_check(trainers)
    series = Series(
        title=title.strip(),
        rrule=rrule,
        start_date=start_date,
        start_time=start_time,
        time_zone=time_zone,
        created_by=actor,
        **fields,
    )
    audience_apply(series, audience)
    full_clean(series)
    _validate_rule(series)
    series.save()
    series.trainers.set(trainers)
    audience_apply_m2m(series, audience)
    series_sessions_generate(series=series)
    return series


def _inherited(series: Series, session: Session) -> dict[str, Any]:
    return {
        "title": series.title,
        "agenda": series.description,
        "language": series.language,
        "duration_minutes": series.duration_minutes,
        "time_zone": series.time_zone,
        "capacity": session.capacity if series.capacity is None and session.capacity else series.capacity,
        "video_provider": series.video_provider,
        "video_url": series.video_url,
    }


def _audience_of(series: Series) -> dict[str, Any]:
    return {
        "audience_everyone": series.audience_everyone,
        "audience_leads": series.audience_leads,
        "audience_staff": series.audience_staff,
        "audience_customers": series.audience_customers,
        "audience_territories": list(series.audience_territories.all()),
        "audience_distributors": list(series.audience_distributors.all()),
    }


@transaction.atomic
def series_update(
    *,
    actor: User,
    series: Series,
    trainers: Sequence[User] | None = None,
    audience: dict[str, Any] | None = None,
    **changes: Any,
) -> Series:
    """Edit a series. Future sessions nobody changed by hand follow: they take
    the new title, duration, capacity, video and audience; when the rule or
    time changes they move to the new date of the same local day, and those
    that no longer match are removed — cancelled, with notices, when people
    registered. Customised, started and past sessions are left alone."""
    require(actor, "webinars.manage_series", series)
    unknown = set(changes) - set(SERIES_FIELDS)
    if unknown:
        raise ApplicationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    series = Series.objects.select_for_update().get(pk=series.pk)
    for name, value in changes.items():
        setattr(series, name, value.strip() if isinstance(value, str) else value)
    audience_apply(series, audience)
    full_clean(series)
    _validate_rule(series)
    series.save()
    if trainers is not None:
        trainers_check(trainers)
        series.trainers.set(trainers)
    audience_apply_m2m(series, audience)
    _sessions_follow(series=series, actor=actor)
    return series


def _horizon(now: datetime.datetime) -> datetime.datetime:
    return now + relativedelta(months=settings.WEBINAR_GENERATE_MONTHS_AHEAD)


def _wanted(series: Series, now: datetime.datetime, *, generating: bool = True) -> list[datetime.datetime]:
    if generating and not series.is_active:
        return []
    return recurrence.occurrences(
        rule=series.rrule,
        start_date=series.start_date,
        start_time=series.start_time,
        time_zone=series.time_zone,
        after=now,
        before=_horizon(now),
    )


def _sessions_follow(*, series: Series, actor: User | None) -> None:
    now = timezone.now()
    zone = zoneinfo.ZoneInfo(series.time_zone)
    # A paused series keeps the sessions it has; it only stops making new ones.
    wanted = {occurrence.astimezone(datetime.UTC) for occurrence in _wanted(series, now, generating=False)}
    followers = list(
        series.sessions.filter(status=SessionStatus.SCHEDULED, is_customised=False, starts_at__gt=now)
        .select_for_update()
        .order_by("starts_at")
    )
    kept = {s.occurrence_start for s in followers if s.occurrence_start in wanted}
    free_by_day: dict[datetime.date, datetime.datetime | None] = {}
    for occurrence in sorted(wanted - kept):
        free_by_day.setdefault(occurrence.astimezone(zone).date(), occurrence)
    trainers = list(series.trainers.all())
    audience = _audience_of(series)
    for session in followers:
        inherited = _inherited(series, session)
        target: datetime.datetime | None
        if session.occurrence_start in wanted:
            target = session.occurrence_start
        else:
            target = free_by_day.pop(session.starts_at.astimezone(zone).date(), None)
            if target is None:
                if session.registrations.exclude(status=RegistrationStatus.CANCELLED).exists():
                    session_cancel(actor=None, session=session, reason=_("The series' schedule has changed."))
                else:
                    session.delete()
                continue
            # The occurrence moves: free the old key first (unique per series).
            Session.objects.filter(pk=session.pk).update(occurrence_start=target)
        assert target is not None
        session_update(
            actor=None,
            session=session,
            trainers=trainers,
            audience=audience,
            mark_customised=False,
            starts_at=target,
            **inherited,
        )
    series_sessions_generate(series=series, now=now)


def series_sessions_generate(*, series: Series, now: datetime.datetime | None = None) -> int:
    """Create the sessions of the series' occurrences in the next
    ``WEBINAR_GENERATE_MONTHS_AHEAD`` months that do not exist yet. Safe to
    run again or concurrently (unique per series and occurrence); a session
    that was cancelled or moved is never recreated. Returns how many were made."""
    now = now or timezone.now()
    wanted = _wanted(series, now)
    if not wanted:
        return 0
    existing = set(
        series.sessions.filter(occurrence_start__in=[o.astimezone(datetime.UTC) for o in wanted]).values_list(
            "occurrence_start", flat=True
        )
    )
    trainers = list(series.trainers.all())
    audience = _audience_of(series)
    created = 0
    for occurrence in wanted:
        occurrence_utc = occurrence.astimezone(datetime.UTC)
        if occurrence_utc in existing:
            continue
        try:
            with transaction.atomic():
                session_create(
                    actor=None,
                    title=series.title,
                    agenda=series.description,
                    language=series.language,
                    starts_at=occurrence_utc,
                    duration_minutes=series.duration_minutes,
                    time_zone=series.time_zone,
                    capacity=series.capacity,
                    video_provider=series.video_provider,
                    video_url=series.video_url,
                    trainers=trainers,
                    audience=audience,
                    series=series,
                    occurrence_start=occurrence_utc,
                )
        except IntegrityError:  # another run created it meanwhile
            continue
        created += 1
    return created


def series_generate_all(*, now: datetime.datetime | None = None) -> int:
    """Generate ahead for every active series; returns the number of new sessions."""
    total = 0
    for series in Series.objects.filter(is_active=True).order_by("pk"):
        total += series_sessions_generate(series=series, now=now)
    return total
