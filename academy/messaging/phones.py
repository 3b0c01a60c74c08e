"""Proving a phone number with a one-time code, and removing it.

A person gives a mobile number and a channel (WhatsApp or SMS); a six-digit
code goes to that number (:func:`phone_verification_start`); typing it back
(:func:`phone_verification_confirm`) makes the number theirs and verified.
Only then do WhatsApp and SMS messages reach them.

The code is drawn with :mod:`secrets` and kept as an HMAC-SHA256 of
(person, number, code) keyed with ``SECRET_KEY`` (Django's ``salted_hmac``),
not with a password hasher: a six-digit code has a million values, so a slow
hash would not stop anyone holding the table from trying them all, while
the HMAC cannot be tried at all without the server's secret. What protects
the code is its short life (:data:`CODE_LIFETIME`), the few tries it allows
(:data:`MAX_TRIES`) and the few codes a person may ask for
(:data:`MAX_CODES_PER_HOUR`, :data:`RESEND_AFTER`).
"""

import datetime
import secrets

import phonenumbers
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from academy.errors import ApplicationError
from academy.messaging.models import PHONE_CHANNELS, Message, PhoneVerification
from academy.messaging.providers import channel_configured, provider_for
from academy.messaging.services import PHONE_CODE_KIND, message_send
from academy.models import User

CODE_LENGTH = 6
CODE_LIFETIME = datetime.timedelta(minutes=10)
MAX_TRIES = 5
MAX_CODES_PER_HOUR = 3
RESEND_AFTER = datetime.timedelta(seconds=60)
CODE_TEMPLATE = "academy/messages/phone_code"

_HMAC_SALT = "academy.messaging.phones.code"
_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


def _error(message: str, *, field: str, code: str, status: int = 400) -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]}, status=status)


def code_hash(*, user_id: int, phone: str, code: str) -> str:
    """The stored form of ``code`` sent to ``phone`` for person ``user_id``."""
    return salted_hmac(_HMAC_SALT, f"{user_id}:{phone}:{code}", algorithm="sha256").hexdigest()


