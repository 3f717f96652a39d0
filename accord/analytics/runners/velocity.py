"""Velocity: time in each stage, lead-to-won cycle length, time to first contact, SLA.

- time in a stage: from entering it to the lead's next transition (stays still running are
  left out), in hours; cohort mode takes the stays of leads created in the period, period
  mode the stays that began in it;
- cycle: lead created → first move to customer, in days; period mode: leads won in it;
- first contact: the first activity at or after the lead's first MQL transition, in hours
  (the hand-off issue will bring SLA clocks with business hours; until then wall-clock
  hours); period mode: MQLs of the period. SLA compliance = contacted within the threshold /
  (contacted + not contacted and already past it); those still within it are pending.

Medians and 90th percentiles interpolate (``quantile_cont``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
from django.conf import settings

from accord.analytics.filters import COHORT, ReportFilters, lead_conditions, where
from accord.analytics.runners.base import ratio, run_read
from accord.analytics.sync.tables import SLA_TEST_LEADS
from accord.core.errors import InvalidInput
from accord.core.lifecycle import FUNNEL_STAGES

DEFAULT_SLA_HOURS = 1.0
TIMED_STAGES = tuple(s.value for s in FUNNEL_STAGES[:-1])


def sla_hours_default() -> float:
    return float(getattr(settings, "ANALYTICS_SLA_FIRST_CONTACT_HOURS", DEFAULT_SLA_HOURS))


@dataclass(frozen=True)
class VelocityQuery:
    filters: ReportFilters
    sla_hours: float | None = None

    def __post_init__(self) -> None:
        if self.sla_hours is not None and not self.sla_hours > 0:
            raise InvalidInput(
                "The SLA threshold must be a positive number of hours.", field="sla_hours"
            )


@dataclass(frozen=True)
class Duration:
    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class StageTime:
    stage: str
    hours: Duration


@dataclass(frozen=True)
class FirstContact:
    #: MQLs in scope, contacted ones, and those pending (not contacted, still within SLA).
    mqls: int
    contacted: int
    pending: int
    hours: Duration
    within_sla: int
    sla_hours: float
    sla_compliance: float | None


@dataclass(frozen=True)
class VelocityResult:
    query: VelocityQuery
    stages: tuple[StageTime, ...]
    cycle_days: Duration
    first_contact: FirstContact
    data_as_of: datetime | None


def sla_scope(
    filters: ReportFilters, sla_hours: float, as_of: datetime | None
) -> tuple[list[str], dict[str, Any]]:
    """``scope_conditions`` plus the first-contact SLA (seconds) and the moment a lead still
    waiting is measured to (the copy's as-of)."""
    conditions, params = scope_conditions(filters)
    params["sla_seconds"] = sla_hours * 3600
    params["as_of"] = as_of or datetime(1970, 1, 1)
    return conditions, params


def scope_conditions(filters: ReportFilters) -> tuple[list[str], dict[str, Any]]:
    """Conditions on ``leads l`` for the leads a report looks at, and their parameters."""
    since, until = filters.bounds()
    conditions, params = lead_conditions(filters, "l")
    params.update(since=since, until=until)
    if filters.mode == COHORT:
        conditions.append("l.created_at >= $since AND l.created_at < $until")
    return conditions, params


def first_contact_sql(
    filters: ReportFilters, group: str = "", *, counted_tests: bool = False
) -> str:
    """First contact after the first MQL, from the lead facts of the copy
    (``sync.LEAD_FACTS``: ``mql_at``, ``first_contact_at``), optionally per ``group`` (an
    expression over the lead row ``l``).

    Cohort mode: the MQLs among the leads created in the period; period mode: the leads
    whose first MQL move is in the period. ``counted_tests``: the reps' SLA statistics, so
    with the test leads an audit counts in them (``sync.sla_tests``).
    """
    conditions, _ = scope_conditions(filters)
    conditions.append("l.mql_at IS NOT NULL")
    if filters.mode != COHORT:
        conditions.append("l.mql_at >= $since AND l.mql_at < $until")
    select = f"{group} AS g, " if group else ""
    tables = ("leads", SLA_TEST_LEADS) if counted_tests else ("leads",)
    leads = " UNION ALL ".join(
        f"SELECT {select}l.mql_at, l.first_contact_at AS first_at "
        f"FROM {table} l WHERE {where(conditions)}"
        for table in tables
    )
    group_by = "GROUP BY g" if group else ""
    return f"""
SELECT {"g, " if group else ""}{first_contact_columns()}
FROM ({leads}) l
{group_by}
"""


def first_contact_columns() -> str:
    """Aggregates over rows with ``mql_at`` and ``first_at``: mqls, contacted, pending,
    median, p90, within SLA."""
    hours = "epoch(first_at - mql_at) / 3600.0"
    return f"""count(*) AS mqls,
    count(first_at) AS contacted,
    count(*) FILTER (WHERE first_at IS NULL AND epoch($as_of - mql_at) <= $sla_seconds)
        AS pending,
    quantile_cont({hours}, [0.5, 0.9]) AS hours,
    count(*) FILTER (WHERE epoch(first_at - mql_at) <= $sla_seconds) AS within_sla"""


def first_contact_from(row: tuple, sla_hours: float) -> FirstContact:
    mqls, contacted, pending, hours, within = row
    median, p90 = hours or (None, None)
    return FirstContact(
        mqls=mqls,
        contacted=contacted,
        pending=pending,
        hours=Duration(count=contacted, median=median, p90=p90),
        within_sla=within,
        sla_hours=sla_hours,
        sla_compliance=ratio(within, mqls - pending),
    )


@dataclass(frozen=True)
class VelocitySql:
    stages: str
    cycle: str
    first_contact: str
    params: dict[str, Any]


class VelocityRunner:
    def __init__(self, query: VelocityQuery):
        self.query = query

    @property
    def sla_hours(self) -> float:
        return self.query.sla_hours or sla_hours_default()

    def build_sql(self, as_of: datetime | None = None) -> VelocitySql:
        f = self.query.filters
        conditions, params = sla_scope(f, self.sla_hours, as_of)
        cohort = f.mode == COHORT
        stay_period = "" if cohort else 'AND "at" >= $since AND "at" < $until'
        stages_in = ", ".join(f"'{s}'" for s in TIMED_STAGES)
        # A stay ends at the lead's next move: the whole log of the leads in scope is read
        # (the lead row only to filter them).
        scoped = (
            ""
            if not conditions
            else f"WHERE t.lead_id IN (SELECT l.id FROM leads l WHERE {where(conditions)})"
        )
        stages = f"""
WITH ordered AS (
    SELECT t.to_stage AS stage, t."at",
        lead(t."at") OVER (PARTITION BY t.lead_id ORDER BY t."at", t.id) AS left_at
    FROM stage_transitions t {scoped}
)
SELECT stage, count(*), quantile_cont(epoch(left_at - "at") / 3600.0, [0.5, 0.9])
FROM ordered
WHERE left_at IS NOT NULL AND stage IN ({stages_in}) {stay_period}
GROUP BY stage
"""
        won = [*conditions, "l.customer_at IS NOT NULL"]
        if not cohort:
            won.append("l.customer_at >= $since AND l.customer_at < $until")
        cycle = f"""
SELECT count(*), quantile_cont(epoch(l.customer_at - l.created_at) / 86400.0, [0.5, 0.9])
FROM leads l WHERE {where(won)}
"""
        return VelocitySql(
            stages=stages, cycle=cycle, first_contact=first_contact_sql(f), params=params
        )

    def run(self) -> VelocityResult:
        return run_read(self.query.filters, self._run)

    def _run(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> VelocityResult:
        sql = self.build_sql(as_of.replace(tzinfo=None) if as_of else None)
        by_stage = {
            stage: Duration(n, *(quantiles or (None, None)))
            for stage, n, quantiles in _fetch(con, sql.stages, sql.params)
        }
        n, quantiles = _fetch(con, sql.cycle, sql.params)[0]
        median, p90 = quantiles or (None, None)
        return VelocityResult(
            query=self.query,
            stages=tuple(
                StageTime(stage=s, hours=by_stage.get(s, Duration(0, None, None)))
                for s in TIMED_STAGES
            ),
            cycle_days=Duration(count=n, median=median, p90=p90),
            first_contact=first_contact_from(
                _fetch(con, sql.first_contact, sql.params)[0], self.sla_hours
            ),
            data_as_of=as_of,
        )


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[tuple]:
    return con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).fetchall()
