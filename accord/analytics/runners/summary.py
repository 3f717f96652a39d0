"""The shared dashboard's question: the unified funnel of a period and its headline numbers.

The funnel is a cohort: the leads created in the period, counted at every main-path stage
they ever entered (from the append-only stage-transition log, never from the current stage,
through the per-lead first entries the sync derives from it, ``sync.LEAD_FACTS``; a recycled
lead that enters MQL twice counts once). Won deals, revenue and spend
are dated by when they happened (deal closed, money spent) in the same period.

One statement over the analytics copy, whatever the number of leads. Revenue and spend are
each summed in one currency: the one most rows use; rows in other currencies are left out
(no exchange rates yet) and counted, so the page can say so instead of adding roubles to
dollars.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from accord.analytics import engine
from accord.analytics.filters import ReportFilters
from accord.analytics.sync import data_as_of
from accord.core.lifecycle import FUNNEL_STAGES, INITIAL_STAGE, Stage
from accord.core.money import DEFAULT_CURRENCY


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    count: int
    #: Share of the previous step's count (None for the first step or when that is zero).
    #: Sales-generated leads join at SQL, so a step can exceed the one before it.
    conversion: float | None


@dataclass(frozen=True)
class FunnelSummary:
    start: date
    end: date
    steps: tuple[FunnelStep, ...]
    #: Last step over first step (leads that became customers), None without leads.
    overall_conversion: float | None
    leads: int
    mqls: int
    won_deals: int
    revenue: Decimal
    revenue_currency: str
    revenue_deals_other_currency: int
    spend: Decimal
    spend_currency: str
    spend_entries_other_currency: int
    #: When the analytics copy was last brought up to date (aware UTC).
    data_as_of: datetime | None = None
    #: False before the first sync: every number is zero because there is no copy yet.
    ready: bool = True

    @property
    def is_empty(self) -> bool:
        return self.leads == 0 and self.won_deals == 0 and self.spend == 0

    def step(self, stage: str) -> FunnelStep:
        return next(s for s in self.steps if s.stage == stage)


@dataclass(frozen=True)
class SummaryQuery:
    start: date
    end: date

    def __post_init__(self) -> None:
        # Same checks and whole-day bounds as every report's filters.
        ReportFilters(self.start, self.end)


@dataclass(frozen=True)
class SummarySql:
    #: One row: the cohort's leads, then how many reached each later funnel stage.
    cohort: str
    #: ``kind, currency, n, total``: won deals and spend of the period per currency.
    sql: str
    params: dict[str, Any]


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _main_currency(rows: list[tuple[str, int, Decimal]]) -> tuple[Decimal, str, int]:
    """From (currency, n, total) groups pick the most used currency; count the rest."""
    if not rows:
        return Decimal(0), DEFAULT_CURRENCY, 0
    main = max(rows, key=lambda r: (r[1], r[0] == DEFAULT_CURRENCY))
    others = sum(r[1] for r in rows if r is not main)
    return Decimal(main[2] or 0), main[0], others


def summary_empty(start: date, end: date, *, ready: bool = True) -> FunnelSummary:
    return FunnelSummary(
        start=start,
        end=end,
        steps=tuple(FunnelStep(s.value, 0, None) for s in FUNNEL_STAGES),
        overall_conversion=None,
        leads=0,
        mqls=0,
        won_deals=0,
        revenue=Decimal(0),
        revenue_currency=DEFAULT_CURRENCY,
        revenue_deals_other_currency=0,
        spend=Decimal(0),
        spend_currency=DEFAULT_CURRENCY,
        spend_entries_other_currency=0,
        ready=ready,
    )


class SummaryRunner:
    def __init__(self, query: SummaryQuery):
        self.query = query

    def build_sql(self) -> SummarySql:
        since, until = ReportFilters(self.query.start, self.query.end).bounds()
        # Reaching a stage at any time: the lead facts of the copy (``sync.LEAD_FACTS``),
        # one narrow row per lead rather than a DISTINCT over the transition log.
        later = [s.value for s in FUNNEL_STAGES if s != INITIAL_STAGE]
        reached = ", ".join(f'count({s}_at) AS "{s}"' for s in later)
        # Money as DECIMAL so that the sums are exact cents, as in the operational database.
        cohort = f"""
SELECT count(*) AS leads, {reached}
FROM leads WHERE created_at >= $since AND created_at < $until
"""
        sql = """
SELECT 'won' AS kind, currency AS key, count(*) AS n, sum(CAST(amount AS DECIMAL(18, 2)))
FROM deals WHERE stage = 'won' AND closed_at >= $since AND closed_at < $until GROUP BY currency
UNION ALL SELECT 'spend', currency, count(*), sum(CAST(cost AS DECIMAL(18, 2))) FROM spend
WHERE "date" >= $start AND "date" <= $end GROUP BY currency
"""
        params = {"since": since, "until": until, "start": self.query.start, "end": self.query.end}
        return SummarySql(cohort=cohort, sql=sql, params=params)

    def run(self) -> FunnelSummary:
        with engine.reader() as con:
            return self._run(con)

    def _run(self, con: duckdb.DuckDBPyConnection) -> FunnelSummary:
        built = self.build_sql()
        params = {k: built.params[k] for k in ("since", "until")}
        leads, *counts = con.execute(built.cohort, params).fetchall()[0]
        later = [s.value for s in FUNNEL_STAGES if s != INITIAL_STAGE]
        reached = dict(zip(later, counts, strict=True))
        rows = con.execute(built.sql, built.params).fetchall()
        # Every lead in the cohort entered the funnel at its first stage, logged or not (an
        # import may not write the creation row).
        reached[INITIAL_STAGE.value] = leads
        steps: list[FunnelStep] = []
        previous: int | None = None
        for stage in FUNNEL_STAGES:
            count = reached.get(stage.value, 0)
            conversion = None if previous is None else _ratio(count, previous)
            steps.append(FunnelStep(stage=stage.value, count=count, conversion=conversion))
            previous = count
        won = [(key, n, total) for kind, key, n, total in rows if kind == "won"]
        revenue, revenue_currency, revenue_other = _main_currency(won)
        spent = [(key, n, total) for kind, key, n, total in rows if kind == "spend"]
        spend, spend_currency, spend_other = _main_currency(spent)
        return FunnelSummary(
            start=self.query.start,
            end=self.query.end,
            steps=tuple(steps),
            overall_conversion=_ratio(steps[-1].count, steps[0].count),
            leads=leads,
            mqls=reached.get(Stage.MQL.value, 0),
            won_deals=sum(n for _, n, _ in won),
            revenue=revenue,
            revenue_currency=revenue_currency,
            revenue_deals_other_currency=revenue_other,
            spend=spend,
            spend_currency=spend_currency,
            spend_entries_other_currency=spend_other,
            data_as_of=data_as_of(con),
        )
