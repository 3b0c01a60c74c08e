"""What a live-room client may send: one explicit schema per message type.

Every frame is a JSON object of at most ``MAX_FRAME_BYTES`` with a ``type``
listed in ``SCHEMAS``, exactly the fields that type declares (an optional
``ref`` string is echoed back in error frames so a client can tell which
action failed), each of the declared kind and size. ``parse`` turns a raw
frame into ``(type, fields)`` or raises ``InvalidMessage`` with a code and a
translated message for the error frame.

Text is checked before anything else reads it: every string of the frame
(keys included) must be encodable as UTF-8 (a JSON escape such as
``"\\ud800"`` decodes to a lone surrogate, which neither the database nor the
outgoing frame can encode) and free of NUL characters (PostgreSQL refuses
them in text). Such a frame gets an ``invalid_text`` error and reaches no
service.
"""

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from webinars.services import (
    ANNOUNCEMENT_MAX_LENGTH,
    CHAT_MAX_LENGTH,
    MAX_OPTIONS,
    MODERATION_ACTIONS,
    QUESTION_MAX_LENGTH,
)

MAX_FRAME_BYTES = 4096
MAX_ID = 2**62


@dataclass(frozen=True)
class Field:
    kind: str  # "str", "int", "bool", "ints" (list of ids) or "choice"
    required: bool = True
    max_length: int = 0
    minimum: int = 1
    choices: tuple[str, ...] = ()


def _id(required: bool = True) -> Field:
    return Field("int", required=required)


SCHEMAS: dict[str, dict[str, Field]] = {
    # presence and resume
    "heartbeat": {},
    # one of: the last sequence number seen (``last_seq``), or the last event id (older clients)
    "resume": {
        "last_seq": Field("int", required=False, minimum=0),
        "last_event_id": Field("int", required=False, minimum=0),
    },
    # everyone taking part
    "chat.send": {"text": Field("str", max_length=CHAT_MAX_LENGTH)},
    "question.ask": {
        "text": Field("str", max_length=QUESTION_MAX_LENGTH),
        "anonymous": Field("bool", required=False),
    },
    "question.upvote": {"question_id": _id()},
    "poll.vote": {"poll_id": _id(), "option_ids": Field("ints", max_length=MAX_OPTIONS)},
    "hand.set": {"raised": Field("bool")},
    # trainers
    "chat.delete": {"message_id": _id()},
    "user.mute": {"user_id": _id(), "muted": Field("bool")},
    "question.moderate": {"question_id": _id(), "action": Field("choice", choices=MODERATION_ACTIONS)},
    "poll.open": {"poll_id": _id()},
    "poll.close": {"poll_id": _id()},
    "hand.lower": {"user_id": Field("int", minimum=0)},
    "announce": {"text": Field("str", max_length=ANNOUNCEMENT_MAX_LENGTH)},
    "session.start": {},
    "session.end": {},
}
MODERATOR_ONLY = frozenset(
    {
        "chat.delete",
        "user.mute",
        "question.moderate",
        "poll.open",
        "poll.close",
        "hand.lower",
        "announce",
        "session.start",
        "session.end",
    }
)
READ_ONLY = frozenset({"heartbeat", "resume"})


class InvalidMessage(Exception):
    def __init__(self, code: str, message: str, ref: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref


def _check(name: str, field: Field, value: Any) -> Any:
    if field.kind == "str":
        if not isinstance(value, str):
            raise InvalidMessage("invalid", _("“%(field)s” must be text.") % {"field": name})
        if len(value) > field.max_length:
            raise InvalidMessage(
                "too_long",
                _("“%(field)s” has at most %(count)s characters.")
                % {"field": name, "count": field.max_length},
            )
        return value
    if field.kind == "bool":
        if not isinstance(value, bool):
            raise InvalidMessage("invalid", _("“%(field)s” must be true or false.") % {"field": name})
        return value
    if field.kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not field.minimum <= value <= MAX_ID:
            raise InvalidMessage("invalid", _("“%(field)s” must be a valid number.") % {"field": name})
        return value
    if field.kind == "ints":
        if (
            not isinstance(value, list)
            or not 1 <= len(value) <= field.max_length
            or any(isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= MAX_ID for v in value)
        ):
            raise InvalidMessage("invalid", _("“%(field)s” must be a list of answers.") % {"field": name})
        return value
    if value not in field.choices:
        raise InvalidMessage(
            "invalid",
            _("“%(field)s” must be one of: %(choices)s.")
            % {"field": name, "choices": ", ".join(field.choices)},
        )
    return value


def _bad_text(value: Any) -> bool:
    """Whether ``value`` (decoded JSON) holds a string that is not storable text."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_bad_text(key) or _bad_text(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_bad_text(item) for item in value)
    return False


def parse(raw: str | None, raw_bytes: bytes | None = None) -> tuple[str, dict[str, Any], str]:
    """Validate one frame: ``(type, fields, ref)`` or ``InvalidMessage``."""
    if raw is None:
        raise InvalidMessage("invalid", _("Send JSON text frames."))
    if len(raw) > MAX_FRAME_BYTES or len(raw.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise InvalidMessage(
            "too_large", _("A message is at most %(count)s bytes.") % {"count": MAX_FRAME_BYTES}
        )
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise InvalidMessage("malformed", _("This message is not valid JSON.")) from error
    if _bad_text(data):
        # Checked before ``ref`` is read: an error frame must not echo such text back.
        raise InvalidMessage("invalid_text", _("This message holds characters that are not valid text."))
    if not isinstance(data, dict):
        raise InvalidMessage("malformed", _("A message is a JSON object with a “type”."))
    ref = data.pop("ref", "")
    if not isinstance(ref, str) or len(ref) > 40:
        raise InvalidMessage("invalid", _("“ref” is text of at most 40 characters."))
    kind = data.pop("type", None)
    schema = SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise InvalidMessage("unknown_type", _("Unknown message type."), ref)
    unknown = sorted(set(data) - set(schema))
    if unknown:
        raise InvalidMessage(
            "invalid", _("Unexpected fields: %(fields)s.") % {"fields": ", ".join(map(str, unknown))}, ref
        )
    fields: dict[str, Any] = {}
    for name, field in schema.items():
        if name not in data:
            if field.required:
                raise InvalidMessage("invalid", _("“%(field)s” is required.") % {"field": name}, ref)
            continue
        try:
            fields[name] = _check(name, field, data[name])
        except InvalidMessage as error:
            error.ref = ref
            raise
    return kind, fields, ref
