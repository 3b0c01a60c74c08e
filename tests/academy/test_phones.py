"""Proving a number with a one-time code: the rules at their boundaries."""

import datetime
import re

import pytest
from django.utils import timezone, translation

from academy import services
from academy.errors import ApplicationError
from academy.messaging import phones
from academy.messaging.models import Message, PhoneVerification, TextMessage
from academy.messaging.services import PHONE_CODE_KIND, message_send, texts_dispatch
from tests.academy.factories import UserFactory
from tests.messaging_provider import PROVIDERS, SMS_ONLY, RecordingProvider

pytestmark = pytest.mark.django_db

NUMBER = "+221771234567"  # a Senegalese mobile
T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.MESSAGING_PROVIDERS = PROVIDERS
    RecordingProvider.sent.clear()
    RecordingProvider.countries = ()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):  # the errors' wording; the texts follow the person
        yield


@pytest.fixture
def person():
    return UserFactory(language="en", country="SN")


def _start(user, *, at=T0, phone=NUMBER, channel="sms"):
    return phones.phone_verification_start(user=user, phone=phone, channel=channel, now=at)


def _code_sent(user) -> str:
    text = TextMessage.objects.filter(message__user=user).order_by("-id").first()
    match = re.search(r"\b(\d{6})\b", text.text)
    assert match, text.text
    return match.group(1)


def _error(call) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        call()
    return caught.value


# ---------------------------------------------------------------- the number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("+221 77 123 45 67", NUMBER), ("77 123 45 67", NUMBER), ("0033 6 12 34 56 78", "+33612345678")],
)
def test_numbers_are_read_with_the_country_and_stored_in_e164(raw, expected):
    assert phones.phone_normalise(raw=raw, region="SN") == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "required"),
        ("hello", "invalid_phone"),
        ("+221 77 12", "invalid_phone"),
        ("+33 1 44 55 66 77", "not_mobile"),
    ],
)
def test_a_bad_or_landline_number_is_refused_on_the_phone_field(raw, code):
    error = _error(lambda: phones.phone_normalise(raw=raw, region="SN"))
    assert error.code == code and "phone" in error.fields


def test_a_code_is_sent_hashed_to_the_number_being_proved_on_the_chosen_channel(person):
    verification = _start(person)
    assert verification.phone == NUMBER and verification.expires_at == T0 + datetime.timedelta(minutes=10)
    text = TextMessage.objects.get(message__user=person)
    assert (text.channel, text.to) == ("sms", NUMBER)
    code = _code_sent(person)
    assert code not in verification.code_hash
    assert verification.code_hash == phones.code_hash(user_id=person.pk, phone=NUMBER, code=code)
    message = text.message
    assert message.kind == PHONE_CODE_KIND and message.sensitive and message.chain == ["sms"]
    person.refresh_from_db()
    assert not person.phone  # the number is the person's once proved only
    texts_dispatch()
    sent = RecordingProvider.sent[0]
    assert (sent.channel, sent.to) == ("sms", NUMBER)
    assert code in sent.text
    assert TextMessage.objects.get(pk=text.pk).text == ""  # a secret, emptied once sent


def test_whatsapp_sends_the_code_as_the_template_parameter(person):
    _start(person, channel="whatsapp")
    text = TextMessage.objects.get(message__user=person)
    assert text.channel == "whatsapp" and re.fullmatch(r"\d{6}", text.params[0])
    assert text.template == "academy_phone_code"


def test_the_code_text_is_in_the_person_language(person):
    person.language = "fr"
    person.save()
    _start(person)
    assert "votre code est" in TextMessage.objects.get(message__user=person).text


def test_an_unconfigured_channel_or_an_unserved_country_is_refused(person, settings):
    settings.MESSAGING_PROVIDERS = SMS_ONLY
    assert _error(lambda: _start(person, channel="whatsapp")).fields.keys() == {"channel"}
    assert _error(lambda: _start(person, channel="email")).code == "invalid_channel"
    RecordingProvider.countries = (33,)
    assert _error(lambda: _start(person)).code == "not_served"
    assert not PhoneVerification.objects.exists()


def test_to_phone_is_refused_for_a_kind_that_does_not_prove_a_number(person):
    with pytest.raises(ValueError):
        message_send(key="x", kind="webinars.reminder", user=person, template="t", to_phone=NUMBER)


# ---------------------------------------------------------------- how many codes


def test_a_second_code_waits_60_seconds_to_the_second(person):
    _start(person)
    error = _error(lambda: _start(person, at=T0 + datetime.timedelta(seconds=59)))
    assert error.status == 429 and "1 second" in error.message
    assert phones.phone_code_wait(user=person, now=T0 + datetime.timedelta(seconds=30)) == 30
    _start(person, at=T0 + datetime.timedelta(seconds=60))
    assert PhoneVerification.objects.filter(user=person).count() == 2


def test_three_codes_an_hour_the_fourth_waits_for_the_hour(person):
    for minute in (0, 1, 2):
        _start(person, at=T0 + datetime.timedelta(minutes=minute))
    error = _error(lambda: _start(person, at=T0 + datetime.timedelta(minutes=59, seconds=59)))
    assert error.status == 429 and "1 minute" in error.message
    assert phones.phone_code_wait(user=person, now=T0 + datetime.timedelta(minutes=30)) == 30 * 60
    _start(person, at=T0 + datetime.timedelta(hours=1))  # the first one is an hour old


