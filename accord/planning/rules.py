"""The reverse funnel and the plan's checks: pure functions over plain data, no ORM.

A plan's revenue target, month by month, becomes the won deals needed (target / average deal
size), then each stage above them (won / the step's conversion rate, up to visits). Each stage
is needed *earlier* than the deals it feeds: ``lags`` says how many months before the won month
a stage's entries must happen (leads needed in March for deals in June: lag 3), so a stage's
months may start before the plan's period. The forward funnel is the exact inverse, and the
property test checks that running it from the reverse funnel's outputs gives back the target.

Numbers stay fractional here (3.75 opportunities); pages round up when they show a count.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from accord.core.errors import InvalidInput

#: The funnel's stages, top to bottom, as the plan names them.
STAGES = ("visit", "lead", "mql", "sal", "sql", "opportunity", "won")
#: The conversion from each stage to the next, keyed ``<from>_<to>``.
RATE_KEYS = tuple(f"{a}_{b}" for a, b in itertools.pairwise(STAGES))
#: Stages whose timing is an assumption (``won`` is the month itself).
LAG_STAGES = STAGES[:-1]
MAX_LAG_MONTHS = 24
#: Bounds that keep every derived number finite: no plan is worth more than this, and a step
#: converting less than 0.01 % is not a plan.
MAX_NUMBER = 1e12
MIN_RATE = 0.0001
#: Rounding an assumption (to four digits) does not make it optimistic.
TOLERANCE = 1e-3
PERIOD_MONTHS = {"quarter": 3, "year": 12}


# ---- months -----------------------------------------------------------------------------


def month_shift(month: str, by: int) -> str:
    """``2026-06`` shifted by ``by`` months (negative: earlier)."""
    year, number = (int(part) for part in month.split("-", 1))
    index = year * 12 + number - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def period_months(start: str, kind: str) -> list[str]:
    """The months of a period starting at ``start`` (``YYYY-MM``)."""
    return [month_shift(start, i) for i in range(PERIOD_MONTHS[kind])]


# ---- validation -------------------------------------------------------------------------


def _number(value: Any, *, field: str, label: str) -> float:
    if isinstance(value, bool):
        raise InvalidInput(_("%(label)s must be a number.") % {"label": label}, field=field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(
            _("%(label)s must be a number.") % {"label": label}, field=field
        ) from None
    if not math.isfinite(number):
        raise InvalidInput(_("%(label)s must be a number.") % {"label": label}, field=field)
    if abs(number) > MAX_NUMBER:
        raise InvalidInput(_("%(label)s is too large.") % {"label": label}, field=field)
    return number


def positive(value: Any, *, field: str, label: str) -> float:
    number = _number(value, field=field, label=label)
    if number <= 0:
        raise InvalidInput(_("%(label)s must be more than zero.") % {"label": label}, field=field)
    return number


def not_negative(value: Any, *, field: str, label: str) -> float:
    number = _number(value, field=field, label=label)
    if number < 0:
        raise InvalidInput(_("%(label)s cannot be negative.") % {"label": label}, field=field)
    return number


def rate(value: Any, *, field: str, label: str) -> float:
    """A conversion rate as a share (0 < r ≤ 1); 1.2 (120 %) is impossible."""
    number = _number(value, field=field, label=label)
    if number < MIN_RATE or number > 1:
        raise InvalidInput(
            _("%(label)s must be more than 0 %% and at most 100 %%.") % {"label": label},
            field=field,
        )
    return number


def lag(value: Any, *, field: str, label: str) -> int:
    number = _number(value, field=field, label=label)
    if number != int(number) or not 0 <= number <= MAX_LAG_MONTHS:
        raise InvalidInput(
            _("%(label)s must be a whole number of months from 0 to %(max)s.")
            % {"label": label, "max": MAX_LAG_MONTHS},
            field=field,
        )
    return int(number)


# ---- the reverse and forward funnels ----------------------------------------------------


@dataclass(frozen=True)
class StageNeed:
    stage: str
    total: float
    by_month: dict[str, float]


@dataclass(frozen=True)
class ReverseFunnel:
    stages: tuple[StageNeed, ...]

    def stage(self, name: str) -> StageNeed:
        return next(s for s in self.stages if s.stage == name)


def lags_check(lags: Mapping[str, int]) -> None:
    """A stage cannot be needed later than the stage below it."""
    for upper, lower in itertools.pairwise(LAG_STAGES):
        if lags[upper] < lags[lower]:
            raise InvalidInput(
                _("Lag before the won month: %(upper)s cannot be shorter than %(lower)s.")
                % {"upper": upper, "lower": lower},
                field=f"lags.{upper}",
            )


def reverse_funnel(
    *,
    revenue_by_month: Mapping[str, float],
    deal_size: float,
    rates: Mapping[str, float],
    lags: Mapping[str, int],
) -> ReverseFunnel:
    """What each stage needs, and in which month, for the revenue target month by month."""
    won = {m: revenue / deal_size for m, revenue in revenue_by_month.items()}
    needs = {"won": won}
    current = won
    for upper, lower in zip(reversed(STAGES[:-1]), reversed(STAGES[1:]), strict=False):
        step = rates[f"{upper}_{lower}"]
        current = {m: n / step for m, n in current.items()}
        needs[upper] = current
    stages = []
    for stage in STAGES:
        shift = 0 if stage == "won" else -lags[stage]
        by_month: dict[str, float] = {}
        for month, count in needs[stage].items():
            key = month_shift(month, shift)
            by_month[key] = by_month.get(key, 0.0) + count
        stages.append(StageNeed(stage, sum(by_month.values()), dict(sorted(by_month.items()))))
    return ReverseFunnel(tuple(stages))


def forward_funnel(
    *,
    visits_by_month: Mapping[str, float],
    deal_size: float,
    rates: Mapping[str, float],
    lags: Mapping[str, int],
) -> dict[str, float]:
    """Revenue by won month from visits by month: the reverse funnel run forwards."""
    revenue: dict[str, float] = {}
    for month, visits in visits_by_month.items():
        count = visits
        for upper, lower in itertools.pairwise(STAGES):
            count *= rates[f"{upper}_{lower}"]
        won_month = month_shift(month, lags["visit"])
        revenue[won_month] = revenue.get(won_month, 0.0) + count * deal_size
    return dict(sorted(revenue.items()))


def revenue_split(total: float, months: Sequence[str]) -> dict[str, float]:
    """An even split of a period's target over its months."""
    return {m: total / len(months) for m in months}


