"""Reps: per lead owner, response time (first contact after MQL), SLA compliance and
conversion at each stage of the leads they own.

Scope as in velocity (``scope_cte``): cohort mode, the leads created in the period; period
mode, MQLs of the period for response times and stage moves made in the period for
conversions. Conversions: leads that reached a stage over those that reached the one before
(MQL→SAL, SAL→SQL, SQL→opportunity, opportunity→customer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from accord.analytics.filters import COHORT, ReportFilters
from accord.analytics.runners.base import ratio, run_read
from accord.analytics.runners.velocity import (
    FirstContact,
    first_contact_columns,
    first_contact_ctes,
    first_contact_from,
    scope_cte,
    sla_hours_default,
)
from accord.core.errors import InvalidInput

CONVERSIONS = (("mql", "sal"), ("sal", "sql"), ("sql", "opportunity"), ("opportunity", "customer"))


@dataclass(frozen=True)
class RepsQuery:
    filters: ReportFilters
    sla_hours: float | None = None

    def __post_init__(self) -> None:
        if self.sla_hours is not None and not self.sla_hours > 0:
            raise InvalidInput(
                "The SLA threshold must be a positive number of hours.", field="sla_hours"
            )


@dataclass(frozen=True)
class StageConversion:
    from_stage: str
    to_stage: str
    reached_from: int
    reached_to: int
    rate: float | None


@dataclass(frozen=True)
class RepRow:
    user_id: int | None
    username: str
    leads: int
    activities: int
    first_contact: FirstContact
    conversions: tuple[StageConversion, ...]


@dataclass(frozen=True)
class RepsResult:
    query: RepsQuery
    rows: tuple[RepRow, ...]
    data_as_of: datetime | None


@dataclass(frozen=True)
class RepsSql:
    stages: str
    first_contact: str
    params: dict[str, Any]


class RepsRunner:
    def __init__(self, query: RepsQuery):
        self.query = query

    @property
    def sla_hours(self) -> float:
        return self.query.sla_hours or sla_hours_default()

    def build_sql(self, as_of: datetime | None = None) -> RepsSql:
        f = self.query.filters
        scope, params = scope_cte(f)
        params["sla_seconds"] = self.sla_hours * 3600
        params["as_of"] = as_of or datetime(1970, 1, 1)
        period = "" if f.mode == COHORT else 'AND t."at" >= $since AND t."at" < $until'
        stages = ", ".join(
            f"count(DISTINCT t.lead_id) FILTER (WHERE t.to_stage = '{s}')"
            for s in ("mql", "sal", "sql", "opportunity", "customer")
        )
        activity_period = "" if f.mode == COHORT else 'AND a."at" >= $since AND a."at" < $until'
        stages_sql = f"""
WITH {scope},
moves AS (
    SELECT s.owner_id, {stages}
    FROM scope s LEFT JOIN stage_transitions t ON t.lead_id = s.id {period}
    GROUP BY s.owner_id
),
work AS (
    SELECT s.owner_id, count(DISTINCT s.id) AS leads, count(a.id) AS activities
    FROM scope s LEFT JOIN activities a ON a.lead_id = s.id {activity_period}
    GROUP BY s.owner_id
)
SELECT m.*, w.leads, w.activities, u.username
FROM moves m JOIN work w ON w.owner_id IS NOT DISTINCT FROM m.owner_id
LEFT JOIN users u ON u.id = m.owner_id
"""
        first_contact = f"""
WITH {scope}, {first_contact_ctes(f)}
SELECT owner_id, {first_contact_columns()} FROM contact GROUP BY owner_id
"""
        return RepsSql(stages=stages_sql, first_contact=first_contact, params=params)

    def run(self) -> RepsResult:
        return run_read(self.query.filters, self._run)

    def _run(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> RepsResult:
        sql = self.build_sql(as_of.replace(tzinfo=None) if as_of else None)
        contacts = {
            row[0]: first_contact_from(row[1:], self.sla_hours)
            for row in _fetch(con, sql.first_contact, sql.params)
        }
        empty = first_contact_from((0, 0, 0, None, None, 0), self.sla_hours)
        rows = []
        for owner, mql, sal, sql_, opp, won, leads, activities, username in _fetch(
            con, sql.stages, sql.params
        ):
            reached = {"mql": mql, "sal": sal, "sql": sql_, "opportunity": opp, "customer": won}
            rows.append(
                RepRow(
                    user_id=owner,
                    username=username or "(unassigned)",
                    leads=leads,
                    activities=activities,
                    first_contact=contacts.get(owner, empty),
                    conversions=tuple(
                        StageConversion(a, b, reached[a], reached[b], ratio(reached[b], reached[a]))
                        for a, b in CONVERSIONS
                    ),
                )
            )
        rows.sort(key=lambda r: (r.user_id is None, r.username))
        return RepsResult(query=self.query, rows=tuple(rows), data_as_of=as_of)


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[tuple]:
    return con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql}).fetchall()
