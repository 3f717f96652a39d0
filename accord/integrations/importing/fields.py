"""Field kinds and their converters: one text cell in, one typed value out (or a message).

Pure functions, no ORM. A converter returns the typed value, ``None`` for a blank cell, or
raises ``InvalidInput``; the validator turns that into a (row, column, message) error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.core.validators import EmailValidator

from accord.contacts.rules import email_normalise, phone_normalise
from accord.core.errors import InvalidInput
from accord.core.money import amount_clean, currency_clean


class Kind(StrEnum):
    TEXT = "text"
    EMAIL = "email"
    PHONE = "phone"
    DATETIME = "datetime"
    DATE = "date"
    DECIMAL = "decimal"
    INTEGER = "integer"
    CURRENCY = "currency"
    CHOICE = "choice"
    URL = "url"


@dataclass(frozen=True)
class FieldSpec:
    """One field an import can fill: its type, limits and the column names that suggest it."""

    name: str
    label: str
    kind: Kind = Kind.TEXT
    max_length: int = 200
    #: For ``Kind.CHOICE``: normalised cell value -> stored value.
    choices: tuple[tuple[str, str], ...] = ()
    #: Column names (normalised with ``header_key``) that map to this field without a preset.
    aliases: tuple[str, ...] = ()


@dataclass
class ParseContext:
    """What converters need beyond the cell: the time zone for naive times, a phone region."""

    tz: tzinfo
    phone_region: str | None = None
    naive_times: int = 0


def header_key(header: str) -> str:
    """Normalise a column name for matching: ``" First Name "`` -> ``"first_name"``."""
    return re.sub(r"[^0-9a-z\u0430-\u044f\u0451]+", "_", header.strip().lower()).strip("_")


def choice_key(value: str) -> str:
    return re.sub(r"[\s_\-]+", "", value.strip().lower())


# Day-first with dots (Russian and most of Europe), month-first with slashes (US exports such
# as Salesforce's); ISO is tried first. Ambiguous slash dates are read month-first.
_DATETIME_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y, %I:%M %p",
    "%Y/%m/%d %H:%M:%S",
)
_DATE_FORMATS = ("%d.%m.%Y", "%m/%d/%Y", "%Y/%m/%d")


def _datetime_parse(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None:
        for fmt in (*_DATETIME_FORMATS, *_DATE_FORMATS):
            try:
                parsed = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise InvalidInput(
            f"{value!r} is not a date and time "
            "(use e.g. 2026-01-31 09:00 or 2026-01-31T09:00+03:00)."
        )
    return parsed


def datetime_convert(value: str, ctx: ParseContext) -> datetime:
    parsed = _datetime_parse(value)
    if parsed.tzinfo is None:
        # Files rarely carry offsets; the import's time zone (UTC unless told) is applied and
        # the report says how many times were read that way.
        ctx.naive_times += 1
        parsed = parsed.replace(tzinfo=ctx.tz)
    return parsed


def date_convert(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    # A date-time in a date column keeps its date part.
    try:
        return _datetime_parse(value).date()
    except InvalidInput:
        raise InvalidInput(f"{value!r} is not a date (use e.g. 2026-01-31).") from None


def decimal_convert(value: str) -> Decimal:
    cleaned = value.replace("\u00a0", "").replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # 1234,50: a decimal comma
    elif "," in cleaned:
        cleaned = cleaned.replace(",", "")  # 1,234.50: thousands separators
    return amount_clean(cleaned)


def integer_convert(value: str) -> int:
    cleaned = value.replace("\u00a0", "").replace(" ", "").replace(",", "")
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    if not cleaned.isdigit():
        raise InvalidInput(f"{value!r} is not a whole number of zero or more.")
    return int(cleaned)


_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)

# The common shape of an address (dot-atom mailbox, host name with a TLD), built from Django's
# own patterns so it accepts nothing ``validate_email`` refuses; anything else (quoted
# mailboxes, IP literals, localhost, errors) goes through ``email_normalise``. It is one
# compiled match instead of the validator's several steps: a large file has one per row.
_EMAIL_COMMON = re.compile(
    r"[-!#$%&'*+/=?^_`{}|~0-9a-z]+(?:\.[-!#$%&'*+/=?^_`{}|~0-9a-z]+)*@"
    + EmailValidator.hostname_re
    + EmailValidator.domain_re
    + EmailValidator.tld_no_fqdn_re
    + r"\Z",
    re.IGNORECASE,
)


def email_convert(value: str, *, field: str) -> str | None:
    lowered = value.lower()
    if len(lowered) <= 320 and _EMAIL_COMMON.match(lowered):
        return lowered
    return email_normalise(value, field=field)


def converter_for(spec: FieldSpec, ctx: ParseContext) -> Callable[[str], Any]:
    """One column's converter, chosen once per file: ``raw cell -> value or None``.

    Kinds with few distinct values (choices) remember each answer, so a 100,000-row file
    normalises "Marketing Qualified Lead" once, not 100,000 times.
    """
    kind = spec.kind
    if kind is Kind.TEXT:
        limit = spec.max_length

        def text(raw: str) -> str | None:
            value = raw.strip()
            if len(value) > limit:
                raise InvalidInput(f"Longer than {limit} characters ({len(value)}).")
            return value or None

        return text
    if kind is Kind.EMAIL:
        name = spec.name

        def email(raw: str) -> str | None:
            value = raw.strip()
            return email_convert(value, field=name) if value else None

        return email
    if kind is Kind.DATETIME:

        def moment(raw: str) -> datetime | None:
            value = raw.strip()
            return datetime_convert(value, ctx) if value else None

        return moment
    if kind is Kind.CHOICE:
        seen: dict[str, Any] = {}

        def choice(raw: str) -> Any:
            try:
                return seen[raw]
            except KeyError:
                pass
            value = cell_convert(spec, raw, ctx)
            if len(seen) < 1000:
                seen[raw] = value
            return value

        return choice
    return lambda raw: cell_convert(spec, raw, ctx)


def cell_convert(spec: FieldSpec, raw: str, ctx: ParseContext) -> object:
    """Convert one cell; ``None`` when blank. Raises ``InvalidInput`` with a message."""
    value = raw.strip()
    if not value:
        return None
    kind = spec.kind
    if kind is Kind.TEXT:
        if len(value) > spec.max_length:
            raise InvalidInput(f"Longer than {spec.max_length} characters ({len(value)}).")
        return value
    if kind is Kind.EMAIL:
        return email_convert(value, field=spec.name)
    if kind is Kind.PHONE:
        return phone_normalise(value, default_region=ctx.phone_region, field=spec.name)
    if kind is Kind.DATETIME:
        return datetime_convert(value, ctx)
    if kind is Kind.DATE:
        return date_convert(value)
    if kind is Kind.DECIMAL:
        return decimal_convert(value)
    if kind is Kind.INTEGER:
        return integer_convert(value)
    if kind is Kind.CURRENCY:
        return currency_clean(value, field=spec.name)
    if kind is Kind.URL:
        if len(value) > 2000 or not _URL_RE.match(value):
            raise InvalidInput(f"{value!r} is not an http(s) URL.")
        return value
    if kind is Kind.CHOICE:
        mapped = dict(spec.choices).get(choice_key(value))
        if mapped is None:
            expected = ", ".join(sorted({stored for _, stored in spec.choices}))
            raise InvalidInput(f"Unknown value {value!r}; expected one of: {expected}.")
        return mapped
    raise AssertionError(f"unhandled kind {kind}")  # pragma: no cover
