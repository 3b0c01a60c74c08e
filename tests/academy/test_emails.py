"""E-mails as mail clients read them: one layout with a text and an HTML
part in the recipient's language, the headers that say what they are, and
the one-click unsubscribe link (RFC 8058) with its confirmation page."""

import email
import email.policy
import re

import pytest
from django.core import mail, signing
from django.test import Client, override_settings
from django.urls import reverse

from academy import email_preferences
from academy.email_layout import text_to_html
from academy.email_preferences import unsubscribe_token, unsubscribe_url
from academy.messaging import kinds
from academy.messaging.kinds import MessageKind, message_kind_register
from academy.outbox import outboxes_drain
from academy.services import email_enqueue, email_send
from tests.academy.factories import UserFactory
from tests.emails import html_facts, parsed, text_and_html
from tests.fakes.smtp import MailServer

pytestmark = pytest.mark.django_db

SITE = "https://academy.example.com"
KIND = "engagement.digest"  # registered by the engagement app


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def manager():
    return UserFactory(role="manager", language="fr", first_name="Awa", email="awa@test.example")


def _token(response_or_url: str) -> str:
    match = re.search(r"/unsubscribe/([^/]+)/", response_or_url)
    assert match, response_or_url
    return match.group(1)


# ---------------------------------------------------------------- the layout


def test_text_becomes_escaped_html_with_paragraphs_lists_and_links():
    html = text_to_html(
        "Hello <b>Awa</b> & co,\n\n* Dist A — score 40\n  - No activity\n  https://x.example/d/1/\n"
        "\nSee https://x.example/page?a=1&b=2.\n--\nsignature"
    )
    assert "<b>" not in html and "&lt;b&gt;Awa&lt;/b&gt; &amp; co" in html
    assert "<ul" in html and "<li" in html and "No activity" in html
    assert 'href="https://x.example/page?a=1&amp;b=2"' in html  # the full stop stays in the sentence
    assert 'href="https://x.example/d/1/"' in html
    assert "signature" not in html  # the footer of the layout says it instead


def test_a_message_sent_directly_is_text_and_html_with_a_message_id_of_the_site(manager):
    email_send(user=manager, template="academy/emails/erasure_refused", context={"reason": "<Une raison>"})
    (message,) = mail.outbox
    sent = parsed(message)
    assert sent.get_content_type() == "multipart/alternative"
    assert re.fullmatch(r"<[^@>]+@academy\.example\.com>", sent["Message-ID"])
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["List-Unsubscribe"] is None  # about the account: nobody unsubscribes from it
    text, html = text_and_html(message)
    assert text.startswith("Bonjour Awa")
    assert "<Une raison>" in text
    facts = html_facts(html)
    assert facts.lang == "fr"
    assert facts.sources == []  # no image, stylesheet or script to fetch
    assert "Bonjour Awa" in html and "&lt;Une raison&gt;" in html
    assert 'name="viewport"' in html and "max-width:600px" in html
    # The footer says why, in the recipient's language, in both parts.
    assert "Vous recevez cet e-mail au sujet de votre compte" in text
    assert "Vous recevez cet e-mail au sujet de votre compte" in html


def test_the_message_follows_the_recipient_language_not_the_current_one(manager):
    manager.language = "en"
    manager.save()
    email_send(user=manager, template="academy/emails/erasure_refused", context={"reason": "r"})
    text, html = text_and_html(mail.outbox[0])
    assert text.startswith("Hello Awa") and 'lang="en"' in html and "Hello Awa" in html
    assert "You receive this e-mail about your account" in html


def test_a_queued_message_keeps_its_headers_until_it_leaves(manager):
    email_enqueue(
        key="k-1",
        topic="t",
        user=manager,
        template="academy/emails/erasure_refused",
        context={"reason": "r"},
        kind=KIND,
        reply_to="Boss <boss@test.example>",
    )
    assert outboxes_drain().sent == 1
    sent = parsed(mail.outbox[0])
    assert sent["Message-ID"] == "<k-1@academy.example.com>"
    assert sent["Reply-To"] == "Boss <boss@test.example>"
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(sent["List-Unsubscribe"]).strip()  # folded: longer than a line
    assert link.startswith(f"<{SITE}/unsubscribe/") and link.endswith("/>")
    text, html = text_and_html(mail.outbox[0])
    assert link[1:-1] in text and link[1:-1] in html
    assert f"{SITE}/profile/#emails" in text
    assert "Synthèse hebdomadaire de l’engagement" in html  # the kind, named in French


def test_every_link_of_the_html_part_is_absolute(manager):
    email_enqueue(
        key="k-2", topic="t", user=manager, template="academy/emails/erasure_refused", context={}, kind=KIND
    )
    outboxes_drain()
    _text, html = text_and_html(mail.outbox[0])
    links = html_facts(html).links
    assert links and all(link.startswith(SITE + "/") for link in links)


def test_password_reset_is_text_and_html_and_never_has_an_unsubscribe_link(client):
    UserFactory(email="reset@test.example", language="fr", first_name="Awa")
    client.post(reverse("academy:password_reset"), {"email": "reset@test.example"})
    assert outboxes_drain().sent == 1
    sent = parsed(mail.outbox[0])
    assert sent["List-Unsubscribe"] is None and sent["Auto-Submitted"] == "auto-generated"
    assert sent["Message-ID"].endswith("@academy.example.com>")
    text, html = text_and_html(mail.outbox[0])
    assert text.startswith("Bonjour Awa") and "Bonjour Awa" in html and 'lang="fr"' in html
    reset_link = re.search(r"https?://\S+/password/reset/\S+/", text).group(0)
    assert reset_link.startswith(f"{SITE}/password/reset/")  # SITE_URL, not the request's host
    assert reset_link in html_facts(html).links


