"""The "Phone and messages" page: the number and its code, channels per
kind, quiet hours; and what erasure does to a person's messaging records."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from academy import erasure
from academy.messaging import kinds, phones, preferences
from academy.messaging.kinds import MessageKind
from academy.messaging.models import InboundMessage, Message, PhoneVerification, TextMessage
from academy.messaging.services import accepted_channels, inbound_receive, message_send
from tests.academy.factories import UserFactory
from tests.messaging_provider import PROVIDERS, SMS_ONLY, RecordingProvider

pytestmark = pytest.mark.django_db

URL = "/profile/messages/"
NUMBER = "+221771234567"


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.MESSAGING_PROVIDERS = PROVIDERS
    RecordingProvider.sent.clear()
    RecordingProvider.countries = ()


@pytest.fixture
def learner():
    return UserFactory(role="learner", language="en", country="SN", time_zone="Africa/Dakar")


def _verify(user, number=NUMBER):
    phones.phone_verification_start(user=user, phone=number, channel="sms")
    text = TextMessage.objects.filter(message__user=user).order_by("-id").first()
    phones.phone_verification_confirm(user=user, code=re.search(r"\d{6}", text.text).group(0))
    user.refresh_from_db()
    return user


def _page(client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content.decode()


def _prefs(**extra):
    data = {"action": "save", "prefs-quiet_hours_start": "21:00", "prefs-quiet_hours_end": "07:00"}
    data.update(extra)
    return data


# ---------------------------------------------------------------- access


def test_the_url_and_the_profile_link():
    assert reverse("academy:message_preferences") == URL


def test_signed_out_people_are_sent_to_sign_in():
    response = Client().get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("academy:login"))
    response = Client().post(URL, {"action": "remove_phone"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_profile_links_to_the_page(client, learner):
    client.force_login(learner)
    assert f'href="{URL}"' in client.get(reverse("academy:profile")).content.decode()


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        ("learner", "Encouragements from the company’s managers", "Weekly engagement digest"),
        ("manager", "Weekly engagement digest", "Encouragements from the company’s managers"),
        ("trainer", "Web-conference reminders", "Weekly engagement digest"),
        ("admin", "Course reminders", "Encouragements from the company’s managers"),
    ],
)
def test_each_role_sees_the_kinds_it_receives(client, role, present, absent):
    client.force_login(UserFactory(role=role, language="en"))
    page = _page(client)
    assert present in page and absent not in page
    assert "Phone and messages" in page and 'name="number-phone"' in page


def test_csrf_is_required(learner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.post(URL, {"action": "remove_phone"}).status_code == 403
    page = client.get(URL).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(URL, {"action": "remove_phone", "csrfmiddlewaretoken": token}).status_code == 302


def test_a_person_acts_on_their_own_settings_only(client, learner):
    other = _verify(UserFactory(role="learner", country="SN"), "+221770000009")
    client.force_login(learner)
    # Nothing in the request can name another person: a stray id is ignored.
    client.post(URL, {"action": "remove_phone", "user": other.pk, "id": other.pk})
    client.post(URL, _prefs(user=other.pk, **{"prefs-no_quiet_hours": "on"}))
    other.refresh_from_db()
    assert str(other.phone) == "+221770000009" and other.phone_verified_at is not None
    assert other.quiet_hours_start == datetime.time(21, 0)
    learner.refresh_from_db()
    assert learner.quiet_hours_start is None


def test_an_unknown_action_is_a_bad_request(client, learner):
    client.force_login(learner)
    assert client.post(URL, {"action": "hack"}).status_code == 400


# ---------------------------------------------------------------- the number


def test_state_none_then_code_then_verified(client, learner):
    client.force_login(learner)
    page = _page(client)
    assert "No number" in page and 'id="confirm-code"' not in page
    assert 'value="whatsapp"' in page and 'value="sms"' in page
    response = client.post(
        URL, {"action": "send_code", "number-phone": "77 123 45 67", "number-channel": "sms"}
    )
    assert response.status_code == 302
    page = _page(client)
    assert "We sent you a code" in page and 'id="confirm-code"' in page and NUMBER in page
    code = re.search(r"\d{6}", TextMessage.objects.get(message__user=learner).text).group(0)
    assert client.post(URL, {"action": "confirm_code", "confirm-code": code}).status_code == 302
    page = _page(client)
    assert "Your number is verified" in page and "Verified" in page and "+221 77 123 45 67" in page


def test_errors_show_next_to_their_field(client, learner):
    client.force_login(learner)
    response = client.post(
        URL, {"action": "send_code", "number-phone": "+33 1 44 55 66 77", "number-channel": "sms"}
    )
    assert response.status_code == 400
    assert re.search(r"errorlist[^>]*>\s*<li>This number is not a mobile number", response.content.decode())
    response = client.post(URL, {"action": "send_code", "number-phone": NUMBER, "number-channel": "fax"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    response = client.post(URL, {"action": "confirm_code", "confirm-code": "123456"})
    assert response.status_code == 400 and "Ask for a code first." in response.content.decode()


def test_a_resend_too_soon_says_how_long_to_wait(client, learner):
    client.force_login(learner)
    form = {"action": "send_code", "number-phone": NUMBER, "number-channel": "whatsapp"}
    assert client.post(URL, form).status_code == 302
    response = client.post(URL, form)
    assert response.status_code == 429
    assert re.search(r"Wait \d+ seconds? before asking for another code", response.content.decode())


def test_a_wrong_code_says_how_many_tries_are_left(client, learner):
    client.force_login(learner)
    client.post(URL, {"action": "send_code", "number-phone": NUMBER, "number-channel": "sms"})
    code = re.search(r"\d{6}", TextMessage.objects.get(message__user=learner).text).group(0)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    response = client.post(URL, {"action": "confirm_code", "confirm-code": wrong})
    assert response.status_code == 400 and "4 tries left" in response.content.decode()


def test_remove_number(client, learner):
    _verify(learner)
    client.force_login(learner)
    assert 'id="remove-phone"' in _page(client)
    assert client.post(URL, {"action": "remove_phone"}).status_code == 302
    learner.refresh_from_db()
    assert not learner.phone and learner.phone_verified_at is None
    assert "Your number has been removed" in _page(client)


def test_only_configured_channels_are_offered(client, learner, settings):
    settings.MESSAGING_PROVIDERS = SMS_ONLY
    client.force_login(learner)
    page = _page(client)
    assert 'value="sms"' in page and 'value="whatsapp"' not in page
    assert "__whatsapp" not in page


def test_without_any_provider_messages_go_by_email(client, learner, settings):
    settings.MESSAGING_PROVIDERS = {}
    client.force_login(learner)
    page = _page(client)
    assert "your messages go by e-mail" in page
    assert 'name="number-phone"' not in page and "__sms" not in page and "__email" in page
    response = client.post(URL, {"action": "send_code", "number-phone": NUMBER, "number-channel": "sms"})
    assert response.status_code == 400 and not PhoneVerification.objects.exists()
    assert "No WhatsApp or SMS can be sent for now." in response.content.decode()


# ---------------------------------------------------------------- the table


def _checkbox(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="prefs-{name}"[^>]*>', page).group(0)


def test_phone_boxes_are_disabled_until_the_number_is_verified(client, learner):
    client.force_login(learner)
    page = _page(client)
    assert "disabled" in _checkbox(page, "webinars_reminder__sms")
    assert "Verify your number first." in page
    assert "disabled" not in _checkbox(page, "webinars_reminder__email")
    assert "WhatsApp, then by SMS" in page  # the fallback order is explained
    _verify(learner)
    page = _page(client)
    assert "disabled" not in _checkbox(page, "webinars_reminder__sms")


def test_a_channel_stopped_by_stop_is_disabled_and_can_be_resumed(client, learner):
    _verify(learner)
    inbound_receive(
        channel="sms", provider="recording_sms", provider_message_id="in-1", from_number=NUMBER, text="STOP"
    )
    client.force_login(learner)
    page = _page(client)
    assert "disabled" in _checkbox(page, "webinars_reminder__sms")
    assert "You replied STOP on SMS." in page
    assert "disabled" not in _checkbox(page, "webinars_reminder__whatsapp")
    assert client.post(URL, {"action": "resume", "channel": "sms"}).status_code == 302
    learner.refresh_from_db()
    assert learner.phone_opt_outs == []
    assert "Messages by SMS are back on" in _page(client)


def test_saving_stores_phone_channels_and_emails_together(client, learner):
    _verify(learner)
    client.force_login(learner)
    data = _prefs(
        **{
            "prefs-webinars_reminder__whatsapp": "on",
            "prefs-webinars_reminder__sms": "on",
            "prefs-webinars_reminder__email": "on",
            "prefs-courses_reminder__sms": "on",
        }
    )
    assert client.post(URL, data).status_code == 302
    learner.refresh_from_db()
    assert learner.message_channels["webinars.reminder"] == ["whatsapp", "sms"]
    assert learner.message_channels["courses.reminder"] == ["sms"]
    assert learner.message_channels["engagement.nudge"] == []
    assert "courses.reminder" in learner.email_opt_outs and "webinars.reminder" not in learner.email_opt_outs
    webinar = kinds.message_kind_get("webinars.reminder")
    assert accepted_channels(learner, webinar) == {"whatsapp", "sms", "email"}
    page = _page(client)
    assert "Your choices have been saved" in page
    assert "checked" in _checkbox(page, "webinars_reminder__whatsapp")
    assert "checked" not in _checkbox(page, "courses_reminder__email")


def test_disabled_boxes_keep_the_stored_choice(client, learner):
    learner.message_channels = {"webinars.reminder": ["sms"]}
    learner.save()
    client.force_login(learner)  # not verified: the phone boxes are disabled
    client.post(URL, _prefs())
    learner.refresh_from_db()
    assert learner.message_channels["webinars.reminder"] == ["sms"]


def test_the_profile_emails_and_this_page_are_the_same_choice(client, learner):
    client.force_login(learner)
    client.post(URL, _prefs())  # every e-mail box left unticked
    learner.refresh_from_db()
    assert "webinars.reminder" in learner.email_opt_outs
    profile = client.get(reverse("academy:profile")).content.decode()
    assert not re.search(r'name="email_webinars_reminder"[^>]*checked', profile)


@pytest.fixture
def unstoppable():
    kind = MessageKind("tests.confirmation", "Registration confirmations", stoppable=False, order=1)
    kinds.message_kind_register(kind)
    yield kind
    kinds._kinds.pop(kind.code)


def test_a_kind_that_cannot_be_stopped_keeps_email_ticked_and_disabled(client, learner, unstoppable):
    client.force_login(learner)
    page = _page(client)
    box = _checkbox(page, "tests_confirmation__email")
    assert "checked" in box and "disabled" in box
    assert "Always sent by e-mail: you cannot stop it." in page
    client.post(URL, _prefs())
    learner.refresh_from_db()
    assert "tests.confirmation" not in learner.email_opt_outs


# ---------------------------------------------------------------- quiet hours


def test_quiet_hours_are_said_in_the_person_zone(client, learner):
    client.force_login(learner)
    page = _page(client)
    assert "No SMS or WhatsApp between 21:00 and 07:00 (Dakar time)." in page
    learner.language = "fr"
    learner.save()
    assert "Pas de SMS ni de WhatsApp entre 21:00 et 07:00 (heure de Dakar)." in _page(client)


def test_quiet_hours_change_or_go(client, learner):
    client.force_login(learner)
    client.post(URL, _prefs(**{"prefs-quiet_hours_start": "22:30", "prefs-quiet_hours_end": "06:15"}))
    learner.refresh_from_db()
    assert (learner.quiet_hours_start, learner.quiet_hours_end) == (
        datetime.time(22, 30),
        datetime.time(6, 15),
    )
    client.post(URL, _prefs(**{"prefs-no_quiet_hours": "on"}))
    learner.refresh_from_db()
    assert learner.quiet_hours_start is None and learner.quiet_hours_end is None
    assert "No quiet hours: SMS and WhatsApp may arrive at any time." in _page(client)


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("", "07:00", "quiet_hours_start", "Give a time, or tick"),
        ("25:00", "07:00", "quiet_hours_start", "Enter a valid time"),
        ("07:00", "07:00", "quiet_hours_end", "must start and end at different times"),
    ],
)
def test_bad_quiet_hours_are_refused_next_to_the_field(client, learner, start, end, field, message):
    client.force_login(learner)
    response = client.post(URL, _prefs(**{"prefs-quiet_hours_start": start, "prefs-quiet_hours_end": end}))
    assert response.status_code == 400
    assert message in response.content.decode()
    learner.refresh_from_db()
    assert learner.quiet_hours_start == datetime.time(21, 0)


def test_the_service_refuses_half_quiet_hours(learner):
    from academy.errors import ApplicationError

    with pytest.raises(ApplicationError) as caught:
        preferences.message_preferences_set(
            user=learner,
            phone_channels={},
            emails={},
            quiet_hours_start=datetime.time(21),
            quiet_hours_end=None,
        )
    assert "quiet_hours_end" in caught.value.fields


def test_the_service_ignores_kinds_not_listed_for_the_person(learner):
    preferences.message_preferences_set(
        user=learner,
        phone_channels={"engagement.digest": ["sms"], "webinars.reminder": ["sms", "email", "fax"]},
        emails={"engagement.digest": False},
        quiet_hours_start=None,
        quiet_hours_end=None,
    )
    learner.refresh_from_db()
    assert learner.message_channels == {"webinars.reminder": ["sms"]}


# ---------------------------------------------------------------- queries


def _only_kinds(monkeypatch, count):
    listed = [MessageKind(f"tests.kind{i}", f"Kind {i}", order=i) for i in range(count)]
    monkeypatch.setattr(kinds, "_kinds", {kind.code: kind for kind in listed})


@pytest.mark.parametrize("count", [1, 4])
def test_the_page_takes_the_same_queries_whatever_the_number_of_kinds(
    client, learner, monkeypatch, django_assert_num_queries, count
):
    _verify(learner)
    _only_kinds(monkeypatch, count)
    client.force_login(learner)
    # The session, the person, the pending code; the layout's team and unread notifications.
    with django_assert_num_queries(5):
        page = _page(client)
    assert page.count('name="prefs-tests_kind') == count * 3


# ---------------------------------------------------------------- erasure


def test_erasure_exports_then_scrubs_messaging_records(learner):
    _verify(learner)
    message_send(
        key="r-1", kind="webinars.reminder", user=learner, template="webinars/emails/reminder", context={}
    )
    inbound_receive(
        channel="sms",
        provider="recording_sms",
        provider_message_id="in-9",
        from_number=NUMBER,
        text="Bonjour, je serai là",
    )
    phones.phone_verification_start(
        user=learner, phone="+221770000002", channel="sms", now=timezone.now() + datetime.timedelta(minutes=2)
    )
    exported = erasure.user_data_export(user=learner)["academy"]
    assert exported["profile"]["phone"] == NUMBER and exported["profile"]["phone_verified_at"] is not None
    assert exported["profile"]["quiet_hours_start"] == datetime.time(21, 0)
    assert [reply["text"] for reply in exported["replies"]] == ["Bonjour, je serai là"]
    assert {message["kind"] for message in exported["messages"]} >= {"academy.phone_code"}
    assert len(exported["phone_verifications"]) == 2
    assert "code_hash" not in exported["phone_verifications"][0]
    other = _verify(UserFactory(country="SN"), "+221770000003")

    erasure.user_anonymise(user=learner)

    learner.refresh_from_db()
    assert not learner.phone and learner.phone_verified_at is None and learner.message_channels == {}
    assert not PhoneVerification.objects.filter(user=learner).exists()
    assert not TextMessage.objects.filter(message__user=learner).exclude(to="", text="").exists()
    assert not Message.objects.filter(user=learner).exclude(rendered={}).exists()
    reply = InboundMessage.objects.get(provider_message_id="in-9")
    assert reply.from_number == "" and "Bonjour" not in reply.text
    # Nobody else's records change.
    assert PhoneVerification.objects.filter(user=other).exists()
    assert TextMessage.objects.filter(message__user=other, to="+221770000003").exists()
    erasure.user_anonymise(user=learner)  # safe twice
