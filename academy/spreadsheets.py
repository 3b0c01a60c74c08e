"""The spreadsheets the academy exports (CSV and XLSX): one writer for
every export, so each file sorts, filters and opens the same way.

A table is a title, typed columns and rows of Python values. The writer
turns them into a file people can use:

* XLSX: dates and times are real date cells (an aware datetime is shown in
  the reader's time zone, the active one, and written naive, as Excel
  wants), with a number format in the reader's language (``dd/mm/yyyy
  hh:mm`` in French, ``yyyy-mm-dd hh:mm`` in English); integers,
  decimals, percentages and durations get number formats; the sheet is
  named in the reader's language (31 characters at most, none of
  ``\\ / ? * [ ] :``); the header row is frozen, an auto filter covers the
  data, and columns are as wide as their first rows need.
* CSV: UTF-8 with a byte-order mark (so Excel detects the encoding), the
  separator the person chose on their profile, or by language: ``;`` in
  French (French Excel reads ``,`` as one column), ``,`` otherwise. A French
  file not separated by commas writes decimals with a decimal comma. Dates
  are ISO (``2025-03-01 10:00``), which every spreadsheet program reads.

Formula injection. Names, titles and e-mail addresses in an export are
typed by people, some of them outside the company. A text cell that starts
with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
programs skip before reading a formula) is taken for a formula by Excel,
LibreOffice and Google Sheets: a learner called ``=HYPERLINK(...)`` would
become a link, or a command, in a manager's sheet (OWASP "CSV injection").
So, in one place for every export:

* CSV: such a text cell gets a single quote in front (``'=HYPERLINK(...)``),
  which spreadsheet programs show as text. A cell whose first non-blank
  character is one of those is treated the same, since some programs trim
  leading spaces before they look for a formula.
* XLSX: every text cell is written as a string cell, never a formula
  (openpyxl would otherwise store a string starting with ``=`` as one), and a
  text cell that looks like a formula keeps Excel's "quote prefix" so that
  editing it does not turn it into one; the text itself is unchanged.

Numbers, dates and booleans stay what they are (a negative number is a real
number, not text).
"""

import csv
import datetime
import enum
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain, islice
from typing import Any, Protocol

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from academy.models import CsvSeparator, User

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_BLANKS = " \u00a0\n"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_MAX = 31
_SHEET_FORBIDDEN = re.compile(r"[\\/?*\[\]:]")
_WIDTH_SAMPLE = 200  # rows looked at to size the columns
_WIDTH_MIN, _WIDTH_MAX = 8, 60


def looks_like_formula(value: object) -> bool:
    """Whether a spreadsheet program could take the text ``value`` for a formula."""
    if not isinstance(value, str):
        return False
    return value.startswith(FORMULA_TRIGGERS) or value.lstrip(_BLANKS).startswith(FORMULA_TRIGGERS)


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell: text that looks like a formula is quoted out."""
    return "'" + value if looks_like_formula(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(value) for value in values]


class _Writer(Protocol):
    def writerow(self, row: Iterable[Any], /) -> Any: ...


class SpreadsheetCsvWriter:
    """A ``csv.writer`` whose every row goes through ``csv_row``."""

    def __init__(self, writer: _Writer) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(csv_row(row))


def xlsx_row(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """``values`` as cells of a write-only ``sheet``: text is always a string cell."""
    cells: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cells.append(_text_cell(sheet, value))
        else:
            cells.append(value)
    return cells


def _text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    if looks_like_formula(value):
        cell.quotePrefix = True
    return cell


# ---------------------------------------------------------------- tables


class Kind(enum.Enum):
    """What a column holds, for its number format. ``AUTO`` follows each
    value's type (text, integer, decimal, date, datetime, duration, yes/no)."""

    AUTO = "auto"
    PERCENT = "percent"  # a number from 0 to 100, shown as a percentage
    MONTH = "month"  # a date or datetime standing for its month


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.AUTO


@dataclass(frozen=True)
class Table:
    """What an export writes: ``title`` names the sheet (translated),
    ``rows`` holds plain values (aware datetimes, dates, timedeltas, numbers,
    booleans, text, ``None`` for empty)."""

    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]

    @property
    def headers(self) -> list[str]:
        return [column.header for column in self.columns]


def _french() -> bool:
    return (translation.get_language() or "").startswith("fr")


def _local_naive(moment: datetime.datetime) -> datetime.datetime:
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.replace(tzinfo=None)


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


# ---------------------------------------------------------------- CSV


@dataclass(frozen=True)
class CsvFormat:
    delimiter: str
    decimal_comma: bool


_DELIMITERS = {CsvSeparator.SEMICOLON: ";", CsvSeparator.COMMA: ",", CsvSeparator.TAB: "\t"}


