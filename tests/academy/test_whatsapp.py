"""The WhatsApp channel over Meta's Cloud API, against the local fake
(tests/fakes/whatsapp_cloud.py): sending templates and session messages
through the text outbox, the errors Meta answers, and the webhooks."""

import datetime
import decimal
import json
from typing import Any

import httpx
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from academy.messaging import kinds
from academy.messaging.kinds import MessageKind, message_kind_register
from academy.messaging.models import (
    Channel,
    DeliveryReceipt,
    InboundMessage,
    Message,
    ReplyOutcome,
    TextMessage,
)
from academy.messaging.providers import ProviderRejected, ProviderUnavailable, provider_get
from academy.messaging.providers.whatsapp_cloud import WhatsAppCloud
from academy.messaging.services import message_send, texts_dispatch, whatsapp_template_name
from academy.models import OutgoingEmail, User
from academy.outbox import OutboxStatus
from academy.services import user_create
from tests.fakes import whatsapp_cloud as meta
from tests.fakes.whatsapp_cloud import FakeWhatsAppCloud

KIND = "tests.whatsapp_notice"
TEMPLATE = "tests/emails/notice"
TEMPLATE_NAME = whatsapp_template_name(TEMPLATE)  # "tests_notice"
NUMBER = "+221771234567"
DIGITS = "221771234567"
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"

pytestmark = pytest.mark.django_db


@pytest.fixture
def templates(tmp_path, settings):
    """The message's templates in a directory of their own."""
    folder = tmp_path / "tests" / "emails"
    folder.mkdir(parents=True)
    (folder / "notice_subject.txt").write_text("Session {{ when }}")
    (folder / "notice_body.txt").write_text("Hello {{ user.first_name }}, the session starts {{ when }}.")
    (folder / "notice_short.txt").write_text("Hello {{ user.first_name }}: the session starts {{ when }}.")
    (folder / "notice_whatsapp.txt").write_text("{{ user.first_name }}\n{{ when }}\n")
    engine = dict(settings.TEMPLATES[0])
    settings.TEMPLATES = [{**engine, "DIRS": [str(tmp_path)]}]


@pytest.fixture
def kind():
    message_kind_register(
        MessageKind(KIND, "WhatsApp test notices", channels=(Channel.WHATSAPP, Channel.EMAIL), order=999)
    )
    yield KIND
    kinds._kinds.pop(KIND, None)


@pytest.fixture
def wa(settings):
    with FakeWhatsAppCloud(templates={(TEMPLATE_NAME, "en"): 2, (TEMPLATE_NAME, "fr"): 2}) as fake:
        for name, value in fake.settings().items():
            setattr(settings, name, value)
        yield fake


@pytest.fixture
def person(kind):
    user = user_create(email="awa@test.example", first_name="Awa", language="en", phone=NUMBER)
    User.objects.filter(pk=user.pk).update(
        phone_verified_at=timezone.now(),
        message_channels={kind: [Channel.WHATSAPP]},
        quiet_hours_start=None,
        quiet_hours_end=None,
    )
    user.refresh_from_db()
    return user


def _send(person, key="notice-1", **extra) -> Message:
    message = message_send(
        key=key, kind=KIND, user=person, template=TEMPLATE, context={"when": "at 10:00"}, **extra
    )
    assert message is not None
    return message


def _post(payload, *, signature=None, body=None) -> Any:
    raw = body if body is not None else FakeWhatsAppCloud.body_of(payload)
    headers = {} if signature is False else {"X-Hub-Signature-256": signature or FakeWhatsAppCloud.sign(raw)}
    return Client().post(
        reverse("academy:whatsapp_webhook"), data=raw, content_type="application/json", headers=headers
    )


def _sent_text(person, wa, key="notice-1") -> TextMessage:
    _send(person, key=key)
    report = texts_dispatch()  # (already sent when the commit woke the dispatcher)
    text = TextMessage.objects.get(message__key=key)
    assert text.status == OutboxStatus.SENT, report.errors
    return text


# ---------------------------------------------------------------- configuration