# ---- channels and scenarios -------------------------------------------------------------


@dataclass(frozen=True)
class ChannelAssumption:
    slug: str
    #: Cost per lead; None for channels without spend (organic, referrals).
    cpl: float | None
    #: Lead quality: the share of its leads that become MQLs.
    lead_mql: float
    #: Its share of the MQLs the plan needs (the channel mix).
    share: float


@dataclass(frozen=True)
class ChannelNeed:
    slug: str
    mqls: float
    leads: float
    budget: float | None  # None: a channel without spend


def channel_needs(*, mqls: float, channels: Sequence[ChannelAssumption]) -> list[ChannelNeed]:
    """The MQLs, leads and budget each channel must bring for ``mqls`` in the plan's mix."""
    total_share = sum(c.share for c in channels) or 1.0
    needs = []
    for channel in channels:
        channel_mqls = mqls * channel.share / total_share
        leads = channel_mqls / channel.lead_mql
        budget = None if channel.cpl is None else leads * channel.cpl
        needs.append(ChannelNeed(channel.slug, channel_mqls, leads, budget))
    return needs


@dataclass(frozen=True)
class ScenarioOutcome:
    mqls: float
    won: float
    revenue: float
    spend: float


def scenario_outcome(
    *,
    budgets: Mapping[str, float],
    channels: Sequence[ChannelAssumption],
    free_mqls: float,
    rates: Mapping[str, float],
    deal_size: float,
) -> ScenarioOutcome:
    """What a channel mix buys: MQLs from each paid channel's budget (budget / CPL x lead
    quality) plus the channels without spend, then forward to won deals and revenue."""
    mqls = free_mqls
    for channel in channels:
        if channel.cpl:
            mqls += budgets.get(channel.slug, 0.0) / channel.cpl * channel.lead_mql
    won = mqls
    for key in RATE_KEYS[2:]:
        won *= rates[key]
    return ScenarioOutcome(mqls, won, won * deal_size, sum(budgets.values()))


# ---- plan vs actual ---------------------------------------------------------------------


@dataclass(frozen=True)
class GapCauses:
    """Actual minus planned revenue, split so the four parts add up exactly."""

    volume: float
    conversion: float
    deal_size: float
    timing: float

    @property
    def total(self) -> float:
        return self.volume + self.conversion + self.deal_size + self.timing