def test_a_stopped_kind_is_not_queued_but_account_mail_is(manager):
    email_preferences.email_preference_set(user=manager, kind=KIND, wanted=False)
    kw = {"topic": "t", "user": manager, "template": "academy/emails/erasure_refused", "context": {}}
    assert email_enqueue(key="a", kind=KIND, **kw) is None
    assert email_enqueue(key="b", **kw) is not None  # no kind: transactional, never suppressed


# ---------------------------------------------------------------- the token


def test_the_token_names_the_person_and_the_kind_and_is_salted(manager):
    token = unsubscribe_token(user=manager, kind=KIND)
    user, kind = email_preferences.unsubscribe_token_read(token)
    assert (user, kind.code) == (manager, KIND)
    signer = signing.Signer(salt=email_preferences.UNSUBSCRIBE_SALT)
    assert signer.unsign_object(token) == {"u": manager.pk, "k": KIND}
    # The same data signed for another purpose is no unsubscribe token.
    other = signing.Signer(salt="another.purpose").sign_object({"u": manager.pk, "k": KIND})
    assert email_preferences.unsubscribe_token_read(other) is None
    assert email_preferences.unsubscribe_token_read(token[:-2] + "xx") is None


# ---------------------------------------------------------------- the endpoint


def test_one_click_post_unsubscribes_without_cookies_or_csrf_and_is_idempotent(manager):
    url = unsubscribe_url(user=manager, kind=KIND)
    client = Client(enforce_csrf_checks=True)  # a mail provider: no session, no CSRF cookie
    for _ in range(2):
        response = client.post(url, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200
        manager.refresh_from_db()
        assert manager.email_opt_outs == [KIND]
    assert not email_preferences.email_wanted(user=manager, kind=KIND)


def test_get_only_asks_so_link_scanners_unsubscribe_nobody(manager):
    url = unsubscribe_url(user=manager, kind=KIND)
    response = Client().get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'action="{reverse("academy:unsubscribe", args=[_token(url)])}"' in page
    assert "Me désabonner" in page  # in the recipient's language
    manager.refresh_from_db()
    assert manager.email_opt_outs == []


def test_undo_subscribes_again(manager):
    url = unsubscribe_url(user=manager, kind=KIND)
    client = Client(enforce_csrf_checks=True)
    page = client.post(url).content.decode()
    undo = reverse("academy:unsubscribe_undo", args=[_token(url)])
    assert f'action="{undo}"' in page
    assert client.post(undo).status_code == 200
    manager.refresh_from_db()
    assert manager.email_opt_outs == []


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_bad_token_is_refused_with_400(manager, method):
    good = unsubscribe_token(user=manager, kind=KIND)
    unknown_kind = signing.Signer(salt=email_preferences.UNSUBSCRIBE_SALT).sign_object(
        {"u": manager.pk, "k": "unknown.kind"}
    )
    for token in ("nonsense", good[:-3] + "abc", unknown_kind):
        response = getattr(Client(), method)(reverse("academy:unsubscribe", args=[token]))
        assert response.status_code == 400
    manager.refresh_from_db()
    assert manager.email_opt_outs == []


def test_a_token_for_a_kind_nobody_registers_any_more_is_refused(manager):
    message_kind_register(MessageKind("tests.temporary", "Temporary"))
    token = unsubscribe_token(user=manager, kind="tests.temporary")
    kinds._kinds.pop("tests.temporary")
    assert Client().post(reverse("academy:unsubscribe", args=[token])).status_code == 400


# ---------------------------------------------------------------- the profile page


def test_profile_offers_one_checkbox_per_kind_the_person_can_receive(client, manager):
    learner = UserFactory(role="learner", language="en")
    client.force_login(learner)
    page = client.get(reverse("academy:profile")).content.decode()
    assert 'id="emails"' in page
    assert "Web-conference reminders" in page and "Course reminders" in page
    assert "Encouragements from the company’s managers" in page
    assert "Weekly engagement digest" not in page  # managers only
    client.force_login(manager)
    page = client.get(reverse("academy:profile")).content.decode()
    assert "Synthèse hebdomadaire de l’engagement" in page


def test_profile_stores_the_choices(client, manager):
    client.force_login(manager)
    form = {
        "first_name": "Awa",
        "last_name": "Diop",
        "language": "fr",
        "time_zone": "Africa/Dakar",
        "country": "",
        "phone": "",
        "email_webinars_reminder": "on",  # every other box left unticked
    }
    assert client.post(reverse("academy:profile"), form).status_code == 302
    manager.refresh_from_db()
    assert set(manager.email_opt_outs) == {"engagement.digest", "webinars.follow_up", "courses.reminder"}
    assert email_preferences.email_wanted(user=manager, kind="webinars.reminder")
    page = client.get(reverse("academy:profile")).content.decode()
    assert re.search(r'name="email_webinars_reminder"[^>]*checked', page)
    assert not re.search(r'name="email_engagement_digest"[^>]*checked', page)


def test_the_bytes_a_mail_server_receives_hold_both_parts_and_the_headers(manager):
    """The same checks over SMTP: what the outbox hands the mail server."""
    email_enqueue(
        key="smtp-1",
        topic="t",
        user=manager,
        template="academy/emails/erasure_refused",
        context={},
        kind=KIND,
    )
    with MailServer() as server, override_settings(**server.settings()):
        assert outboxes_drain().sent == 1
    (raw,) = server.sessions[0].contents
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert received.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in received.iter_parts()] == ["text/plain", "text/html"]
    assert received["Message-ID"] == "<smtp-1@academy.example.com>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(received["List-Unsubscribe"]).strip().startswith(f"<{SITE}/unsubscribe/")
    assert 'lang="fr"' in received.get_body(("html",)).get_content()
