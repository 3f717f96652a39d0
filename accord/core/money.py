"""Money: Decimal amounts with an ISO 4217 currency, validated and formatted per locale.

Babel carries the ISO 4217 list and the CLDR formatting rules, so neither is kept by hand.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from babel import Locale
from babel.numbers import format_currency, list_currencies

from accord.core.errors import InvalidInput

DEFAULT_CURRENCY = "USD"
MAX_DIGITS = 16
DECIMAL_PLACES = 2


@cache
def known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def currency_clean(code: str | None, *, field: str = "currency") -> str:
    value = (code or "").strip().upper()
    if value not in known_currencies():
        raise InvalidInput(
            f"{code!r} is not an ISO 4217 currency code (for example USD, EUR, RUB).",
            field=field,
        )
    return value


def amount_clean(value: object, *, field: str = "amount", allow_negative: bool = False) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{value!r} is not a number.", field=field) from None
    if not amount.is_finite():
        raise InvalidInput(f"{value!r} is not a finite number.", field=field)
    if amount < 0 and not allow_negative:
        raise InvalidInput(f"The amount cannot be negative (got {amount}).", field=field)
    try:
        quantised = amount.quantize(Decimal(1).scaleb(-DECIMAL_PLACES))
    except InvalidOperation:  # more digits than the decimal context holds
        raise InvalidInput(f"The amount {amount} is too large.", field=field) from None
    if len(quantised.as_tuple().digits) > MAX_DIGITS:
        raise InvalidInput(f"The amount {amount} is too large.", field=field)
    return quantised


def _babel_locale(locale: str) -> str:
    return {"en": "en_US", "ru": "ru_RU"}.get(locale, locale.replace("-", "_"))


def money_format(amount: Decimal | int | float, currency: str, locale: str = "en") -> str:
    """Format an amount for people: ``$1,234.50`` in English, ``1 234,50 $`` in Russian."""
    return format_currency(amount, currency, locale=_babel_locale(locale), format_type="standard")


def money_whole_format(amount: Decimal | int | float, currency: str, locale: str = "en") -> str:
    """An amount in whole units, for headline figures: ``$758,701`` / ``758 701 $``.

    Rounded half up (commercial rounding); the locale's own currency pattern without its
    fraction digits, so the symbol's place and the grouping stay the locale's.
    """
    babel_locale = _babel_locale(locale)
    pattern = Locale.parse(babel_locale).currency_formats["standard"].pattern
    whole_pattern = re.sub(r"\.0+", "", pattern)
    rounded = Decimal(str(amount)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return format_currency(
        rounded, currency, format=whole_pattern, locale=babel_locale, currency_digits=False
    )
