"""Numbers for people, in the active language (CLDR rules through Babel and Django l10n)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_percent
from django.utils import formats
from django.utils.translation import get_language, to_locale

from accord.core.money import money_format, money_whole_format


def active_locale() -> str:
    return to_locale(get_language() or "en")


def count_format(value: int) -> str:
    """``12,345`` in English, ``12 345`` in Russian."""
    return formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


def percent_format(ratio: float | None) -> str:
    """``12.5%`` in English, ``12,5 %`` in Russian; an em dash when there is no ratio."""
    if ratio is None:
        return "—"
    # Three decimals of the ratio = one decimal of the percentage, without trailing zeros.
    return format_percent(round(ratio, 3), locale=active_locale(), decimal_quantization=False)


def amount_format(amount: Decimal, currency: str) -> str:
    return money_format(amount, currency, active_locale())


def amount_whole_format(amount: Decimal, currency: str) -> str:
    """Whole units for KPI tiles (``$758,701``); tables of money keep the cents."""
    return money_whole_format(amount, currency, active_locale())
