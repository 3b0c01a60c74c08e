"""The messaging layer (academy.messaging.services): channels picked from the
person's choices, one outbox row per (message, channel), fallback once,
quiet hours, the daily cap, delivery receipts in any order, replies.

The provider here is a recording double of the Provider contract; the real
adapters are tested against their providers' fakes (test_whatsapp.py,
test_sms.py)."""

import datetime
import decimal
import itertools

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation

from academy.messaging import kinds
from academy.messaging.kinds import MessageKind, ReplyIntent, message_kind_register, reply_handler_register
from academy.messaging.models import (
    DeliveryReceipt,
    InboundMessage,
    Message,
    MessageSpend,
    ReplyOutcome,
    ShortLink,
    TextMessage,
)
from academy.messaging.providers import Provider, ProviderRejected, ProviderUnavailable, Sent
from academy.messaging.services import (
    inbound_receive,
    message_fall_back,
    message_send,
    receipt_record,
    short_link,
    texts_dispatch,
)
from academy.models import EngagementEvent, OutgoingEmail, User
from academy.outbox import OutboxStatus, outbox_drain
from academy.services import EMAIL_OUTBOX
from tests.academy.factories import UserFactory

KIND = "tests.notice"
TEMPLATE = "tests/notice"


class Recorder(Provider):
    """Takes every message and remembers it; ``fail_next`` makes the next
    sends raise (a refusal or an outage)."""

    name = "recorder"
    channel = "whatsapp"
    sent: list[tuple[str, str, str, bool]] = []
    fail_next: list[Exception] = []
    ids = itertools.count(1)

    def is_configured(self) -> bool:
        return True

    def send(self, text):
        if Recorder.fail_next:
            raise Recorder.fail_next.pop(0)
        Recorder.sent.append((self.channel, text.to, text.text, text.session))
        return Sent(provider_message_id=f"{self.name}-{next(Recorder.ids)}")


class SmsRecorder(Recorder):
    name = "sms-recorder"
    channel = "sms"


PROVIDERS = {"recorder": f"{__name__}.Recorder", "sms-recorder": f"{__name__}.SmsRecorder"}


@pytest.fixture
def templates(tmp_path, settings):
    folder = tmp_path / "tests"
    folder.mkdir()
    (folder / "notice_subject.txt").write_text("Notice for {{ user.first_name }}")
    (folder / "notice_body.txt").write_text("Hello {{ user.first_name }}, {{ what }}.")
    (folder / "notice_short.txt").write_text("{{ what }} : {{ link }}")
    (folder / "notice_whatsapp.txt").write_text("{{ user.first_name }}\n{{ what }}\n\n")
    engine = {**settings.TEMPLATES[0], "DIRS": [str(tmp_path), *settings.TEMPLATES[0]["DIRS"]]}
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]
    return tmp_path


@pytest.fixture(autouse=True)
def messaging(templates, settings):
    settings.MESSAGING_PROVIDERS = PROVIDERS
    settings.SMS_GATEWAYS = ["sms-recorder"]
    Recorder.sent = []
    Recorder.fail_next = []
    message_kind_register(MessageKind(KIND, "Test notices"))
    yield
    kinds._kinds.pop(KIND, None)
    kinds._reply_handlers.pop("tests.thing", None)


def person(**extra):
    fields = {
        "first_name": "Awa",
        "language": "fr",
        "time_zone": "Africa/Dakar",
        "phone": "+221771234567",
        "phone_verified_at": timezone.now(),
        "message_channels": {KIND: ["whatsapp", "sms"]},
        "quiet_hours_start": None,
        "quiet_hours_end": None,
        **extra,
    }
    own = ("first_name", "language", "time_zone", "phone", "email")
    user = UserFactory(**{name: value for name, value in fields.items() if name in own})
    User.objects.filter(pk=user.pk).update(**{n: v for n, v in fields.items() if n not in own})
    user.refresh_from_db()
    return user


def send(user, key="k1", **extra):
    return message_send(
        key=key, kind=KIND, user=user, template=TEMPLATE, context={"what": "la réunion", "link": "x"}, **extra
    )


NOON = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)


# ---------------------------------------------------------------- channels


