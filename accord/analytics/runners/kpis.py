"""Spend and return: spend, CPL, cost per MQL/SQL/opportunity, CAC, revenue, ROMI, ROAS and
pipeline sourced, by channel, campaign, month or pipeline; and of the deals: win rate,
average deal size, sales cycle, margin and average discount.

- cohort mode: the leads created in the period; their MQLs, SQLs and opportunities (ever),
  their won deals and revenue (whenever won) and their open deals (pipeline);
- period mode: leads created, stages entered, deals won (by close date) and deals opened
  (pipeline, still open) in the period.

Spend is always the spend of the period (by day), split by its own channel and campaign;
deals follow their lead's source channel and campaign. By pipeline, only deals split: leads
and spend stay in one group without a pipeline.

Of the won deals (as counted above) and the lost ones (closed in the period, or of the
cohort's leads): win rate = won / (won + lost); average deal size = revenue / won; sales
cycle = mean days from the deal's opening to its win; margin = net - cost of the won deals'
line items (deals without line items have no cost: left out of margin, counted), margin %
of those deals' net; average discount = discounts / list amount (line items; a deal without
any: its own discount over amount + discount). ROMI = (revenue - spend) / spend,
ROAS = revenue / spend, CAC = spend / won deals. Money is summed in one currency
(``KpisQuery.currency``); rows in other currencies are left out and counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import duckdb

from accord.analytics.filters import COHORT, ReportFilters, lead_conditions, spend_conditions, where
from accord.analytics.runners.base import (
    GROUP_CAMPAIGN,
    GROUP_CHANNEL,
    GROUP_MONTH,
    GROUP_NONE,
    group_labels,
    label_of,
    ratio,
    run_read,
)
from accord.core.errors import InvalidInput
from accord.core.money import DEFAULT_CURRENCY

#: Where each stage's count goes in a row of sums (spend, leads, mqls, sqls, opps, ...).
_STAGE_COLUMN = {"lead": 1, "mql": 2, "sql": 3, "opportunity": 4}
GROUP_PIPELINE = "pipeline"
GROUPS = (GROUP_NONE, GROUP_CHANNEL, GROUP_CAMPAIGN, GROUP_MONTH, GROUP_PIPELINE)
#: A group's sums: spend, leads, mqls, sqls, opps, won, revenue, pipeline, then of the deals
#: lost, margin, net of won deals with lines, list amount, discount, cycle days, won without
#: line items.
_WIDTH = 15


@dataclass(frozen=True)
class KpisQuery:
    filters: ReportFilters
    group_by: str = GROUP_NONE
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        if self.group_by not in GROUPS:
            raise InvalidInput(f"Group by one of {', '.join(GROUPS)}.", field="group_by")


@dataclass(frozen=True)
class KpiRow:
    key: Any
    label: str
    spend: float | None
    leads: int
    mqls: int
    sqls: int
    opportunities: int
    won_deals: int
    revenue: float
    pipeline: float
    cpl: float | None
    cost_per_mql: float | None
    cost_per_sql: float | None
    cost_per_opportunity: float | None
    cac: float | None
    romi: float | None
    roas: float | None
    lost_deals: int = 0
    win_rate: float | None = None
    average_deal_size: float | None = None
    sales_cycle_days: float | None = None
    margin: float | None = None
    margin_rate: float | None = None
    average_discount: float | None = None
    #: Won deals without line items (no cost known: left out of the margin).
    won_without_lines: int = 0


@dataclass(frozen=True)
class KpisResult:
    query: KpisQuery
    total: KpiRow
    rows: tuple[KpiRow, ...]
    currency: str
    #: Deals and spend entries left out for being in another currency.
    other_currency_rows: int
    data_as_of: datetime | None
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class KpisSql:
    #: Per group: leads created, MQLs, SQLs, opportunities (``g, leads, mqls, sqls, opps``).
    leads: str
    #: ``kind, g, n, amount, margin, net, list, discount, cycle, unlined``: won deals and
    #: revenue (and their margin, discount and cycle), lost deals, open pipeline,
    #: other-currency deals.
    deals: str
    #: Per group: spend in the currency (NULL when only other currencies were spent).
    spend: str
    #: Spend entries in other currencies (the deals' count comes with ``deals``).
    other_currency: str
    params: dict[str, Any]


class KpisRunner:
    def __init__(self, query: KpisQuery):
        self.query = query

    def build_sql(self, group_by: str | None = None) -> KpisSql:
        """Three statements, each one pass: leads, deals and spend, merged by group key."""
        f = self.query.filters
        group_by = self.query.group_by if group_by is None else group_by
        since, until = f.bounds()
        params: dict[str, Any] = {"since": since, "until": until, "currency": self.query.currency}
        lead_where, lead_params = lead_conditions(f, "l")
        params.update(lead_params)
        spend_where, spend_params = spend_conditions(f, "sp")
        params.update(spend_params)
        other = """
