"""xAPI 1.0.3 statements built from engagement events.

* ``id``: a UUID derived from the event id (UUID 5 in a fixed namespace), so
  the same event always gives the same statement;
* ``actor``: an Agent with ``mbox`` (``mailto:`` address) and name;
* ``verb``: the IRI of ``XAPI_VERBS`` with its display in English and French;
* ``object``: an Activity whose IRI is built from ``SITE_URL``, the object
  type and id (the academy itself when the event has no object), with the
  object's name;
* ``result``: duration (minutes) and the quiz score when the event has them;
* ``timestamp`` (when it happened) and ``stored``;
* ``context``: platform, language and the distributor as an extension.
"""

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.utils import translation

from academy.models import XAPI_VERBS, EngagementEvent, Verb

XAPI_VERSION = "1.0.3"
# Namespace of statement ids: uuid5(NAMESPACE, "<event id>").
STATEMENT_NAMESPACE = uuid.UUID("5b0f3d1e-7c52-4f0e-9d8a-2a1c3e6b9f40")


def extension_iri(name: str) -> str:
    return f"{settings.SITE_URL}/xapi/extensions/{name}"


def statement_id(event_id: int) -> str:
    return str(uuid.uuid5(STATEMENT_NAMESPACE, str(event_id)))


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


def statement(event: EngagementEvent, displays: dict[str, dict[str, str]]) -> dict[str, Any]:
    actor = event.actor
    if event.object_type:
        activity_id = f"{settings.SITE_URL}/xapi/activities/{event.object_type}/{event.object_id or 0}"
    else:
        activity_id = f"{settings.SITE_URL}/"
    obj: dict[str, Any] = {"objectType": "Activity", "id": activity_id}
    if event.object_name:
        obj["definition"] = {"name": {"und": event.object_name}}
    context: dict[str, Any] = {"platform": "Academy", "extensions": {extension_iri("verb"): event.verb}}
    if actor.language:
        context["language"] = actor.language
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
        "id": statement_id(event.pk),
        "actor": {
            "objectType": "Agent",
            "name": actor.get_full_name() or actor.email,
            "mbox": f"mailto:{actor.email}",
        },
        "verb": {"id": XAPI_VERBS[event.verb], "display": displays.get(event.verb, {})},
        "object": obj,
        "timestamp": _iso(event.occurred_at),
        "stored": _iso(event.occurred_at),
        "context": context,
        "version": XAPI_VERSION,
    }
    if result:
        data["result"] = result
    return data