def csv_format_for(user: User | None) -> CsvFormat:
    """The separator ``user`` chose, else the one their language's Excel
    expects (``;`` in French, ``,`` otherwise); decimal comma in French
    unless the separator is a comma."""
    french = _french()
    choice = getattr(user, "csv_separator", CsvSeparator.AUTO)
    delimiter = _DELIMITERS.get(choice) or (";" if french else ",")
    return CsvFormat(delimiter=delimiter, decimal_comma=french and delimiter != ",")


def _month(value: datetime.date) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = _local_naive(value).date()
    return value.replace(day=1)


def _csv_value(value: Any, kind: Kind, fmt: CsvFormat) -> Any:
    if value is None:
        return ""
    if kind is Kind.MONTH:
        return _month(value).strftime("%Y-%m")
    if isinstance(value, str):
        return csv_cell(value)
    if isinstance(value, bool):
        return _yes_no(value)
    if isinstance(value, datetime.datetime):
        return _local_naive(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        minutes = int(value.total_seconds() // 60)
        return f"{minutes // 60}:{minutes % 60:02d}"
    if isinstance(value, float | Decimal):
        text = str(round(value, 2)) if isinstance(value, float) else str(value)
        return text.replace(".", ",") if fmt.decimal_comma else text
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def table_csv_lines(table: Table, fmt: CsvFormat) -> Iterator[str]:
    """The CSV text of ``table``, line by line, starting with the byte-order
    mark. The lines are made while the response streams, after the request's
    language and time zone are reset: they keep those of this call."""
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo(), delimiter=fmt.delimiter)
        kinds = [column.kind for column in table.columns]
        with translation.override(language), timezone.override(zone):
            yield "\ufeff"
            yield writer.writerow([csv_cell(header) for header in table.headers])
            for row in table.rows:
                yield writer.writerow(
                    [_csv_value(value, kind, fmt) for value, kind in zip(row, kinds, strict=True)]
                )

    return lines()


# ---------------------------------------------------------------- XLSX


def sheet_title(text: str) -> str:
    """``text`` as a worksheet name Excel accepts."""
    title = " ".join(_SHEET_FORBIDDEN.sub(" ", text).split()).strip("'")[:SHEET_TITLE_MAX].strip()
    return title or "Sheet1"


def _formats() -> dict[str, str]:
    if _french():
        return {"date": "dd/mm/yyyy", "datetime": "dd/mm/yyyy hh:mm", "month": "mm/yyyy"}
    return {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "month": "yyyy-mm"}


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any, kind: Kind, formats: dict[str, str]) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return _text_cell(sheet, value)
    if isinstance(value, bool):
        return _text_cell(sheet, _yes_no(value))
    if kind is Kind.MONTH:
        cell = WriteOnlyCell(sheet, value=_month(value))
        cell.number_format = formats["month"]
    elif isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=_local_naive(value))
        cell.number_format = formats["datetime"]
    elif isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = formats["date"]
    elif isinstance(value, datetime.timedelta):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "[h]:mm"
    elif kind is Kind.PERCENT:
        cell = WriteOnlyCell(sheet, value=value / 100)
        cell.number_format = "0%"
    elif isinstance(value, int):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0"
    else:
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0.00"
    return cell


def _display_width(value: Any, formats: dict[str, str]) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime.datetime):
        return len(formats["datetime"])
    if isinstance(value, datetime.date):
        return len(formats["date"])
    if isinstance(value, bool):
        return 3
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def table_xlsx(table: Table) -> bytes:
    """``table`` as an XLSX workbook of one sheet."""
    formats = _formats()
    kinds = [column.kind for column in table.columns]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title(table.title))
    rows = iter(table.rows)
    sample = list(islice(rows, _WIDTH_SAMPLE))
    for index, header in enumerate(table.headers):
        width = max([len(header), *(_display_width(row[index], formats) for row in sample)])
        letter = get_column_letter(index + 1)
        sheet.column_dimensions[letter].width = min(max(width + 2, _WIDTH_MIN), _WIDTH_MAX)
    sheet.freeze_panes = "A2"
    header_cells = [_text_cell(sheet, header) for header in table.headers]
    for cell in header_cells:
        cell.font = Font(bold=True)
    sheet.append(header_cells)
    count = 0
    for row in chain(sample, rows):
        sheet.append(
            [_xlsx_cell(sheet, value, kind, formats) for value, kind in zip(row, kinds, strict=True)]
        )
        count += 1
    last = get_column_letter(max(len(table.columns), 1))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_response(
    *, table: Table, fmt: str, filename: str, user: User | None
) -> HttpResponse | StreamingHttpResponse:
    """``table`` as a download: ``fmt`` is ``csv`` (streamed) or ``xlsx``;
    ``filename`` has no extension."""
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(
            table_csv_lines(table, csv_format_for(user)), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(table_xlsx(table), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