SELECT count(*) FROM spend sp WHERE sp.currency <> $currency
    AND sp.date >= CAST($since AS DATE) AND sp.date < CAST($until AS DATE)
"""
        return KpisSql(
            leads=_leads_sql(group_by, lead_where, cohort=f.mode == COHORT),
            deals=_deals_sql(group_by, lead_where, cohort=f.mode == COHORT),
            spend=_spend_sql(group_by, spend_where),
            other_currency=other,
            params=params,
        )

    def run(self) -> KpisResult:
        return run_read(self.query.filters, self._run)

    def _rows(
        self, con: duckdb.DuckDBPyConnection, group_by: str
    ) -> tuple[list[KpiRow], KpiRow | None, int]:
        built = self.build_sql(group_by)
        no_spend = self.query.filters.has_lead_dimensions
        params = built.params
        other = _fetch(con, built.other_currency, params)[0][0] or 0
        sums: dict[Any, list] = {}
        blank = [None, *([0] * (_WIDTH - 1))]
        if self.query.filters.mode == COHORT:
            for g, *counts in _fetch(con, built.leads, params):
                sums[g] = [None, *counts, *blank[5:]]
        else:
            # One (group, stage) row each: a DISTINCT per group rather than three filtered
            # DISTINCT aggregates over the same transitions.
            for g, stage, n in _fetch(con, built.leads, params):
                sums.setdefault(g, list(blank))[_STAGE_COLUMN[stage]] = n
        for kind, g, n, amount, *deal_sums in _fetch(con, built.deals, params):
            if kind == "other":
                other += n
                continue
            row = sums.setdefault(g, list(blank))
            if kind == "won":
                row[5] += n
                row[6] += float(amount or 0)
                for i, value in enumerate(deal_sums, start=9):
                    row[i] += float(value or 0)
            elif kind == "lost":
                row[8] += n
            else:
                row[7] += float(amount or 0)
        if not no_spend:
            for g, spent in _fetch(con, built.spend, params):
                sums.setdefault(g, list(blank))[0] = spent
        labels = (
            dict(con.execute("SELECT id, name FROM pipelines").fetchall())
            if group_by == GROUP_PIPELINE
            else group_labels(con, group_by)
        )
        rows = [
            _row(
                g,
                g if group_by == GROUP_MONTH and g else label_of(labels, group_by, g),
                v,
                no_spend,
            )
            for g, v in sums.items()
        ]
        rows.sort(key=lambda r: (r.key is None, str(r.label)))
        total = None
        if sums:
            # Every lead, deal and spend row falls in exactly one group: the total is the
            # sum of the groups, not a second pass (NULL spend only if every group's is).
            spent = [v[0] for v in sums.values() if v[0] is not None]
            values = [sum(spent) if spent else None]
            values += [sum(v[i] for v in sums.values()) for i in range(1, _WIDTH)]
            total = _row(0, "all", values, no_spend)
        return rows, total, int(other or 0)

    def _run(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> KpisResult:
        no_spend = self.query.filters.has_lead_dimensions
        grouped, total, other = self._rows(con, self.query.group_by)
        total = total or _empty(no_spend)
        rows = (total,) if self.query.group_by == GROUP_NONE else tuple(grouped)
        notes: tuple[str, ...] = ()
        if no_spend:
            notes = ("Spend cannot be split by team, rep or segment; cost metrics are empty.",)
        elif self.query.group_by == GROUP_PIPELINE:
            notes = ("Leads and spend are not split by pipeline: only the deals' figures are.",)
        if total.won_without_lines:
            notes += (
                f"{total.won_without_lines} won deals have no line items: no cost is known, so "
                "they are left out of the margin.",
            )
        return KpisResult(
            query=self.query,
            total=total,
            rows=rows,
            currency=self.query.currency,
            other_currency_rows=other,
            data_as_of=as_of,
            notes=notes,
        )


def _row(key: Any, label: str, values: list, no_spend: bool) -> KpiRow:
    spend, leads, mqls, sqls, opps, won, revenue, pipeline = values[:8]
    lost, margin, net, listed, discount, cycle, unlined = values[8:]
    lined = won - int(unlined)
    return KpiRow(
        key=key,
        label=label,
        spend=spend if spend is not None or no_spend else 0.0,
        leads=leads,
        mqls=mqls,
        sqls=sqls,
        opportunities=opps,
        won_deals=won,
        revenue=float(revenue),
        pipeline=float(pipeline),
        cpl=ratio(spend, leads),
        cost_per_mql=ratio(spend, mqls),
        cost_per_sql=ratio(spend, sqls),
        cost_per_opportunity=ratio(spend, opps),
        cac=ratio(spend, won),
        romi=ratio(None if spend is None else float(revenue) - spend, spend),
        roas=ratio(float(revenue), spend) if spend is not None else None,
        lost_deals=int(lost),
        win_rate=ratio(won, won + int(lost)),
        average_deal_size=ratio(float(revenue), won),
        sales_cycle_days=ratio(cycle, won),
        margin=float(margin) if lined else None,
        margin_rate=ratio(margin, net) if lined else None,
        average_discount=ratio(discount, listed),
        won_without_lines=int(unlined),
    )


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[tuple]:
    return con.execute(sql, _used(params, sql)).fetchall()


def _used(params: dict[str, Any], sql: str) -> dict[str, Any]:
    return {k: v for k, v in params.items() if f"${k}" in sql}


def _empty(no_spend: bool) -> KpiRow:
    return KpiRow(
        key=0,
        label="all",
        spend=None if no_spend else 0.0,
        leads=0,
        mqls=0,
        sqls=0,
        opportunities=0,
        won_deals=0,
        revenue=0.0,
        pipeline=0.0,
        cpl=None,
        cost_per_mql=None,
        cost_per_sql=None,
        cost_per_opportunity=None,
        cac=None,
        romi=None,
        roas=None,
    )


_IN_PERIOD = "{col} >= $since AND {col} < $until"


def _group_key(group_by: str, channel: str, campaign: str, when: str) -> str:
    """The SQL expression a row groups by: its channel, campaign or month (or one group)."""
    if group_by == GROUP_CHANNEL:
        return channel
    if group_by == GROUP_CAMPAIGN:
        return campaign
    if group_by == GROUP_MONTH:
        return f"strftime({when}, '%Y-%m')"
    if group_by == GROUP_PIPELINE:
        return "NULL"  # leads and spend have no pipeline (deals group by their own)
    return "0"


def _leads_sql(group_by: str, lead_where: list[str], *, cohort: bool) -> str:
    """Leads, MQLs, SQLs and opportunities per group."""
    created = [*lead_where, _IN_PERIOD.format(col="l.created_at")]
    lead_key = _group_key(group_by, "l.source_channel_id", "l.source_campaign_id", "l.created_at")
    if cohort:
        # The lead facts of the copy (``sync.LEAD_FACTS``): one narrow row per lead.
        return f"""
