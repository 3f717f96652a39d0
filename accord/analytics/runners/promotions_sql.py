"""The SQL of the promotion report over the analytics copy (pure string builders).

``facts_sql`` answers one row per deal of the report, in the company currency: the deal's
price waterfall before promotion costs (list amount, discounts, net, cost: from its line
items, or its own amount and discount when it has none), its outcome and cycle, the
segment of its account (size band, industry, country) and its lead's fit grade at hand-off
(kept on the deal, so a later re-score does not move it), and
its cell of the matched comparison (a hash of its pipeline, industry, size band, furthest
open stage reached, by position, and quarter). Amounts are converted by the latest rate on or
before the day the deal closed (created, while open); a deal in a currency without a rate
has ``rate`` NULL and is left out by the runner (and counted).

``links_sql`` names each deal's promotions, however marked: an explicit link, a line item
that used the promotion, or the deal's promotion code. ``promotions_sql`` gives each
promotion's costs in the company currency (at the rate of its first day).
"""

from __future__ import annotations

from typing import Any

from accord.analytics.filters import COHORT, ReportFilters, where
from accord.analytics.runners.deal_scope import deal_conditions

#: Size bands of the promotions' customer-size scope (``accord.pipeline.models.SizeBand``).
SIZE_SQL = """CASE WHEN a.employees IS NULL THEN ''
    WHEN a.employees < 50 THEN 'small' WHEN a.employees < 500 THEN 'mid' ELSE 'large' END"""


def scope_sql(
    filters: ReportFilters, *, pipeline: str | None, scope_user_id: int | None = None
) -> tuple[str, dict[str, Any]]:
    """``scoped AS (...)``: the report's deals. Cohort mode: created in the period; period
    mode: closed in it."""
    since, until = filters.bounds()
    column = "d.created_at" if filters.mode == COHORT else "d.closed_at"
    conditions = [f"{column} >= $since", f"{column} < $until"]
    params: dict[str, Any] = {"since": since, "until": until}
    shared, shared_params = deal_conditions(filters, pipeline=pipeline, scope_user_id=scope_user_id)
    conditions += shared
    params.update(shared_params)
    return f"scoped AS (SELECT d.* FROM deals d WHERE {where(conditions)})", params


def facts_sql(scope: str) -> str:
    """One row per deal of ``scope`` (see the module's docstring). ``$company``: the company
    currency."""
    return f"""
WITH {scope},
lines AS (
    SELECT li.deal_id, sum(li.list_amount) AS list_amount, sum(li.discount_amount) AS discount,
        sum(li.net_amount) AS net, sum(li.cost_amount) AS cost
    FROM deal_line_items li WHERE li.deal_id IN (SELECT id FROM scoped) GROUP BY li.deal_id
),
reached AS (
    SELECT sc.deal_id, max(ps.position) AS stage_reached
    FROM deal_stage_changes sc
    JOIN pipeline_stages ps ON ps.pipeline_id = sc.pipeline_id AND ps.key = sc.to_stage
    WHERE ps.outcome = 'open' AND sc.deal_id IN (SELECT id FROM scoped)
    GROUP BY sc.deal_id
),
dated AS (
    SELECT s.*, CAST(coalesce(s.closed_at, s.created_at) AS DATE) AS rate_day FROM scoped s
)
SELECT * EXCLUDE (pipeline_id, stage_reached, quarter),
    hash(pipeline_id, industry, size_band, stage_reached, quarter) AS cell
FROM (
SELECT d.id AS deal_id, d.pipeline_id, d.owner_id,
    d.stage = 'won' AS won, d.stage IN ('won', 'lost') AS closed,
    CASE WHEN d.stage = 'won' THEN
        date_diff('second', d.created_at, coalesce(d.closed_at, d.created_at)) / 86400.0
    END AS cycle_days,
    CASE WHEN d.currency = $company THEN 1.0 ELSE r.rate END AS rate,
    li.list_amount IS NOT NULL AS has_lines,
    coalesce(li.list_amount, d.amount + coalesce(d.discount_amount, 0)) AS list_amount,
    coalesce(li.discount, coalesce(d.discount_amount, 0)) AS discount,
    coalesce(li.net, d.amount) AS net,
    coalesce(li.cost, 0) AS cost,
    coalesce(d.is_promotion, false) AS flagged,
    coalesce(a.id, 0) AS account_id,
    {SIZE_SQL} AS size_band,
    coalesce(a.industry, '') AS industry,
    coalesce(a.country, '') AS region,
    coalesce(d.handoff_grade, '') AS grade,
    coalesce(rc.stage_reached, now_stage.position, -1) AS stage_reached,
    CAST(date_trunc('quarter', d.created_at) AS DATE) AS quarter, d.closed_at
FROM dated d
ASOF LEFT JOIN exchange_rates r ON r.currency = d.currency AND d.rate_day >= r.date
LEFT JOIN lines li ON li.deal_id = d.id
LEFT JOIN reached rc ON rc.deal_id = d.id
LEFT JOIN pipeline_stages now_stage ON now_stage.pipeline_id = d.pipeline_id
    AND now_stage.key = d.stage AND now_stage.outcome = 'open'
LEFT JOIN leads l ON l.id = d.lead_id
LEFT JOIN contacts c ON c.id = l.contact_id
LEFT JOIN accounts a ON a.id = coalesce(d.account_id, c.account_id)
)
"""


def links_sql(scope: str) -> str:
    """``(deal_id, promotion_id)``: every promotion each deal of ``scope`` used."""
    return f"""
WITH {scope}
SELECT deal_id, promotion_id FROM deal_promotions WHERE deal_id IN (SELECT id FROM scoped)
UNION
SELECT deal_id, promotion_id FROM deal_line_items
WHERE promotion_id IS NOT NULL AND deal_id IN (SELECT id FROM scoped)
UNION
SELECT s.id, p.id FROM scoped s JOIN promotions p ON p.code = s.promotion_code
WHERE s.promotion_code <> ''
"""


PROMOTIONS_SQL = """
SELECT p.id, p.name, p.code, p.starts_on, p.ends_on, p.discount_kind, p.discount_value,
    p.fixed_cost * CASE WHEN p.currency = $company THEN 1.0 ELSE r.rate END AS fixed_cost,
    p.cost_per_deal * CASE WHEN p.currency = $company THEN 1.0 ELSE r.rate END AS cost_per_deal,
    c.name AS campaign
FROM promotions p
ASOF LEFT JOIN exchange_rates r ON r.currency = p.currency AND p.starts_on >= r.date
LEFT JOIN campaigns c ON c.id = p.campaign_id
ORDER BY p.starts_on, p.id
"""

#: The discount approvals of the report's deals (requested vs approved, by the rung).
APPROVALS_SQL = """
WITH {scope}
SELECT a.required_level, a.status, a.requested_percent, a.approved_percent
FROM discount_approvals a
WHERE a.deal_id IN (SELECT id FROM scoped)
"""
