"""The reply to a field report as it reaches its sender: text + HTML in
their language, and a reply to it reaches the manager who answered."""

import pytest

from academy.outbox import outboxes_drain
from distributors import services
from tests.distributors.factories import FieldReportFactory
from tests.emails import parsed, text_and_html

pytestmark = pytest.mark.django_db


def test_the_reply_e_mail_answers_to_the_manager_who_wrote_it(network, mailoutbox, settings):
    settings.SITE_URL = "https://academy.example.com"
    network.staff_a.language = "en"
    network.staff_a.save()
    report = FieldReportFactory(sender=network.staff_a, title="Labels <peel> off")
    services.field_report_triage(actor=network.manager_a, report=report, reply="We are on it & will call.")
    outboxes_drain()
    (message,) = mailoutbox
    sent = parsed(message)
    assert sent["Reply-To"] == network.manager_a.email
    assert sent["List-Unsubscribe"] is None  # an answer to the person's own report
    assert sent["Message-ID"].endswith("@academy.example.com>")
    text, html = text_and_html(message)
    assert "We are on it & will call." in text and "We are on it &amp; will call." in html
    assert "“Labels <peel> off”" in text and "“Labels &lt;peel&gt; off”" in html
    assert 'lang="en"' in html