SELECT {lead_key} AS g, count(*), count(l.mql_at), count(l.sql_at), count(l.opportunity_at)
FROM leads l WHERE {where(created)} GROUP BY g
"""
    # Stages entered in the period (a second entry counts: only the log knows); the lead
    # row is joined only for a grouping or a lead filter.
    stage_key = _group_key(group_by, "l.source_channel_id", "l.source_campaign_id", 't."at"')
    join = (
        ""
        if group_by in (GROUP_NONE, GROUP_MONTH) and not lead_where
        else "JOIN leads l ON l.id = t.lead_id"
    )
    moved = [*lead_where, _IN_PERIOD.format(col='t."at"')]
    return f"""
SELECT {lead_key} AS g, 'lead' AS stage, count(*) FROM leads l WHERE {where(created)} GROUP BY g
UNION ALL
SELECT {stage_key} AS g, t.to_stage, count(DISTINCT t.lead_id)
FROM stage_transitions t {join}
WHERE t.to_stage IN ('mql', 'sql', 'opportunity') AND {where(moved)}
GROUP BY g, t.to_stage
"""


def _deals_sql(group_by: str, lead_where: list[str], *, cohort: bool) -> str:
    """Won deals and revenue, open pipeline per group, and the deals in other currencies.

    Deals follow their lead: cohort, the leads created in the period (won whenever); period,
    won (closed) or opened in the period, of any lead in scope, and without a lead when no
    lead filter applies."""
    created = [*lead_where, _IN_PERIOD.format(col="l.created_at")]
    scope = where(created if cohort else lead_where)
    deal_join = "JOIN" if cohort or lead_where else "LEFT JOIN"
    won_key = _group_key(
        group_by,
        "l.source_channel_id",
        "l.source_campaign_id",
        "l.created_at" if cohort else "d.closed_at",
    )
    open_key = _group_key(
        group_by,
        "l.source_channel_id",
        "l.source_campaign_id",
        "l.created_at" if cohort else "d.created_at",
    )
    won_when = "TRUE" if cohort else _IN_PERIOD.format(col="d.closed_at")
    open_when = "TRUE" if cohort else _IN_PERIOD.format(col="d.created_at")
    scoped_deals = f"""scoped AS (
    SELECT d.* EXCLUDE (created_at), d.created_at AS deal_created_at,
        l.source_channel_id, l.source_campaign_id, l.created_at
    FROM deals d {deal_join} (SELECT * FROM leads l WHERE {scope}) l ON l.id = d.lead_id
)"""
    won_key = won_key.replace("d.closed_at", "closed_at").replace("l.", "")
    open_key = open_key.replace("d.created_at", "deal_created_at").replace("l.", "")
    if group_by == GROUP_PIPELINE:
        won_key = open_key = "pipeline_id"
    won_when = won_when.replace("d.closed_at", "closed_at")
    open_when = open_when.replace("d.created_at", "deal_created_at")
    # One pass over the deals in scope: each is won (with its line items' sums), lost, open
    # or in another currency (left out and counted, in a last row without a group), and the
    # rows are summed by (kind, group). One reference to ``scoped``: ClickHouse evaluates a
    # CTE at every reference, and four (one per kind) built the deals-to-leads join four
    # times (bench/README.md, "At 1M, 3M and 10M leads").
    return f"""
