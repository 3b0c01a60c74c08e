"""Who may see which distributors' data: the one place that decides it.

The rule, for every list scoped to the acting person:

* admins see everything;
* managers see what belongs to the distributors of their territories;
* a distributor's lead (and, where a list says so, every current member of its
  staff) sees what belongs to their current distributor;
* any other active person sees only the rows that are their own, when a list
  has such rows (the reports they sent, their own events…);
* anonymous and inactive people see nothing.

:func:`scope_of` takes the decision for a person; :func:`visible` applies it
to a queryset, given where its rows lead to a distributor;
:func:`manages_territory` is the same manager rule for one object (the
permission predicates of ``rules.py`` use it).
"""

import enum
import functools
import operator
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from academy import roles
from academy.models import User
from distributors import selectors
from distributors.models import Distributor, Territory

_M = TypeVar("_M", bound=Model)


class Staff(enum.Enum):
    """Which of a distributor's current staff see the distributor's rows."""

    LEADS = "leads"
    """Its team lead only (the default)."""
    EVERYONE = "everyone"
    """Every current member, lead or not."""
    NOBODY = "nobody"
    """No one: the data is the company's (managers and admins only)."""


class Reach(enum.Enum):
    """How far a person sees (see the module's rule)."""

    EVERYTHING = "everything"
    TERRITORIES = "territories"
    DISTRIBUTOR = "distributor"
    OWN = "own"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Scope:
    """What a person may see: ``reach``, and for ``DISTRIBUTOR`` the id of
    their current distributor. ``OWN`` means only rows that are their own."""

    reach: Reach
    distributor_id: int | None = None


def scope_of(user: User, *, staff: Staff = Staff.LEADS) -> Scope:
    """The scope of ``user`` (see the module's rule); ``staff`` says which
    members see their distributor. Uses the roles and membership cached on
    the user: no query once they are loaded."""
    granted = roles.user_roles(user)
    if roles.ADMIN in granted:
        return Scope(Reach.EVERYTHING)
    if roles.MANAGER in granted:
        return Scope(Reach.TERRITORIES)
    if not granted:  # anonymous or inactive
        return Scope(Reach.NOTHING)
    if staff is not Staff.NOBODY:
        membership = selectors.membership_current(user=user)
        if membership is not None and (staff is Staff.EVERYONE or membership.is_lead):
            return Scope(Reach.DISTRIBUTOR, distributor_id=membership.distributor_id)
    return Scope(Reach.OWN)


def _territory_q(
    queryset: QuerySet, user: User, distributor_path: str | None, managers_path: str | None
) -> Q:
    """Rows of the distributors of the manager's territories."""
    if managers_path is not None:
        return Q(**{managers_path: user})
    assert distributor_path is not None  # checked by visible()
    if distributor_path == "pk":
        return Q(territory__managers=user)
    if distributor_path in queryset.query.annotations:
        # An expression holding a distributor id: compare it with the ids of
        # the territories' distributors.
        ids = Distributor.objects.filter(territory__managers=user).values("pk")
        return Q(**{f"{distributor_path}__in": ids})
    return Q(**{f"{distributor_path}__territory__managers": user})


def visible(
    queryset: QuerySet[_M],
    user: User,
    *,
    distributor_path: str | None = "distributor",
    territory_managers_path: str | None = None,
    staff: Staff = Staff.LEADS,
    own_path: str | None = None,
) -> QuerySet[_M]:
    """The rows of ``queryset`` that ``user`` may see.

    ``distributor_path`` leads from a row to its distributor: a relation
    (``"distributor"``, ``"assignment__distributor"``), ``"pk"`` when the
    rows are distributors, the name of an annotation or alias holding a
    distributor id, or None when the rows belong to no distributor (then no
    member sees them). ``territory_managers_path`` leads to the managers of
    the row's territory (default: through the distributor; ``"managers"``
    for territories). ``staff`` says which members see their distributor's
    rows; ``own_path`` leads to the person a row belongs to, who sees it
    whatever their membership (also after leaving the distributor).

    Admins get ``queryset`` unfiltered (rows of no distributor included);
    managers, the rows of their territories; members, their distributor's
    rows and their own; others, their own rows or none.
    """
    if distributor_path is None and territory_managers_path is None:
        raise ValueError("Give distributor_path or territory_managers_path.")
    scope = scope_of(user, staff=staff if distributor_path is not None else Staff.NOBODY)
    if scope.reach is Reach.EVERYTHING:
        return queryset
    if scope.reach is Reach.TERRITORIES:
        return queryset.filter(_territory_q(queryset, user, distributor_path, territory_managers_path))
    if scope.reach is Reach.NOTHING:
        return queryset.none()
    mine: list[Q] = []
    if scope.distributor_id is not None:
        assert distributor_path is not None  # members reach a distributor only through a path
        mine.append(Q(**{distributor_path: scope.distributor_id}))
    if own_path is not None:
        mine.append(Q(**{own_path: user}))
    if not mine:
        return queryset.none()
    return queryset.filter(functools.reduce(operator.or_, mine))


def visible_distributors(user: User, *, staff: Staff = Staff.LEADS) -> QuerySet[Distributor]:
    """The distributors ``user`` may see (:func:`visible` over all distributors)."""
    return visible(Distributor.objects.all(), user, distributor_path="pk", staff=staff)


def manages_territory(user: User, territory_id: int | None) -> bool:
    """Whether ``user`` is a manager of territory ``territory_id``: the
    manager rule of :func:`visible` for one object (one small query through
    the link table, none for people who are not managers)."""
    if territory_id is None or roles.MANAGER not in roles.user_roles(user):
        return False
    return Territory.managers.through.objects.filter(territory_id=territory_id, user_id=user.pk).exists()