def test_without_credentials_the_channel_is_not_offered(templates, person, settings):
    settings.WHATSAPP_ACCESS_TOKEN = ""
    assert provider_get("whatsapp_cloud") is None
    message = _send(person)
    assert message.chain == [Channel.EMAIL]
    assert not TextMessage.objects.exists()
    assert OutgoingEmail.objects.filter(message=message).count() == 1


def test_configured_by_the_three_credentials(settings):
    settings.WHATSAPP_ACCESS_TOKEN, settings.WHATSAPP_PHONE_NUMBER_ID = "token", "123"
    settings.WHATSAPP_APP_SECRET = ""
    assert not WhatsAppCloud().is_configured()
    settings.WHATSAPP_APP_SECRET = "secret"
    assert WhatsAppCloud().is_configured()


# ---------------------------------------------------------------- sending


def test_a_template_message_outside_the_session_window(templates, person, wa, settings):
    text = _sent_text(person, wa)
    [sent] = wa.messages
    assert sent["messaging_product"] == "whatsapp" and sent["recipient_type"] == "individual"
    assert sent["to"] == DIGITS
    assert sent["type"] == "template"
    assert sent["template"] == {
        "name": "tests_notice",
        "language": {"code": "en"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Awa"}, {"type": "text", "text": "at 10:00"}],
            }
        ],
    }
    assert sent["biz_opaque_callback_data"] == "notice-1"
    assert text.status == OutboxStatus.SENT
    assert text.provider == "whatsapp_cloud" and text.provider_message_id == sent["wamid"]
    assert text.session is False
    assert text.cost == decimal.Decimal(settings.MESSAGING_WHATSAPP_COST)  # Meta's webhooks give no price
    assert not OutgoingEmail.objects.exists()
    assert all(path.startswith(f"/v21.0/{meta.PHONE_NUMBER_ID}/messages") for _m, path, _s in wa.requests)


def test_a_session_message_inside_the_window_is_free_text(templates, person, wa):
    assert _post(wa.inbound_payload(DIGITS, text="Hello")).status_code == 200
    text = _sent_text(person, wa)
    [sent] = wa.messages
    assert sent["type"] == "text"
    assert sent["text"]["body"] == "Hello Awa: the session starts at 10:00."
    assert text.session is True and text.provider_message_id == sent["wamid"]
    assert text.cost == 0  # free inside the window


def test_a_session_message_carries_the_invitation_as_a_document(templates, person, wa):
    _post(wa.inbound_payload(DIGITS, text="Hello"))
    _send(person, calendar=("REQUEST", ICS.encode()))
    assert texts_dispatch().sent == 1
    text_message, document = wa.messages
    assert text_message["type"] == "text"
    assert document["type"] == "document" and document["document"]["filename"] == "invitation.ics"
    media = wa.media[document["document"]["id"]]
    assert media["content"].decode() == ICS
    assert media["type"] == "text/plain"  # Meta's documents do not take text/calendar
    assert TextMessage.objects.get().provider_message_id == text_message["wamid"]


def test_a_template_message_does_not_carry_the_invitation(templates, person, wa):
    _send(person, calendar=("REQUEST", ICS.encode()))
    assert texts_dispatch().sent == 1
    assert [m["type"] for m in wa.messages] == ["template"]
    assert not wa.media


def test_a_refused_message_fails_with_metas_message_and_falls_back_to_email(templates, person, wa):
    wa.templates.clear()  # not approved (yet) in WhatsApp Manager
    message = _send(person)
    report = texts_dispatch()
    assert report.failed == 1 and report.sent == 0
    text = TextMessage.objects.get()
    assert text.status == OutboxStatus.FAILED
    assert "132001" in text.last_error and "Template name does not exist" in text.last_error
    assert text.attempts == 1
    email = OutgoingEmail.objects.get(message=message)
    assert email.to == "awa@test.example"
    message.refresh_from_db()
    assert message.fallback_channel == Channel.EMAIL


