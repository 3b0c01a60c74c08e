"""Serializer fields shared by every app's API."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from academy.models import known_time_zones

TIME_ZONE_SCHEMA = {
    "type": "string",
    "maxLength": 64,
    "example": "Africa/Dakar",
    "description": "An IANA time zone name, such as “Africa/Dakar”, “Europe/Paris” or “UTC”.",
}


@extend_schema_field(TIME_ZONE_SCHEMA)
class TimeZoneField(serializers.CharField):
    """An IANA time zone name, checked against the zones this server knows.

    Documented as a plain string rather than the ~600 names as an enum: the
    list changes with the system's tz database, and names such as ``GMT0``,
    ``GMT+0`` and ``GMT-0`` collapse into one identifier in generated clients."""

    default_error_messages = {"unknown": _("“{input}” is not a known time zone.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value and value not in known_time_zones():
            self.fail("unknown", input=value)
        return value
