"""Reps: per lead owner, response time (first contact after MQL), SLA compliance and
conversion at each stage of the leads they own.

Response time and SLA compliance are the rep's SLA statistics: they count the test leads an
audit says count in them (``handoff.sla.counting``, copied as ``sync.sla_tests``); the leads,
activities and conversions are funnel figures, real leads only.

Scope as in velocity (``scope_conditions``): cohort mode, the leads created in the period; period
mode, MQLs of the period for response times and stage moves made in the period for
conversions. Conversions: leads that reached a stage over those that reached the one before
(MQL→SAL, SAL→SQL, SQL→opportunity, opportunity→customer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from accord.analytics.filters import COHORT, ReportFilters, where
from accord.analytics.runners.base import ratio, run_read
from accord.analytics.runners.velocity import (
    FirstContact,
    first_contact_from,
    first_contact_sql,
    sla_hours_default,
    sla_scope,
)
from accord.core.errors import InvalidInput

STAGE_NAMES = ("mql", "sal", "sql", "opportunity", "customer")
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
        conditions, params = sla_scope(f, self.sla_hours, as_of)
        scope = f"SELECT l.id, l.owner_id FROM leads l WHERE {where(conditions)}"
        if f.mode == COHORT:
            # Reaching a stage at any time: the lead facts of the copy (``sync.LEAD_FACTS``).
            reached = ", ".join(f"count(l.{s}_at)" for s in STAGE_NAMES)
            moves = f"""moves AS (
    SELECT l.owner_id, {reached}, count(*) AS leads
    FROM leads l WHERE {where(conditions)} GROUP BY l.owner_id
)"""
            activity_period = ""
        else:
            # One (owner, stage) row each, pivoted: a DISTINCT per group rather than five
            # filtered DISTINCT aggregates over the same transitions.
            pivot = ", ".join(
                f"coalesce(sum(n) FILTER (WHERE stage = '{s}'), 0)" for s in STAGE_NAMES
            )
            moves = f"""scope AS ({scope}),
moved AS (
    SELECT s.owner_id, t.to_stage AS stage, count(DISTINCT t.lead_id) AS n
    FROM stage_transitions t JOIN scope s ON s.id = t.lead_id
    WHERE t."at" >= $since AND t."at" < $until
        AND t.to_stage IN ({", ".join(f"'{s}'" for s in STAGE_NAMES)})
    GROUP BY s.owner_id, t.to_stage
),
owned AS (SELECT owner_id, count(*) AS leads FROM scope GROUP BY owner_id),
moves AS (
    SELECT o.owner_id, {pivot}, any_value(o.leads) AS leads
    FROM owned o LEFT JOIN moved m ON m.owner_id IS NOT DISTINCT FROM o.owner_id
    GROUP BY o.owner_id
)"""
            activity_period = 'AND a."at" >= $since AND a."at" < $until'
        stages_sql = f"""
WITH {moves},
work AS (
    SELECT l.owner_id, count(*) AS activities
    FROM activities a JOIN leads l ON l.id = a.lead_id
    WHERE {where(conditions)} {activity_period}
    GROUP BY l.owner_id
)
SELECT m.* EXCLUDE (leads), m.leads, coalesce(w.activities, 0), u.username
FROM moves m LEFT JOIN work w ON w.owner_id IS NOT DISTINCT FROM m.owner_id
LEFT JOIN users u ON u.id = m.owner_id
"""
        # Response times are the rep's SLA statistics: with the test leads an audit counts
        # in them; the conversions and activities stay real leads' only.
        first_contact = first_contact_sql(f, group="l.owner_id", counted_tests=True)
        return RepsSql(stages=stages_sql, first_contact=first_contact, params=params)

    def run(self) -> RepsResult:
        return run_read(self.query.filters, self._run)

    def _run(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> RepsResult:
        sql = self.build_sql(as_of.replace(tzinfo=None) if as_of else None)
        contacts = {
            row[0]: first_contact_from(row[1:], self.sla_hours)
            for row in _fetch(con, sql.first_contact, sql.params)
        }
        empty = first_contact_from((0, 0, 0, None, 0), self.sla_hours)
        rows = []
        for owner, mql, sal, sql_, opp, won, leads, activities, username in _fetch(
            con, sql.stages, sql.params
        ):
            counts = (mql, sal, sql_, opp, won)
            reached = dict(zip(STAGE_NAMES, (n or 0 for n in counts), strict=True))
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