def test_an_undeliverable_number_is_final(templates, person, wa):
    wa.reject[DIGITS] = (131026, "Message undeliverable")
    message = _send(person)
    texts_dispatch()
    assert "131026: (#131026) Message undeliverable" in TextMessage.objects.get().last_error
    assert OutgoingEmail.objects.filter(message=message).count() == 1


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_retried_then_sent(templates, person, wa, status):
    wa.fail_next(2, status=status)
    _send(person)
    start = timezone.now()
    assert texts_dispatch(now=start).retried == 1
    text = TextMessage.objects.get()
    assert text.status == OutboxStatus.PENDING and text.attempts == 1
    assert text.next_attempt_at > start
    assert ("130429" if status == 429 else "131000") in text.last_error
    assert texts_dispatch(now=start).sent == 0  # not due yet
    assert texts_dispatch(now=text.next_attempt_at + datetime.timedelta(seconds=1)).retried == 1
    text.refresh_from_db()
    assert texts_dispatch(now=text.next_attempt_at + datetime.timedelta(seconds=1)).sent == 1
    text.refresh_from_db()
    assert text.status == OutboxStatus.SENT and text.attempts == 3
    assert len(wa.messages) == 1
    assert not OutgoingEmail.objects.exists()


def test_a_rate_limit_code_in_a_400_is_retried(templates, person, wa):
    wa.fail_next(1, status=400, code=130429)
    _send(person)
    assert texts_dispatch().retried == 1
    assert TextMessage.objects.get().status == OutboxStatus.PENDING


def test_provider_errors_map_to_rejected_and_unavailable(templates, person, wa, settings):
    _send(person)
    text = TextMessage.objects.select_related("message").get()
    provider = WhatsAppCloud()
    settings.WHATSAPP_ACCESS_TOKEN = "wrong"
    with pytest.raises(ProviderRejected, match=r"^190: "):
        provider.send(text)
    settings.WHATSAPP_ACCESS_TOKEN = meta.ACCESS_TOKEN
    wa.fail_next(1, status=400, code=131056)
    with pytest.raises(ProviderUnavailable, match="131056"):
        provider.send(text)
    settings.WHATSAPP_API_URL = "http://127.0.0.1:9/v21.0"  # nothing listens there
    with pytest.raises(ProviderUnavailable, match="unreachable"):
        provider.send(text)
    assert wa.messages == []


# ---------------------------------------------------------------- webhooks: the handshake and the signature


