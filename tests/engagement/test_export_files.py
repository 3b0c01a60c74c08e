"""The engagement and registrant exports open as real spreadsheets: typed
date cells in the reader's time zone, number formats, a translated sheet
name, a frozen header, an auto filter; CSV in the separator the reader's
Excel expects; headers that say different things differently."""

import datetime
import io
import zoneinfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from courses.models import Enrollment
from distributors.engagement.exports import DATASETS
from tests.engagement.conftest import learned_and_attended
from tests.files import csv_rows

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.fixture
def exported(network):
    """Staff A completed a course and attended a web-conference; manager A reads from Paris."""
    from distributors.engagement.services import engagement_refresh

    session = learned_and_attended(network)
    engagement_refresh(months=12)
    network.manager_a.time_zone = "Europe/Paris"
    network.manager_a.save()
    network.session = session
    return network


def _workbook(client, dataset):
    response = client.get(reverse("engagement:export", args=[dataset, "xlsx"]))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _set(user, **fields):
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()


def test_xlsx_dates_are_date_cells_in_the_reader_time_zone(client, exported):
    client.force_login(exported.manager_a)  # French
    sheet = _workbook(client, "completions").active
    completed_at = Enrollment.objects.get(user=exported.staff_a).completed_at
    cell = sheet["A2"]
    assert cell.is_date and cell.number_format == "dd/mm/yyyy hh:mm"
    local = completed_at.astimezone(PARIS).replace(tzinfo=None)
    assert abs(cell.value - local) < datetime.timedelta(seconds=1)  # Excel keeps milliseconds
    version = sheet["F2"]
    assert (version.value, version.data_type, version.number_format) == (1, "n", "0")

    _set(exported.manager_a, language="en")
    sheet = _workbook(client, "attendance").active
    start = sheet["B2"]
    assert start.is_date and start.number_format == "yyyy-mm-dd hh:mm"
    assert start.value == exported.session.starts_at.astimezone(PARIS).replace(tzinfo=None)
    assert (sheet["F2"].value, sheet["F2"].number_format) == (45, "0")


def test_xlsx_last_activity_is_a_date_cell(client, exported):
    client.force_login(exported.manager_a)
    sheet = _workbook(client, "distributors").active
    header = [cell.value for cell in sheet[1]]
    last = sheet.cell(row=2, column=header.index("Dernière activité") + 1)
    assert last.is_date and last.number_format == "dd/mm/yyyy"
    score = sheet.cell(row=2, column=header.index("Score") + 1)
    assert score.data_type == "n" and score.number_format == "0"


@pytest.mark.parametrize(
    ("language", "titles"),
    [
        (
            "fr",
            {
                "distributors": "Distributeurs",
                "completions": "Formations terminées",
                "attendance": "Présence aux web-conférences",
            },
        ),
        (
            "en",
            {
                "distributors": "Distributors",
                "completions": "Course completions",
                "attendance": "Web-conference attendance",
            },
        ),
    ],
)
def test_xlsx_sheets_are_named_in_the_reader_language_with_a_frozen_filtered_header(
    client, exported, language, titles
):
    _set(exported.manager_a, language=language)
    client.force_login(exported.manager_a)
    for dataset in DATASETS:
        workbook = _workbook(client, dataset)
        sheet = workbook.active
        assert workbook.sheetnames == [titles[dataset]]
        assert sheet.freeze_panes == "A2"
        last_column = sheet.cell(row=1, column=sheet.max_column).column_letter
        assert sheet.auto_filter.ref == f"A1:{last_column}{sheet.max_row}"
        assert sheet.max_row == 2
        assert all(sheet.cell(row=1, column=n).font.b for n in range(1, sheet.max_column + 1))
        widths = [
            sheet.column_dimensions[sheet.cell(row=1, column=n).column_letter].width
            for n in range(1, sheet.max_column + 1)
        ]
        assert all(8 <= width <= 60 for width in widths)


def _csv_text(client, dataset):
    response = client.get(reverse("engagement:export", args=[dataset, "csv"]))
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a byte-order mark
    return raw.decode("utf-8-sig")


