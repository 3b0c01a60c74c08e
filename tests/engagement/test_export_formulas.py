"""A learner who names themselves like a formula cannot plant one in the
managers' exports: every dataset, CSV and XLSX."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from tests.engagement.conftest import learned_and_attended
from tests.files import csv_rows

FIRST = '=HYPERLINK("http://evil.example","clic")'
LAST = "@SUM(1+1)*cmd|' /C calc'!A0"


def _rename_through_the_api(user):
    api = APIClient()
    api.force_authenticate(user)
    response = api.patch(reverse("api:me"), {"first_name": FIRST, "last_name": LAST}, format="json")
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.get_full_name() == f"{FIRST} {LAST}"


def _csv_rows(response):
    return csv_rows(response)


def _xlsx_rows(response):
    return [list(row) for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2)]


@pytest.fixture
def hostile(network):
    """Staff A, renamed to a formula, with a completed course and an attended web-conference."""
    _rename_through_the_api(network.staff_a)
    learned_and_attended(network)
    return network


@pytest.mark.parametrize("dataset", ["completions", "attendance"])
def test_csv_export_quotes_the_formula_out(client, hostile, dataset):
    client.force_login(hostile.manager_a)
    rows = _csv_rows(client.get(reverse("engagement:export", args=[dataset, "csv"])))
    person = rows[0].index("Personne")
    assert [row[person] for row in rows[1:]] == [f"'{FIRST} {LAST}"]


@pytest.mark.parametrize("dataset", ["completions", "attendance"])
def test_xlsx_export_writes_the_name_as_a_string_cell(client, hostile, dataset):
    client.force_login(hostile.manager_a)
    response = client.get(reverse("engagement:export", args=[dataset, "xlsx"]))
    header = [cell.value for cell in next(load_workbook(io.BytesIO(response.content)).active.iter_rows())]
    [row] = _xlsx_rows(response)
    cell = row[header.index("Personne")]
    assert (cell.value, cell.data_type) == (f"{FIRST} {LAST}", "s")
    assert all(c.data_type != "f" for c in row)


def test_attendance_minutes_stay_a_number(client, hostile):
    client.force_login(hostile.manager_a)
    response = client.get(reverse("engagement:export", args=["attendance", "xlsx"]))
    [row] = _xlsx_rows(response)
    assert (row[5].value, row[5].data_type) == (45, "n")


def test_distributor_export_neutralises_a_distributor_name(client, network):
    from distributors.engagement.services import engagement_refresh

    network.distributor_a.name = "+cmd|' /C calc'!A0"
    network.distributor_a.save()
    engagement_refresh(months=12)
    client.force_login(network.manager_a)
    rows = _csv_rows(client.get(reverse("engagement:export", args=["distributors", "csv"])))
    assert rows[1][0] == "'+cmd|' /C calc'!A0"
    [row] = _xlsx_rows(client.get(reverse("engagement:export", args=["distributors", "xlsx"])))
    assert (row[0].value, row[0].data_type) == ("+cmd|' /C calc'!A0", "s")
