"""Plan vs actual, month by month, through the analytics runners: what each stage and channel
did against what the plan needs, the period's end projected from the open pipeline, and the
revenue gap split into volume, conversion, deal size and timing (``rules.gap_causes``).

Actual stage counts are period counts (the leads created in a month, and the leads that entered
each later stage in it), as the plan's months are when each stage is needed.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from accord.analytics.filters import COHORT, PERIOD, ReportFilters
from accord.analytics.runners.base import GROUP_CHANNEL, GROUP_MONTH
from accord.analytics.runners.funnel import FunnelQuery, FunnelRunner
from accord.analytics.runners.kpis import KpisQuery, KpisRunner
from accord.planning import rules
from accord.planning.measured import RUNNER_STAGE
from accord.planning.selectors import PlanWorked


def month_bounds(month: str) -> tuple[date, date]:
    year, number = (int(p) for p in month.split("-", 1))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


@dataclass(frozen=True)
class MonthRow:
    month: str
    planned: dict[str, float]  # by stage, and "revenue"
    actual: dict[str, float]


@dataclass(frozen=True)
class ChannelGap:
    slug: str
    planned_mqls: float
    actual_mqls: int


@dataclass(frozen=True)
class PlanActual:
    months: list[MonthRow]
    elapsed: list[str]
    stage_gaps: dict[str, tuple[float, float]]  # stage: (planned, actual) to date
    channel_gaps: list[ChannelGap]
    revenue_to_date: float
    open_pipeline: float
    projected: float
    target: float
    causes: rules.GapCauses | None


def _month_actual(month: str, today: date) -> dict[str, float]:
    first, last = month_bounds(month)
    result = FunnelRunner(FunnelQuery(ReportFilters(first, min(last, today), mode=PERIOD))).run()
    counts: dict[str, float] = {
        s: result.total.step(RUNNER_STAGE[s]).count for s in rules.STAGES[1:]
    }
    counts["visit"] = float(result.total.visits or 0)
    return counts


def plan_vs_actual(worked: PlanWorked, *, today: date) -> PlanActual:
    """Month by month from the first month the plan needs anything (leads come months before
    the period) to its last; the months up to ``today`` with their actuals."""
    plan, content = worked.plan, worked.plan.content
    months = sorted({m for s in worked.funnel.stages for m in s.by_month} | set(worked.months))
    elapsed = [m for m in months if month_bounds(m)[0] <= today]
    per_month_target = content["revenue_target"] / len(worked.months)
    revenue_by_month: dict[str, float] = {}
    if elapsed:
        first, _last = month_bounds(elapsed[0])
        kpis = KpisRunner(KpisQuery(ReportFilters(first, today, mode=PERIOD), group_by=GROUP_MONTH))
        revenue_by_month = {str(row.key): float(row.revenue) for row in kpis.run().rows}
    rows = []
    for month in months:
        planned = {s: worked.funnel.stage(s).by_month.get(month, 0.0) for s in rules.STAGES}
        planned["revenue"] = per_month_target if month in worked.months else 0.0
        actual: dict[str, float] = {}
        if month in elapsed:
            actual = _month_actual(month, today)
            actual["revenue"] = revenue_by_month.get(month, 0.0)
        rows.append(MonthRow(month, planned, actual))
    done = [r for r in rows if r.actual]
    stage_gaps = {
        s: (sum(r.planned[s] for r in done), sum(r.actual[s] for r in done))
        for s in (*rules.STAGES, "revenue")
    }
    revenue_to_date = sum(r.actual["revenue"] for r in done if r.month in worked.months)
    stage_gaps["revenue"] = (stage_gaps["revenue"][0], revenue_to_date)
    channel_gaps: list[ChannelGap] = []
    pipeline = 0.0
    causes = None
    period_elapsed = [m for m in worked.months if m in elapsed]
    if elapsed:
        first, _last = month_bounds(elapsed[0])
        by_channel = FunnelRunner(
            FunnelQuery(ReportFilters(first, today, mode=PERIOD), group_by=GROUP_CHANNEL)
        ).run()
        mqls = {g.label: g.step("mql").count for g in by_channel.groups}
        planned_mqls = stage_gaps["mql"][0]
        share_total = sum(c.share for c in worked.channels) or 1.0
        channel_gaps = [
            ChannelGap(c.slug, planned_mqls * c.share / share_total, mqls.get(c.slug, 0))
            for c in worked.channels
        ]
        open_deals = KpisRunner(KpisQuery(ReportFilters(plan.window_start, today, mode=PERIOD)))
        pipeline = float(open_deals.run().total.pipeline)
    if period_elapsed:
        causes = _causes(worked, period_elapsed, today, revenue_to_date)
    if month_bounds(worked.months[-1])[1] < today:
        pipeline = 0.0  # the period is over: its end is what was won
    return PlanActual(
        months=rows,
        elapsed=period_elapsed,
        stage_gaps=stage_gaps,
        channel_gaps=channel_gaps,
        revenue_to_date=revenue_to_date,
        open_pipeline=pipeline,
        projected=rules.projection(
            revenue_to_date=revenue_to_date,
            open_pipeline=pipeline,
            win_rate=content["rates"]["opportunity_won"],
        ),
        target=content["revenue_target"],
        causes=causes,
    )


def _causes(worked: PlanWorked, elapsed: list[str], today: date, revenue: float) -> rules.GapCauses:
    """The elapsed months' gap: the leads of the months that feed them (the lead lag earlier)
    and what those leads became, against the plan."""
    content = worked.plan.content
    lag = content["lags"]["lead"]
    conversion = 1.0
    for key in rules.RATE_KEYS[1:]:
        conversion *= content["rates"][key]
    planned_won = sum(worked.funnel.stage("won").by_month.get(m, 0.0) for m in elapsed)
    first, _ = month_bounds(rules.month_shift(elapsed[0], -lag))
    _, last = month_bounds(rules.month_shift(elapsed[-1], -lag))
    cohort = KpisRunner(KpisQuery(ReportFilters(first, min(last, today), mode=COHORT))).run().total
    return rules.gap_causes(
        planned_leads=planned_won / conversion,
        planned_conversion=conversion,
        planned_deal_size=content["deal_size"],
        actual_leads=cohort.leads,
        actual_won=cohort.won_deals,
        actual_cohort_revenue=float(cohort.revenue),
        actual_revenue=revenue,
    )
