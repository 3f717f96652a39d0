"""Reads behind the shared dashboard: the unified funnel and its headline numbers.

They come from the analytics copy through ``SummaryRunner`` (DuckDB), never from the
operational database: at a million leads a GROUP BY over the stage log in the row store is
seconds, in DuckDB a fraction of one. Before the first sync the dashboard shows an empty
summary marked not ready (and says how to build the copy) rather than an error.
"""

from __future__ import annotations

from datetime import date

from accord.analytics.engine import AnalyticsNotReady
from accord.analytics.runners.summary import (
    FunnelStep,
    FunnelSummary,
    SummaryQuery,
    SummaryRunner,
    summary_empty,
)

__all__ = ["FunnelStep", "FunnelSummary", "funnel_summary"]


def funnel_summary(*, start: date, end: date) -> FunnelSummary:
    query = SummaryQuery(start, end)  # refuses a reversed period, naming ``start``
    try:
        return SummaryRunner(query).run()
    except AnalyticsNotReady:
        return summary_empty(start, end, ready=False)
