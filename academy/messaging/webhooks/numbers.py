"""Phone numbers as the providers' webhooks give them, made E.164."""

import phonenumbers


def e164(number: str) -> str:
    """``number`` in E.164 (``+221771234567``) when it parses, else as given."""
    raw = number.strip()
    if raw and not raw.startswith("+") and raw.isdigit():
        raw = "+" + raw
    try:
        parsed = phonenumbers.parse(raw)
    except phonenumbers.NumberParseException:
        return number.strip()
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
