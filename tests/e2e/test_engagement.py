"""Engagement as a manager works with it: the territory dashboard filtered
by country, an at-risk distributor's page, a nudge to its team (e-mailed by
the worker), the CSV export, then a field report triaged with a reply that
its sender reads. Leads and learners see their own progress pages."""

import time
from pathlib import Path

import pytest

from tests.e2e.checks import check_page
from tests.e2e.conftest import latest_mail_to

pytestmark = pytest.mark.e2e

MANAGER = "amadou.diallo@academy.example"
LEAD = "fatou.ndiaye@biodiag-senegal.example"
LEARNER = "aminata.fall@biodiag-senegal.example"
FASO_STAFF = "issa.ouedraogo@faso-diagnostic.example"
REPORT = "Appel d’offres du laboratoire national"


def test_manager_follows_engagement_nudges_exports_and_answers_the_field(visitor_factory, variant):
    manager = visitor_factory()
    manager.login(MANAGER)
    page = manager.page
    page.goto("/distributors/engagement/")
    assert page.locator("#engagement-table tbody tr").count() >= 2
    assert page.locator("main svg[role=img]").count() >= 3
    check_page(manager, "engagement-dashboard")

    page.select_option("#id_country", "BF")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_load_state()
    rows = page.locator("#engagement-table tbody tr")
    assert rows.count() == 1 and "Faso Diagnostic" in rows.first.inner_text()

    rows.first.locator("a").first.click()
    page.wait_for_load_state()
    assert "Faso Diagnostic" in page.locator("h1").inner_text()
    assert page.locator("main ul.reasons li").count() >= 1  # at risk, and why
    check_page(manager, "engagement-distributor")

    page.locator("a[href$='/nudge/']").click()
    page.wait_for_load_state()
    check_page(manager, "engagement-nudge")
    page.check("input[name=audience][value=team]")
    marker = f"Rendez-vous jeudi ({variant})"
    page.fill("#id_subject_fr", marker)
    page.fill("#id_subject_en", marker)
    since = time.time() - 1
    page.locator("main form[method=post] button[type=submit]").click()
    page.wait_for_load_state()
    assert "/nudge/" not in page.url
    assert page.locator("[role=status] .messages li").count() == 1
    assert marker in latest_mail_to(FASO_STAFF, since=since)

    page.goto("/distributors/engagement/")
    with page.expect_download() as download_info:
        page.locator("a[href$='/export/distributors.csv']").first.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    content = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "Faso Diagnostic" in content and "BioDiag Sénégal" in content
    assert "Cameroun Diagnostic" not in content  # another manager's territory

    page.goto("/distributors/field-reports/")
    page.get_by_role("link", name=REPORT).first.click()
    page.wait_for_load_state()
    reply = f"Merci, nous préparons les fiches techniques en français ({variant})."
    page.fill("textarea[name=reply]", reply)
    page.locator("form[action$='/triage/'] button[type=submit]").click()
    page.wait_for_load_state()

    sender = visitor_factory()
    sender.login(LEARNER)
    sender.page.goto("/distributors/field-reports/")
    sender.page.get_by_role("link", name=REPORT).first.click()
    sender.page.wait_for_load_state()
    assert reply in sender.page.locator("main").inner_text()


def test_lead_sees_the_team_progress(visitor):
    visitor.login(LEAD)
    visitor.page.goto("/distributors/engagement/team/")
    assert visitor.page.locator("main table tbody tr").count() >= 3
    check_page(visitor, "engagement-team")


def test_learner_sees_their_progress(visitor):
    visitor.login(LEARNER)
    visitor.page.goto("/distributors/engagement/me/")
    assert visitor.page.locator("main .streak").count() == 1
    check_page(visitor, "engagement-me")
