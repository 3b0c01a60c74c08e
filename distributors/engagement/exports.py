"""CSV and XLSX exports of engagement data, scoped like the pages: a
manager their territories, an admin everything, a lead their own
distributor. CSV is streamed; both stop at ``ENGAGEMENT_EXPORT_MAX_ROWS``.
Files are written by :mod:`academy.spreadsheets` (typed cells, the reader's
separator, formula-safe text)."""

import datetime
from collections.abc import Callable, Iterator
from itertools import islice
from typing import Any

from django.conf import settings
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from academy.models import User
from academy.spreadsheets import Column, Table, table_response
from courses.selectors import completion_list
from distributors.engagement import selectors
from distributors.engagement.risks import risk_message
from distributors.engagement.scores import COMPONENTS, component_labels
from webinars.selectors import attendance_list

DATASETS = ("distributors", "completions", "attendance")


def _distributor_rows(user: User, params: QueryDict) -> Table:
    labels = component_labels()
    # A component is a 0–100 score, not a head count: "Active staff" names
    # both the activity component and the count of active people.
    columns = [
        Column(_("Distributor")),
        Column(_("Territory")),
        Column(_("Country")),
        Column(_("Status")),
        Column(_("Score")),
        *[
            Column(pgettext("engagement export", "Score: %(component)s") % {"component": labels[name]})
            for name in COMPONENTS
        ],
        Column(_("Current staff")),
        Column(pgettext("engagement export", "Active staff (people)")),
        Column(_("Last activity")),
        Column(_("At-risk reasons")),
    ]
    table = selectors.engagement_table(
        user=user,
        country=params.get("country", "")[:2],
        status=params.get("status", "")[:16],
        risk=params.get("risk", "")[:20],
    )

    def rows() -> Iterator[list[Any]]:
        for d in table.iterator(chunk_size=1000):
            yield [
                d.name,
                d.territory.name,
                d.country.code,
                d.get_status_display(),
                d.e_score,
                *[getattr(d, f"e_{name}") for name in COMPONENTS],
                d.e_staff,
                d.e_active_staff,
                d.e_last_activity_on,
                "; ".join(risk_message(risk) for risk in d.e_risks or []),
            ]

    return Table(pgettext("sheet", "Distributors"), columns, rows())


def _completion_rows(user: User, params: QueryDict) -> Table:
    headers = [
        _("Completed at"),
        _("Person"),
        _("E-mail"),
        _("Distributor"),
        _("Course"),
        _("Course version"),
    ]
    since = timezone.now() - datetime.timedelta(days=365)
    queryset = completion_list(user=user, since=since)

    def rows() -> Iterator[list[Any]]:
        for e in queryset.iterator(chunk_size=1000):
            yield [
                e.completed_at,
                e.user.get_full_name(),
                e.user.email,
                e.distributor.name if e.distributor else "",
                e.course.title,
                e.course_version,
            ]

    return Table(pgettext("sheet", "Course completions"), [Column(h) for h in headers], rows())


def _attendance_rows(user: User, params: QueryDict) -> Table:
    headers = [
        _("Web-conference"),
        pgettext("engagement", "Start"),
        _("Person"),
        _("E-mail"),
        _("Distributor"),
        _("Minutes attended"),
        _("Attended"),
    ]
    queryset = attendance_list(
        distributor_ids=selectors.engagement_distributors(user=user).order_by().values("pk"),
        since=timezone.now() - datetime.timedelta(days=365),
    )

    def rows() -> Iterator[list[Any]]:
        for a in queryset.iterator(chunk_size=1000):
            yield [
                a.session.title,
                a.session.starts_at,
                a.user.get_full_name(),
                a.user.email,
                a.distributor.name if a.distributor else "",
                a.minutes_attended,
                a.attended,
            ]

    return Table(pgettext("sheet", "Web-conference attendance"), [Column(h) for h in headers], rows())


BUILDERS: dict[str, Callable[[User, QueryDict], Table]] = {
    "distributors": _distributor_rows,
    "completions": _completion_rows,
    "attendance": _attendance_rows,
}


def export_response(
    *, user: User, dataset: str, fmt: str, params: QueryDict
) -> HttpResponse | StreamingHttpResponse:
    """The file of ``dataset`` in ``fmt`` (``csv`` or ``xlsx``) for ``user``."""
    table = BUILDERS[dataset](user, params)
    bounded = Table(table.title, table.columns, islice(table.rows, settings.ENGAGEMENT_EXPORT_MAX_ROWS))
    stamp = timezone.localdate().isoformat()
    return table_response(table=bounded, fmt=fmt, filename=f"engagement-{dataset}-{stamp}", user=user)
