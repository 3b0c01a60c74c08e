"""CSV and XLSX exports of engagement data, scoped like the pages: a
manager their territories, an admin everything, a lead their own
distributor. CSV is streamed; both stop at ``ENGAGEMENT_EXPORT_MAX_ROWS``."""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from django.conf import settings
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook

from academy.models import User
from academy.spreadsheets import SpreadsheetCsvWriter, xlsx_row
from courses.selectors import completion_list
from distributors.engagement import selectors
from distributors.engagement.risks import risk_message
from distributors.engagement.scores import COMPONENTS, component_labels
from webinars.selectors import attendance_list

DATASETS = ("distributors", "completions", "attendance")


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _distributor_rows(user: User, params: QueryDict) -> tuple[list[str], Iterable[list[Any]]]:
    labels = component_labels()
    header = [
        _("Distributor"),
        _("Territory"),
        _("Country"),
        _("Status"),
        _("Score"),
        *[labels[name] for name in COMPONENTS],
        _("Current staff"),
        _("Active staff"),
        _("Last activity"),
        _("At-risk reasons"),
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
                d.e_last_activity_on.isoformat() if d.e_last_activity_on else "",
                "; ".join(risk_message(risk) for risk in d.e_risks or []),
            ]

    return header, rows()


def _completion_rows(user: User, params: QueryDict) -> tuple[list[str], Iterable[list[Any]]]:
    header = [_("Completed at"), _("Person"), _("E-mail"), _("Distributor"), _("Course"), _("Course version")]
    since = timezone.now() - datetime.timedelta(days=365)
    queryset = completion_list(user=user, since=since)

    def rows() -> Iterator[list[Any]]:
        for e in queryset.iterator(chunk_size=1000):
            yield [
                _local(e.completed_at),
                e.user.get_full_name(),
                e.user.email,
                e.distributor.name if e.distributor else "",
                e.course.title,
                e.course_version,
            ]

    return header, rows()


def _attendance_rows(user: User, params: QueryDict) -> tuple[list[str], Iterable[list[Any]]]:
    header = [
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
                _local(a.session.starts_at),
                a.user.get_full_name(),
                a.user.email,
                a.distributor.name if a.distributor else "",
                a.minutes_attended,
                _("yes") if a.attended else _("no"),
            ]

    return header, rows()


BUILDERS = {
    "distributors": _distributor_rows,
    "completions": _completion_rows,
    "attendance": _attendance_rows,
}


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_response(
    *, user: User, dataset: str, fmt: str, params: QueryDict
) -> HttpResponse | StreamingHttpResponse:
    """The file of ``dataset`` in ``fmt`` (``csv`` or ``xlsx``) for ``user``."""
    header, rows = BUILDERS[dataset](user, params)
    bounded = islice(rows, settings.ENGAGEMENT_EXPORT_MAX_ROWS)
    stamp = timezone.localdate().isoformat()
    filename = f"engagement-{dataset}-{stamp}.{fmt}"
    if fmt == "csv":
        # Text that a spreadsheet would run as a formula is quoted out (academy.spreadsheets).
        writer = SpreadsheetCsvWriter(csv.writer(_Echo()))

        def lines() -> Iterator[str]:
            yield "\ufeff"  # so spreadsheet programs read UTF-8
            yield writer.writerow(header)
            for row in bounded:
                yield writer.writerow(row)

        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            lines(), content_type="text/csv; charset=utf-8"
        )
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=dataset[:31])
        sheet.append(xlsx_row(sheet, header))
        for row in bounded:
            sheet.append(xlsx_row(sheet, row))
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
