"""The person chooses the separator of their CSV downloads on the profile page."""

import pytest
from django.urls import reverse

from academy import services
from academy.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_the_profile_page_offers_the_separator_choice(client, network):
    client.force_login(network.staff_a)
    body = client.get(reverse("academy:profile")).content.decode()
    assert "Séparateur des fichiers CSV" in body and 'name="files-csv_separator"' in body
    assert "Selon la langue" in body and "Point-virgule (;)" in body


def test_saving_the_choice(client, network):
    client.force_login(network.staff_a)
    response = client.post(reverse("academy:file_preferences"), {"files-csv_separator": "tab"}, follow=True)
    network.staff_a.refresh_from_db()
    assert network.staff_a.csv_separator == "tab"
    assert "Vos préférences de fichiers sont enregistrées." in response.content.decode()
    # The rest of the profile is untouched.
    assert network.staff_a.language == "fr"


def test_an_unknown_choice_is_a_field_error(client, network):
    client.force_login(network.staff_a)
    response = client.post(reverse("academy:file_preferences"), {"files-csv_separator": "|"})
    assert response.status_code == 400
    assert "Sélectionnez un choix valide" in response.content.decode()
    network.staff_a.refresh_from_db()
    assert network.staff_a.csv_separator == "auto"
    with pytest.raises(ApplicationError) as error:
        services.user_csv_separator_set(user=network.staff_a, csv_separator="|")
    assert error.value.fields == {"csv_separator": ["Choisissez l’un des séparateurs proposés."]}


def test_signed_out_and_get_are_refused(client, network):
    url = reverse("academy:file_preferences")
    assert client.post(url, {"files-csv_separator": "tab"}).status_code == 302
    client.force_login(network.staff_a)
    assert client.get(url).status_code == 405


def test_the_choice_is_part_of_the_personal_data_download(network):
    from academy import erasure

    services.user_csv_separator_set(user=network.staff_a, csv_separator="semicolon")
    exported = erasure.user_data_export(user=network.staff_a)
    assert any(
        isinstance(part, dict) and part.get("profile", {}).get("csv_separator") == "semicolon"
        for part in exported.values()
    )