@pytest.mark.django_db
def test_a_person_without_a_verified_number_gets_an_email_only():
    user = person(phone_verified_at=None)
    message = send(user)
    assert message.chain == ["email"]
    email = OutgoingEmail.objects.get(message=message)
    assert email.key == message.key and email.to == user.email
    assert email.subject.endswith("Notice for Awa")
    assert not TextMessage.objects.exists()


@pytest.mark.django_db
def test_whatsapp_first_with_what_each_channel_says_rendered_once():
    user = person()
    message = send(user)
    assert message.chain == ["whatsapp", "sms", "email"]
    text = TextMessage.objects.get(message=message)
    assert text.channel == "whatsapp" and text.to == "+221771234567"
    assert text.template == "tests_notice" and text.params == ["Awa", "la réunion"] and text.language == "fr"
    assert text.text == "la réunion : x"
    assert set(message.rendered) == {"whatsapp", "sms", "email"}
    assert message.rendered["sms"] == {"text": "la réunion : x", "segments": 1}
    assert not OutgoingEmail.objects.exists()  # e-mail waits as the last fallback


@pytest.mark.django_db
def test_the_same_key_queues_once():
    user = person()
    assert send(user) is not None
    assert send(user) is None
    assert Message.objects.count() == 1 and TextMessage.objects.count() == 1


@pytest.mark.django_db
def test_a_person_who_stopped_everything_gets_nothing():
    user = person(message_channels={KIND: []}, email_opt_outs=[KIND])
    assert send(user) is None
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_stopped_by_email_but_whatsapp_still_reaches_them():
    user = person(message_channels={KIND: ["whatsapp"]}, email_opt_outs=[KIND])
    message = send(user)
    assert message.chain == ["whatsapp"]


@pytest.mark.django_db
def test_a_channel_with_no_provider_is_not_offered(settings):
    settings.MESSAGING_PROVIDERS = {"sms-recorder": PROVIDERS["sms-recorder"]}
    message = send(person())
    assert message.chain == ["sms", "email"]


@pytest.mark.django_db
def test_an_sms_stopped_by_reply_is_left_out():
    message = send(person(phone_opt_outs=["whatsapp"]))
    assert message.chain == ["sms", "email"]


@pytest.mark.django_db
def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown kind"):
        message_send(key="x", kind="nope", user=person(), template=TEMPLATE)


# ---------------------------------------------------------------- sending and falling back


@pytest.mark.django_db
def test_sent_through_the_provider_with_its_id_kept():
    message = send(person())
    report = texts_dispatch(now=NOON)
    assert report.sent == 1
    text = TextMessage.objects.get(message=message)
    assert text.status == OutboxStatus.SENT and text.provider == "recorder"
    assert text.provider_message_id.startswith("recorder-")
    assert Recorder.sent == [("whatsapp", "+221771234567", "la réunion : x", False)]


@pytest.mark.django_db
def test_a_refusal_fails_at_once_and_falls_back_once():
    message = send(person())
    Recorder.fail_next = [ProviderRejected("131026: Message undeliverable")]
    report = texts_dispatch(now=NOON)
    assert report.failed == 1
    whatsapp = TextMessage.objects.get(message=message, channel="whatsapp")
    assert whatsapp.status == OutboxStatus.FAILED and "131026" in whatsapp.last_error
    assert whatsapp.attempts == 1  # not retried
    sms = TextMessage.objects.get(message=message, channel="sms")
    assert sms.status == OutboxStatus.PENDING
    message.refresh_from_db()
    assert message.fallback_channel == "sms"
    # Once: the SMS failing too sends nothing more, not even the e-mail.
    Recorder.fail_next = [ProviderRejected("21211: invalid To")]
    texts_dispatch(now=NOON)
    assert TextMessage.objects.get(pk=sms.pk).status == OutboxStatus.FAILED
    assert not OutgoingEmail.objects.exists()
    assert message_fall_back(message=message, failed="sms") is None


@pytest.mark.django_db
def test_an_outage_is_retried_with_backoff_then_sent(settings):
    message = send(person())
    Recorder.fail_next = [ProviderUnavailable("429 Too Many Requests")]
    report = texts_dispatch(now=NOON)
    assert report.retried == 1
    text = TextMessage.objects.get(message=message)
    assert text.status == OutboxStatus.PENDING and text.attempts == 1
    assert text.next_attempt_at == NOON + datetime.timedelta(seconds=settings.OUTBOX_BACKOFF_SECONDS)
    assert texts_dispatch(now=NOON).sent == 0  # not due yet
    assert texts_dispatch(now=text.next_attempt_at).sent == 1


