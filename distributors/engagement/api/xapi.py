"""xAPI 1.0.3 statements built from engagement events.

* ``id``: the event's ``statement_id`` (for events recorded before it was
  stored, the UUID 5 of the event id that they were first exported with), so the same event
  always gives the same statement;
* ``actor``: an Agent with ``mbox`` (``mailto:`` address) and name;
* ``verb``: the IRI of ``XAPI_VERBS`` with its display in English and French;
* ``object``: an Activity whose IRI is built from ``SITE_URL``, the object
  type and id (the academy itself when the event has no object), with the
  object's name;
* ``result``: duration (minutes) and the quiz score when the event has them;
* ``timestamp`` (when it happened) and ``stored`` (when the platform
  recorded it: what ``since``/``until`` filter on); a statement forwarded to
  a learning record store has no ``stored``, which that store sets;
* ``context``: platform, language, the distributor as an extension, and the
  ``registration`` for the statements about a web-conference session (see
  :func:`registration_id`).
"""

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.utils import translation

from academy.models import XAPI_VERBS, EngagementEvent, Verb

XAPI_VERSION = "1.0.3"


def extension_iri(name: str) -> str:
    return f"{settings.SITE_URL}/xapi/extensions/{name}"


SESSION_OBJECT_TYPE = "webinars.session"
# Registration UUIDs: 48 fixed bits, then the version (4) and variant bits of
# an RFC 4122 UUID around the session id (30 bits) and the person's id (32).
_REGISTRATION_TAG = 0x5EB1_0A7E_D1A0
_SESSION_BITS, _ACTOR_BITS = 30, 32


def registration_id(session_id: int, actor_id: int) -> str | None:
    """The xAPI ``registration`` of one person's statements about one
    web-conference session (registered, attended, chat, questions, polls,
    feedback, replay): what groups them as one attempt. Built from the two
    ids so that a filter can read them back (:func:`registration_parse`);
    None when an id does not fit."""
    if not (0 < session_id < 1 << _SESSION_BITS and 0 < actor_id < 1 << _ACTOR_BITS):
        return None
    value = (_REGISTRATION_TAG << 80) | (0x4 << 76) | (0b10 << 62)
    value |= (session_id << _ACTOR_BITS) | actor_id
    return str(uuid.UUID(int=value))


def registration_parse(value: uuid.UUID) -> tuple[int, int] | None:
    """The (session id, person id) of a registration of ours, None for any other UUID."""
    number = value.int
    if number >> 80 != _REGISTRATION_TAG or (number >> 76) & 0xF != 0x4 or (number >> 62) & 0b11 != 0b10:
        return None
    if (number >> 64) & 0xFFF:
        return None
    session_id = (number >> _ACTOR_BITS) & ((1 << _SESSION_BITS) - 1)
    actor_id = number & ((1 << _ACTOR_BITS) - 1)
    return (session_id, actor_id) if session_id and actor_id else None


def activity_iri(object_type: str, object_id: str) -> str:
    if object_type:
        return f"{settings.SITE_URL}/xapi/activities/{object_type}/{object_id or 0}"
    return f"{settings.SITE_URL}/"


def activity_parse(iri: str) -> tuple[str, str] | None:
    """The (object type, object id) of one of our activity IRIs (``("", "")``
    for the academy itself), None for any other IRI."""
    if iri == f"{settings.SITE_URL}/":
        return ("", "")
    prefix = f"{settings.SITE_URL}/xapi/activities/"
    if not iri.startswith(prefix):
        return None
    object_type, _, object_id = iri[len(prefix) :].partition("/")
    if not object_type or not object_id or "/" in object_id:
        return None
    return (object_type, object_id)


def _iso(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")


def verb_displays() -> dict[str, dict[str, str]]:
    """The display of each verb in English and French (computed once per request)."""
    displays: dict[str, dict[str, str]] = {}
    for language, tag in (("en", "en-US"), ("fr", "fr-FR")):
        with translation.override(language):
            for verb in Verb:
                displays.setdefault(verb.value, {})[tag] = str(verb.label)
    return displays


def statement(
    event: EngagementEvent, displays: dict[str, dict[str, str]], *, stored: bool = True
) -> dict[str, Any]:
    """The statement of ``event``; without ``stored`` for sending to an LRS."""
    actor = event.actor
    obj: dict[str, Any] = {"objectType": "Activity", "id": activity_iri(event.object_type, event.object_id)}
    if event.object_name:
        obj["definition"] = {"name": {"und": event.object_name}}
    context: dict[str, Any] = {"platform": "Academy", "extensions": {extension_iri("verb"): event.verb}}
    if actor.language:
        context["language"] = actor.language
    if event.object_type == SESSION_OBJECT_TYPE and event.object_id.isdigit():
        registration = registration_id(int(event.object_id), event.actor_id)
        if registration:
            context["registration"] = registration
    if event.distributor_id:
        context["extensions"][extension_iri("distributor")] = {
            "id": event.distributor_id,
            "name": event.distributor.name if event.distributor else "",
        }
    result: dict[str, Any] = {}
    if event.minutes:
        result["duration"] = f"PT{event.minutes}M"
    score = event.context.get("score") if isinstance(event.context, dict) else None
    if isinstance(score, int | float) and 0 <= score <= 100:
        result["score"] = {"scaled": round(score / 100, 4), "raw": score, "min": 0, "max": 100}
    if event.verb in (Verb.QUIZ_PASSED, Verb.QUIZ_FAILED):
        result["success"] = event.verb == Verb.QUIZ_PASSED
    if event.verb in (Verb.LESSON_COMPLETED, Verb.COURSE_COMPLETED, Verb.PATH_COMPLETED):
        result["completion"] = True
    data: dict[str, Any] = {
        "id": str(event.statement_id),
        "actor": {
            "objectType": "Agent",
            "name": actor.get_full_name() or actor.email,
            "mbox": f"mailto:{actor.email}",
        },
        "verb": {"id": XAPI_VERBS[event.verb], "display": displays.get(event.verb, {})},
        "object": obj,
        "timestamp": _iso(event.occurred_at),
        "context": context,
        "version": XAPI_VERSION,
    }
    if stored:
        data["stored"] = _iso(event.recorded_at)
    if result:
        data["result"] = result
    return data
