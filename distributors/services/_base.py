"""Helpers shared by the distributors services."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone

from academy.errors import ApplicationError


def full_clean(instance: Model, **kwargs: Any) -> None:
    """``instance.full_clean()``, turned into an ApplicationError with field errors."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error


def start_of(day: datetime.date) -> datetime.datetime:
    """A moment of ``day`` for the event log: now when it is today, else 09:00 UTC."""
    now = timezone.now()
    if day == timezone.localdate(now):
        return now
    return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=datetime.UTC)


def required_text(value: str, *, field: str, message: str) -> str:
    """``value`` stripped; an ApplicationError on ``field`` when it is empty."""
    value = (value or "").strip()
    if not value:
        raise ApplicationError(message, fields={field: [message]})
    return value