def test_the_verification_handshake(wa):
    url = reverse("academy:whatsapp_webhook")
    query = {"hub.mode": "subscribe", "hub.verify_token": meta.VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = Client().get(url, query)
    assert response.status_code == 200
    assert response.content == b"1158201444" and response["Content-Type"].startswith("text/plain")
    assert Client().get(url, {**query, "hub.verify_token": "guess"}).status_code == 403
    assert Client().get(url, {**query, "hub.mode": "unsubscribe"}).status_code == 403
    assert Client().get(url).status_code == 403


def test_a_missing_or_bad_signature_is_refused_and_changes_nothing(templates, person, wa):
    text = _sent_text(person, wa)
    payload = wa.status_payload(text.provider_message_id, "delivered")
    body = FakeWhatsAppCloud.body_of(payload)
    assert _post(payload, signature=False).status_code == 401
    assert _post(payload, signature=FakeWhatsAppCloud.sign(body, secret="another secret")).status_code == 401
    assert _post(payload, signature=FakeWhatsAppCloud.sign(body)[:-2] + "00").status_code == 401
    assert _post(payload, signature=FakeWhatsAppCloud.sign(body + b" ")).status_code == 401
    response = _post(payload, signature="sha1=" + FakeWhatsAppCloud.sign(body)[7:])
    assert response.status_code == 401 and response.json()["code"] == "bad_signature"
    assert not DeliveryReceipt.objects.exists()
    text.refresh_from_db()
    assert text.delivery_status == ""


def test_a_signed_body_that_is_not_json_is_a_clear_400(wa):
    body = b"{not json"
    response = Client(headers={"Accept-Language": "en"}).post(
        reverse("academy:whatsapp_webhook"),
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": FakeWhatsAppCloud.sign(body)},
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The body is not valid JSON.", "code": "invalid"}
    french = Client(headers={"Accept-Language": "fr"}).post(
        reverse("academy:whatsapp_webhook"), data=b"{", content_type="application/json"
    )
    assert french.status_code == 401
    assert french.json()["detail"] == "La signature de ce webhook est absente ou fausse."
    response = _post(None, body=b'{"entry": "nope"}')
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_the_webhook_needs_no_csrf_token_nor_session(templates, person, wa):
    text = _sent_text(person, wa)
    client = Client(enforce_csrf_checks=True)
    body = FakeWhatsAppCloud.body_of(wa.status_payload(text.provider_message_id, "delivered"))
    response = client.post(
        reverse("academy:whatsapp_webhook"),
        data=body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": FakeWhatsAppCloud.sign(body)},
    )
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


# ---------------------------------------------------------------- webhooks: statuses


def test_statuses_move_delivery_forward_and_never_back(templates, person, wa):
    text = _sent_text(person, wa)
    wamid = text.provider_message_id
    assert _post(wa.status_payload(wamid, "sent", timestamp=1764640000)).status_code == 200
    text.refresh_from_db()
    assert text.delivery_status == "sent"
    assert text.delivery_status_at == datetime.datetime(2025, 12, 2, 1, 46, 40, tzinfo=datetime.UTC)
    _post(wa.status_payload(wamid, "read", timestamp=1764640100))
    _post(wa.status_payload(wamid, "delivered", timestamp=1764640050))  # late
    text.refresh_from_db()
    assert text.delivery_status == "read"
    assert text.delivery_status_at == datetime.datetime(2025, 12, 2, 1, 48, 20, tzinfo=datetime.UTC)
    assert DeliveryReceipt.objects.filter(provider="whatsapp_cloud", provider_message_id=wamid).count() == 3


def test_a_failed_status_falls_back_once(templates, person, wa):
    text = _sent_text(person, wa)
    payload = wa.status_payload(text.provider_message_id, "failed")
    assert _post(payload).status_code == 200
    assert _post(payload).status_code == 200  # Meta delivers again
    text.refresh_from_db()
    assert text.delivery_status == "failed" and text.status == OutboxStatus.FAILED
    assert text.last_error == "131026: Message undeliverable (Message Undeliverable.)"
    assert OutgoingEmail.objects.filter(message=text.message).count() == 1
    assert DeliveryReceipt.objects.count() == 1


def test_a_status_reported_before_the_send_recorded_the_id_is_applied_after(templates, person, wa):
    wa.next_wamids.append("wamid.HBgMMjIxNzcxMjM0NTY3FQIAERgSQUFCQkNDRERFRUZGMDAxMTIyAA==")
    early = wa.status_payload(wa.next_wamids[0], "delivered", recipient=DIGITS)
    assert _post(early).status_code == 200  # an id nobody knows yet: stored
    receipt = DeliveryReceipt.objects.get()
    assert receipt.applied_at is None
    text = _sent_text(person, wa)
    assert text.provider_message_id == receipt.provider_message_id
    assert text.delivery_status == "delivered"
    receipt.refresh_from_db()
    assert receipt.applied_at is not None


def test_a_status_for_an_unknown_id_is_stored_and_answered_200(wa):
    response = _post(wa.status_payload("wamid.unknown", "delivered"))
    assert response.status_code == 200 and response.json() == {"statuses": 1, "messages": 0}
    assert DeliveryReceipt.objects.get().applied_at is None


# ---------------------------------------------------------------- webhooks: what people write


def test_inbound_messages_are_stored_with_their_outcome(templates, person, wa):
    assert _post(wa.inbound_payload(DIGITS, text="1", wamid="wamid.one")).status_code == 200
    assert _post(wa.inbound_payload(DIGITS, text="Thank you, see you there")).status_code == 200
    assert _post(wa.inbound_payload("237690000001", text="Who is this?")).status_code == 200
    one = InboundMessage.objects.get(provider_message_id="wamid.one")
    assert one.channel == Channel.WHATSAPP and one.provider == "whatsapp_cloud"
    assert one.from_number == NUMBER and one.user == person and one.text == "1"
    assert one.outcome == ReplyOutcome.STORED  # no message asked anything
    assert InboundMessage.objects.get(text="Thank you, see you there").outcome == ReplyOutcome.STORED
    stranger = InboundMessage.objects.get(from_number="+237690000001")
    assert stranger.outcome == ReplyOutcome.UNKNOWN_SENDER and stranger.user is None


def test_stop_stops_whatsapp_for_that_person(templates, person, wa):
    assert _post(wa.inbound_payload(DIGITS, button="STOP")).status_code == 200
    reply = InboundMessage.objects.get()
    assert reply.outcome == ReplyOutcome.STOPPED and reply.text == "STOP"
    person.refresh_from_db()
    assert person.phone_opt_outs == [Channel.WHATSAPP]
    # The next message goes by e-mail.
    message = _send(person, key="after-stop")
    assert message.chain == [Channel.EMAIL]


def test_an_interactive_reply_is_read_by_its_title(wa, person):
    _post(wa.inbound_payload(DIGITS, button_reply="Oui"))
    assert InboundMessage.objects.get().text == "Oui"


def test_a_replayed_inbound_webhook_acts_once(templates, person, wa):
    payload = wa.inbound_payload(DIGITS, text="STOP", wamid="wamid.stop")
    assert _post(payload).json() == {"statuses": 0, "messages": 1}
    assert _post(payload).json() == {"statuses": 0, "messages": 0}
    assert InboundMessage.objects.count() == 1
    # One acknowledgement, not two.
    assert TextMessage.objects.filter(message__key__startswith="academy.reply-ack.").count() == 1


def test_one_payload_may_carry_several_changes(templates, person, wa):
    text = _sent_text(person, wa)
    status = wa.status_payload(text.provider_message_id, "delivered")
    inbound = wa.inbound_payload(DIGITS, text="Merci")
    status["entry"].extend(inbound["entry"])
    assert _post(status).json() == {"statuses": 1, "messages": 1}


@pytest.mark.django_db(transaction=True)
def test_the_fake_posts_signed_webhooks_over_http(live_server, templates, person, wa):
    text = _sent_text(person, wa)
    url = live_server.url + reverse("academy:whatsapp_webhook")
    response = wa.post_webhook(url, wa.status_payload(text.provider_message_id, "read"))
    assert response.status_code == 200, response.text
    text.refresh_from_db()
    assert text.delivery_status == "read"
    body = json.loads(FakeWhatsAppCloud.body_of(wa.inbound_payload(DIGITS, text="ok")))
    assert wa.post_webhook(url, body).status_code == 200
    assert InboundMessage.objects.filter(text="ok").count() == 1


# ---------------------------------------------------------------- the fake checks like Meta


def test_the_fake_refuses_what_meta_refuses(wa):
    auth = {"Authorization": f"Bearer {meta.ACCESS_TOKEN}"}
    messages = f"{wa.url}/{meta.PHONE_NUMBER_ID}/messages"
    text = {"messaging_product": "whatsapp", "to": DIGITS, "type": "text", "text": {"body": "Hi"}}

    def error(response: httpx.Response) -> tuple[int, int]:
        return response.status_code, response.json()["error"]["code"]

    assert httpx.post(messages, json=text).status_code == 401
    assert error(httpx.post(messages, json={**text, "to": NUMBER}, headers=auth)) == (400, 100)
    assert error(httpx.post(messages, json={**text, "messaging_product": "wa"}, headers=auth)) == (400, 100)
    assert error(httpx.post(f"{wa.url}/999/messages", json=text, headers=auth)) == (400, 100)
    template = {"name": TEMPLATE_NAME, "language": {"code": "en"}}
    assert error(
        httpx.post(messages, json={**text, "type": "template", "template": template}, headers=auth)
    ) == (400, 132000)  # two body parameters expected
    unknown = {"name": "nope", "language": {"code": "en"}}
    assert error(
        httpx.post(messages, json={**text, "type": "template", "template": unknown}, headers=auth)
    ) == (
        404,
        132001,
    )
    media = f"{wa.url}/{meta.PHONE_NUMBER_ID}/media"
    calendar = {"file": ("invitation.ics", b"BEGIN:VCALENDAR", "text/calendar")}
    fields = {"messaging_product": "whatsapp", "type": "text/calendar"}
    assert error(httpx.post(media, data=fields, files=calendar, headers=auth)) == (400, 131053)
    assert httpx.post(messages, json=text, headers=auth).json()["messages"][0]["id"].startswith("wamid.")
    assert len(wa.messages) == 1
