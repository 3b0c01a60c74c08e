"""Recurrence rules (RFC 5545 RRULE) evaluated in a series' local time.

Occurrences are generated as naive local wall-clock times by python-dateutil
and only then placed in the series' IANA time zone, so "the first Thursday at
14:00 Europe/Paris" is 14:00 in Paris in winter and in summer (12:00 or 13:00
UTC). A local time that does not exist (the spring-forward gap) resolves with
the offset before the change, as zoneinfo does for ``fold=0``.
"""

import datetime
import zoneinfo

from dateutil.rrule import rrule, rrulestr
from django.utils.translation import gettext as _

from academy.errors import ApplicationError

# Series are for meetings: a rule firing more often than daily is a mistake.
_ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
MAX_OCCURRENCES = 500


def rule_normalise(text: str) -> str:
    """The rule without its optional ``RRULE:`` prefix, in upper case, without spaces."""
    rule = "".join(text.split()).upper()
    if rule.startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    return rule


def rule_parse(text: str, *, dtstart: datetime.datetime) -> rrule:
    """Parse ``text`` for a naive local ``dtstart``; ``ApplicationError`` on ``rrule`` when invalid."""
    rule = rule_normalise(text)

    def refuse(message: str) -> ApplicationError:
        return ApplicationError(message, fields={"rrule": [message]})

    if not rule:
        raise refuse(_("Enter a recurrence rule."))
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    if "DTSTART" in rule or "\n" in text.strip():
        raise refuse(_("Give only the RRULE part; the first date and time are separate fields."))
    if parts.get("FREQ") not in _ALLOWED_FREQUENCIES:
        raise refuse(_("The rule must repeat daily, weekly, monthly or yearly (FREQ=…)."))
    try:
        parsed = rrulestr(rule, dtstart=dtstart, forceset=False, ignoretz=True)
    except (ValueError, TypeError, KeyError) as error:
        raise refuse(_("This is not a valid recurrence rule: %(error)s") % {"error": error}) from error
    assert isinstance(parsed, rrule)
    return parsed


def local_start(*, start_date: datetime.date, start_time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(start_date, start_time.replace(tzinfo=None, microsecond=0))


def occurrences(
    *,
    rule: str,
    start_date: datetime.date,
    start_time: datetime.time,
    time_zone: str,
    after: datetime.datetime,
    before: datetime.datetime | None = None,
    limit: int = MAX_OCCURRENCES,
) -> list[datetime.datetime]:
    """Aware occurrences (in ``time_zone``) strictly after ``after`` and
    before ``before``, at most ``limit``, in order."""
    zone = zoneinfo.ZoneInfo(time_zone)
    parsed = rule_parse(rule, dtstart=local_start(start_date=start_date, start_time=start_time))
    after_local = after.astimezone(zone).replace(tzinfo=None) - datetime.timedelta(days=1)
    result: list[datetime.datetime] = []
    for naive in parsed.xafter(after_local, count=None, inc=True):
        aware = naive.replace(tzinfo=zone)
        if aware <= after:
            continue
        if before is not None and aware >= before:
            break
        result.append(aware)
        if len(result) >= limit:
            break
    return result


def preview(
    *,
    rule: str,
    start_date: datetime.date,
    start_time: datetime.time,
    time_zone: str,
    now: datetime.datetime,
    count: int = 6,
) -> list[datetime.datetime]:
    """The next ``count`` occurrences from ``now`` (or from the first date when later)."""
    zone = zoneinfo.ZoneInfo(time_zone)
    first = local_start(start_date=start_date, start_time=start_time).replace(tzinfo=zone)
    after = max(now, first - datetime.timedelta(seconds=1))
    return occurrences(
        rule=rule,
        start_date=start_date,
        start_time=start_time,
        time_zone=time_zone,
        after=after,
        limit=count,
    )
