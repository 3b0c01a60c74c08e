"""The SMS channel through Twilio and Africa's Talking, against local fakes
written from their documentation (tests/fakes/twilio.py, africastalking.py)."""

import datetime
import decimal
from typing import cast

import pytest
from django.conf import settings as django_settings
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from academy.messaging import kinds
from academy.messaging.kinds import MessageKind, message_kind_register, reply_handler_register
from academy.messaging.models import DeliveryReceipt, InboundMessage, Message, ReplyOutcome, TextMessage
from academy.messaging.providers import ProviderRejected, ProviderUnavailable, provider_for
from academy.messaging.providers.africastalking import AfricasTalking, parse_cost
from academy.messaging.providers.twilio import Twilio
from academy.messaging.services import message_send, texts_dispatch
from academy.messaging.webhooks.twilio import twilio_signature
from academy.models import OutgoingEmail, User
from academy.outbox import OutboxStatus
from tests.academy.factories import UserFactory
from tests.fakes.africastalking import API_KEY, USERNAME, FakeAfricasTalking
from tests.fakes.twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

pytestmark = pytest.mark.django_db

KIND = "tests.sms_notice"
TEMPLATE = "tests_sms/notice"
FRENCH = (
    "Bonjour {{ user.first_name }}, votre formation « Sécurité des élèves » commence demain à 9 h "
    "au centre de Dakar. Pensez à apporter votre pièce d’identité, votre cahier et de quoi écrire. "
    "Répondez OUI pour confirmer votre présence ou NON si vous ne pouvez pas venir."
)
NOON = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)
FRANCE = "+33612345678"
SENEGAL = "+221771234567"
TOKEN = "at-callback-secret-0123456789"


