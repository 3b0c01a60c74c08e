"""Helpers shared by the webinars services."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model

from academy.errors import ApplicationError


def full_clean(instance: Model, **kwargs: Any) -> None:
    """``full_clean`` that raises the application error with field messages."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error


def not_found(message: str) -> ApplicationError:
    return ApplicationError(message, code="not_found", status=404)
