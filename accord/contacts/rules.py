"""Pure rules for identifying people: email and phone normalisation."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from accord.core.errors import InvalidInput


def email_normalise(raw: str | None, *, field: str = "email") -> str | None:
    """Trim and lower-case an email; ``None`` for blank; a domain error for a malformed one.

    The whole address is lower-cased: in practice mailbox names are case-insensitive, and
    case-sensitive dedupe is a known source of duplicate contacts (mautic#5149).
    """
    value = (raw or "").strip().lower()
    if not value:
        return None
    try:
        validate_email(value)
    except ValidationError:
        raise InvalidInput(f"{raw!r} is not a valid email address.", field=field) from None
    return value


def phone_normalise(
    raw: str | None, *, default_region: str | None = None, field: str = "phone"
) -> str | None:
    """Return the E.164 form of a phone number; ``None`` for blank.

    Numbers without a leading ``+`` are read in ``default_region`` (an ISO country code).
    """
    value = (raw or "").strip()
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        hint = "" if value.startswith("+") else " (add the country code, e.g. +7 or +1)"
        raise InvalidInput(f"{raw!r} is not a phone number{hint}.", field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(f"{raw!r} is not a valid phone number.", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
