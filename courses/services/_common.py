"""Helpers shared by the services of the courses app."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone

from academy.errors import ApplicationError
from academy.models import User


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
