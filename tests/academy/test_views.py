import pytest
from django.urls import reverse

from academy import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("person", "expected", "queries"),
    [
        (
            "staff_a",
            ["Mon distributeur", "Dist A", "Aucune web-conférence n’est prévue", "Continuer à apprendre"],
            9,
        ),
        ("lead_a", ["Mon équipe : 2 personnes", "Dist A", "Affectations de l’équipe"], 12),
        ("manager_a", ["Mes territoires", "West"], 7),
        ("admin", ["Mes territoires", "West", "Central"], 6),
        ("trainer", ["Aucune web-conférence à venir", "Vous n’avez pas encore de formation."], 6),
    ],
)
def test_home_shows_each_role_its_data(client, network, django_assert_num_queries, person, expected, queries):
    client.force_login(getattr(network, person))
    with django_assert_num_queries(queries):
        body = client.get(reverse("academy:home")).content.decode()
    for text in expected:
        assert text in body


def test_home_of_a_learner_without_distributor_has_an_empty_state(client):
    from tests.academy.factories import UserFactory

    client.force_login(UserFactory())
    body = client.get(reverse("academy:home")).content.decode()
    assert "Vous n’êtes rattaché à aucun distributeur" in body


def test_navigation_offers_admin_to_admins_only(client, network):
    client.force_login(network.admin)
    assert 'href="/admin/"' in client.get(reverse("academy:home")).content.decode()
    client.force_login(network.manager_a)
    assert 'href="/admin/"' not in client.get(reverse("academy:home")).content.decode()


def test_profile_update_and_field_errors(client, network):
    user = network.staff_a
    client.force_login(user)
    data = {
        "first_name": "Awa",
        "last_name": "Traoré",
        "language": "en",
        "time_zone": "Africa/Abidjan",
        "country": "CI",
        "phone": "not a phone",
    }
    response = client.post(reverse("academy:profile"), data)
    assert response.status_code == 200
    assert "Saisissez un numéro de téléphone valide" in response.content.decode() or "valid phone" in (
        response.content.decode()
    )
    user.refresh_from_db()
    assert user.first_name != "Awa"
    data["phone"] = "+225 07 12 34 56 78"
    response = client.post(reverse("academy:profile"), data, follow=True)
    user.refresh_from_db()
    assert (user.first_name, user.language, user.time_zone) == ("Awa", "en", "Africa/Abidjan")
    assert "Your profile has been saved." in response.content.decode()
    assert client.cookies["academy_language"].value == "en"


def test_notifications_list_and_mark_read(client, network):
    user = network.staff_a
    services.notification_create(user=user, kind="test", title="Réponse à votre remontée")
    client.force_login(user)
    body = client.get(reverse("academy:home")).content.decode()
    assert 'class="badge"' in body
    body = client.get(reverse("academy:notifications")).content.decode()
    assert "Réponse à votre remontée" in body
    client.post(reverse("academy:notifications_read"))
    assert user.notifications.filter(read_at__isnull=True).count() == 0
    assert 'class="badge"' not in client.get(reverse("academy:home")).content.decode()


def test_notifications_empty_state(client, network):
    client.force_login(network.trainer)
    assert "Vous n’avez aucune notification." in client.get(reverse("academy:notifications")).content.decode()
