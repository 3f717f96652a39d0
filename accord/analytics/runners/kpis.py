"""Spend and return: spend, CPL, cost per MQL/SQL/opportunity, CAC, revenue, ROMI, ROAS and
pipeline sourced, by channel, campaign or month.

- cohort mode: the leads created in the period; their MQLs, SQLs and opportunities (ever),
  their won deals and revenue (whenever won) and their open deals (pipeline);
- period mode: leads created, stages entered, deals won (by close date) and deals opened
  (pipeline, still open) in the period.

Spend is always the spend of the period (by day), split by its own channel and campaign;
deals follow their lead's source channel and campaign. ROMI = (revenue - spend) / spend,
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

GROUPS = (GROUP_NONE, GROUP_CHANNEL, GROUP_CAMPAIGN, GROUP_MONTH)


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
    main: str
    other_currency: str
    params: dict[str, Any]


class KpisRunner:
    def __init__(self, query: KpisQuery):
        self.query = query

    def build_sql(self, group_by: str | None = None) -> KpisSql:
        """One row per group: spend, lead counts, won deals, revenue, pipeline."""
        f = self.query.filters
        group_by = self.query.group_by if group_by is None else group_by
        since, until = f.bounds()
        params: dict[str, Any] = {"since": since, "until": until, "currency": self.query.currency}
        lead_where, lead_params = lead_conditions(f, "l")
        params.update(lead_params)
        cohort = f.mode == COHORT
        if cohort:
            lead_where.append("l.created_at >= $since AND l.created_at < $until")

        def key(channel: str, campaign: str, when: str) -> str:
            if group_by == GROUP_CHANNEL:
                return channel
            if group_by == GROUP_CAMPAIGN:
                return campaign
            if group_by == GROUP_MONTH:
                return f"strftime({when}, '%Y-%m')"
            return "0"

        # In cohort mode a lead's rows are dated by its creation month; in period mode by
        # the event's own date.
        lead_month = "s.created_at"
        stage_key = key("s.channel_id", "s.campaign_id", lead_month if cohort else 't."at"')
        won_key = key("s.channel_id", "s.campaign_id", lead_month if cohort else "d.closed_at")
        open_key = key("s.channel_id", "s.campaign_id", lead_month if cohort else "d.created_at")
        spend_where, spend_params = spend_conditions(f, "sp")
        params.update(spend_params)
        spend_key = key("sp.channel_id", "sp.campaign_id", "sp.date")
        stage_period = "" if cohort else 'AND t."at" >= $since AND t."at" < $until'
        won_period = "" if cohort else "AND d.closed_at >= $since AND d.closed_at < $until"
        open_period = "" if cohort else "AND d.created_at >= $since AND d.created_at < $until"
        # Deals without a lead count only when no lead filter applies (period mode).
        deal_scope = "s.id = d.lead_id"
        deals_from = "deals d JOIN scope s ON " + deal_scope
        if not cohort and not lead_where:
            deals_from = "deals d LEFT JOIN scope s ON " + deal_scope
        spend_sql = (
            "NULL::DOUBLE"
            if f.has_lead_dimensions
            else f"""(SELECT sum(sp.cost) FROM spend sp WHERE sp.currency = $currency
                AND sp.date >= CAST($since AS DATE) AND sp.date < CAST($until AS DATE)
                AND {where(spend_where)} AND {spend_key} IS NOT DISTINCT FROM k.g)"""
        )
        spend_keys = (
            ""
            if f.has_lead_dimensions
            else f"""UNION SELECT {spend_key} FROM spend sp
                WHERE sp.date >= CAST($since AS DATE) AND sp.date < CAST($until AS DATE)
                AND {where(spend_where)}"""
        )
        scope = f"""scope AS (
    SELECT l.id, l.created_at, l.source_channel_id AS channel_id,
        l.source_campaign_id AS campaign_id
    FROM leads l WHERE {where(lead_where)}
)"""
        sql = f"""
