"""The waterfall: impressions → clicks → visits → leads → MQL → SAL → SQL → opportunity →
customer, by channel or campaign, with a cohort matrix (lead month x months to win).

Stage counts come from the stage-transition log (DESIGN.md §3): a lead counts at every
main-path stage it ever entered, once (a recycled lead can enter MQL twice). Cohort mode
reads the first entries the sync derives per lead (``sync.LEAD_FACTS``); period mode reads
the log itself, since a second entry in the period counts too.

- cohort mode: the leads created in the period, at every stage they reached at any time;
- period mode: leads created in the period, and leads that entered each later stage in it.

Impressions and clicks are summed from spend (dated by day), visits are distinct visitors
(or known contacts) with a touch, per day, summed over the days of the period (the
``traffic_daily`` rollup kept by the sync; days are UTC); all three follow the channel and
campaign filters and are None when a team, rep or segment filter is set (they are
anonymous). Grouped by channel or campaign, leads use their source channel or campaign and
traffic the touch's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from accord.analytics.filters import (
    COHORT,
    ReportFilters,
    lead_conditions,
    spend_conditions,
    where,
)
from accord.analytics.runners.base import (
    GROUP_CAMPAIGN,
    GROUP_CHANNEL,
    GROUP_NONE,
    group_key_sql,
    group_labels,
    label_of,
    ratio,
    run_read,
)
from accord.core.errors import InvalidInput
from accord.core.lifecycle import FUNNEL_STAGES

STAGES = tuple(s.value for s in FUNNEL_STAGES)
GROUPS = (GROUP_NONE, GROUP_CHANNEL, GROUP_CAMPAIGN)


@dataclass(frozen=True)
class FunnelQuery:
    filters: ReportFilters
    group_by: str = GROUP_NONE

    def __post_init__(self) -> None:
        if self.group_by not in GROUPS:
            raise InvalidInput(f"Group by one of {', '.join(GROUPS)}.", field="group_by")


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    count: int
    #: Share of the previous step (None for the first step or after zero).
    conversion: float | None
    #: Share of the first step (leads).
    from_start: float | None


@dataclass(frozen=True)
class FunnelGroup:
    key: Any
    label: str
    impressions: int | None
    clicks: int | None
    visits: int | None
    steps: tuple[FunnelStep, ...]
    #: Customers over leads.
    overall_conversion: float | None

    def step(self, stage: str) -> FunnelStep:
        return next(s for s in self.steps if s.stage == stage)


@dataclass(frozen=True)
class CohortRow:
    month: str
    leads: int
    #: Leads won in months 0, 1, 2, ... after the month they were created in.
    won_by_offset: tuple[int, ...]


@dataclass(frozen=True)
class FunnelResult:
    query: FunnelQuery
    total: FunnelGroup
    groups: tuple[FunnelGroup, ...]
    cohort_matrix: tuple[CohortRow, ...]
    data_as_of: datetime | None
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class FunnelSql:
    stages: str
    traffic: str
    spend: str
    cohort: str
    params: dict[str, Any]


class FunnelRunner:
    def __init__(self, query: FunnelQuery):
        self.query = query

    def build_sql(self, group_by: str | None = None) -> FunnelSql:
        f = self.query.filters
        group_by = self.query.group_by if group_by is None else group_by
        since, until = f.bounds()
        params: dict[str, Any] = {"since": since, "until": until}
        lead_where, lead_params = lead_conditions(f, "l")
        params.update(lead_params)
        in_period = "{col} >= $since AND {col} < $until"
        key = group_key_sql(
            group_by, channel="l.source_channel_id", campaign="l.source_campaign_id"
        )
        created = [*lead_where, in_period.format(col="l.created_at")]
        if f.mode == COHORT:
            # The copy keeps each lead's first entry into every stage (``sync.LEAD_FACTS``):
            # reaching a stage at any time is a non-NULL column, one narrow row per lead.
            reached = ", ".join(f"count(l.{s}_at)" for s in STAGES[1:])
            stages = f"""
SELECT {key} AS g, count(*), {reached}
FROM leads l WHERE {where(created)}
GROUP BY ALL
"""
        else:
            # Entering a stage in the period may be a second entry (a recycled lead): only
            # the log knows. The lead row is joined only for a grouping or a lead filter.
            moved = [*lead_where, in_period.format(col='t."at"')]
            join = "" if key == "0" and not lead_where else "JOIN leads l ON l.id = t.lead_id"
            # One (group, stage) row each: DISTINCT per group is cheaper than five
            # filtered DISTINCT aggregates over the same rows.
            stages = f"""
SELECT {key} AS g, 'lead' AS stage, count(*) FROM leads l WHERE {where(created)} GROUP BY g
UNION ALL
SELECT {key} AS g, t.to_stage, count(DISTINCT t.lead_id)
FROM stage_transitions t {join}
WHERE t.to_stage IN ({", ".join(f"'{s}'" for s in STAGES[1:])}) AND {where(moved)}
GROUP BY g, t.to_stage
"""
        spend_where, spend_params = spend_conditions(f, "s")
        touch_where, _ = spend_conditions(f, "t")
        params.update(spend_params)
        spend_key = group_key_sql(group_by, channel="s.channel_id", campaign="s.campaign_id")
        touch_key = group_key_sql(group_by, channel="t.channel_id", campaign="t.campaign_id")
        spend = f"""
