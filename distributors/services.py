"""Writes of the distributors app: one function per use case."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries as country_registry

from academy.errors import ApplicationError
from academy.models import Role, User
from distributors import signals
from distributors.models import (
    Distributor,
    DistributorStatusChange,
    EngagementEvent,
    Membership,
    MembershipRole,
    Territory,
    Verb,
)
from distributors.selectors import membership_cache_clear, membership_current

_UNSET: Any = object()


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
    """Append one event to the engagement log.

    Every app calls this from its own services for the action it performs.
    The distributor defaults to the actor's current one (none for company
    staff). ``obj`` fills the object type, id and name.
    """
    if verb not in Verb.values:
        raise ValueError(f"Unknown engagement verb: {verb!r}")
    if distributor is _UNSET:
        membership = membership_current(user=actor)
        distributor = membership.distributor if membership else None
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or obj.pk
        object_name = object_name or str(obj)[:255]
    return EngagementEvent.objects.create(
        actor=actor,
        distributor=distributor,
        verb=verb,
        object_type=object_type,
        object_id=str(object_id),
        object_name=object_name[:255],
        minutes=max(0, int(minutes)),
        context=context or {},
        occurred_at=occurred_at or timezone.now(),
    )


@transaction.atomic
def membership_start(
    *,
    user: User,
    distributor: Distributor,
    role: MembershipRole | str = MembershipRole.STAFF,
    job_title: str = "",
    joined_on: datetime.date | None = None,
) -> Membership:
    """Make ``user`` a member of ``distributor`` from ``joined_on`` (today by default).

    Refused when the person already has an open membership: they must leave
    their current distributor first.
    """
    membership = Membership(
        user=user,
        distributor=distributor,
        role=role,
        job_title=job_title,
        joined_on=joined_on or timezone.localdate(),
    )
    _full_clean(membership, validate_constraints=False)
    if Membership.objects.filter(user=user, left_on__isnull=True).exists():
        raise ApplicationError(
            _("%(person)s already belongs to a distributor; end that membership first.") % {"person": user},
            code="membership_exists",
        )
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:  # a concurrent request won the race
        raise ApplicationError(
            _("%(person)s already belongs to a distributor; end that membership first.") % {"person": user},
            code="membership_exists",
        ) from error
    membership_cache_clear(user=user)
    engagement_record(
        actor=user,
        verb=Verb.JOINED_DISTRIBUTOR,
        obj=distributor,
        distributor=distributor,
        occurred_at=_start_of(membership.joined_on),
    )
    signals.membership_started.send(sender=Membership, membership=membership)
    return membership


@transaction.atomic
def membership_end(
    *,
    membership: Membership,
    ended_by: User | None = None,
    reason: str = "",
    left_on: datetime.date | None = None,
) -> Membership:
    """Close a membership. The person keeps their account and history."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.left_on is not None:
        raise ApplicationError(_("This person has already left."), code="membership_ended")
    left_on = left_on or timezone.localdate()
    if left_on < membership.joined_on:
        raise ApplicationError(
            _("The leaving date cannot be before the joining date."),
            fields={"left_on": [_("The leaving date cannot be before the joining date.")]},
        )
    membership.left_on = left_on
    membership.left_reason = reason.strip()
    membership.ended_by = ended_by
    membership.save(update_fields=["left_on", "left_reason", "ended_by", "updated_at"])
    membership_cache_clear(user=membership.user)
    engagement_record(
        actor=membership.user,
        verb=Verb.LEFT_DISTRIBUTOR,
        obj=membership.distributor,
        distributor=membership.distributor,
        occurred_at=_start_of(left_on),
        context={"reason": membership.left_reason} if membership.left_reason else None,
    )
    signals.membership_ended.send(sender=Membership, membership=membership)
    return membership


def _start_of(day: datetime.date) -> datetime.datetime:
    now = timezone.now()
    if day == timezone.localdate(now):
        return now
    return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=datetime.UTC)


@transaction.atomic
def territory_create(*, name: str, countries: list[str], managers: Sequence[User] = ()) -> Territory:
    """Create a territory; managers must hold the manager role."""
    not_managers = [str(user) for user in managers if user.role != Role.MANAGER]
    if not_managers:
        raise ApplicationError(
            _("Only managers can be put in charge of a territory: %(people)s")
            % {"people": ", ".join(not_managers)},
            fields={"managers": [_("Only managers can be put in charge of a territory.")]},
        )
    territory = Territory(name=name.strip())
    territory.countries = countries  # type: ignore[assignment]  # multiple CountryField takes a list
    _full_clean(territory)
    territory.save()
    territory.managers.set(managers)
    return territory


@transaction.atomic
def distributor_create(
    *, created_by: User | None, territory: Territory, name: str, country: str, **fields: Any
) -> Distributor:
    """Create a distributor organisation and the first step of its status history.

    Its country must belong to its territory.
    """
    distributor = Distributor(territory=territory, name=name.strip(), country=country, **fields)
    _full_clean(distributor)
    if country not in territory_country_codes(territory):
        message = _("%(country)s is not one of the countries of the territory %(territory)s.") % {
            "country": country_registry.name(country),
            "territory": territory.name,
        }
        raise ApplicationError(message, fields={"country": [message]})
    distributor.save()
    DistributorStatusChange.objects.create(
        distributor=distributor, from_status="", to_status=distributor.status, changed_by=created_by
    )
    return distributor


def territory_country_codes(territory: Territory) -> set[str]:
    return {str(country) for country in territory.countries}  # type: ignore[attr-defined]


def _full_clean(instance: Model, **kwargs: Any) -> None:
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error
