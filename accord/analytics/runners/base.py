"""What every query runner shares: a read-only connection, filter checks and freshness.

A runner builds its SQL (``build_sql``, pure: testable and printable without a database)
apart from running it (``run``: one read-only connection, the SQL, rows into a frozen
result). Runners only read the DuckDB copy, never the operational database.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import duckdb

from accord.analytics import engine
from accord.analytics.filters import ReportFilters, filters_validate
from accord.analytics.sync import data_as_of

R = TypeVar("R")

GROUP_NONE = "none"
GROUP_CHANNEL = "channel"
GROUP_CAMPAIGN = "campaign"
GROUP_MONTH = "month"


def ratio(numerator: float | int | None, denominator: float | int | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def group_key_sql(group_by: str, *, channel: str, campaign: str) -> str:
    """The grouping column for lead-level rows (NULL groups as "none")."""
    if group_by == GROUP_CHANNEL:
        return channel
    if group_by == GROUP_CAMPAIGN:
        return campaign
    return "0"


def group_labels(con: duckdb.DuckDBPyConnection, group_by: str) -> dict[Any, str]:
    if group_by == GROUP_CHANNEL:
        return dict(con.execute("SELECT id, slug FROM channels").fetchall())
    if group_by == GROUP_CAMPAIGN:
        return dict(con.execute("SELECT id, utm_campaign FROM campaigns").fetchall())
    return {}


def label_of(labels: dict[Any, str], group_by: str, key: Any) -> str:
    if group_by in (GROUP_NONE, ""):
        return "all"
    if key is None:
        return "(none)"
    return labels.get(key, str(key))


def run_read(
    filters: ReportFilters, work: Callable[[duckdb.DuckDBPyConnection, datetime | None], R]
) -> R:
    with engine.reader() as con:
        filters_validate(con, filters)
        return work(con, data_as_of(con))
