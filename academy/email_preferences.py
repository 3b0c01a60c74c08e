"""Which automatic e-mails a person wants, and the signed links that stop them.

The kernel does not know which e-mails the apps send. An app registers each
kind of message (the weekly digest, nudges, reminders…) from its ``ready()``
with ``academy.messaging.kinds.message_kind_register``; the profile page
offers one checkbox per kind a person may stop that goes by e-mail, every message of that kind carries
``List-Unsubscribe`` (RFC 2369) with a one-click link (RFC 8058), and its
sender skips a person who stopped it (:func:`email_wanted`). Transactional
e-mails (password reset, invitation, registration confirmation) have no kind
and are never suppressed.

A person's choice is stored on their account (``User.email_opt_outs``, the
codes of the kinds they stopped), so a kind registered later is wanted until
its recipient says otherwise.
"""

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from academy.messaging.kinds import MessageKind, message_kind_get, message_kinds_for
from academy.messaging.models import Channel
from academy.models import User

# The token names the person and the kind; it does not expire (an old digest's
# link keeps working), and its salt keeps it from passing for any other signed value.
UNSUBSCRIBE_SALT = "academy.email.unsubscribe"


def email_kind_get(code: str) -> MessageKind | None:
    """The kind ``code`` when a person may stop it by e-mail, else None."""
    kind = message_kind_get(code)
    return kind if kind is not None and kind.stoppable and Channel.EMAIL in kind.channels else None


def email_kinds_for(user: User) -> list[MessageKind]:
    """The kinds ``user`` may stop by e-mail, in display order."""
    return [kind for kind in message_kinds_for(user) if email_kind_get(kind.code) is not None]


def email_wanted(*, user: User, kind: str) -> bool:
    """Whether ``user`` still wants e-mails of ``kind`` (a code; always true
    for a kind nobody registered, so transactional mail is never stopped)."""
    return email_kind_get(kind) is None or kind not in (user.email_opt_outs or [])


def _signer() -> signing.Signer:
    # Not a TimestampSigner: no expiry, and a shorter link.
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(*, user: User, kind: str) -> str:
    return _signer().sign_object({"u": user.pk, "k": kind})


def unsubscribe_token_read(token: str) -> tuple[User, MessageKind] | None:
    """The person and kind a token names, or None when it is forged, damaged,
    or names a kind or an account that no longer exists."""
    try:
        data = _signer().unsign_object(token)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    kind = email_kind_get(str(data.get("k")))
    pk = data.get("u")
    user = User.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    if kind is None or user is None:
        return None
    return user, kind


def unsubscribe_url(*, user: User, kind: str) -> str:
    """The absolute one-click link (``List-Unsubscribe``) for ``user`` and ``kind``."""
    return settings.SITE_URL + reverse("academy:unsubscribe", args=[unsubscribe_token(user=user, kind=kind)])


def email_preference_set(*, user: User, kind: str, wanted: bool) -> bool:
    """Start or stop e-mails of ``kind`` for ``user``; safe to repeat (a
    second unsubscribe changes nothing). Returns whether anything changed."""
    return email_preferences_set(user=user, wanted={kind: wanted})


@transaction.atomic
def email_preferences_set(*, user: User, wanted: dict[str, bool]) -> bool:
    """Set several kinds at once (the profile page). Unknown codes are
    ignored. Returns whether anything changed."""
    locked = User.objects.select_for_update().only("pk", "email_opt_outs").get(pk=user.pk)
    stopped = set(locked.email_opt_outs or [])
    before = set(stopped)
    for code, want in wanted.items():
        if email_kind_get(code) is None:
            continue
        if want:
            stopped.discard(code)
        else:
            stopped.add(code)
    if stopped == before:
        user.email_opt_outs = sorted(stopped)
        return False
    locked.email_opt_outs = sorted(stopped)
    locked.save(update_fields=["email_opt_outs"])
    user.email_opt_outs = locked.email_opt_outs
    return True
