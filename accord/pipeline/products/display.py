"""Money and percentages for the pages, in the active language (CLDR rules via Babel).

Kept here rather than in ``accord.ui`` so that the pipeline's htmx views need no import of
the presentation layer (the layers contract lets only modules named ``views`` do that)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_percent
from django.utils.translation import get_language, to_locale

from accord.core.money import money_format


def money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return "—"
    return money_format(amount, currency, to_locale(get_language() or "en"))


def percent(value: Decimal | None) -> str:
    """``12.5%`` / ``12,5 %`` for a value already in percent (not a ratio)."""
    if value is None:
        return "—"
    return format_percent(
        value / 100, locale=to_locale(get_language() or "en"), decimal_quantization=False
    )
