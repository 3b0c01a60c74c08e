"""API tokens for integrations: made, revoked and recognised here.

A token reads ``acad_<prefix>_<secret>``: ``prefix`` (10 hex digits) is
public and finds the row; ``secret`` (40 letters and digits, about 238 bits
from the operating system's random source) is known only to the holder. The
database keeps the secret's SHA-256 digest: a random secret that long needs
no slow, salted hash (nobody can guess it), and a digest leaked with a
database copy does not give the token back. The full token is returned once,
by :func:`api_token_create`.

These are the kernel's services for tokens (``academy.services`` re-exports
them); they live apart to keep that module small.
"""

import datetime
import hashlib
import hmac
import secrets
import string
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from academy import roles
from academy.api.scopes import scope_names
from academy.errors import ApplicationError
from academy.models import ApiToken, User

TOKEN_KIND = "acad"  # noqa: S105  (the tokens' leading word, not a secret)
PREFIX_LENGTH = 10
SECRET_LENGTH = 40
_SECRET_ALPHABET = string.ascii_letters + string.digits
# last_used_at is written at most this often per token (not once per request).
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_parse(raw: str) -> tuple[str, str] | None:
    """``(prefix, secret)`` of a token as sent, or None if it is not one."""
    kind, _sep, rest = raw.partition("_")
    prefix, _sep, secret = rest.partition("_")
    if (
        kind != TOKEN_KIND
        or len(prefix) != PREFIX_LENGTH
        or any(char not in string.hexdigits.lower() for char in prefix)
        or len(secret) != SECRET_LENGTH
        or any(char not in _SECRET_ALPHABET for char in secret)
    ):
        return None
    return prefix, secret


def token_matches(secret_hash: str, secret: str) -> bool:
    """Whether ``secret`` is the one of ``secret_hash``, compared in constant time."""
    return hmac.compare_digest(secret_hash, token_digest(secret))


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted(set(scopes))
    unknown = set(chosen) - scope_names()
    if not chosen or unknown:
        message = (
            _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(sorted(unknown))}
            if unknown
            else _("Choose at least one scope.")
        )
        raise ApplicationError(message, fields={"scopes": [message]})
    return chosen


def api_token_validate(
    *,
    owner: User,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime.datetime | None,
    created_by: User,
    now: datetime.datetime | None = None,
) -> list[str]:
    """The rules a new token must meet (raises ``ApplicationError`` naming
    the field); returns the scopes, cleaned. For forms that check before
    making it (the admin's); :func:`api_token_create` applies them too."""
    if created_by.pk != owner.pk and roles.ADMIN not in roles.user_roles(created_by):
        raise ApplicationError(_("Only an administrator may make a token for someone else."), status=403)
    if not owner.is_active or owner.is_erased:
        message = _("This account is deactivated: it cannot have tokens.")
        raise ApplicationError(message, fields={"owner": [message]})
    if not name.strip():
        message = _("Give the token a name.")
        raise ApplicationError(message, fields={"name": [message]})
    if expires_at is not None and expires_at <= (now or timezone.now()):
        message = _("The expiry must be in the future.")
        raise ApplicationError(message, fields={"expires_at": [message]})
    return _clean_scopes(scopes)


@transaction.atomic
def api_token_create(
    *,
    owner: User,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime.datetime | None = None,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """Make a token for ``owner`` and return it with its full text, which is
    never readable again. ``created_by`` defaults to the owner; anybody else
    must be an administrator (a service token). Scopes must be known and at
    least one; ``expires_at``, when given, must be in the future."""
    created_by = created_by or owner
    now = timezone.now()
    scopes = api_token_validate(
        owner=owner, name=name, scopes=scopes, expires_at=expires_at, created_by=created_by, now=now
    )
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _index in range(SECRET_LENGTH))
    token = ApiToken(
        owner=owner,
        created_by=created_by,
        name=name.strip(),
        scopes=scopes,
        created_at=now,
        expires_at=expires_at,
        secret_hash=token_digest(secret),
    )
    try:
        token.full_clean(exclude=["prefix", "secret_hash"])
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error
    for _attempt in range(5):
        token.prefix = secrets.token_hex(PREFIX_LENGTH // 2)
        try:
            with transaction.atomic():
                token.save()
        except IntegrityError:
            if not ApiToken.objects.filter(prefix=token.prefix).exists():
                raise
            continue  # the prefix is taken (about one chance in a trillion): draw again
        return token, f"{TOKEN_KIND}_{token.prefix}_{secret}"
    raise RuntimeError("No free token prefix after 5 draws")


def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke ``token`` for good, by its owner or an administrator. Revoking
    a revoked token changes nothing."""
    if token.owner_id != by.pk and roles.ADMIN not in roles.user_roles(by):
        raise ApplicationError(_("You may only revoke your own tokens."), status=403)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def api_token_mark_used(*, token: ApiToken, now: datetime.datetime | None = None) -> bool:
    """Record that ``token`` was used now, unless that was recorded less than
    a minute ago: at most one write a minute per token, however many requests
    (concurrent ones included: the condition is in the UPDATE). Returns
    whether it wrote."""
    now = now or timezone.now()
    since = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > since:
        return False
    written = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=since))
        .update(last_used_at=now)
    )
    token.last_used_at = now
    return bool(written)
