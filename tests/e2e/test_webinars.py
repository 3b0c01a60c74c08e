"""Web-conferences as people meet them: programme, registration (the
confirmation leaves through the outbox and the worker), preferences,
replays, the trainer's pages and the manager's report."""

import re
import time

import pytest

from tests.e2e.checks import check_page
from tests.e2e.conftest import latest_mail_to

pytestmark = pytest.mark.e2e

LEARNER = "moussa.sow@biodiag-senegal.example"
TRAINER = "claire.martin@academy.example"
MANAGER = "amadou.diallo@academy.example"


def test_learner_registers_and_receives_the_invitation(visitor):
    visitor.login(LEARNER)
    page = visitor.page
    page.goto("/webinars/")
    check_page(visitor, "webinars-programme")
    page.locator("main article h2 a").first.click()
    page.wait_for_load_state()
    unregister = page.locator("form[action$='/unregister/'] button")
    if unregister.count():
        unregister.click()
        page.wait_for_load_state()
    since = time.time() - 1
    page.locator("form[action$='/register/'] button").click()
    page.wait_for_load_state()
    assert page.locator("form[action$='/unregister/'] button").count() == 1
    check_page(visitor, "webinars-session")
    mail = latest_mail_to(LEARNER, since=since)
    assert "invite.ics" in mail and re.search(r"method=\"?REQUEST", mail)


@pytest.mark.parametrize("path", ["/webinars/mine/", "/webinars/replays/", "/webinars/preferences/"])
def test_learner_pages(visitor, path):
    visitor.login(LEARNER)
    visitor.page.goto(path)
    check_page(visitor, "webinars" + path.rstrip("/").replace("/webinars", "").replace("/", "-"))


def test_trainer_pages(visitor):
    visitor.login(TRAINER)
    page = visitor.page
    page.goto("/webinars/manage/")
    check_page(visitor, "webinars-manage")
    page.locator("main table a[href*='/manage/series/']").first.click()
    page.wait_for_load_state()
    page.click("button[name=preview]")
    page.wait_for_load_state()
    assert page.locator("aside ol li").count() == 6
    check_page(visitor, "webinars-series")
    page.goto("/webinars/manage/?when=past")
    page.locator("main table a[href*='/manage/sessions/']").first.click()
    page.wait_for_load_state()
    check_page(visitor, "webinars-session-manage")


def test_manager_report(visitor):
    visitor.login(MANAGER)
    visitor.page.goto("/webinars/report/")
    assert visitor.page.locator("main table tbody tr").count() >= 1
    check_page(visitor, "webinars-report")