def test_the_limit_is_per_person(person):
    for minute in (0, 1, 2):
        _start(person, at=T0 + datetime.timedelta(minutes=minute))
    _start(UserFactory(country="SN"), at=T0 + datetime.timedelta(minutes=3))


def test_a_new_code_voids_the_previous_one(person):
    _start(person)
    old = _code_sent(person)
    _start(person, at=T0 + datetime.timedelta(minutes=2))
    new = _code_sent(person)
    if old != new:
        assert (
            _error(
                lambda: phones.phone_verification_confirm(
                    user=person, code=old, now=T0 + datetime.timedelta(minutes=3)
                )
            ).code
            == "code_wrong"
        )
    phones.phone_verification_confirm(user=person, code=new, now=T0 + datetime.timedelta(minutes=3))
    assert Message.objects.filter(user=person, kind=PHONE_CODE_KIND).exclude(rendered={}).count() == 0


# ---------------------------------------------------------------- confirming


def test_the_right_code_verifies_the_number(person):
    _start(person)
    code = _code_sent(person)
    phones.phone_verification_confirm(user=person, code=f" {code[:3]} {code[3:]} ", now=T0)
    person.refresh_from_db()
    assert str(person.phone) == NUMBER and person.phone_verified_at == T0
    # Used: it does not work twice.
    assert (
        _error(lambda: phones.phone_verification_confirm(user=person, code=code, now=T0)).code == "code_none"
    )


def test_the_code_works_until_just_before_10_minutes(person):
    _start(person)
    code = _code_sent(person)
    at_ten = T0 + datetime.timedelta(minutes=10)
    assert (
        _error(lambda: phones.phone_verification_confirm(user=person, code=code, now=at_ten)).code
        == "code_expired"
    )
    phones.phone_verification_confirm(user=person, code=code, now=at_ten - datetime.timedelta(microseconds=1))


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_fifth_try_may_still_succeed(person):
    _start(person)
    code = _code_sent(person)
    expected = {4: "4 tries left", 3: "3 tries left", 2: "2 tries left", 1: "1 try left"}
    for left in (4, 3, 2, 1):
        error = _error(lambda: phones.phone_verification_confirm(user=person, code=_wrong(code), now=T0))
        assert error.code == "code_wrong" and expected[left] in error.message
    phones.phone_verification_confirm(user=person, code=code, now=T0)
    assert PhoneVerification.objects.get(user=person).attempts == 5


def test_five_wrong_tries_void_the_code_and_the_sixth_fails_even_when_right(person):
    _start(person)
    code = _code_sent(person)
    for _try in range(4):
        _error(lambda: phones.phone_verification_confirm(user=person, code=_wrong(code), now=T0))
    fifth = _error(lambda: phones.phone_verification_confirm(user=person, code=_wrong(code), now=T0))
    assert fifth.code == "code_void"
    assert (
        _error(lambda: phones.phone_verification_confirm(user=person, code=code, now=T0)).code == "code_void"
    )
    assert phones.phone_verification_pending(user=person, now=T0) is None
    person.refresh_from_db()
    assert person.phone_verified_at is None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef"])
def test_a_malformed_code_counts_as_a_wrong_try(person, typed):
    _start(person)
    assert (
        _error(lambda: phones.phone_verification_confirm(user=person, code=typed, now=T0)).code
        == "code_wrong"
    )
    assert PhoneVerification.objects.get(user=person).attempts == 1


def test_a_code_is_for_its_person_only(person):
    _start(person)
    code = _code_sent(person)
    other = UserFactory()
    assert (
        _error(lambda: phones.phone_verification_confirm(user=other, code=code, now=T0)).code == "code_none"
    )


def test_proving_a_number_takes_it_from_whoever_had_it_verified(person):
    former = UserFactory(phone=NUMBER)
    former.phone_verified_at = T0 - datetime.timedelta(days=300)
    former.save()
    _start(person)
    phones.phone_verification_confirm(user=person, code=_code_sent(person), now=T0)
    former.refresh_from_db()
    assert former.phone_verified_at is None


# ---------------------------------------------------------------- changing and removing


def _verified(person):
    _start(person)
    phones.phone_verification_confirm(user=person, code=_code_sent(person), now=T0)
    person.refresh_from_db()
    return person


def test_changing_the_number_on_the_profile_clears_the_proof(person):
    _verified(person)
    services.user_profile_update(user=person, first_name="Awa")
    person.refresh_from_db()
    assert person.phone_verified_at is not None  # the same number stays proved
    services.user_profile_update(user=person, phone="+221 77 123 45 67")
    person.refresh_from_db()
    assert person.phone_verified_at is not None  # the same number, written otherwise
    services.user_profile_update(user=person, phone="+221770000001")
    person.refresh_from_db()
    assert person.phone_verified_at is None


def test_removing_the_number_forgets_it_and_voids_pending_codes(person):
    _verified(person)
    _start(person, at=T0 + datetime.timedelta(minutes=5), phone="+221770000001")
    phones.phone_remove(user=person)
    person.refresh_from_db()
    assert not person.phone and person.phone_verified_at is None
    assert phones.phone_verification_pending(user=person, now=T0 + datetime.timedelta(minutes=6)) is None


def test_a_verified_number_reaches_the_person_again_after_it_is_proved(person):
    _verified(person)
    from academy.messaging.services import reachable_channels

    assert {"sms", "whatsapp"} <= reachable_channels(person)
    assert timezone.is_aware(person.phone_verified_at)
