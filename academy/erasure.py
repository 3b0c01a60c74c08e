"""People leave, history stays: erasing and exporting a person's data.

An account is never deleted (``User.delete()`` and the queryset's
``delete()`` refuse): deleting would cascade the person's engagement events,
attempts and attendance away and change their distributor's past figures.
Erasing *anonymises* the account instead: the row stays, with its history
attached to it and to the distributor of the time, and everything that says
who the person was is scrubbed — name, e-mail address, phone, and the free
text they wrote.

The kernel does not know what each app stores about a person. Each app
registers a :class:`PersonalData` part from its ``ready()``: what it exports
about a person, how it erases their free text, and, optionally, why an
erasure must wait (a lead still heading a team). The kernel registers its own
part (profile, activity log, notifications, e-mails, erasure requests).
"""

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from academy.errors import ApplicationError
from academy.messaging.models import InboundMessage, Message, PhoneVerification, TextMessage
from academy.models import (
    FORMER_MEMBER,
    ApiToken,
    EngagementEvent,
    ErasureRequest,
    ErasureStatus,
    Notification,
    OutgoingEmail,
    User,
)
from academy.outbox import OutboxStatus
from academy.services import email_enqueue

Export = Callable[[User], Any]
Erase = Callable[[User], None]
Objection = Callable[[User], str | None]


@dataclass(frozen=True)
class PersonalData:
    """What one app keeps about a person.

    ``name`` names the part's file in the export (``<name>.json``).
    ``export(user)`` returns JSON-serialisable data about ``user`` only.
    ``erase(user)`` scrubs the free text ``user`` wrote (and anything else
    that identifies them) and keeps the rows the figures are made of; it runs
    inside the erasure's transaction and must be safe to run twice.
    ``objection(user)``, when given, returns a reason the erasure must wait
    (read by the person and the administrator), or None.
    """

    name: str
    export: Export
    erase: Erase
    objection: Objection | None = None


_parts: dict[str, PersonalData] = {}


def personal_data_register(part: PersonalData) -> None:
    """Add (or replace) an app's part; called from the app's ``ready()``."""
    _parts[part.name] = part


def personal_data_parts() -> tuple[PersonalData, ...]:
    """Every registered part, the kernel's first, then by name."""
    return tuple(sorted(_parts.values(), key=lambda part: (part.name != "academy", part.name)))


def erased_email(user: User) -> str:
    """The address an anonymised account keeps: unique, and never deliverable."""
    return f"erased-{user.pk}@erased.invalid"


def erased_text() -> str:
    """What replaces free text a person wrote (in the site's language: it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("[erased]")


def erased_name() -> str:
    """The stored name of an anonymised account (shown translated through ``User.get_full_name``)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(FORMER_MEMBER)


# ---------------------------------------------------------------- services


def erasure_objections(*, user: User) -> list[str]:
    """Reasons ``user`` cannot be erased now (empty when they can)."""
    reasons: list[str] = []
    for part in personal_data_parts():
        if part.objection is not None:
            reason = part.objection(user)
            if reason:
                reasons.append(reason)
    return reasons


def _refuse_if_objected(user: User) -> None:
    reasons = erasure_objections(user=user)
    if reasons:
        raise ApplicationError(" ".join(reasons), code="erasure_refused", status=409)