SELECT {spend_key} AS g, sum(s.impressions) AS impressions, sum(s.clicks) AS clicks
FROM spend s
WHERE s.date >= CAST($since AS DATE) AND s.date < CAST($until AS DATE) AND {where(spend_where)}
GROUP BY ALL
"""
        traffic = f"""
SELECT {touch_key} AS g, sum(t.visits) AS visits
FROM traffic_daily t
WHERE t.day >= CAST($since AS DATE) AND t.day < CAST($until AS DATE) AND {where(touch_where)}
GROUP BY ALL
"""
        cohort = f"""
SELECT strftime(l.created_at, '%Y-%m') AS month,
    date_diff('month', date_trunc('month', l.created_at), date_trunc('month', l.customer_at))
        AS offset_months,
    count(*) AS n
FROM leads l
WHERE {where(created)}
GROUP BY ALL
ORDER BY month, offset_months
"""
        return FunnelSql(stages=stages, traffic=traffic, spend=spend, cohort=cohort, params=params)

    def run(self) -> FunnelResult:
        return run_read(self.query.filters, self._run)

    def _groups(self, con: duckdb.DuckDBPyConnection, group_by: str) -> list[FunnelGroup]:
        sql = self.build_sql(group_by)
        f = self.query.filters
        counts: dict[Any, dict[str, int]] = {}
        if f.mode == COHORT:
            for g, *reached in _rows(con, sql.stages, sql.params):
                counts[g] = dict(zip(STAGES, reached, strict=True))
        else:
            for g, stage, n in _rows(con, sql.stages, sql.params):
                counts.setdefault(g, {})[stage] = n
        traffic: dict[Any, dict[str, int]] = {}
        if not f.has_lead_dimensions:
            for g, impressions, clicks in _rows(con, sql.spend, sql.params):
                traffic.setdefault(g, {}).update(impressions=impressions, clicks=clicks)
            for g, visits in _rows(con, sql.traffic, sql.params):
                traffic.setdefault(g, {})["visits"] = visits
        labels = group_labels(con, group_by)
        keys = sorted(
            set(counts) | set(traffic),
            key=lambda k: (k is None, str(label_of(labels, group_by, k))),
        )
        if group_by == GROUP_NONE and not keys:
            keys = [0]
        groups = []
        for key in keys:
            top = traffic.get(key, {})
            groups.append(
                _group(
                    key,
                    label_of(labels, group_by, key),
                    counts.get(key, {}),
                    None if f.has_lead_dimensions else int(top.get("impressions") or 0),
                    None if f.has_lead_dimensions else int(top.get("clicks") or 0),
                    None if f.has_lead_dimensions else int(top.get("visits") or 0),
                )
            )
        return groups

    def _run(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> FunnelResult:
        if self.query.group_by == GROUP_NONE:
            total = self._groups(con, GROUP_NONE)[0]
            groups: tuple[FunnelGroup, ...] = (total,)
        else:
            # Every lead, spend row and daily visit count belongs to exactly one group, so
            # the total is the sum of the groups: one pass instead of two.
            groups = tuple(self._groups(con, self.query.group_by))
            total = _total(groups, self.query.filters.has_lead_dimensions)
        sql = self.build_sql()
        matrix: dict[str, dict[int | None, int]] = {}
        for month, offset, n in _rows(con, sql.cohort, sql.params):
            matrix.setdefault(month, {})[offset] = n
        width = max((o for row in matrix.values() for o in row if o is not None), default=-1) + 1
        cohort_rows = tuple(
            CohortRow(
                month=month,
                leads=sum(row.values()),
                won_by_offset=tuple(row.get(o, 0) for o in range(width)),
            )
            for month, row in sorted(matrix.items())
        )
        notes: tuple[str, ...] = ()
        if self.query.filters.has_lead_dimensions:
            notes = ("Impressions, clicks and visits cannot be split by team, rep or segment.",)
        return FunnelResult(
            query=self.query,
            total=total,
            groups=groups,
            cohort_matrix=cohort_rows,
            data_as_of=as_of,
            notes=notes,
        )


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[tuple]:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    return con.execute(sql, used).fetchall()


def _group(
    key: Any,
    label: str,
    counts: dict[str, int],
    impressions: int | None,
    clicks: int | None,
    visits: int | None,
) -> FunnelGroup:
    steps = []
    previous: int | None = None
    first = counts.get(STAGES[0], 0)
    for stage in STAGES:
        n = int(counts.get(stage, 0))
        steps.append(
            FunnelStep(
                stage=stage,
                count=n,
                conversion=None if previous is None else ratio(n, previous),
                from_start=ratio(n, first),
            )
        )
        previous = n
    return FunnelGroup(
        key=key,
        label=label,
        impressions=impressions,
        clicks=clicks,
        visits=visits,
        steps=tuple(steps),
        overall_conversion=ratio(steps[-1].count, first),
    )


def _total(groups: tuple[FunnelGroup, ...], no_traffic: bool) -> FunnelGroup:
    def traffic(name: str) -> int | None:
        return None if no_traffic else sum(getattr(g, name) or 0 for g in groups)

    counts = {s: sum(g.step(s).count for g in groups) for s in STAGES}
    return _group(0, "all", counts, traffic("impressions"), traffic("clicks"), traffic("visits"))
