"""The one error type of the application.

Services raise ``ApplicationError`` when a rule of the product refuses an
action; the message is written for the person who tried it (translated). Pages
show it next to the form, the API turns it into the one error shape (see
``academy.api.errors``) and WebSocket consumers into an error frame.
"""

from collections.abc import Mapping, Sequence


class ApplicationError(Exception):
    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        fields: Mapping[str, Sequence[str]] | None = None,
        status: int = 400,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.fields = {key: [str(m) for m in value] for key, value in (fields or {}).items()}
        self.status = status

    @classmethod
    def from_validation_error(cls, error: Exception) -> "ApplicationError":
        """Wrap Django's ValidationError (from ``full_clean``) keeping field errors."""
        from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
        from django.utils.translation import gettext

        assert isinstance(error, ValidationError)
        if hasattr(error, "error_dict"):
            fields = {
                ("non_field_errors" if key == NON_FIELD_ERRORS else key): list(messages)
                for key, messages in error.message_dict.items()
            }
            first = next(iter(fields.values()))[0] if fields else gettext("Invalid input.")
            return cls(first, fields=fields)
        messages = list(error.messages)
        return cls(
            messages[0] if messages else gettext("Invalid input."), fields={"non_field_errors": messages}
        )