@pytest.mark.django_db
def test_out_of_attempts_falls_back(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    message = send(person(message_channels={KIND: ["whatsapp"]}))
    Recorder.fail_next = [ProviderUnavailable("500"), ProviderUnavailable("500")]
    texts_dispatch(now=NOON)
    texts_dispatch(now=NOON + datetime.timedelta(hours=1))
    assert TextMessage.objects.get(message=message).status == OutboxStatus.FAILED
    email = OutgoingEmail.objects.get(message=message)
    assert email.subject.endswith("Notice for Awa")
    outbox_drain(EMAIL_OUTBOX)
    from django.core import mail

    assert mail.outbox[-1].to == [message.user.email]


@pytest.mark.django_db
def test_a_number_changed_after_queueing_is_not_used():
    user = person()
    message = send(user)
    user.phone = "+221779999999"
    user.save()
    texts_dispatch(now=NOON)
    text = TextMessage.objects.get(message=message, channel="whatsapp")
    assert text.status == OutboxStatus.FAILED and Recorder.sent == []
    assert message_fall_back(message=message, failed="whatsapp") is None  # already fell back to SMS


@pytest.mark.django_db
def test_a_secret_is_forgotten_once_sent():
    message = send(person(), sensitive=True)
    texts_dispatch(now=NOON)
    text = TextMessage.objects.get(message=message)
    assert text.text == "" and text.params == []


# ---------------------------------------------------------------- quiet hours


@pytest.mark.django_db
def test_quiet_hours_hold_a_message_until_they_end_without_spending_an_attempt():
    user = person(quiet_hours_start=datetime.time(21), quiet_hours_end=datetime.time(7))
    message = send(user)
    night = datetime.datetime(2026, 12, 2, 23, 0, tzinfo=datetime.UTC)  # 23:00 in Dakar
    report = texts_dispatch(now=night)
    assert report.deferred == 1 and Recorder.sent == []
    text = TextMessage.objects.get(message=message)
    assert text.next_attempt_at == datetime.datetime(2026, 12, 3, 7, 0, tzinfo=datetime.UTC)
    assert text.attempts == 0
    assert texts_dispatch(now=text.next_attempt_at).sent == 1


@pytest.mark.django_db
def test_a_reminder_of_an_event_sooner_than_the_morning_leaves_at_night():
    user = person(quiet_hours_start=datetime.time(21), quiet_hours_end=datetime.time(7))
    send(user, deadline=datetime.datetime(2026, 12, 3, 6, 30, tzinfo=datetime.UTC))
    assert texts_dispatch(now=datetime.datetime(2026, 12, 2, 23, 0, tzinfo=datetime.UTC)).sent == 1


# ---------------------------------------------------------------- the daily cap


@pytest.mark.django_db
def test_over_the_daily_cap_a_message_falls_back_to_email(settings):
    settings.MESSAGING_DAILY_CAP = 2
    users = [person(email=f"p{i}@example.com", phone=f"+22177123456{i}") for i in range(3)]
    messages = [send(user, key=f"cap-{i}") for i, user in enumerate(users)]
    with translation.override("fr"):  # the row's error is in the dispatcher's language
        texts_dispatch(now=NOON)
    assert len(Recorder.sent) == 2
    third = TextMessage.objects.get(message=messages[2], channel="whatsapp")
    assert third.status == OutboxStatus.FAILED and "limite quotidienne" in third.last_error
    # Straight to e-mail: SMS is paid too.
    assert not TextMessage.objects.filter(message=messages[2], channel="sms").exists()
    assert OutgoingEmail.objects.get(message=messages[2]).to == "p2@example.com"
    spend = MessageSpend.objects.get(day=NOON.date(), channel="whatsapp")
    assert spend.count == 2 and spend.cost == decimal.Decimal(settings.MESSAGING_WHATSAPP_COST) * 2
    # A new day, a new allowance.
    fourth = send(users[0], key="cap-next-day")
    assert texts_dispatch(now=NOON + datetime.timedelta(days=1)).sent == 1
    assert TextMessage.objects.get(message=fourth).spend_day == (NOON + datetime.timedelta(days=1)).date()


@pytest.mark.django_db
def test_a_retry_is_not_counted_twice(settings):
    settings.MESSAGING_DAILY_CAP = 1
    message = send(person())
    Recorder.fail_next = [ProviderUnavailable("503")]
    texts_dispatch(now=NOON)
    assert texts_dispatch(now=NOON + datetime.timedelta(hours=1)).sent == 1
    assert MessageSpend.objects.get().count == 1
    assert TextMessage.objects.get(message=message).status == OutboxStatus.SENT


# ---------------------------------------------------------------- receipts


def sent_text():
    message = send(person())
    texts_dispatch(now=NOON)
    return TextMessage.objects.get(message=message)


@pytest.mark.django_db
def test_statuses_only_move_forward_whatever_the_order():
    text = sent_text()
    pid = text.provider_message_id
    assert receipt_record(provider="recorder", provider_message_id=pid, status="read")
    assert receipt_record(provider="recorder", provider_message_id=pid, status="delivered")
    text.refresh_from_db()
    assert text.delivery_status == "read"
    # A replayed webhook adds nothing.
    assert not receipt_record(provider="recorder", provider_message_id=pid, status="read")
    assert DeliveryReceipt.objects.count() == 2


@pytest.mark.django_db
def test_a_reported_failure_falls_back_once_even_if_reported_twice():
    text = sent_text()
    pid = text.provider_message_id
    receipt_record(
        provider="recorder", provider_message_id=pid, status="failed", error="131049: not delivered"
    )
    receipt_record(provider="recorder", provider_message_id=pid, status="undelivered", error="again")
    text.refresh_from_db()
    assert text.status == OutboxStatus.FAILED and text.delivery_status == "failed"
    assert "131049" in text.last_error
    assert TextMessage.objects.filter(message=text.message, channel="sms").count() == 1


@pytest.mark.django_db
def test_a_status_reported_before_the_send_recorded_the_id_is_applied_after():
    message = send(person())
    expected = f"recorder-{next(Recorder.ids) + 1}"  # the id the recorder will give next
    assert receipt_record(provider="recorder", provider_message_id=expected, status="delivered")
    assert DeliveryReceipt.objects.get().applied_at is None
    texts_dispatch(now=NOON)
    text = TextMessage.objects.get(message=message)
    assert text.provider_message_id == expected and text.delivery_status == "delivered"
    assert DeliveryReceipt.objects.get().applied_at is not None


@pytest.mark.django_db
def test_a_receipt_for_an_unknown_message_is_kept_and_harmless():
    assert receipt_record(provider="recorder", provider_message_id="nobody", status="delivered")
    assert DeliveryReceipt.objects.get().applied_at is None


# ---------------------------------------------------------------- replies


def reply(user_or_number, text, pid="in-1", channel="whatsapp"):
    number = user_or_number if isinstance(user_or_number, str) else str(user_or_number.phone)
    return inbound_receive(
        channel=channel, provider="recorder", provider_message_id=pid, from_number=number, text=text
    )


@pytest.mark.django_db
def test_yes_goes_to_the_handler_of_the_message_answered_and_is_acknowledged():
    calls = []

    def handler(*, message, intent, reply):
        calls.append((message.reply_ref, intent))
        return "Merci, c’est noté."

    reply_handler_register("tests.thing", handler)
    user = person()
    send(user, reply_ref="tests.thing:7")
    texts_dispatch(now=NOON)
    answer = reply(user, "Oui !")
    assert calls == [("tests.thing:7", ReplyIntent.YES)]
    assert answer.outcome == ReplyOutcome.CONFIRMED and answer.in_reply_to.reply_ref == "tests.thing:7"
    ack = TextMessage.objects.get(message__kind="academy.reply")
    assert ack.channel == "whatsapp" and ack.to == str(user.phone) and ack.text == "Merci, c'est noté."
    event = EngagementEvent.objects.get(verb="message_replied")
    assert event.actor == user and event.context["outcome"] == "confirmed"
    # The acknowledgement goes as a free-form message: the person just wrote.
    texts_dispatch(now=timezone.now())
    assert Recorder.sent[-1] == ("whatsapp", str(user.phone), "Merci, c'est noté.", True)


@pytest.mark.django_db
def test_a_replayed_reply_acts_once():
    calls = []
    reply_handler_register("tests.thing", lambda **kw: calls.append(kw) or "ok")
    user = person()
    send(user, reply_ref="tests.thing:7")
    assert reply(user, "2", pid="same") is not None
    assert reply(user, "2", pid="same") is None
    assert len(calls) == 1 and InboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_stop_stops_the_channel_and_start_resumes_it():
    user = person()
    assert reply(user, "STOP", pid="a").outcome == ReplyOutcome.STOPPED
    user.refresh_from_db()
    assert user.phone_opt_outs == ["whatsapp"]
    # The answer to STOP itself still goes out, on the channel just stopped.
    assert texts_dispatch(now=timezone.now()).sent == 1
    assert Recorder.sent[-1][0] == "whatsapp" and "START" in Recorder.sent[-1][2]
    assert send(user, key="after-stop").chain == ["sms", "email"]
    assert reply(user, "start", pid="b").outcome == ReplyOutcome.RESUMED
    user.refresh_from_db()
    assert user.phone_opt_outs == []


@pytest.mark.django_db
def test_anything_else_is_kept_for_a_person_to_read():
    reply_handler_register("tests.thing", lambda **kw: "ok")
    user = person()
    send(user, reply_ref="tests.thing:7")
    answer = reply(user, "Je serai en retard de 10 minutes")
    assert answer.outcome == ReplyOutcome.STORED and answer.user == user
    assert not TextMessage.objects.filter(message__kind="academy.reply").exists()


@pytest.mark.django_db
def test_a_yes_with_nothing_to_act_on_is_kept():
    user = person()
    send(user)  # no reply_ref
    assert reply(user, "1").outcome == ReplyOutcome.STORED


@pytest.mark.django_db
def test_a_reply_from_an_unknown_number_is_stored_for_an_admin():
    answer = reply("+33612345678", "Bonjour, qui êtes-vous ?")
    assert answer.outcome == ReplyOutcome.UNKNOWN_SENDER and answer.user is None
    assert not EngagementEvent.objects.filter(verb="message_replied").exists()


@pytest.mark.django_db
def test_an_unverified_number_is_not_anyones():
    person(phone_verified_at=None)
    assert reply("+221771234567", "1").outcome == ReplyOutcome.UNKNOWN_SENDER


# ---------------------------------------------------------------- short links


@pytest.mark.django_db
def test_short_links_are_made_once_and_lead_to_the_page(client, settings):
    url = f"{settings.SITE_URL}/webinars/sessions/12/"
    link = short_link(url)
    assert short_link(url) == link and ShortLink.objects.count() == 1
    assert len(link) <= len(settings.SITE_URL) + 12
    code = link.rstrip("/").rsplit("/", 1)[-1]
    response = client.get(reverse("academy:short_link", args=[code]))
    assert response.status_code == 302 and response["Location"] == url
    assert client.get(reverse("academy:short_link", args=["nope"])).status_code == 404
    assert client.post(reverse("academy:short_link", args=[code])).status_code == 405


@override_settings(MESSAGING_PROVIDERS={})
@pytest.mark.django_db
def test_with_no_provider_everything_goes_by_email():
    assert send(person()).chain == ["email"]


# ---------------------------------------------------------------- PostgreSQL: concurrent dispatchers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_send_each_text_once_and_keep_the_cap_exact(settings):
    import threading
    from unittest import mock

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (SELECT ... FOR UPDATE SKIP LOCKED): run with DATABASE_URL=postgres://..."
        )
    settings.MESSAGING_DAILY_CAP = 50
    with mock.patch("academy.messaging.services.sending.outbox_wake"):
        for i in range(120):
            send(person(email=f"c{i}@example.com", phone=f"+2217712{i:05d}"), key=f"c-{i}")
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def drain():
        try:
            barrier.wait(10)
            from academy.messaging.services import TEXT_OUTBOX

            outbox_drain(TEXT_OUTBOX, batch_size=7, now=NOON)
        except BaseException as error:  # surfaced in the test thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert len(Recorder.sent) == 50  # the cap, exactly, however the dispatchers interleave
    assert len({to for _channel, to, _text, _session in Recorder.sent}) == 50
    assert MessageSpend.objects.get(channel="whatsapp").count == 50
    assert OutgoingEmail.objects.count() == 70  # the others went by e-mail, once each
    assert not TextMessage.objects.filter(status="pending").exists()