@pytest.fixture(autouse=True)
def sms_kind(settings, tmp_path):
    """A kind that goes by SMS, its templates in a directory of the test's own."""
    folder = tmp_path / "tests_sms"
    folder.mkdir()
    (folder / "notice_short.txt").write_text(FRENCH)
    (folder / "notice_subject.txt").write_text("Votre formation")
    (folder / "notice_body.txt").write_text("Bonjour, votre formation commence demain.")
    settings.TEMPLATES = [{**django_settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    message_kind_register(MessageKind(KIND, "SMS notices", phone_defaults=("sms",)))
    answered: list[tuple[str, str]] = []

    def handler(*, message, intent, reply):
        answered.append((message.reply_ref, intent))
        return "Merci, c'est noté."

    reply_handler_register("tests.sms", handler)
    settings.SITE_URL = "https://academy.example.com"
    settings.SMS_GATEWAYS = ["africastalking", "twilio"]
    settings.AFRICASTALKING_USERNAME = ""
    settings.AFRICASTALKING_API_KEY = ""
    settings.TWILIO_ACCOUNT_SID = ""
    settings.TWILIO_AUTH_TOKEN = ""
    settings.AFRICASTALKING_WEBHOOK_TOKEN = TOKEN
    yield answered
    kinds._kinds.pop(KIND, None)
    kinds._reply_handlers.pop("tests.sms", None)


@pytest.fixture
def twilio(settings):
    with FakeTwilio() as fake:
        settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
        settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
        settings.TWILIO_FROM = "Academy"
        settings.TWILIO_MESSAGING_SERVICE_SID = ""
        settings.TWILIO_API_URL = fake.url
        settings.TWILIO_STATUS_CALLBACK = True
        yield fake


@pytest.fixture
def at(settings):
    with FakeAfricasTalking() as fake:
        settings.AFRICASTALKING_USERNAME = USERNAME
        settings.AFRICASTALKING_API_KEY = API_KEY
        settings.AFRICASTALKING_FROM = "ACADEMY"
        settings.AFRICASTALKING_API_URL = fake.url
        settings.AFRICASTALKING_COUNTRIES = ["SN", "CI", "KE"]
        yield fake


def person(phone: str, **extra) -> User:
    user = cast(User, UserFactory(phone=phone))
    User.objects.filter(pk=user.pk).update(
        phone_verified_at=timezone.now(),
        message_channels={KIND: ["sms"]},
        quiet_hours_start=None,
        quiet_hours_end=None,
        **extra,
    )
    return User.objects.get(pk=user.pk)


def send(user: User, key: str = "notice-1", **extra) -> Message:
    message = message_send(key=key, kind=KIND, user=user, template=TEMPLATE, **extra)
    assert message is not None
    return message


def text_of(message: Message) -> TextMessage:
    return TextMessage.objects.get(message=message, channel="sms")


def at_url(name: str, token: str = TOKEN) -> str:
    return django_settings.SITE_URL + reverse(f"academy:{name}", args=[token])


# ---------------------------------------------------------------- sending


def test_twilio_sends_a_long_french_text_as_one_body(twilio, at):
    message = send(person(FRANCE))
    report = texts_dispatch(now=NOON)
    assert report.sent == 1
    text = text_of(message)
    assert text.status == OutboxStatus.SENT
    assert text.provider == "twilio"
    assert text.segments == 2  # GSM-7 after the French letters are folded: 153 a part
    assert len(twilio.messages) == 1 and not at.messages
    sent = twilio.messages[0]
    assert text.provider_message_id == sent["sid"]
    assert sent["To"] == FRANCE
    assert sent["From"] == "Academy"
    assert sent["Body"] == text.text and '"Sécurité des élèves"' in sent["Body"]
    assert sent["StatusCallback"] == "https://academy.example.com/messaging/webhooks/twilio/status/"
    # Twilio said no price: the configured unit price per part is counted.
    assert text.cost == decimal.Decimal(django_settings.MESSAGING_SMS_COST) * 2


def test_twilio_price_and_messaging_service(twilio, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    settings.TWILIO_STATUS_CALLBACK = False
    twilio.price = "-0.07900"
    settings.MESSAGING_CURRENCY = "USD"  # the account's currency: its price is counted
    message = send(person(FRANCE))
    texts_dispatch(now=NOON)
    sent = twilio.messages[0]
    assert sent["MessagingServiceSid"] == "MG" + "1" * 32
    assert "From" not in sent and "StatusCallback" not in sent
    assert text_of(message).cost == decimal.Decimal("0.0790")


def test_africastalking_sends_to_senegal_and_twilio_to_france(twilio, at, settings):
    settings.MESSAGING_CURRENCY = "XOF"  # the Africa's Talking account's currency
    senegal = send(person(SENEGAL), key="sn")
    france = send(person(FRANCE), key="fr")
    texts_dispatch(now=NOON)
    assert text_of(senegal).provider == "africastalking"
    assert text_of(france).provider == "twilio"
    assert [m["number"] for m in at.messages] == [SENEGAL]
    assert [m["To"] for m in twilio.messages] == [FRANCE]
    form = at.messages[0]["form"]
    assert form["username"] == USERNAME and form["from"] == "ACADEMY"
    assert form["message"] == text_of(senegal).text
    assert text_of(senegal).provider_message_id == at.messages[0]["messageId"]
    assert text_of(senegal).cost == decimal.Decimal("40.0000")  # two parts at XOF 20


def test_a_price_in_another_currency_counts_the_unit_cost_so_spend_never_mixes_currencies(
    twilio, at, settings
):
    settings.MESSAGING_CURRENCY = "EUR"
    twilio.price = "-0.07900"  # USD
    senegal = send(person(SENEGAL), key="sn")
    france = send(person(FRANCE), key="fr")
    texts_dispatch(now=NOON)
    unit = decimal.Decimal(settings.MESSAGING_SMS_COST)
    assert text_of(france).cost == unit * text_of(france).segments
    assert text_of(senegal).cost == unit * text_of(senegal).segments  # XOF: not counted as euros


def test_a_country_africastalking_does_not_serve_goes_through_twilio(twilio, at, settings):
    settings.AFRICASTALKING_COUNTRIES = ["KE"]
    message = send(person(SENEGAL))
    texts_dispatch(now=NOON)
    assert text_of(message).provider == "twilio"
    assert not at.messages


def test_without_credentials_sms_is_not_offered(settings):
    message = send(person(FRANCE))
    assert message.chain == ["email"]
    assert not TextMessage.objects.exists()
    assert OutgoingEmail.objects.filter(message=message).count() == 1


def test_africastalking_alone_does_not_reach_france(at):
    message = send(person(FRANCE))
    texts_dispatch(now=NOON)
    text = text_of(message)
    assert text.status == OutboxStatus.FAILED
    assert OutgoingEmail.objects.filter(message=message).count() == 1
    assert provider_for("sms", FRANCE) is None
    assert isinstance(provider_for("sms", SENEGAL), AfricasTalking)


# ---------------------------------------------------------------- refusals and retries


def test_twilio_refusal_fails_at_once_and_falls_back_once(twilio):
    twilio.unsubscribed.add(FRANCE)
    message = send(person(FRANCE))
    texts_dispatch(now=NOON)
    text = text_of(message)
    assert text.status == OutboxStatus.FAILED
    assert "21610: Attempt to send to unsubscribed recipient" in text.last_error
    assert text.attempts == 1
    assert OutgoingEmail.objects.filter(message=message).count() == 1
    texts_dispatch(now=NOON + datetime.timedelta(hours=2))
    assert len(twilio.requests) == 1
    assert OutgoingEmail.objects.filter(message=message).count() == 1


def test_twilio_invalid_number_is_refused(twilio):
    twilio.invalid.add(FRANCE)
    message = send(person(FRANCE))
    texts_dispatch(now=NOON)
    assert "21211: Invalid 'To' Phone Number" in text_of(message).last_error
    assert Message.objects.get(pk=message.pk).fallback_channel == "email"


@pytest.mark.parametrize("status", [429, 500, 503])
def test_twilio_busy_or_down_is_retried_with_backoff_then_sent(twilio, status):
    twilio.fail_next(status, 2)
    message = send(person(FRANCE))
    texts_dispatch(now=NOON)
    text = text_of(message)
    assert text.status == OutboxStatus.PENDING
    first_retry = text.next_attempt_at
    assert first_retry > NOON
    assert "20429" in text.last_error if status == 429 else "20500" in text.last_error
    texts_dispatch(now=NOON + datetime.timedelta(seconds=1))  # not due yet
    assert len(twilio.requests) == 1
    texts_dispatch(now=first_retry)
    second = text_of(message)
    assert second.status == OutboxStatus.PENDING
    assert second.next_attempt_at - first_retry > first_retry - NOON  # the wait doubles
    texts_dispatch(now=second.next_attempt_at)
    sent = text_of(message)
    assert sent.status == OutboxStatus.SENT and sent.attempts == 3
    assert len(twilio.messages) == 1
    assert not OutgoingEmail.objects.filter(message=message).exists()


def test_africastalking_down_is_retried_then_sent(at):
    at.fail_next(500)
    message = send(person(SENEGAL))
    texts_dispatch(now=NOON)
    assert text_of(message).status == OutboxStatus.PENDING
    texts_dispatch(now=text_of(message).next_attempt_at)
    assert text_of(message).status == OutboxStatus.SENT
    assert len(at.messages) == 1


def test_africastalking_invalid_number_fails_and_falls_back(at):
    at.invalid.add(SENEGAL)
    message = send(person(SENEGAL))
    texts_dispatch(now=NOON)
    text = text_of(message)
    assert text.status == OutboxStatus.FAILED
    assert "403: InvalidPhoneNumber" in text.last_error
    assert OutgoingEmail.objects.filter(message=message).count() == 1


def test_africastalking_empty_balance_is_retried_not_refused(at):
    at.balance_empty = True
    message = send(person(SENEGAL))
    texts_dispatch(now=NOON)
    text = text_of(message)
    assert text.status == OutboxStatus.PENDING
    assert "405: InsufficientBalance" in text.last_error
    at.balance_empty = False
    texts_dispatch(now=text.next_attempt_at)
    assert text_of(message).status == OutboxStatus.SENT


def test_africastalking_wrong_key_and_sender(at, settings):
    provider = AfricasTalking()
    row = TextMessage(to=SENEGAL, text="Bonjour")
    settings.AFRICASTALKING_FROM = "UNKNOWN"
    with pytest.raises(ProviderRejected, match="InvalidSenderId"):
        provider.send(row)
    settings.AFRICASTALKING_API_KEY = "wrong"
    with pytest.raises(ProviderRejected, match="401: The supplied authentication is invalid"):
        provider.send(row)
    settings.AFRICASTALKING_API_URL = "http://127.0.0.1:9"  # nothing listens
    with pytest.raises(ProviderUnavailable):
        provider.send(row)


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        ("XOF 20.0000", decimal.Decimal("20.0000")),
        ("KES 0.8000", decimal.Decimal("0.8000")),
        ("0", 0),
        ("", None),
    ],
)
def test_africastalking_cost(value, amount):
    assert parse_cost(value) == amount


# ---------------------------------------------------------------- Twilio's webhooks


def test_twilio_signature_is_the_documented_one():
    # The example of Twilio's "Webhooks security" page.
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert twilio_signature(url, params, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert twilio_signature(url, QueryDict(mutable=True) | params, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def sent_by_twilio(twilio) -> tuple[Message, str]:
    message = send(person(FRANCE))
    texts_dispatch(now=NOON)
    return message, twilio.messages[0]["sid"]


def test_twilio_bad_or_missing_signature_changes_nothing(twilio, client):
    message, sid = sent_by_twilio(twilio)
    forged = twilio.status_callback(client, sid, "undelivered", signature="bm90IHRoZSBzaWduYXR1cmU=")
    assert forged.status_code == 401
    unsigned = client.post(
        reverse("academy:twilio_status"),
        f"MessageSid={sid}&MessageStatus=undelivered",
        content_type="application/x-www-form-urlencoded",
    )
    assert unsigned.status_code == 401
    inbound = twilio.incoming(
        client, django_settings.SITE_URL + reverse("academy:twilio_inbound"), FRANCE, "STOP", signature="x"
    )
    assert inbound.status_code == 401
    assert not DeliveryReceipt.objects.exists() and not InboundMessage.objects.exists()
    assert text_of(message).delivery_status == ""
    assert not OutgoingEmail.objects.filter(message=message).exists()


def test_twilio_signature_is_checked_on_the_public_url(twilio, client, settings):
    _message, sid = sent_by_twilio(twilio)
    # Signed for the address Twilio called, the request reaching us as testserver.
    assert twilio.status_callback(client, sid, "sent").status_code == 204
    # A signature for another address (what the proxy forwarded to) is refused.
    params = twilio.status_params(sid, "delivered")
    other = twilio.sign("http://testserver" + reverse("academy:twilio_status"), params)
    assert twilio.status_callback(client, sid, "delivered", signature=other).status_code == 401


def test_twilio_delivered_once_whatever_the_replays(twilio, client):
    message, sid = sent_by_twilio(twilio)
    for status in ("queued", "sent", "delivered", "delivered", "sent"):
        assert twilio.status_callback(client, sid, status).status_code == 204
    text = text_of(message)
    assert text.delivery_status == "delivered"
    assert DeliveryReceipt.objects.filter(provider="twilio", provider_message_id=sid).count() == 2


def test_twilio_undelivered_falls_back_once(twilio, client):
    message, sid = sent_by_twilio(twilio)
    for _replay in range(3):
        assert twilio.status_callback(client, sid, "undelivered", error_code="30003").status_code == 204
    twilio.status_callback(client, sid, "failed", error_code="30005")
    text = text_of(message)
    assert text.status == OutboxStatus.FAILED
    assert text.delivery_status == "undelivered"
    assert text.last_error == "30003: undelivered"
    assert OutgoingEmail.objects.filter(message=message).count() == 1


def test_webhooks_take_post_only(twilio, client):
    assert client.get(reverse("academy:twilio_status")).status_code == 405
    assert client.get(reverse("academy:africastalking_delivery", args=[TOKEN])).status_code == 405


# ---------------------------------------------------------------- Africa's Talking's callbacks


def sent_by_at(at) -> tuple[Message, str]:
    message = send(person(SENEGAL), reply_ref="tests.sms:7")
    texts_dispatch(now=NOON)
    return message, at.messages[0]["messageId"]


def test_africastalking_wrong_token_changes_nothing(at, client, settings):
    message, message_id = sent_by_at(at)
    response = at.delivery_report(client, at_url("africastalking_delivery", "guess"), message_id, "Failed")
    assert response.status_code == 401
    assert at.incoming(client, at_url("africastalking_inbound", "guess"), SENEGAL, "STOP").status_code == 401
    settings.AFRICASTALKING_WEBHOOK_TOKEN = ""  # not configured: every callback is refused
    empty = django_settings.SITE_URL + "/messaging/webhooks/africastalking//delivery/"
    assert at.delivery_report(client, empty, message_id, "Failed").status_code == 404
    assert (
        at.delivery_report(client, at_url("africastalking_delivery"), message_id, "Failed").status_code == 401
    )
    assert not DeliveryReceipt.objects.exists() and not InboundMessage.objects.exists()
    assert not OutgoingEmail.objects.filter(message=message).exists()


def test_africastalking_address_allow_list(at, client, settings):
    _message, message_id = sent_by_at(at)
    settings.AFRICASTALKING_WEBHOOK_IPS = ["192.0.2.10"]
    assert (
        at.delivery_report(client, at_url("africastalking_delivery"), message_id, "Success").status_code
        == 401
    )
    settings.AFRICASTALKING_WEBHOOK_IPS = ["127.0.0.1"]
    assert (
        at.delivery_report(client, at_url("africastalking_delivery"), message_id, "Success").status_code
        == 200
    )


def test_africastalking_delivered_once(at, client):
    message, message_id = sent_by_at(at)
    for status in ("Sent", "Buffered", "Success", "Success"):
        assert (
            at.delivery_report(client, at_url("africastalking_delivery"), message_id, status).status_code
            == 200
        )
    assert text_of(message).delivery_status == "delivered"
    assert DeliveryReceipt.objects.filter(provider="africastalking").count() == 2


def test_africastalking_failed_falls_back_once(at, client):
    message, message_id = sent_by_at(at)
    for _replay in range(2):
        at.delivery_report(
            client, at_url("africastalking_delivery"), message_id, "Failed", failure_reason="DeliveryFailure"
        )
    text = text_of(message)
    assert text.status == OutboxStatus.FAILED and text.delivery_status == "undelivered"
    assert text.last_error == "Failed: DeliveryFailure"
    assert OutgoingEmail.objects.filter(message=message).count() == 1


# ---------------------------------------------------------------- replies


def test_twilio_replies(twilio, client, sms_kind):
    user = person(FRANCE)
    send(user, reply_ref="tests.sms:3")
    texts_dispatch(now=timezone.now())
    url = django_settings.SITE_URL + reverse("academy:twilio_inbound")
    response = twilio.incoming(client, url, FRANCE, "Oui !", sid="SM" + "a" * 32)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Response/>" in response.content
    twilio.incoming(client, url, FRANCE, "Oui !", sid="SM" + "a" * 32)  # replayed
    assert sms_kind == [("tests.sms:3", "yes")]
    reply = InboundMessage.objects.get(provider_message_id="SM" + "a" * 32)
    assert reply.outcome == ReplyOutcome.CONFIRMED and reply.user == user and reply.channel == "sms"
    twilio.incoming(client, url, FRANCE, "Je serai en retard de dix minutes")
    twilio.incoming(client, url, "+33700000000", "Qui êtes-vous ?")
    twilio.incoming(client, url, FRANCE, "STOP")
    outcomes = list(InboundMessage.objects.order_by("id").values_list("outcome", flat=True))
    assert outcomes == [
        ReplyOutcome.CONFIRMED,
        ReplyOutcome.STORED,
        ReplyOutcome.UNKNOWN_SENDER,
        ReplyOutcome.STOPPED,
    ]
    user.refresh_from_db()
    assert user.phone_opt_outs == ["sms"]


def test_africastalking_replies(at, client, sms_kind):
    _message, _id = sent_by_at(at)
    url = at_url("africastalking_inbound")
    assert at.incoming(client, url, SENEGAL, "oui", message_id="at-1").status_code == 200
    at.incoming(client, url, SENEGAL, "oui", message_id="at-1")  # replayed
    at.incoming(client, url, "221770000000", "Bonjour")  # without "+", as some operators give it
    at.incoming(client, url, SENEGAL, "stop")
    replies = list(InboundMessage.objects.order_by("id"))
    assert [r.outcome for r in replies] == [
        ReplyOutcome.CONFIRMED,
        ReplyOutcome.UNKNOWN_SENDER,
        ReplyOutcome.STOPPED,
    ]
    assert replies[1].from_number == "+221770000000"
    assert sms_kind == [("tests.sms:7", "yes")]
    assert all(r.provider == "africastalking" for r in replies)


def test_twilio_account_errors_are_refusals_and_network_errors_retries(twilio, settings):
    row = TextMessage(to=FRANCE, text="Bonjour")
    settings.TWILIO_AUTH_TOKEN = "wrong"
    with pytest.raises(ProviderRejected, match=r"^20003: Authenticate$"):
        Twilio().send(row)
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM = ""
    assert not Twilio().is_configured()  # no sender: not offered
    settings.TWILIO_FROM = "Academy"
    settings.TWILIO_API_URL = "http://127.0.0.1:9"  # nothing listens
    with pytest.raises(ProviderUnavailable):
        Twilio().send(row)
    assert not twilio.messages