WITH {scoped_deals},
lines AS (
    SELECT deal_id, sum(list_amount) AS listed, sum(net_amount) AS net,
        sum(cost_amount) AS cost
    FROM deal_line_items GROUP BY deal_id
),
kinded AS (
    SELECT s.*, li.deal_id IS NOT NULL AS lined, li.listed, li.net, li.cost,
        CASE
            WHEN s.currency <> $currency THEN 'other'
            WHEN s.currency = $currency AND s.stage = 'won' AND {won_when} THEN 'won'
            WHEN s.currency = $currency AND s.stage = 'lost' AND {won_when} THEN 'lost'
            WHEN s.currency = $currency AND s.stage NOT IN ('won', 'lost') AND {open_when}
                THEN 'open'
        END AS kind
    FROM scoped s LEFT JOIN lines li ON li.deal_id = s.id
)
SELECT kind,
    CASE kind WHEN 'other' THEN NULL WHEN 'open' THEN {open_key} ELSE {won_key} END AS g,
    count(*), sum(amount),
    sum(net - cost) FILTER (WHERE lined), sum(net) FILTER (WHERE lined),
    sum(CASE WHEN lined THEN listed ELSE amount + coalesce(discount_amount, 0) END),
    sum(CASE WHEN lined THEN listed - net ELSE coalesce(discount_amount, 0) END),
    sum(epoch(closed_at) - epoch(deal_created_at)) / 86400.0,
    count(*) FILTER (WHERE NOT lined)
FROM kinded WHERE kind IS NOT NULL
GROUP BY kind, g
"""


def _spend_sql(group_by: str, spend_where: list[str]) -> str:
    """Spend per group in the report's currency; groups with spend only in other currencies
    still show (with no spend figure)."""
    spend_key = _group_key(group_by, "sp.channel_id", "sp.campaign_id", "sp.date")
    return f"""
SELECT {spend_key} AS g, sum(sp.cost) FILTER (WHERE sp.currency = $currency)
FROM spend sp
WHERE sp.date >= CAST($since AS DATE) AND sp.date < CAST($until AS DATE)
    AND {where(spend_where)}
GROUP BY g
"""
