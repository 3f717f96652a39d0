"""Money for people: cents in tables, whole units on headline tiles, each locale's way."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accord.core.money import money_format, money_whole_format


@pytest.mark.parametrize(
    ("locale", "amount", "currency", "expected"),
    [
        ("en", "758700.00", "USD", "$758,700"),
        ("en", "758700.50", "USD", "$758,701"),  # half up, as people round money
        ("en", "0.49", "EUR", "€0"),
        ("ru", "758700.00", "USD", "758\xa0700\xa0$"),
        ("ru", "1234.40", "RUB", "1\xa0234\xa0₽"),
        ("ru", "-12.50", "EUR", "-13\xa0€"),
    ],
)
def test_headline_amounts_are_whole_units_in_the_locale(locale, amount, currency, expected):
    assert money_whole_format(Decimal(amount), currency, locale) == expected


def test_tables_keep_the_cents():
    assert money_format(Decimal("758700.5"), "USD", "en") == "$758,700.50"
    assert money_format(Decimal("758700.5"), "USD", "ru") == "758\xa0700,50\xa0$"
