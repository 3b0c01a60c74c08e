"""The engagement log: one writer for every app."""

import datetime
import json
from typing import Any

from django.db.models import Model
from django.utils import timezone

from academy.models import User
from distributors.models import Distributor, EngagementEvent, Verb
from distributors.selectors import membership_current

_UNSET: Any = object()

# The context is for a few facts about the action (a score, a reason), not documents.
CONTEXT_MAX_BYTES = 4096


def engagement_record(
    *,
    actor: User,
    verb: Verb | str,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_name: str = "",
    minutes: int = 0,
    context: dict[str, Any] | None = None,
    occurred_at: datetime.datetime | None = None,
    distributor: Distributor | None = _UNSET,
) -> EngagementEvent:
    """Append one event to the engagement log and return it.

    Every app calls this from its own services for the action it performs.
    The distributor defaults to the actor's current one (none for company
    staff), so the event stays attached to the distributor of the time.
    ``obj`` fills the object type (``app_label.model``), id and name.
    ``context`` must be JSON-serialisable and at most 4 KB; ``occurred_at``
    defaults to now (pass it to record something that happened earlier).
    Raises ``ValueError`` for a verb outside the vocabulary or an oversized
    context: both are programming errors, not user input.
    """
    if verb not in Verb.values:
        raise ValueError(f"Unknown engagement verb: {verb!r}")
    context = context or {}
    if len(json.dumps(context)) > CONTEXT_MAX_BYTES:
        raise ValueError(f"Engagement context larger than {CONTEXT_MAX_BYTES} bytes")
    if distributor is _UNSET:
        membership = membership_current(user=actor)
        distributor = membership.distributor if membership else None
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or obj.pk
        object_name = object_name or str(obj)
    return EngagementEvent.objects.create(
        actor=actor,
        distributor=distributor,
        verb=verb,
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        object_name=object_name[:255],
        minutes=max(0, int(minutes)),
        context=context,
        occurred_at=occurred_at or timezone.now(),
    )