def test_csv_separator_follows_the_language_and_the_person_choice(client, exported):
    client.force_login(exported.manager_a)
    french = _csv_text(client, "completions")
    assert french.splitlines()[0].split(";")[:3] == ["Terminée le", "Personne", "E-mail"]
    _set(exported.manager_a, language="en")
    assert _csv_text(client, "completions").splitlines()[0].split(",")[:2] == ["Completed at", "Person"]
    _set(exported.manager_a, csv_separator="tab")
    assert _csv_text(client, "completions").splitlines()[0].split("\t")[:2] == ["Completed at", "Person"]
    _set(exported.manager_a, language="fr", csv_separator="comma")
    assert _csv_text(client, "completions").splitlines()[0].split(",")[:2] == ["Terminée le", "Personne"]


def test_streamed_csv_times_are_in_the_reader_time_zone(client, exported):
    # The rows are written after the request's time zone is reset.
    client.force_login(exported.manager_a)
    [_header, row] = csv_rows(client.get(reverse("engagement:export", args=["attendance", "csv"])))
    assert row[1] == exported.session.starts_at.astimezone(PARIS).strftime("%Y-%m-%d %H:%M")


def _headers(client, user):
    """The header row of every export the user can download, CSV and XLSX."""
    client.force_login(user)
    found = {}
    for dataset in DATASETS:
        found[f"{dataset}.csv"] = csv_rows(client.get(reverse("engagement:export", args=[dataset, "csv"])))[0]
        found[f"{dataset}.xlsx"] = [c.value for c in _workbook(client, dataset).active[1]]
    return found


def _registrant_headers(client, user, session):
    client.force_login(user)
    url = reverse("webinars:registrants_export", args=[session.pk, "csv"])
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("webinars:registrants_export", args=[session.pk, "xlsx"])).content)
    )
    return {
        "registrants.csv": csv_rows(client.get(url))[0],
        "registrants.xlsx": [c.value for c in workbook.active[1]],
    }


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_export_has_distinct_headers(client, exported, language):
    _set(exported.manager_a, language=language)
    _set(exported.trainer, language=language)
    exports = {
        **_headers(client, exported.manager_a),
        **_registrant_headers(client, exported.trainer, exported.session),
    }
    assert len(exports) == 2 * len(DATASETS) + 2
    for name, header in exports.items():
        assert all(header), name
        assert len(set(header)) == len(header), (name, header)
    # The activity score and the count of active people used to share "Active staff".
    assert exports["distributors.xlsx"].count({"fr": "Personnel actif", "en": "Active staff"}[language]) == 0


def test_registrants_xlsx(client, exported):
    _set(exported.trainer, time_zone="Europe/Paris")
    client.force_login(exported.trainer)
    response = client.get(reverse("webinars:registrants_export", args=[exported.session.pk, "xlsx"]))
    assert response["Content-Disposition"].endswith('-registrants.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert workbook.sheetnames == ["Inscrits"] and sheet.freeze_panes == "A2"
    registered = sheet["E2"]
    assert registered.is_date and registered.number_format == "dd/mm/yyyy hh:mm"
    assert (sheet["F2"].value, sheet["G2"].value) == ("oui", 45)


def test_attendance_report_export_has_months_and_rates(client, exported):
    import time_machine

    client.force_login(exported.manager_a)
    with time_machine.travel(exported.session.ends_at):
        response = client.get(reverse("webinars:attendance_report_export", args=["xlsx"]), {"months": 3})
        workbook = load_workbook(io.BytesIO(response.content))
        [_header, row] = csv_rows(client.get(reverse("webinars:attendance_report_export", args=["csv"])))
    sheet = workbook.active
    assert workbook.sheetnames == ["Présence aux web-conférences"] and sheet.max_row == 2
    month, name, registered, attended, rate, minutes = sheet[2]
    starts = exported.session.starts_at.astimezone(PARIS)
    assert month.is_date and month.number_format == "mm/yyyy"
    assert month.value == datetime.datetime(starts.year, starts.month, 1)
    assert (name.value, registered.value, attended.value, minutes.value) == ("Dist A", 1, 1, 45)
    assert (rate.value, rate.number_format) == (1, "0%")
    assert row == [starts.strftime("%Y-%m"), "Dist A", "1", "1", "100", "45"]
    client.force_login(exported.manager_b)  # another territory
    assert csv_rows(client.get(reverse("webinars:attendance_report_export", args=["csv"])))[1:] == []
    client.force_login(exported.staff_a)
    assert client.get(reverse("webinars:attendance_report_export", args=["csv"])).status_code == 403
