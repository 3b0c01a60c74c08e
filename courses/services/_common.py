"""Helpers shared by the services of the courses app."""

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone

from academy.errors import ApplicationError
from academy.models import User
from academy.services import activity_record
from distributors.selectors import distributor_on

if TYPE_CHECKING:
    from distributors.models import Distributor


def full_clean(instance: Model, **kwargs: Any) -> None:
    """``full_clean`` turning Django's ValidationError into the application error."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error


def moment(at: datetime.datetime | None) -> datetime.datetime:
    """``at`` (an explicit time, e.g. for imported history) or now."""
    return at or timezone.now()


def local_morning(day: datetime.date, user: User, hour: int = 8) -> datetime.datetime:
    """``hour`` o'clock on ``day`` in the person's own time zone (reminders
    arrive in their morning)."""
    return datetime.datetime.combine(day, datetime.time(hour, 0), tzinfo=user.tzinfo)


def field_error(field: str, message: str, *, code: str = "invalid", status: int = 400) -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]}, status=status)


def distributor_at(user: User, when: datetime.datetime) -> "Distributor | None":
    """The distributor ``user`` belonged to on the day of ``when`` (their
    current one for today), so history recorded with past dates is
    attributed to the right team after staff turnover."""
    return distributor_on(user=user, day=timezone.localdate(when))


def event(
    *,
    actor: User,
    verb: str,
    obj: Model,
    at: datetime.datetime,
    minutes: int = 0,
    context: dict[str, Any] | None = None,
) -> None:
    """Record one engagement event that happened at ``at``, for the
    distributor the actor belonged to that day."""
    activity_record(
        actor=actor,
        verb=verb,
        obj=obj,
        occurred_at=at,
        minutes=minutes,
        context=context,
        distributor=distributor_at(actor, at),
    )