def gap_causes(
    *,
    planned_leads: float,
    planned_conversion: float,
    planned_deal_size: float,
    actual_leads: float,
    actual_won: float,
    actual_cohort_revenue: float,
    actual_revenue: float,
) -> GapCauses:
    """Split ``actual_revenue - planned revenue`` into its causes.

    The plan expects ``planned_leads x planned_conversion x planned_deal_size``. The leads that
    actually came (in the months the plan needed them) won ``actual_won`` deals worth
    ``actual_cohort_revenue``: volume, conversion and deal size explain the difference between
    that and the plan, one factor at a time. Timing is what closed in the period minus what
    those leads earned: deals that closed earlier or later than the plan's lags assumed.
    """
    actual_conversion = actual_won / actual_leads if actual_leads else 0.0
    actual_deal_size = actual_cohort_revenue / actual_won if actual_won else planned_deal_size
    volume = (actual_leads - planned_leads) * planned_conversion * planned_deal_size
    conversion = actual_leads * (actual_conversion - planned_conversion) * planned_deal_size
    deal_size = actual_won * (actual_deal_size - planned_deal_size)
    timing = actual_revenue - actual_cohort_revenue
    return GapCauses(volume, conversion, deal_size, timing)


def projection(*, revenue_to_date: float, open_pipeline: float, win_rate: float) -> float:
    """The period's end from the current pipeline: what is won, plus the open deals at the
    measured win rate."""
    return revenue_to_date + open_pipeline * win_rate


@dataclass(frozen=True)
class Capacity:
    mqls_needed_peak: float
    capacity: int
    reps: int

    @property
    def enough(self) -> bool:
        return self.capacity >= math.ceil(self.mqls_needed_peak - 1e-9)


def capacity_check(
    *, mqls_by_month: Mapping[str, float], rep_capacities: Sequence[int]
) -> Capacity:
    """Can the reps work the MQLs the plan needs in its busiest month?"""
    peak = max(mqls_by_month.values(), default=0.0)
    return Capacity(peak, sum(rep_capacities), len(rep_capacities))


# ---- assumptions against what was measured ----------------------------------------------


def optimistic(
    *, assumed: float, low: float | None, high: float | None, lower_is_better: bool = False
) -> bool:
    """An assumption outside the measured spread, on the hopeful side (beyond rounding)."""
    if lower_is_better:
        return low is not None and assumed < low * (1 - TOLERANCE)
    return high is not None and assumed > high * (1 + TOLERANCE)


# ---- the plan's ICP against the scoring fit rules ---------------------------------------

#: A targeted segment scoring fewer fit points than this is "scored low".
LOW_FIT_POINTS = 5


@dataclass(frozen=True)
class Divergence:
    #: ``targeted_low``: the plan targets it, the fit rules score it low;
    #: ``favoured_untargeted``: the fit rules favour it, the plan does not target it.
    kind: str
    dimension: str  # size_band | industry
    segment: str
    points: int


def _band_points(band: tuple[int, int | None], rule: Mapping[str, Any]) -> int | None:
    value = rule.get("value") or {}
    low, high = value.get("min"), value.get("max")
    band_low, band_high = band
    if high is not None and band_low > high:
        return None
    if low is not None and band_high is not None and band_high < low:
        return None
    return int(rule.get("points") or 0)


def icp_divergence(
    *,
    size_bands: Sequence[str],
    industries: Sequence[str],
    fit_rules: Sequence[Mapping[str, Any]],
    band_bounds: Mapping[str, tuple[int, int | None]],
) -> list[Divergence]:
    """Where the plan's ideal customer and the active scoring profile's fit rules disagree."""
    found: list[Divergence] = []
    size_rules = [
        r
        for r in fit_rules
        if r.get("field") == "account.employees" and r.get("operator") == "range"
    ]
    for band in size_bands:
        matched = [p for r in size_rules if (p := _band_points(band_bounds[band], r)) is not None]
        points = max(matched, default=0)
        if points < LOW_FIT_POINTS:
            found.append(Divergence("targeted_low", "size_band", band, points))
    industry_rules = [
        r
        for r in fit_rules
        if r.get("field") == "account.industry" and r.get("operator") in ("in", "equals")
    ]
    favoured: dict[str, tuple[str, int]] = {}
    for rule in industry_rules:
        raw = rule.get("value")
        for original in raw if isinstance(raw, list) else [raw]:
            if original is not None:
                favoured[str(original).strip().lower()] = (
                    str(original),
                    int(rule.get("points") or 0),
                )
    targeted = {i.strip().lower() for i in industries}
    for industry in industries:
        points = favoured.get(industry.strip().lower(), ("", 0))[1]
        if points < LOW_FIT_POINTS:
            found.append(Divergence("targeted_low", "industry", industry, points))
    if targeted:
        for key, (original, points) in sorted(favoured.items()):
            if points >= LOW_FIT_POINTS and key not in targeted:
                found.append(Divergence("favoured_untargeted", "industry", original, points))
    return found