def phone_normalise(*, raw: str, region: str = "") -> str:
    """``raw`` as an E.164 mobile number; ``region`` (ISO country, e.g. the
    person's country) reads a number written without its +country prefix.
    Raises ``ApplicationError`` on the ``phone`` field when it is not a
    valid number, or not a mobile one (a code cannot reach a landline)."""
    text = (raw or "").strip()
    if not text:
        raise _error(_("Enter your mobile number."), field="phone", code="required")
    try:
        parsed = phonenumbers.parse(text, region.upper() or None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise _error(
            _("This is not a valid phone number. Write it with its country code, e.g. +221 77 123 45 67."),
            field="phone",
            code="invalid_phone",
        )
    if phonenumbers.number_type(parsed) not in _MOBILE_TYPES:
        raise _error(
            _("This number is not a mobile number: it cannot receive WhatsApp messages or SMS."),
            field="phone",
            code="not_mobile",
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _wait_text(seconds: int, *, hourly: bool) -> str:
    if not hourly:
        return ngettext(
            "Wait %(count)s second before asking for another code.",
            "Wait %(count)s seconds before asking for another code.",
            seconds,
        ) % {"count": seconds}
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "You asked for too many codes. Try again in %(count)s minute.",
        "You asked for too many codes. Try again in %(count)s minutes.",
        minutes,
    ) % {"count": minutes}


def _code_wait(user: User, now: datetime.datetime) -> tuple[int, bool]:
    recent = list(
        PhoneVerification.objects.filter(user=user, created_at__gt=now - datetime.timedelta(hours=1))
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:MAX_CODES_PER_HOUR]
    )
    resend = recent[0] + RESEND_AFTER - now if recent else datetime.timedelta(0)
    hourly = (
        recent[-1] + datetime.timedelta(hours=1) - now
        if len(recent) >= MAX_CODES_PER_HOUR
        else datetime.timedelta(0)
    )
    wait = max(resend, hourly, datetime.timedelta(0))
    seconds = -(-int(wait.total_seconds() * 1_000_000) // 1_000_000)  # whole seconds, rounded up
    return seconds, hourly > datetime.timedelta(0) and hourly >= resend


def phone_code_wait(*, user: User, now: datetime.datetime | None = None) -> int:
    """Seconds before ``user`` may ask for another code (0: now). At most
    :data:`MAX_CODES_PER_HOUR` codes in any hour, and :data:`RESEND_AFTER`
    between two codes."""
    return _code_wait(user, now or timezone.now())[0]


def _scrub_codes(user: User) -> None:
    """Forget the text of the codes already sent to ``user`` (their messages
    keep what each channel said until then)."""
    Message.objects.filter(user=user, kind=PHONE_CODE_KIND).exclude(rendered={}).update(rendered={})


def phone_verification_start(
    *, user: User, phone: str, channel: str, now: datetime.datetime | None = None
) -> PhoneVerification:
    """Send a new code to ``phone`` (any written form; read with the person's
    country) on ``channel`` (``whatsapp`` or ``sms``, a configured one). The
    previous code stops working. Raises ``ApplicationError`` (on the field
    at fault) for an invalid or non-mobile number, a channel not offered or
    that serves no such number, and too many codes (the wait is in the
    message, status 429)."""
    now = now or timezone.now()
    if channel not in PHONE_CHANNELS or not channel_configured(channel):
        raise _error(_("Choose WhatsApp or SMS."), field="channel", code="invalid_channel")
    number = phone_normalise(raw=phone, region=str(user.country or ""))
    if provider_for(channel, number) is None:
        raise _error(
            _("We cannot send messages to this country on this channel. Try the other one."),
            field="channel",
            code="not_served",
        )
    code = "".join(secrets.choice("0123456789") for _i in range(CODE_LENGTH))
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()  # one code at a time per person
        wait, hourly = _code_wait(user, now)
        if wait:
            raise ApplicationError(_wait_text(wait, hourly=hourly), code="throttled", status=429)
        PhoneVerification.objects.filter(user=user, verified_at__isnull=True).update(attempts=MAX_TRIES)
        _scrub_codes(user)
        verification = PhoneVerification.objects.create(
            user=user,
            phone=number,
            channel=channel,
            code_hash=code_hash(user_id=user.pk, phone=number, code=code),
            created_at=now,
            expires_at=now + CODE_LIFETIME,
        )
        sent = message_send(
            key=f"academy.phone_code.{verification.pk}",
            kind=PHONE_CODE_KIND,
            user=user,
            template=CODE_TEMPLATE,
            context={"code": code, "minutes": int(CODE_LIFETIME.total_seconds() // 60)},
            channels=(channel,),
            sensitive=True,
            to_phone=number,
        )
        if sent is None:
            raise _error(_("The code could not be sent. Try again later."), field="channel", code="not_sent")
    return verification


def phone_verification_pending(
    *, user: User, now: datetime.datetime | None = None
) -> PhoneVerification | None:
    """The code ``user`` may still type (not expired, tries left), if any."""
    now = now or timezone.now()
    return (
        PhoneVerification.objects.filter(
            user=user, verified_at__isnull=True, expires_at__gt=now, attempts__lt=MAX_TRIES
        )
        .order_by("-created_at", "-id")
        .first()
    )


def phone_verification_confirm(*, user: User, code: str, now: datetime.datetime | None = None) -> User:
    """Check ``code`` against the person's latest code. Right, in time
    (before :data:`CODE_LIFETIME` has passed) and within :data:`MAX_TRIES`
    tries: the number becomes ``user.phone``, verified now; anybody else who
    had it verified loses that (numbers change hands). Otherwise raises
    ``ApplicationError`` on the ``code`` field; each wrong try counts, and
    the :data:`MAX_TRIES`-th wrong one voids the code."""
    now = now or timezone.now()
    typed = "".join((code or "").split())
    outcome: str
    with transaction.atomic():
        verification = (
            PhoneVerification.objects.select_for_update()
            .filter(user=user, verified_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if verification is None:
            outcome = "none"
        elif verification.attempts >= MAX_TRIES:
            outcome = "void"
        elif now >= verification.expires_at:
            outcome = "expired"
        else:
            verification.attempts += 1
            expected = verification.code_hash
            given = code_hash(user_id=user.pk, phone=verification.phone, code=typed)
            if typed.isdigit() and len(typed) == CODE_LENGTH and constant_time_compare(expected, given):
                verification.verified_at = now
                verification.save(update_fields=["attempts", "verified_at"])
                User.objects.filter(phone=verification.phone, phone_verified_at__isnull=False).exclude(
                    pk=user.pk
                ).update(phone_verified_at=None)
                User.objects.filter(pk=user.pk).update(phone=verification.phone, phone_verified_at=now)
                user.phone = verification.phone  # type: ignore[assignment]
                user.phone_verified_at = now
                _scrub_codes(user)
                outcome = "verified"
            else:
                verification.save(update_fields=["attempts"])
                outcome = "void" if verification.attempts >= MAX_TRIES else "wrong"
                if outcome == "void":
                    _scrub_codes(user)
    if outcome == "verified":
        return user
    if outcome == "none":
        message = _("Ask for a code first.")
    elif outcome == "expired":
        message = _("This code has expired. Ask for a new one.")
    elif outcome == "void":
        message = _("Too many wrong codes: this one no longer works. Ask for a new one.")
    else:
        assert verification is not None
        left = MAX_TRIES - verification.attempts
        message = ngettext(
            "This is not the code we sent. %(count)s try left.",
            "This is not the code we sent. %(count)s tries left.",
            left,
        ) % {"count": left}
    raise _error(message, field="code", code=f"code_{outcome}")


@transaction.atomic
def phone_remove(*, user: User) -> None:
    """Forget the person's number: no WhatsApp or SMS reaches them any more
    (their choices per kind stay, for a number they prove later), and the
    codes not used yet stop working."""
    User.objects.filter(pk=user.pk).update(phone="", phone_verified_at=None)
    user.phone = ""  # type: ignore[assignment]
    user.phone_verified_at = None
    PhoneVerification.objects.filter(user=user, verified_at__isnull=True).update(attempts=MAX_TRIES)
    _scrub_codes(user)
