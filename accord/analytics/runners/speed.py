"""Speed to lead: how soon someone first tries to reach each real lead, in the bands the
lead-response research uses — within 5 minutes, 5-30, 30-60, over an hour, not yet.

The Lead Response Management study (Oldroyd and Elkington, 2007) found that calling at 30
minutes instead of 5 cuts the odds of contact about 100x and of qualification about 21x;
HBR 2011 found firms that tried within an hour ~7x as likely to qualify the lead. So the
bands, not an average, are the measure.

Start: the lead's creation (``start="created"``, every lead) or its first MQL move
(``start="mql"``, the leads handed to sales). First attempt: the earliest call, e-mail or
meeting logged on the lead at or after the start (notes are not attempts). Scope: the leads
whose start falls in the period (cohort mode: created in the period), with the report's
dimension filters. Grouped per rep (the lead's owner), team or channel. Test leads are not
in the copy's leads (``sync.copy_io.source_from``); per rep or team the bands are the reps'
SLA statistics, so they add the test leads an audit counts in them (``sync.sla_tests``, the
rule in ``handoff.sla.counting``); per channel they are a channel figure, real leads only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from accord.analytics.filters import COHORT, ReportFilters, lead_conditions, where
from accord.analytics.runners.base import ratio, run_read
from accord.analytics.sync.tables import SLA_TEST_ACTIVITIES, SLA_TEST_LEADS
from accord.core.errors import InvalidInput

STARTS = ("created", "mql")
GROUPS = ("rep", "team", "channel")
ATTEMPT_KINDS = ("call", "email", "meeting")
#: Band upper bounds in minutes (the last band is "over an hour").
BANDS = (5, 30, 60)


@dataclass(frozen=True)
class SpeedQuery:
    filters: ReportFilters
    group_by: str = "rep"
    start: str = "created"

    def __post_init__(self) -> None:
        if self.group_by not in GROUPS:
            raise InvalidInput(f"Group by one of {', '.join(GROUPS)}.", field="group_by")
        if self.start not in STARTS:
            raise InvalidInput(f"Start from one of {', '.join(STARTS)}.", field="start")


@dataclass(frozen=True)
class SpeedRow:
    key: Any
    label: str
    leads: int
    within_5: int
    within_30: int
    within_60: int
    over_60: int
    not_yet: int
    #: Median minutes to the first attempt, over the leads attempted (None: none were).
    median_minutes: float | None

    @property
    def attempted(self) -> int:
        return self.leads - self.not_yet

    @property
    def within_5_share(self) -> float | None:
        return ratio(self.within_5, self.leads)

    @property
    def within_60_share(self) -> float | None:
        return ratio(self.within_5 + self.within_30 + self.within_60, self.leads)


@dataclass(frozen=True)
class SpeedResult:
    query: SpeedQuery
    rows: tuple[SpeedRow, ...]
    total: SpeedRow
    data_as_of: datetime | None


@dataclass(frozen=True)
class SpeedSql:
    rows: str
    params: dict[str, Any]


_GROUP_COLUMNS = {"rep": "l.owner_id", "team": "l.team_id", "channel": "l.source_channel_id"}
#: Groupings that are the reps' SLA statistics (with the counted test leads).
SLA_GROUPS = ("rep", "team")


class SpeedRunner:
    def __init__(self, query: SpeedQuery):
        self.query = query

    def build_sql(self) -> SpeedSql:
        f = self.query.filters
        since, until = f.bounds()
        conditions, params = lead_conditions(f, "l")
        params.update(since=since, until=until)
        begin = "l.created_at" if self.query.start == "created" else "l.mql_at"
        conditions.append(f"{begin} IS NOT NULL")
        period_column = "l.created_at" if f.mode == COHORT else begin
        conditions.append(f"{period_column} >= $since AND {period_column} < $until")
        kinds = ", ".join(f"'{k}'" for k in ATTEMPT_KINDS)  # our own constants
        five, thirty, sixty = BANDS
        group = _GROUP_COLUMNS[self.query.group_by]
        # (lead table, its activities): the counted test leads' apart (``sync.sla_tests``);
        # their ids are not in ``leads``, so the two halves never meet.
        sources = [("leads", "activities")]
        if self.query.group_by in SLA_GROUPS:
            sources.append((SLA_TEST_LEADS, SLA_TEST_ACTIVITIES))
        scoped = " UNION ALL ".join(
            f"SELECT l.id, {group} AS g, {begin} AS began FROM {leads} l WHERE {where(conditions)}"
            for leads, _ in sources
        )
        attempts = " UNION ALL ".join(
            f"""SELECT s.id, min(a."at") AS at
    FROM scoped s JOIN {activities} a ON a.lead_id = s.id AND a."at" >= s.began
    WHERE a.kind IN ({kinds})
    GROUP BY s.id"""
            for _, activities in sources
        )
        rows = f"""
WITH scoped AS ({scoped}),
first_attempt AS ({attempts}),
timed AS (
    SELECT s.g, epoch(f.at - s.began) / 60.0 AS minutes
    FROM scoped s LEFT JOIN first_attempt f ON f.id = s.id
)
SELECT GROUPING(g) AS total_row, g, count(*),
    count(*) FILTER (WHERE minutes <= {five}),
    count(*) FILTER (WHERE minutes > {five} AND minutes <= {thirty}),
    count(*) FILTER (WHERE minutes > {thirty} AND minutes <= {sixty}),
    count(*) FILTER (WHERE minutes > {sixty}),
    count(*) FILTER (WHERE minutes IS NULL),
    median(minutes)
FROM timed GROUP BY ROLLUP (g) ORDER BY GROUPING(g), count(*) DESC, g
"""
        return SpeedSql(rows=rows, params=params)

    def run(self) -> SpeedResult:
        return run_read(self.query.filters, self._run)

    def _run(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> SpeedResult:
        sql = self.build_sql()
        used = {k: v for k, v in sql.params.items() if f"${k}" in sql.rows}
        # GROUPING(g) marks the ROLLUP's total row apart from a group whose key is NULL.
        raw = con.execute(sql.rows, used).fetchall()
        labels = _labels(con, self.query.group_by)
        rows: list[SpeedRow] = []
        total = SpeedRow(None, "all", 0, 0, 0, 0, 0, 0, None)
        for grouping, g, leads, w5, w30, w60, over, not_yet, median in raw:
            row = SpeedRow(
                key=g,
                label="all" if grouping else (labels.get(g, str(g)) if g is not None else "(none)"),
                leads=int(leads),
                within_5=int(w5),
                within_30=int(w30),
                within_60=int(w60),
                over_60=int(over),
                not_yet=int(not_yet),
                median_minutes=float(median) if median is not None else None,
            )
            if grouping:
                total = row
            else:
                rows.append(row)
        return SpeedResult(query=self.query, rows=tuple(rows), total=total, data_as_of=as_of)


def _labels(con: duckdb.DuckDBPyConnection, group_by: str) -> dict[Any, str]:
    table = {"rep": "users", "team": "teams", "channel": "channels"}[group_by]
    column = {"rep": "username", "team": "name", "channel": "slug"}[group_by]
    return dict(con.execute(f"SELECT id, {column} FROM {table}").fetchall())
