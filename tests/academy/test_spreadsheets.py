"""The one rule that keeps exported text from running as a formula."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from academy.spreadsheets import SpreadsheetCsvWriter, csv_cell, looks_like_formula, xlsx_row

HOSTILE = [
    '=HYPERLINK("http://evil.example","clic")',
    "+1+1",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "  @SUM(1)",
    "\u00a0=1+1",
    "\n+1",
]
HARMLESS = ["Awa Diop", "", "a=b", "O'Neil", "2025-03-01 10:00", "x-ray", "mail@x.example", "1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_a_spreadsheet_would_run_is_quoted_in_csv(text):
    assert looks_like_formula(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_is_left_alone(text):
    assert not looks_like_formula(text)
    assert csv_cell(text) == text


@pytest.mark.parametrize(
    "value",
    [
        -5,
        0,
        12,
        -1.5,
        Decimal("-2.50"),
        datetime.date(2025, 3, 1),
        datetime.datetime(2025, 3, 1, 10),
        True,
        None,
    ],
)
def test_numbers_dates_and_booleans_stay_values(value):
    assert csv_cell(value) is value


def _csv_text(rows):
    out = io.StringIO()
    writer = SpreadsheetCsvWriter(csv.writer(out))
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def test_the_csv_writer_quotes_every_cell_of_every_row():
    text = _csv_text([["=1+1", -5, "ok"], ["x", "@cmd", datetime.date(2025, 3, 1)]])
    assert list(csv.reader(io.StringIO(text))) == [["'=1+1", "-5", "ok"], ["x", "'@cmd", "2025-03-01"]]


def _xlsx_cells(values):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.append(xlsx_row(sheet, values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return list(load_workbook(io.BytesIO(buffer.getvalue())).active[1])


def test_xlsx_text_is_a_string_cell_never_a_formula():
    cells = _xlsx_cells([*HOSTILE, "Awa Diop"])
    # (XML reads a carriage return back as a line feed.)
    expected = [(text.replace("\r", "\n"), "s") for text in [*HOSTILE, "Awa Diop"]]
    assert [(cell.value, cell.data_type) for cell in cells] == expected
    # Excel keeps formula-looking text as text when someone edits the cell.
    assert [cell.quotePrefix for cell in cells] == [True] * len(HOSTILE) + [False]


def test_xlsx_numbers_stay_numbers_and_dates_stay_dates():
    cells = _xlsx_cells([-5, 2.5, datetime.datetime(2025, 3, 1, 10, 30), "-5"])
    assert [(cell.value, cell.data_type) for cell in cells[:2]] == [(-5, "n"), (2.5, "n")]
    assert cells[2].is_date and cells[2].value == datetime.datetime(2025, 3, 1, 10, 30)
    assert (cells[3].value, cells[3].data_type) == ("-5", "s")


def test_without_the_rule_openpyxl_would_write_a_formula():
    # The reason for xlsx_row: a plain string starting with "=" becomes a formula.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("s")
    sheet.append(["=1+1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert load_workbook(io.BytesIO(buffer.getvalue())).active["A1"].data_type == "f"
