"""The shell every role starts from: sign-in, home, profile, language."""

import pytest

from tests.e2e.checks import check_page

pytestmark = pytest.mark.e2e

ROLES = {
    "admin": "admin@academy.example",
    "trainer": "claire.martin@academy.example",
    "manager": "amadou.diallo@academy.example",
    "lead": "fatou.ndiaye@biodiag-senegal.example",
    "learner": "aminata.fall@biodiag-senegal.example",
}


def test_sign_in_page(visitor):
    visitor.page.goto("/login/")
    if visitor.language == "en":
        visitor.set_language("en")
        assert visitor.page.locator("h1").inner_text() == "Sign in"
    else:
        assert visitor.page.locator("h1").inner_text() == "Se connecter"
    check_page(visitor, "login")


def test_wrong_password_shows_an_error(visitor):
    visitor.page.goto("/login/")
    visitor.page.fill("input[name=username]", ROLES["learner"])
    visitor.page.fill("input[name=password]", "wrong")
    visitor.page.click("form button[type=submit]")
    assert visitor.page.locator(".errorlist").count() == 1


@pytest.mark.parametrize("role", list(ROLES))
def test_home_of_each_role(visitor, role):
    visitor.login(ROLES[role])
    page = visitor.page
    assert page.locator("html").get_attribute("lang") == visitor.language
    assert page.locator("h1").inner_text().startswith("Bienvenue" if visitor.language == "fr" else "Welcome")
    check_page(visitor, f"home-{role}")


def test_profile_change_of_time_zone_and_language(visitor):
    visitor.login("moussa.sow@biodiag-senegal.example")
    page = visitor.page
    page.goto("/profile/")
    check_page(visitor, "profile")
    page.select_option("select[name=language]", "en")
    page.select_option("select[name=time_zone]", "Africa/Abidjan")
    page.click("main form button[type=submit]")
    assert page.locator(".messages").inner_text().strip() == "Your profile has been saved."
    assert page.locator("html").get_attribute("lang") == "en"
    page.select_option("select[name=language]", "fr")
    page.select_option("select[name=time_zone]", "Africa/Dakar")
    page.click("main form button[type=submit]")
    assert page.locator(".messages").inner_text().strip() == "Votre profil a été enregistré."


def test_phone_and_messages_page(visitor):
    """Reached from the profile; its table of channels fits a phone's width."""
    visitor.login("moussa.sow@biodiag-senegal.example")
    page = visitor.page
    page.goto("/profile/")
    page.click("a[href='/profile/messages/']")
    assert page.locator("h1").inner_text() in ("Téléphone et messages", "Phone and messages")
    check_page(visitor, "message-preferences")
    page.click("#preferences button[type=submit]")
    assert page.locator(".messages").inner_text().strip() in (
        "Vos choix ont été enregistrés.",
        "Your choices have been saved.",
    )
