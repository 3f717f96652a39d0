"""The promotion report's statistics: confidence intervals, one group's figures, the matched
comparison (coarsened exact matching) and the break-even lift. Pure: pandas frames in,
frozen rows out.

Intervals are 95 %: Wilson's score interval for rates (win, repeat, churn), Student's t
interval for means (cycle days, discount, pocket margin per won deal).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import stdtrit

Z95 = 1.959963984540054
#: Cells of the matched comparison: deals alike in these are compared with each other
#: (``promotions_sql.facts_sql`` numbers each deal's cell).
MATCH_ON = ("pipeline_id", "industry", "size_band", "stage_reached", "quarter")


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float | None, float | None]:
    """Wilson's score interval of ``successes / n`` (None, None when n is 0)."""
    if n <= 0:
        return None, None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def mean_ci(values: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """(mean, low, high): Student's t interval; no interval under two values."""
    values = values[~np.isnan(values)]
    n = len(values)
    if n == 0:
        return None, None, None
    mean = float(values.mean())
    if n < 2:
        return mean, None, None
    half = float(stdtrit(n - 1, 0.975)) * float(values.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Facts:
    """The report's deals as columns (numpy arrays, one element per deal): what the groups'
    figures are computed from, by a mask or slice, without copying frames."""

    closed: np.ndarray
    won: np.ndarray
    cycle_days: np.ndarray
    discount_rate: np.ndarray
    list_amount: np.ndarray
    discount: np.ndarray
    promotion_cost: np.ndarray
    net: np.ndarray
    cost: np.ndarray
    pocket_margin: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Facts:
        return cls(
            closed=frame["closed"].to_numpy(dtype=bool),
            won=frame["won"].to_numpy(dtype=bool),
            **{
                name: frame[name].to_numpy(dtype="float64", na_value=np.nan)
                for name in (
                    "cycle_days",
                    "discount_rate",
                    "list_amount",
                    "discount",
                    "promotion_cost",
                    "net",
                    "cost",
                    "pocket_margin",
                )
            },
        )

    def take(self, order: np.ndarray) -> Facts:
        return Facts(**{name: getattr(self, name)[order] for name in self.__dataclass_fields__})


@dataclass(frozen=True)
class GroupFigures:
    """One group of deals (a promotion, full price, a discount band, a rep)."""

    key: str
    label: str
    deals: int
    closed: int
    won: int
    win_rate: float | None
    win_rate_low: float | None
    win_rate_high: float | None
    #: Days from creation to win, won deals.
    cycle_days: float | None
    cycle_days_low: float | None
    cycle_days_high: float | None
    #: Discount as a fraction of list, mean over closed deals with a list amount.
    avg_discount: float | None
    avg_discount_low: float | None
    avg_discount_high: float | None
    #: The price waterfall of the won deals (company currency): list amount - discounts =
    #: revenue (net); - promotion costs - cost = pocket margin.
    list_amount: float
    discounts: float
    promotion_costs: float
    revenue: float
    cost: float
    pocket_margin: float
    #: Pocket margin over list amount.
    pocket_margin_rate: float | None
    pocket_margin_per_won: float | None
    pocket_margin_per_won_low: float | None
    pocket_margin_per_won_high: float | None
    #: Expected pocket margin per closed deal (win rate x margin per win): does it pay?
    pocket_margin_per_closed: float | None
    #: Fewer closed deals than the report's minimum: too small to compare.
    too_small: bool


def group_figures(
    key: str, label: str, facts: Facts, selected: Any, min_closed: int
) -> GroupFigures:
    """The figures of the deals ``selected`` (a boolean mask or a slice of ``facts``)."""
    closed = facts.closed[selected]
    won = facts.won[selected]
    n_closed, n_won = int(closed.sum()), int(won.sum())

    def won_of(name: str) -> np.ndarray:
        return getattr(facts, name)[selected][won]

    low, high = wilson(n_won, n_closed)
    cycle = mean_ci(won_of("cycle_days"))
    discount = mean_ci(facts.discount_rate[selected][closed])
    margins = won_of("pocket_margin")
    per_won = mean_ci(margins)
    list_amount = float(won_of("list_amount").sum())
    pocket = float(margins.sum())
    return GroupFigures(
        key=key,
        label=label,
        deals=len(closed),
        closed=n_closed,
        won=n_won,
        win_rate=ratio(n_won, n_closed),
        win_rate_low=low,
        win_rate_high=high,
        cycle_days=cycle[0],
        cycle_days_low=cycle[1],
        cycle_days_high=cycle[2],
        avg_discount=discount[0],
        avg_discount_low=discount[1],
        avg_discount_high=discount[2],
        list_amount=list_amount,
        discounts=float(won_of("discount").sum()),
        promotion_costs=float(won_of("promotion_cost").sum()),
        revenue=float(won_of("net").sum()),
        cost=float(won_of("cost").sum()),
        pocket_margin=pocket,
        pocket_margin_rate=ratio(pocket, list_amount),
        pocket_margin_per_won=per_won[0],
        pocket_margin_per_won_low=per_won[1],
        pocket_margin_per_won_high=per_won[2],
        pocket_margin_per_closed=ratio(pocket, n_closed),
        too_small=n_closed < min_closed,
    )


@dataclass(frozen=True)
class MatchedComparison:
    """A promotion's closed deals against full-price deals alike in ``MATCH_ON``."""

    key: str
    label: str
    #: Closed promotion deals with at least one full-price deal in their cell, and those
    #: full-price deals.
    matched_deals: int
    unmatched_deals: int
    control_deals: int
    win_rate: float | None
    #: The full-price win rate of the same cells, weighted by the promotion's deals in each.
    control_win_rate: float | None
    #: Win rate over the matched control's; and over all full-price deals' (raw).
    measured_lift: float | None
    raw_lift: float | None
    #: Margin at list price (m) and what the promotion gives away (d: discounts plus
    #: promotion costs), fractions of list, over its won deals.
    margin_rate: float | None
    give_away_rate: float | None
    #: m / (m - d): how much the win rate must rise to keep the margin; None when the
    #: give-away eats the whole margin (no lift pays for it).
    break_even_lift: float | None
    #: Measured lift at or above break-even (None: cannot say).
    pays: bool | None
    too_small: bool


def matched_comparison(
    key: str,
    label: str,
    facts: Facts,
    cells: np.ndarray,
    treated: np.ndarray,
    control: np.ndarray,
    min_closed: int,
) -> MatchedComparison:
    """Coarsened exact matching: each closed promotion deal (``treated``) against the
    full-price closed deals (``control``) of its cell (``cells``: one integer per deal for
    its pipeline, industry, size band, stage reached and quarter)."""
    t = treated & facts.closed
    c = control & facts.closed
    size = int(cells.max()) + 1 if len(cells) else 1
    n_t = np.bincount(cells[t], minlength=size)
    w_t = np.bincount(cells[t], weights=facts.won[t], minlength=size)
    n_c = np.bincount(cells[c], minlength=size)
    w_c = np.bincount(cells[c], weights=facts.won[c], minlength=size)
    both = (n_t > 0) & (n_c > 0)
    matched = int(n_t[both].sum())
    win_rate = ratio(float(w_t[both].sum()), matched)
    control_rate = ratio(float((n_t[both] * w_c[both] / n_c[both]).sum()), matched)
    raw_treated = ratio(float(facts.won[t].sum()), int(t.sum()))
    raw_control = ratio(float(facts.won[c].sum()), int(c.sum()))
    won = t & facts.won
    list_amount = float(facts.list_amount[won].sum())
    m = ratio(list_amount - float(facts.cost[won].sum()), list_amount)
    give = float(facts.discount[won].sum() + facts.promotion_cost[won].sum())
    d = ratio(give, list_amount)
    break_even = None if m is None or d is None or m <= d else m / (m - d)
    lift = ratio(win_rate, control_rate) if win_rate is not None and control_rate else None
    pays = None
    if lift is not None and m is not None and d is not None:
        pays = break_even is not None and lift >= break_even
    return MatchedComparison(
        key=key,
        label=label,
        matched_deals=matched,
        unmatched_deals=int(t.sum()) - matched,
        control_deals=int(n_c[both].sum()),
        win_rate=win_rate,
        control_win_rate=control_rate,
        measured_lift=lift,
        raw_lift=ratio(raw_treated, raw_control)
        if raw_treated is not None and raw_control
        else None,
        margin_rate=m,
        give_away_rate=d,
        break_even_lift=break_even,
        pays=pays,
        too_small=matched < min_closed,
    )
