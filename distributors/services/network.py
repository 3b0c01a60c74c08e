"""Territories, distributor organisations, their lifecycle and scorecards."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries as country_registry

from academy.errors import ApplicationError
from academy.models import Role, User
from academy.permissions import require
from distributors.models import (
    STATUS_TRANSITIONS,
    Distributor,
    DistributorStatus,
    DistributorStatusChange,
    ScorecardReview,
    Territory,
)
from distributors.services._base import full_clean, required_text

# What distributor_update may change. Status has its own service (history and
# allowed transitions); moving a distributor to another territory is an
# administrator's job in the admin site.
DISTRIBUTOR_EDITABLE_FIELDS = (
    "name",
    "country",
    "city",
    "address",
    "contact_name",
    "contact_email",
    "contact_phone",
    "website",
    "account_manager",
    "partnership_started_on",
    "is_exclusive",
    "notes",
)


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
    full_clean(territory)
    territory.save()
    territory.managers.set(managers)
    return territory


def territory_country_codes(territory: Territory) -> set[str]:
    return {str(country) for country in territory.countries}  # type: ignore[attr-defined]


def _check_country(distributor: Distributor) -> None:
    if str(distributor.country) not in territory_country_codes(distributor.territory):
        message = _("%(country)s is not one of the countries of the territory %(territory)s.") % {
            "country": country_registry.name(distributor.country),
            "territory": distributor.territory.name,
        }
        raise ApplicationError(message, fields={"country": [message]})


def _check_account_manager(distributor: Distributor) -> None:
    manager = distributor.account_manager
    if manager is not None and manager.role != Role.MANAGER:
        message = _("The account manager must be one of the company's managers.")
        raise ApplicationError(message, fields={"account_manager": [message]})


@transaction.atomic
def distributor_create(
    *, created_by: User | None, territory: Territory, name: str, country: str, **fields: Any
) -> Distributor:
    """Create a distributor organisation and the first step of its status history.

    Its country must belong to its territory; the account manager, when given,
    must be a manager. ``created_by`` is recorded as the author of that first
    step (None for imports and the demo). Callers check who may create.
    """
    distributor = Distributor(territory=territory, name=name.strip(), country=country, **fields)
    full_clean(distributor)
    _check_country(distributor)
    _check_account_manager(distributor)
    distributor.save()
    DistributorStatusChange.objects.create(
        distributor=distributor, from_status="", to_status=distributor.status, changed_by=created_by
    )
    return distributor


@transaction.atomic
def distributor_update(*, actor: User, distributor: Distributor, **changes: Any) -> Distributor:
    """Change a distributor's details (see ``DISTRIBUTOR_EDITABLE_FIELDS``).

    For the territory's managers and administrators (403 otherwise). Unknown
    or non-editable fields are refused with a 400.
    """
    require(actor, "distributors.manage_distributor", distributor)
    unknown = set(changes) - set(DISTRIBUTOR_EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    for field, value in changes.items():
        setattr(distributor, field, value.strip() if isinstance(value, str) else value)
    full_clean(distributor)
    _check_country(distributor)
    _check_account_manager(distributor)
    distributor.save()
    return distributor


def _status_label(status: str) -> str:
    return str(DistributorStatus(status).label)


@transaction.atomic
def distributor_status_change(
    *,
    actor: User,
    distributor: Distributor,
    status: DistributorStatus | str,
    reason: str,
    changed_at: datetime.datetime | None = None,
) -> DistributorStatusChange:
    """Move a distributor to ``status``, recording who, when and why.

    Only the moves of ``STATUS_TRANSITIONS`` are allowed (code
    ``invalid_transition`` with a message naming the allowed ones); a reason
    is required. ``changed_at`` records a change decided earlier (defaults to
    now). For the territory's managers and administrators (403 otherwise).
    """
    require(actor, "distributors.change_status", distributor)
    if status not in DistributorStatus.values:
        message = _("“%(value)s” is not a distributor status.") % {"value": status}
        raise ApplicationError(message, fields={"status": [message]})
    reason = required_text(reason, field="reason", message=_("Say why the status changes."))
    locked = Distributor.objects.select_for_update(of=("self",)).get(pk=distributor.pk)
    current = locked.status
    if status == current:
        message = _("The distributor is already “%(status)s”.") % {"status": _status_label(current)}
        raise ApplicationError(message, code="invalid_transition", fields={"status": [message]})
    allowed = STATUS_TRANSITIONS.get(current, ())
    if status not in allowed:
        message = _(
            "A distributor cannot go from “%(current)s” to “%(target)s”. From “%(current)s” it can go to: "
            "%(allowed)s."
        ) % {
            "current": _status_label(current),
            "target": _status_label(status),
            "allowed": ", ".join(f"“{_status_label(s)}”" for s in allowed),
        }
        raise ApplicationError(message, code="invalid_transition", fields={"status": [message]})
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    distributor.status = status
    change = DistributorStatusChange(
        distributor=locked,
        from_status=current,
        to_status=status,
        changed_by=actor,
        reason=reason,
        created_at=changed_at or timezone.now(),
    )
    full_clean(change)
    change.save()
    return change


@transaction.atomic
def scorecard_review_create(
    *,
    actor: User,
    distributor: Distributor,
    payment_reliability: int,
    established_network: int,
    technical_competence: int,
    commitment: int,
    reviewed_on: datetime.date | None = None,
    payment_reliability_notes: str = "",
    established_network_notes: str = "",
    technical_competence_notes: str = "",
    commitment_notes: str = "",
    summary: str = "",
) -> ScorecardReview:
    """Record a dated review of the selection criteria (each rated 1–5).

    A review date cannot be in the future. For the territory's managers and
    administrators (403 otherwise).
    """
    require(actor, "distributors.review_scorecard", distributor)
    reviewed_on = reviewed_on or timezone.localdate()
    if reviewed_on > timezone.localdate():
        message = _("The review date cannot be in the future.")
        raise ApplicationError(message, fields={"reviewed_on": [message]})
    review = ScorecardReview(
        distributor=distributor,
        reviewed_by=actor,
        reviewed_on=reviewed_on,
        payment_reliability=payment_reliability,
        established_network=established_network,
        technical_competence=technical_competence,
        commitment=commitment,
        payment_reliability_notes=payment_reliability_notes.strip(),
        established_network_notes=established_network_notes.strip(),
        technical_competence_notes=technical_competence_notes.strip(),
        commitment_notes=commitment_notes.strip(),
        summary=summary.strip(),
    )
    full_clean(review)
    review.save()
    return review
