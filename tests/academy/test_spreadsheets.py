"""The one rule that keeps exported text from running as a formula."""

import csv
import datetime
import io
import zoneinfo
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from academy.spreadsheets import (
    Column,
    CsvFormat,
    Kind,
    SpreadsheetCsvWriter,
    Table,
    csv_cell,
    csv_format_for,
    looks_like_formula,
    sheet_title,
    table_csv_lines,
    table_xlsx,
    xlsx_row,
)

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


# ---------------------------------------------------------------- the table writer

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _table(rows, columns=None, title="Présence"):
    columns = columns or [Column(f"c{n}") for n in range(len(rows[0]))]
    return Table(title, columns, rows)


def _sheet(table, language="fr"):
    with translation.override(language), timezone.override(PARIS):
        return load_workbook(io.BytesIO(table_xlsx(table))).active


def test_xlsx_cells_are_typed_with_number_formats():
    moment = datetime.datetime(2025, 3, 1, 9, 30, tzinfo=datetime.UTC)
    row = [moment, datetime.date(2025, 3, 1), 12, 2.5, 75, datetime.timedelta(minutes=95), True, None, "=1"]
    columns = [Column(f"c{n}", Kind.PERCENT if n == 4 else Kind.AUTO) for n in range(len(row))]
    sheet = _sheet(_table([row], columns))
    cells = list(sheet[2])
    assert cells[0].is_date and cells[0].value == datetime.datetime(2025, 3, 1, 10, 30)  # Paris, naive
    assert cells[0].number_format == "dd/mm/yyyy hh:mm"
    assert cells[1].is_date and cells[1].number_format == "dd/mm/yyyy"
    assert [(c.value, c.number_format) for c in cells[2:5]] == [(12, "0"), (2.5, "0.00"), (0.75, "0%")]
    assert cells[5].is_date and cells[5].number_format == "[h]:mm"
    assert cells[5].value == datetime.timedelta(minutes=95)
    assert (cells[6].value, cells[7].value) == ("oui", None)
    assert (cells[8].value, cells[8].data_type, cells[8].quotePrefix) == ("=1", "s", True)
    english = list(_sheet(_table([row], columns), language="en")[2])
    assert english[0].number_format == "yyyy-mm-dd hh:mm" and english[1].number_format == "yyyy-mm-dd"


def test_xlsx_header_is_frozen_filtered_and_columns_sized():
    rows = [["Awa Diop", 1], ["Ngozi Okonkwo-Adeyemi de la Fontaine", 2], ["x" * 200, 3]]
    sheet = _sheet(_table(rows, [Column("Nom"), Column("N")]))
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:B4"
    assert sheet["A1"].font.b
    assert sheet.column_dimensions["A"].width == 60 and sheet.column_dimensions["B"].width == 8


def test_an_empty_table_still_has_its_header_and_filter():
    sheet = _sheet(Table("Vide", [Column("Nom"), Column("Date")], []))
    assert [c.value for c in sheet[1]] == ["Nom", "Date"] and sheet.auto_filter.ref == "A1:B1"


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Présence aux web-conférences", "Présence aux web-conférences"),
        ("Q1/2025: [draft]?*\\", "Q1 2025 draft"),
        ("'quoted'", "quoted"),
        ("A very long sheet name that Excel would refuse", "A very long sheet name that Exc"),
        ("::", "Sheet1"),
    ],
)
def test_sheet_titles_are_names_excel_accepts(text, title):
    assert sheet_title(text) == title
    assert len(sheet_title(text)) <= 31


def _lines(table, fmt):
    return "".join(table_csv_lines(table, fmt))


def test_csv_starts_with_a_byte_order_mark_and_uses_the_separator():
    table = _table([["Awa", 2.5, Decimal("1.25"), 3, "=1"]])
    text = _lines(table, CsvFormat(delimiter=";", decimal_comma=True))
    assert text.startswith("\ufeff")
    assert text.splitlines()[1] == "Awa;2,5;1,25;3;'=1"
    assert (
        _lines(table, CsvFormat(delimiter=",", decimal_comma=False)).splitlines()[1] == "Awa,2.5,1.25,3,'=1"
    )


def test_csv_dates_are_iso_in_the_reader_time_zone_even_when_streamed_later():
    moment = datetime.datetime(2025, 3, 1, 9, 30, tzinfo=datetime.UTC)
    table = _table([[moment, datetime.date(2025, 3, 2), datetime.timedelta(minutes=95), False]])
    with translation.override("fr"), timezone.override(PARIS):
        lines = table_csv_lines(table, CsvFormat(delimiter=";", decimal_comma=True))
    # consumed after the request's language and time zone are gone
    assert "".join(lines).splitlines()[1] == "2025-03-01 10:30;2025-03-02;1:35;non"


@pytest.mark.parametrize(
    ("language", "choice", "expected"),
    [
        ("fr", "auto", CsvFormat(";", True)),
        ("en", "auto", CsvFormat(",", False)),
        ("fr", "comma", CsvFormat(",", False)),
        ("en", "semicolon", CsvFormat(";", False)),
        ("fr", "tab", CsvFormat("\t", True)),
    ],
)
def test_csv_format_follows_the_choice_then_the_language(language, choice, expected):
    with translation.override(language):
        assert csv_format_for(SimpleNamespace(csv_separator=choice)) == expected
        assert csv_format_for(None) == CsvFormat(";" if language == "fr" else ",", language == "fr")
