"""What was measured over a past window, through the analytics runners: the conversion rates,
deal size and cycle times a plan starts from, and each value's spread month by month.

Read-only: the runners read the analytics copy (``AnalyticsNotReady`` before its first sync).
The spread of a rate is its lowest and highest monthly value over the window (months with no
leads at the step are left out), so a planner sees when an assumption is above anything the
company has done.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from accord.analytics.filters import COHORT, PERIOD, ReportFilters
from accord.analytics.runners.base import GROUP_CHANNEL, GROUP_MONTH, ratio
from accord.analytics.runners.funnel import FunnelGroup, FunnelQuery, FunnelRunner
from accord.analytics.runners.kpis import KpisQuery, KpisRunner
from accord.analytics.runners.velocity import VelocityQuery, VelocityRunner
from accord.planning import rules

DAYS_PER_MONTH = 30.44
#: The runners' stage names for the plan's stages (``won`` is the customer stage).
RUNNER_STAGE = {
    "lead": "lead",
    "mql": "mql",
    "sal": "sal",
    "sql": "sql",
    "opportunity": "opportunity",
    "won": "customer",
}
#: Used where the window measured nothing at a step (a new company): a planner edits them.
FALLBACK_RATES = {
    "visit_lead": 0.03,
    "lead_mql": 0.3,
    "mql_sal": 0.7,
    "sal_sql": 0.5,
    "sql_opportunity": 0.6,
    "opportunity_won": 0.25,
}


@dataclass(frozen=True)
class Measure:
    value: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class ChannelMeasure:
    slug: str
    spend: float
    leads: int
    mqls: int
    cpl: float | None
    lead_mql: float | None
    mql_sql: float | None
    share: float


@dataclass(frozen=True)
class Measured:
    window_start: date
    window_end: date
    rates: dict[str, Measure]
    deal_size: Measure
    lags: dict[str, int]
    cycle_days: float | None
    channels: tuple[ChannelMeasure, ...]
    data_as_of: datetime | None

    def rate_or_fallback(self, key: str) -> float:
        value = self.rates[key].value
        return round(value, 4) if value and 0 < value <= 1 else FALLBACK_RATES[key]


def month_ranges(start: date, end: date) -> list[tuple[str, date, date]]:
    """(``YYYY-MM``, first day, last day) of every month touching start..end, clipped."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        first = max(date(year, month, 1), start)
        last = min(date(year, month, calendar.monthrange(year, month)[1]), end)
        months.append((f"{year:04d}-{month:02d}", first, last))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def step_rates(group: FunnelGroup) -> dict[str, float | None]:
    counts = {stage: group.step(RUNNER_STAGE[stage]).count for stage in rules.STAGES[1:]}
    found = {"visit_lead": ratio(counts["lead"], group.visits)}
    for upper, lower in zip(rules.STAGES[1:], rules.STAGES[2:], strict=False):
        found[f"{upper}_{lower}"] = ratio(counts[lower], counts[upper])
    return found


def _spread(values: list[float | None]) -> tuple[float | None, float | None]:
    seen = [v for v in values if v is not None]
    return (min(seen), max(seen)) if seen else (None, None)


def _lags(stage_hours: dict[str, float | None], cycle_days: float | None) -> dict[str, int]:
    """Months before the won month each stage happens: the median time spent in the stages
    below it, summed; the lead's lag is the median lead-to-won cycle when measured."""
    lags: dict[str, int] = {}
    days = 0.0
    for stage in reversed(rules.LAG_STAGES[1:]):
        days += (stage_hours.get(RUNNER_STAGE[stage]) or 0.0) / 24
        lags[stage] = round(days / DAYS_PER_MONTH)
    if cycle_days is not None:
        lags["lead"] = max(lags["mql"], round(cycle_days / DAYS_PER_MONTH))
    lags["visit"] = lags["lead"]
    return {stage: min(lags[stage], rules.MAX_LAG_MONTHS) for stage in rules.LAG_STAGES}


def measured_assumptions(*, window_start: date, window_end: date) -> Measured:
    """Rates, deal size, lags and channels over the window (cohort mode: the window's leads
    and what they became), with each rate's monthly spread."""
    window = ReportFilters(window_start, window_end, mode=COHORT)
    funnel = FunnelRunner(FunnelQuery(window, group_by=GROUP_CHANNEL)).run()
    overall = step_rates(funnel.total)
    monthly = [
        step_rates(FunnelRunner(FunnelQuery(ReportFilters(first, last, mode=COHORT))).run().total)
        for _month, first, last in month_ranges(window_start, window_end)
    ]
    rates = {
        key: Measure(overall[key], *_spread([m[key] for m in monthly])) for key in rules.RATE_KEYS
    }
    kpis = KpisRunner(KpisQuery(window, group_by=GROUP_CHANNEL)).run()
    by_month = KpisRunner(
        KpisQuery(ReportFilters(window_start, window_end, mode=PERIOD), group_by=GROUP_MONTH)
    ).run()
    deal_size = Measure(
        ratio(kpis.total.revenue, kpis.total.won_deals),
        *_spread([ratio(row.revenue, row.won_deals) for row in by_month.rows]),
    )
    velocity = VelocityRunner(VelocityQuery(window)).run()
    stage_hours = {s.stage: s.hours.median for s in velocity.stages}
    total_mqls = sum(row.mqls for row in kpis.rows) or 1
    channels = tuple(
        ChannelMeasure(
            slug=row.label,
            spend=float(row.spend or 0),
            leads=row.leads,
            mqls=row.mqls,
            cpl=row.cpl,
            lead_mql=ratio(row.mqls, row.leads),
            mql_sql=ratio(row.sqls, row.mqls),
            share=row.mqls / total_mqls,
        )
        for row in kpis.rows
        if row.key is not None and row.leads
    )
    return Measured(
        window_start=window_start,
        window_end=window_end,
        rates=rates,
        deal_size=deal_size,
        lags=_lags(stage_hours, velocity.cycle_days.median),
        cycle_days=velocity.cycle_days.median,
        channels=channels,
        data_as_of=funnel.data_as_of,
    )


def content_from_measured(measured: Measured, *, revenue_target: float, months: int) -> dict:
    """A plan's starting content: every assumption at its measured value (a fallback where
    nothing was measured), the channel mix as it was and budgets at the window's monthly
    spend for the plan's ``months``."""
    deal_size = measured.deal_size.value or 10000.0
    window_months = len(month_ranges(measured.window_start, measured.window_end)) or 1
    channels = {
        c.slug: {
            "budget": round(c.spend / window_months * months, 2),
            "cpl": round(c.cpl, 2) if c.cpl else None,
            "lead_mql": round(c.lead_mql, 4) if c.lead_mql else FALLBACK_RATES["lead_mql"],
            "share": round(c.share, 4),
        }
        for c in measured.channels
    }
    return {
        "revenue_target": revenue_target,
        "deal_size": round(deal_size, 2),
        "rates": {key: measured.rate_or_fallback(key) for key in rules.RATE_KEYS},
        "lags": dict(measured.lags),
        "channels": channels,
        "icp": {"description": "", "size_bands": [], "industries": []},
        "target_segments": [],
        "key_channels": [],
    }
