"""The arithmetic of line items, deals and the discount ladder: pure functions, no ORM.

Amounts are rounded half up to cents at each stored step (gross, percentage discount, cost),
so the numbers a person checks on paper are the numbers stored.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from accord.core.errors import InvalidInput

CENT = Decimal("0.01")
#: The largest amount a money column holds (16 digits, 2 after the point).
MONEY_LIMIT = Decimal("99999999999999.99")
HUNDRED = Decimal(100)
#: Approver levels, lowest first (``ApproverLevel`` values).
LEVELS = ("rep", "manager", "admin")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineFigures:
    gross: Decimal  # quantity x list price
    discount: Decimal  # percentage part + amount part
    net: Decimal  # gross - discount
    cost: Decimal  # quantity x unit cost
    margin: Decimal  # net - cost
    discount_percent: Decimal  # the effective discount, of gross (two decimals)


def line_figures(
    *,
    quantity: Decimal,
    list_price: Decimal,
    unit_cost: Decimal,
    discount_percent: Decimal = Decimal(0),
    discount_amount: Decimal = Decimal(0),
) -> LineFigures:
    """The figures of one line; refuses what cannot be (naming the field)."""
    if quantity <= 0:
        raise InvalidInput(f"The quantity must be more than 0 (got {quantity}).", field="quantity")
    if list_price < 0:
        raise InvalidInput("The list price cannot be negative.", field="list_price")
    if unit_cost < 0:
        raise InvalidInput("The unit cost cannot be negative.", field="unit_cost")
    if not Decimal(0) <= discount_percent <= HUNDRED:
        raise InvalidInput(
            f"The discount must be between 0 and 100% (got {discount_percent}).",
            field="discount_percent",
        )
    if discount_amount < 0:
        raise InvalidInput("The discount amount cannot be negative.", field="discount_amount")
    gross = cents(quantity * list_price)
    if gross > MONEY_LIMIT:
        raise InvalidInput(
            f"The line's total ({gross}) is larger than an amount can be.", field="quantity"
        )
    discount = cents(gross * discount_percent / HUNDRED) + cents(discount_amount)
    if discount > gross:
        raise InvalidInput(
            f"The discounts ({discount}) are larger than the line's gross amount ({gross}).",
            field="discount_amount",
        )
    net = gross - discount
    cost = cents(quantity * unit_cost)
    effective = cents(discount * HUNDRED / gross) if gross else Decimal("0.00")
    return LineFigures(
        gross=gross,
        discount=discount,
        net=net,
        cost=cost,
        margin=net - cost,
        discount_percent=effective,
    )


@dataclass(frozen=True)
class DealFigures:
    lines: int
    gross: Decimal
    discount: Decimal
    net: Decimal  # the deal's amount when it has lines
    cost: Decimal
    margin: Decimal  # net - cost
    margin_percent: Decimal | None  # of net; None when net is 0
    discount_percent: Decimal  # of gross


def deal_figures(lines: Iterable[LineFigures]) -> DealFigures:
    items = list(lines)
    gross = sum((x.gross for x in items), Decimal("0.00"))
    discount = sum((x.discount for x in items), Decimal("0.00"))
    net = sum((x.net for x in items), Decimal("0.00"))
    cost = sum((x.cost for x in items), Decimal("0.00"))
    margin = net - cost
    return DealFigures(
        lines=len(items),
        gross=gross,
        discount=discount,
        net=net,
        cost=cost,
        margin=margin,
        margin_percent=cents(margin * HUNDRED / net) if net else None,
        discount_percent=cents(discount * HUNDRED / gross) if gross else Decimal("0.00"),
    )


def level_rank(level: str) -> int:
    return LEVELS.index(level)


def required_level(percent: Decimal, bands: Sequence[tuple[Decimal, str]]) -> str:
    """The lowest level that may grant ``percent`` under ``bands`` ((max %, level), any
    order): the level of the first rung reaching it; above the top rung, an administrator."""
    if percent <= 0:
        return "rep"
    for top, level in sorted(bands):
        if percent <= top:
            return level
    return "admin"


def level_limit(level: str, bands: Sequence[tuple[Decimal, str]]) -> Decimal:
    """The deepest discount ``level`` may grant alone (0 when no rung is theirs)."""
    if level == "admin":
        return HUNDRED
    rank = level_rank(level)
    allowed = [top for top, rung in bands if level_rank(rung) <= rank]
    return max(allowed, default=Decimal(0))


def bands_check(bands: Sequence[tuple[Decimal, str]]) -> None:
    """A ladder climbs: each rung deeper than the last and approved by someone no lower."""
    if not bands:
        raise InvalidInput("The ladder needs at least one band.", field="bands")
    ordered = sorted(bands)
    for (top, level), (next_top, next_level) in itertools.pairwise(ordered):
        if top == next_top:
            raise InvalidInput(f"Two bands end at {top}%.", field="bands")
        if level_rank(next_level) < level_rank(level):
            raise InvalidInput(
                f"The band up to {next_top}% is approved by a lower level than the band "
                f"up to {top}%.",
                field="bands",
            )
    for top, level in ordered:
        if not Decimal(0) < top <= HUNDRED:
            raise InvalidInput(f"A band ends between 0 and 100% (got {top}).", field="bands")
        if level not in LEVELS:
            raise InvalidInput(f"Unknown approver level {level!r}.", field="bands")


def size_band(employees: int | None) -> str:
    """An account's size band (``SizeBand`` values; '' when unknown)."""
    if employees is None:
        return ""
    if employees < 50:
        return "small"
    if employees < 500:
        return "mid"
    return "large"