WITH {scope},
created AS (
    SELECT {key("s.channel_id", "s.campaign_id", "s.created_at")} AS g, count(*) AS leads
    FROM scope s WHERE s.created_at >= $since AND s.created_at < $until GROUP BY ALL
),
stages AS (
    SELECT {stage_key} AS g,
        count(DISTINCT t.lead_id) FILTER (WHERE t.to_stage = 'mql') AS mqls,
        count(DISTINCT t.lead_id) FILTER (WHERE t.to_stage = 'sql') AS sqls,
        count(DISTINCT t.lead_id) FILTER (WHERE t.to_stage = 'opportunity') AS opportunities
    FROM stage_transitions t JOIN scope s ON s.id = t.lead_id
    WHERE t.to_stage IN ('mql', 'sql', 'opportunity') {stage_period}
    GROUP BY ALL
),
won AS (
    SELECT {won_key} AS g, count(*) AS won_deals, sum(d.amount) AS revenue
    FROM {deals_from}
    WHERE d.stage = 'won' AND d.currency = $currency {won_period}
    GROUP BY ALL
),
open AS (
    SELECT {open_key} AS g, sum(d.amount) AS pipeline
    FROM {deals_from}
    WHERE d.stage NOT IN ('won', 'lost') AND d.currency = $currency {open_period}
    GROUP BY ALL
),
keys AS (
    SELECT g FROM created UNION SELECT g FROM stages UNION SELECT g FROM won
    UNION SELECT g FROM open {spend_keys}
)
SELECT k.g, {spend_sql} AS spend,
    coalesce(c.leads, 0), coalesce(st.mqls, 0), coalesce(st.sqls, 0),
    coalesce(st.opportunities, 0), coalesce(w.won_deals, 0), coalesce(w.revenue, 0),
    coalesce(o.pipeline, 0)
FROM keys k
LEFT JOIN created c ON c.g IS NOT DISTINCT FROM k.g
LEFT JOIN stages st ON st.g IS NOT DISTINCT FROM k.g
LEFT JOIN won w ON w.g IS NOT DISTINCT FROM k.g
LEFT JOIN open o ON o.g IS NOT DISTINCT FROM k.g
"""
        other = f"""
WITH {scope}
SELECT (SELECT count(*) FROM {deals_from} WHERE d.currency <> $currency)
    + (SELECT count(*) FROM spend sp WHERE sp.currency <> $currency
        AND sp.date >= CAST($since AS DATE) AND sp.date < CAST($until AS DATE))
"""
        return KpisSql(main=sql, other_currency=other, params=params)

    def run(self) -> KpisResult:
        return run_read(self.query.filters, self._run)

    def _rows(self, con: duckdb.DuckDBPyConnection, group_by: str) -> tuple[list[KpiRow], int]:
        built = self.build_sql(group_by)
        sql, params = built.main, built.params
        other = con.execute(built.other_currency, _used(params, built.other_currency)).fetchall()[
            0
        ][0]
        labels = group_labels(con, group_by)
        rows = []
        for g, spend, leads, mqls, sqls, opps, won, revenue, pipeline in con.execute(
            sql, _used(params, sql)
        ).fetchall():
            rows.append(
                KpiRow(
                    key=g,
                    label=g if group_by == GROUP_MONTH and g else label_of(labels, group_by, g),
                    spend=spend
                    if spend is not None or self.query.filters.has_lead_dimensions
                    else 0.0,
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
                )
            )
        rows.sort(key=lambda r: (r.key is None, str(r.label)))
        return rows, int(other or 0)

    def _run(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> KpisResult:
        totals, other = self._rows(con, GROUP_NONE)
        total = totals[0] if totals else _empty(self.query.filters.has_lead_dimensions)
        rows = (total,)
        if self.query.group_by != GROUP_NONE:
            rows = tuple(self._rows(con, self.query.group_by)[0])
        notes = ()
        if self.query.filters.has_lead_dimensions:
            notes = ("Spend cannot be split by team, rep or segment; cost metrics are empty.",)
        return KpisResult(
            query=self.query,
            total=total,
            rows=rows,
            currency=self.query.currency,
            other_currency_rows=other,
            data_as_of=as_of,
            notes=notes,
        )


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
