"""Path converters of the API's URL patterns."""

from django.urls import register_converter


class ObjectIdConverter:
    """``<id:pk>``: an object's id segment, matched as DRF's routers match a
    lookup (anything without a slash or a dot). A segment that is not a
    number still reaches the view, whose scoped lookup answers 404 in the
    API's error shape; ``<int:pk>`` would leave it to Django's HTML 404."""

    regex = "[^/.]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(ObjectIdConverter, "id")
