"""What other apps offer to choose from: territories and distributors for
pickers and API fields. Other apps read the network through these, never
through ``distributors.models``.

The audience lists are not scoped to a person: an audience may name any
territory or distributor, and the pages and endpoints that edit one
decide who may."""

from django.db.models import QuerySet

from distributors.models import Distributor, Territory


def territory_choices() -> QuerySet[Territory]:
    """Every territory, by name: what an audience may be limited to. Lazy
    (no query until read), so a form or serializer field may hold it."""
    return Territory.objects.order_by("name")


def distributor_choices() -> QuerySet[Distributor]:
    """Every distributor, by name: what an audience may be limited to. Lazy
    (no query until read), so a form or serializer field may hold it."""
    return Distributor.objects.order_by("name")