@transaction.atomic
def user_anonymise(*, user: User, by: User | None = None) -> User:
    """Anonymise ``user``: every app erases its part, then the account loses
    its name, address, phone, password and groups, is deactivated and dated
    ``erased_at``. Events, attempts and attendance stay attached to the row.
    Pending erasure requests of the person are closed as done (by ``by``, the
    administrator, when given).

    Refused (``ApplicationError``, nothing changed) while an app objects.
    Harmless on an account already anonymised: it is returned unchanged.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.erased_at is not None:
        return locked
    _refuse_if_objected(locked)
    for part in personal_data_parts():
        part.erase(locked)
    now = timezone.now()
    locked.email = erased_email(locked)
    locked.first_name = erased_name()
    locked.last_name = ""
    locked.phone = ""
    locked.is_active = False
    locked.erased_at = now
    locked.set_unusable_password()
    locked.save()
    locked.groups.clear()
    locked.user_permissions.clear()
    ErasureRequest.objects.filter(user=locked, status=ErasureStatus.PENDING).update(
        status=ErasureStatus.DONE, processed_at=now, processed_by=by
    )
    if user is not locked:
        user.refresh_from_db()  # the caller's copy reads as erased too
    return locked


def erasure_request_create(*, user: User) -> ErasureRequest:
    """Ask for ``user``'s own erasure. Asking again while a request waits
    returns the waiting one."""
    if user.erased_at is not None:
        raise ApplicationError(_("This account has already been erased."), code="already_erased")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        pending = ErasureRequest.objects.filter(user=user, status=ErasureStatus.PENDING).first()
        if pending is not None:
            return pending
        return ErasureRequest.objects.create(user=user)


def _stand_in(user: User) -> User:
    """An unsaved copy carrying the address and language of ``user`` before
    erasure, so the confirmation reaches them after the account is scrubbed."""
    return User(
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        language=user.language,
        time_zone=user.time_zone,
    )


def _locked_pending(request: ErasureRequest) -> ErasureRequest:
    locked = ErasureRequest.objects.select_for_update().select_related("user").get(pk=request.pk)
    if locked.status != ErasureStatus.PENDING:
        raise ApplicationError(_("This erasure request has already been processed."), code="processed")
    return locked


@transaction.atomic
def erasure_request_approve(*, request: ErasureRequest, by: User) -> ErasureRequest:
    """Erase the person of a pending request and tell them by e-mail (to the
    address they had). Refused, with nothing changed, while an app objects
    (the reason is the error's message) or when already processed."""
    locked = _locked_pending(request)
    person = locked.user
    _refuse_if_objected(person)
    recipient = _stand_in(person)
    user_anonymise(user=person, by=by)
    locked.refresh_from_db()
    email_enqueue(
        key=f"academy.erasure.{locked.pk}.done",
        topic="academy.erasure.done",  # its address is forgotten once sent
        user=recipient,
        template="academy/emails/erasure_done",
    )
    return locked


REASON_MAX_LENGTH = 2000


@transaction.atomic
def erasure_request_refuse(*, request: ErasureRequest, by: User, reason: str) -> ErasureRequest:
    """Refuse a pending request, saying why (required), and tell the person by e-mail."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the erasure is refused.")
        raise ApplicationError(message, code="required", fields={"reason": [message]})
    if len(reason) > REASON_MAX_LENGTH:
        message = _("Keep the reason under %(count)s characters.") % {"count": REASON_MAX_LENGTH}
        raise ApplicationError(message, code="too_long", fields={"reason": [message]})
    locked = _locked_pending(request)
    locked.status = ErasureStatus.REFUSED
    locked.reason = reason
    locked.processed_by = by
    locked.processed_at = timezone.now()
    locked.save()
    email_enqueue(
        key=f"academy.erasure.{locked.pk}.refused",
        topic="academy.erasure",
        user=locked.user,
        template="academy/emails/erasure_refused",
        context={"reason": reason},
    )
    return locked


# ---------------------------------------------------------------- export


class ExportEncoder(DjangoJSONEncoder):
    """Dates, decimals and UUIDs as Django writes them; anything else
    (phone numbers, countries) as its text."""

    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def user_data_export(*, user: User) -> dict[str, Any]:
    """Every app's data about ``user`` (and no one else), by part name."""
    return {part.name: part.export(user) for part in personal_data_parts()}


def user_data_archive(*, user: User) -> tuple[bytes, str]:
    """A ZIP of ``user``'s data, one JSON file per part, and its file name."""
    buffer = io.BytesIO()
    stamp = timezone.now()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in user_data_export(user=user).items():
            text = json.dumps(data, cls=ExportEncoder, ensure_ascii=False, indent=2)
            archive.writestr(f"{name}.json", text)
    return buffer.getvalue(), f"academy-data-{stamp:%Y-%m-%d}.zip"


def rows(queryset: Iterable[Any], *fields: str) -> list[dict[str, Any]]:
    """Helper for the parts: ``queryset`` as plain dicts of ``fields``."""
    return [dict(row) for row in queryset.values(*fields)]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- the kernel's part


def _academy_export(user: User) -> dict[str, Any]:
    profile = {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "language": user.language,
        "csv_separator": user.csv_separator,
        "time_zone": user.time_zone,
        "country": str(user.country or ""),
        "phone": str(user.phone or ""),
        "email_opt_outs": list(user.email_opt_outs or []),
        "phone_verified_at": user.phone_verified_at,
        "message_channels": dict(user.message_channels or {}),
        "phone_opt_outs": list(user.phone_opt_outs or []),
        "quiet_hours_start": user.quiet_hours_start,
        "quiet_hours_end": user.quiet_hours_end,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }
    events = EngagementEvent.objects.filter(actor=user).order_by("occurred_at", "id")
    return {
        "profile": profile,
        "activity": rows(
            events,
            "verb",
            "object_type",
            "object_id",
            "object_name",
            "minutes",
            "distributor_id",
            "occurred_at",
        ),
        "notifications": rows(
            Notification.objects.filter(user=user).order_by("created_at", "id"),
            "kind",
            "title",
            "body",
            "url",
            "created_at",
            "read_at",
        ),
        "emails": rows(
            OutgoingEmail.objects.filter(user=user).order_by("created_at", "id"),
            "topic",
            "subject",
            "status",
            "created_at",
            "sent_at",
        ),
        "messages": rows(
            Message.objects.filter(user=user).order_by("created_at", "id"),
            "kind",
            "chain",
            "fallback_channel",
            "created_at",
        ),
        "text_messages": rows(
            TextMessage.objects.filter(message__user=user).order_by("created_at", "id"),
            "message__kind",
            "channel",
            "status",
            "delivery_status",
            "created_at",
            "sent_at",
        ),
        "replies": rows(
            InboundMessage.objects.filter(user=user).order_by("received_at", "id"),
            "channel",
            "from_number",
            "text",
            "outcome",
            "received_at",
        ),
        "phone_verifications": rows(
            PhoneVerification.objects.filter(user=user).order_by("created_at", "id"),
            "phone",
            "channel",
            "created_at",
            "expires_at",
            "attempts",
            "verified_at",
        ),
        "api_tokens": rows(
            ApiToken.objects.filter(owner=user).order_by("created_at", "id"),
            "name",
            "prefix",
            "scopes",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
        ),
        "erasure_requests": rows(
            ErasureRequest.objects.filter(user=user).order_by("requested_at", "id"),
            "requested_at",
            "status",
            "processed_at",
            "reason",
        ),
    }


def _academy_erase(user: User) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    # Sign-in records name the person by address; the admin's history by name.
    for record in (AccessAttempt, AccessFailureLog, AccessLog):
        record.objects.filter(username__iexact=user.email).delete()
    user_type = ContentType.objects.get_for_model(User)
    LogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).update(object_repr=erased_name())
    Notification.objects.filter(user=user).delete()
    # An erased person's integrations stop, and their tokens' names (free text) go.
    ApiToken.objects.filter(owner=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    ApiToken.objects.filter(owner=user).update(name=erased_text())
    emails = OutgoingEmail.objects.filter(user=user)
    emails.filter(status=OutboxStatus.PENDING).update(
        status=OutboxStatus.CANCELLED, claim_token=None, claimed_at=None
    )
    emails.update(to=erased_email(user), subject=erased_text(), body="", html="", last_error="")
    # Messaging: the number, its proofs, what was sent to it and what they wrote back.
    User.objects.filter(pk=user.pk).update(
        phone="", phone_verified_at=None, message_channels={}, phone_opt_outs=[]
    )
    user.phone = ""  # type: ignore[assignment]
    user.phone_verified_at = None
    user.message_channels = {}
    user.phone_opt_outs = []
    PhoneVerification.objects.filter(user=user).delete()
    texts = TextMessage.objects.filter(message__user=user)
    texts.filter(status=OutboxStatus.PENDING).update(
        status=OutboxStatus.CANCELLED, claim_token=None, claimed_at=None
    )
    texts.update(to="", text="", params=[], last_error="")
    Message.objects.filter(user=user).update(rendered={})
    InboundMessage.objects.filter(user=user).update(text=erased_text(), from_number="")


ACADEMY_PART = PersonalData(name="academy", export=_academy_export, erase=_academy_erase)
