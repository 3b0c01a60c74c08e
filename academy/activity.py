"""Where the activity log learns whose team an actor is in.

The log (:class:`academy.models.EngagementEvent`) keeps, with each event, the
distributor the actor belonged to when it happened. The kernel does not know
memberships: the app that does registers a source with
:func:`distributor_source_register` from its ``ready()``.
"""

from collections.abc import Callable

from django.db.models import Model

from academy.models import User

DistributorSource = Callable[[User], Model | None]
_source: list[DistributorSource] = []


def distributor_source_register(source: DistributorSource) -> None:
    """Set the function giving an actor's current distributor (or None)."""
    _source[:] = [source]


def distributor_of(actor: User) -> Model | None:
    """The distributor ``actor`` belongs to now; None for company staff, or
    when no app has registered a source."""
    return _source[0](actor) if _source else None
