"""Rows for the spreadsheets the academy exports (CSV and XLSX), safe to open.

Names, titles and e-mail addresses in an export are typed by people, some of
them outside the company. A text cell that starts with ``=``, ``+``, ``-`` or
``@`` (or a tab or carriage return, which some programs skip before reading a
formula) is taken for a formula by Excel, LibreOffice and Google Sheets: a
learner called ``=HYPERLINK(...)`` would become a link, or a command, in a
manager's sheet (OWASP "CSV injection"). So, in one place for every export:

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

from collections.abc import Iterable
from typing import Any, Protocol

from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_BLANKS = " \u00a0\n"


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
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            if looks_like_formula(value):
                cell.quotePrefix = True
            cells.append(cell)
        else:
            cells.append(value)
    return cells
