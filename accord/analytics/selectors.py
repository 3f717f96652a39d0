"""Reads behind the shared dashboard: the unified funnel and its headline numbers.

They come from the analytics copy through ``SummaryRunner`` (DuckDB), never from the
operational database: at a million leads a GROUP BY over the stage log in the row store is
seconds, in DuckDB a fraction of one. Before the first sync the dashboard shows an empty
summary marked not ready (and says how to build the copy) rather than an error.
"""

from __future__ import annotations

from datetime import date

from accord.analytics.engine import AnalyticsNotReady
from accord.analytics.filters import PERIOD, ReportFilters
from accord.analytics.runners.kpis import KpisQuery, KpisResult, KpisRunner
from accord.analytics.runners.summary import (
    FunnelStep,
    FunnelSummary,
    SummaryQuery,
    SummaryRunner,
    summary_empty,
)

__all__ = ["FunnelStep", "FunnelSummary", "KpisResult", "activity_by", "funnel_summary"]


def funnel_summary(*, start: date, end: date) -> FunnelSummary:
    query = SummaryQuery(start, end)  # refuses a reversed period, naming ``start``
    try:
        return SummaryRunner(query).run()
    except AnalyticsNotReady:
        return summary_empty(start, end, ready=False)


def activity_by(*, start: date, end: date, group_by: str) -> KpisResult | None:
    """Leads created, MQLs reached and deals won in the period, by month or by channel.

    Period mode: each month counts what happened in it. None before the first sync.
    """
    filters = ReportFilters(start=start, end=end, mode=PERIOD)
    try:
        return KpisRunner(KpisQuery(filters, group_by=group_by)).run()
    except AnalyticsNotReady:
        return None
