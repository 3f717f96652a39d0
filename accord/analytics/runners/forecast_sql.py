"""The SQL of the forecast runner over the analytics copy (pure string builders).

Every query starts from ``scoped``: the deals the filters select, in the report's currency.
A deal's state at an earlier moment ``t`` (stage, amount, close date) is rebuilt from its
append-only history: the stage and amount of its last stage change before ``t``, and the
close date of its last close-date change before ``t`` (or, with none before, the old date
of its first change after ``t``; with no change at all, its close date now).
"""

from __future__ import annotations

from typing import Any

from accord.analytics.filters import ReportFilters, where
from accord.analytics.runners.deal_scope import deal_conditions

OPEN = "d.stage NOT IN ('won', 'lost')"
GROUP_KEYS = {
    "none": "0",
    "owner": "d.owner_id",
    "team": "u.team_id",
    "pipeline": "d.pipeline_id",
}


def scope_sql(
    filters: ReportFilters, *, pipeline: str | None, scope_user_id: int | None, currency: str
) -> tuple[str, dict[str, Any]]:
    """``scoped AS (...)``: the deals of the report, with the owner's team."""
    conditions = ["d.currency = $currency"]
    params: dict[str, Any] = {"currency": currency}
    shared, shared_params = deal_conditions(filters, pipeline=pipeline, scope_user_id=scope_user_id)
    conditions += shared
    params.update(shared_params)
    sql = f"""scoped AS (
    SELECT d.*, u.team_id FROM deals d LEFT JOIN users u ON u.id = d.owner_id
    WHERE {where(conditions)}
)"""
    return sql, params


def current_sql(scope: str, *, period_unit: str, group_by: str) -> str:
    """Per (period of the close date, group): the pipeline now, weighted two ways, and the
    category totals. Won deals count in the period they closed in; lost ones not at all."""
    key = GROUP_KEYS[group_by].replace("u.", "d.")
    return f"""
WITH {scope},
model AS (SELECT id FROM scoring_models WHERE is_active),
staged AS (
    SELECT d.amount, {key} AS g,
        CASE WHEN d.stage = 'won' THEN CAST(d.closed_at AS DATE) ELSE d.expected_close END
            AS close_date,
        coalesce(ps.probability, 0) AS probability, p.probability AS model_p,
        CASE WHEN d.stage = 'won' THEN 'closed'
            ELSE coalesce(nullif(d.forecast_category, ''), ps.forecast_category, 'pipeline')
        END AS category
    FROM scoped d
    LEFT JOIN pipeline_stages ps ON ps.pipeline_id = d.pipeline_id AND ps.key = d.stage
    LEFT JOIN lead_predictions p ON p.lead_id = d.lead_id AND p.model_id IN (SELECT id FROM model)
    WHERE d.stage <> 'lost'
)
SELECT CAST(date_trunc('{period_unit}', close_date) AS DATE) AS period, g,
    count(*) FILTER (WHERE category <> 'closed') AS open_deals,
    coalesce(sum(amount) FILTER (WHERE category <> 'closed'), 0) AS open_amount,
    coalesce(sum(amount * probability) FILTER (WHERE category <> 'closed'), 0) AS stage_w,
    coalesce(sum(amount * coalesce(model_p, probability)) FILTER (WHERE category <> 'closed'), 0)
        AS model_w,
    count(model_p) FILTER (WHERE category <> 'closed') AS predicted,
    coalesce(sum(amount) FILTER (WHERE category = 'closed'), 0) AS closed,
    coalesce(sum(amount) FILTER (WHERE category = 'commit'), 0) AS commit_amount,
    coalesce(sum(amount) FILTER (WHERE category = 'best_case'), 0) AS best_case,
    coalesce(sum(amount) FILTER (WHERE category = 'pipeline'), 0) AS pipeline,
    coalesce(sum(amount) FILTER (WHERE category = 'omitted'), 0) AS omitted
FROM staged
WHERE close_date >= $first AND close_date < $after
GROUP BY ALL
"""


def win_rate_sql(scope: str) -> str:
    """Won amount over won + lost amount, of the deals closed in [since, until)."""
    return f"""
WITH {scope}
SELECT coalesce(sum(amount) FILTER (WHERE stage = 'won'), 0), coalesce(sum(amount), 0),
    count(*)
FROM scoped WHERE stage IN ('won', 'lost') AND closed_at >= $since AND closed_at < $until
"""


def stage_history_sql(scope: str) -> str:
    """Per (pipeline, stage) passed through by deals closed before $t: how many, how many
    won, and the days from first entering the stage to winning (of the won ones)."""
    return f"""
WITH {scope},
closed AS (
    SELECT c.deal_id, min(c."at") AS closed_at, bool_or(c.to_stage = 'won') AS won
    FROM deal_stage_changes c JOIN scoped d ON d.id = c.deal_id
    WHERE c.to_stage IN ('won', 'lost') AND c."at" < $t
    GROUP BY c.deal_id
),
entered AS (
    SELECT c.deal_id, c.pipeline_id, c.to_stage AS stage, min(c."at") AS entered_at
    FROM deal_stage_changes c JOIN closed USING (deal_id)
    WHERE c.to_stage NOT IN ('won', 'lost') AND c."at" < $t
    GROUP BY ALL
)
SELECT e.pipeline_id, e.stage, count(*) AS deals, count(*) FILTER (WHERE x.won) AS won,
    list((epoch(x.closed_at) - epoch(e.entered_at)) / 86400.0) FILTER (WHERE x.won)
        AS days_to_won
FROM entered e JOIN closed x USING (deal_id)
GROUP BY ALL
"""


def stages_passed_sql(scope: str) -> str:
    """Each (closed deal, open stage it passed through): the stage's key, when the deal first
    entered it and when it closed (epoch seconds, closed before $now), and whether it won."""
    return f"""
WITH {scope},
closed AS (
    SELECT c.deal_id, min(c."at") AS closed_at, bool_or(c.to_stage = 'won') AS won
    FROM deal_stage_changes c JOIN scoped d ON d.id = c.deal_id
    WHERE c.to_stage IN ('won', 'lost') AND c."at" < $now
    GROUP BY c.deal_id
)
SELECT CAST(c.pipeline_id AS VARCHAR) || ':' || c.to_stage AS stage_key,
    epoch(min(c."at")) AS entered, epoch(any_value(x.closed_at)) AS closed,
    any_value(x.won) AS won
FROM deal_stage_changes c JOIN closed x USING (deal_id)
WHERE c.to_stage NOT IN ('won', 'lost') AND c."at" < $now
GROUP BY c.deal_id, c.pipeline_id, c.to_stage
"""


def state_at_sql(scope: str) -> str:
    """Each deal of the scope as it stood at $t: stage, amount, close date, days in stage."""
    return f"""
WITH {scope},
st AS (
    SELECT c.deal_id, arg_max(c.to_stage, c."at") AS stage, arg_max(c.amount, c."at") AS amount,
        max(c."at") AS entered_at
    FROM deal_stage_changes c JOIN scoped d ON d.id = c.deal_id
    WHERE c."at" < $t GROUP BY c.deal_id
),
cd AS (
    SELECT c.deal_id,
        arg_max(c.new_date, c."at") FILTER (WHERE c."at" < $t) AS before_t,
        arg_min(c.old_date, c."at") FILTER (WHERE c."at" >= $t) AS after_t,
        count(*) FILTER (WHERE c."at" < $t) AS changes_before
    FROM deal_close_changes c JOIN scoped d ON d.id = c.deal_id GROUP BY c.deal_id
)
SELECT d.id, d.pipeline_id, st.stage, st.amount,
    CASE WHEN cd.changes_before > 0 THEN cd.before_t
        ELSE coalesce(cd.after_t, d.expected_close) END AS close_date,
    (epoch($t) - epoch(st.entered_at)) / 86400.0 AS age_days, d.created_at
FROM scoped d JOIN st ON st.deal_id = d.id LEFT JOIN cd ON cd.deal_id = d.id
"""


def pipeline_at_sql(scope: str) -> str:
    """Open deals at $t as (amount, stage key, days in stage, close date, probability)."""
    return f"""
WITH past AS ({state_at_sql(scope)})
SELECT t.amount, CAST(t.pipeline_id AS VARCHAR) || ':' || t.stage, t.age_days, t.close_date,
    coalesce(ps.probability, 0)
FROM past t LEFT JOIN pipeline_stages ps ON ps.pipeline_id = t.pipeline_id AND ps.key = t.stage
WHERE t.stage NOT IN ('won', 'lost')
"""


def open_now_sql(scope: str) -> str:
    """The open deals now, as ``pipeline_at_sql`` gives them at an earlier moment."""
    return f"""
WITH {scope}
SELECT d.amount, CAST(d.pipeline_id AS VARCHAR) || ':' || d.stage,
    (epoch($t) - epoch(d.stage_entered_at)) / 86400.0, d.expected_close
FROM scoped d WHERE {OPEN}
"""


def won_between_sql(scope: str) -> str:
    """Amount won in [$since, $until), in total and of deals also created in it."""
    return f"""
WITH {scope}
SELECT coalesce(sum(amount), 0), coalesce(sum(amount) FILTER (WHERE created_at >= $since), 0)
FROM scoped WHERE stage = 'won' AND closed_at >= $since AND closed_at < $until
"""


def slipped_sql(scope: str) -> str:
    """Deals whose close date moved from inside [$first, $after) to after it."""
    return f"""
WITH {scope},
moves AS (
    SELECT c.deal_id, min(c.old_date) AS old_date, max(c.new_date) AS new_date, max(c."at") AS at
    FROM deal_close_changes c JOIN scoped d ON d.id = c.deal_id
    WHERE c.old_date >= $first AND c.old_date < $after AND c.new_date >= $after
    GROUP BY c.deal_id
)
SELECT d.id, d.name, d.owner_id, d.stage, d.amount, m.old_date, m.new_date
FROM moves m JOIN scoped d ON d.id = m.deal_id
ORDER BY d.amount DESC, d.id
"""


def submissions_sql(scope_users: str) -> str:
    """Per rep and period of kind $kind in [$first, $after): the first submission made in
    the period (or the last before it) with its newest adjustment."""
    return f"""
WITH ranked AS (
    SELECT s.*, row_number() OVER (
        PARTITION BY s.user_id, s.period_start
        ORDER BY (s.week_start < s.period_start),
            abs(datediff('day', s.period_start, s.week_start)), s.id) AS n
    FROM forecast_submissions s
    WHERE s.period_kind = $kind AND s.period_start >= $first AND s.period_start < $after
        AND {scope_users}
),
adjusted AS (
    SELECT submission_id, arg_max("commit", "at") AS adj_commit
    FROM forecast_adjustments GROUP BY submission_id
)
SELECT r.period_start, r.user_id, r."commit", r.stage_weighted, r.model_weighted, r.closed,
    coalesce(a.adj_commit, r."commit") AS adjusted, a.adj_commit IS NOT NULL AS was_adjusted
FROM ranked r LEFT JOIN adjusted a ON a.submission_id = r.id
WHERE r.n = 1
"""


def waterfall_sql(scope: str) -> str:
    """The period [$first, $after) from its start $t to now ($now): each deal that was or
    became part of the period's pipeline, where it came from and where it went.

    Came from: ``start`` (open at $t with its close date in the period), ``new`` (created
    since), ``moved_in`` (existed at $t but closing elsewhere). Went to: ``won`` / ``lost``
    (closed since $t), ``end`` (open now, closing in the period), ``moved_out`` (open now,
    closing elsewhere). ``changed`` is the amounts' change between the two moments, so that
    start + new + moved in - moved out - won - lost + changed = end.
    """
    return f"""
WITH past AS ({state_at_sql(scope)}),
{scope},
flows AS (
    SELECT d.id, d.amount AS amount_now,
        p.stage IS NOT NULL AND p.stage NOT IN ('won', 'lost')
            AND p.close_date >= $first AND p.close_date < $after AS at_start,
        p.amount AS amount_then,
        d.created_at >= $t AS is_new,
        CASE
            WHEN d.stage = 'won' AND d.closed_at >= $t THEN 'won'
            WHEN d.stage = 'lost' AND d.closed_at >= $t THEN 'lost'
            WHEN d.stage NOT IN ('won', 'lost') AND d.expected_close >= $first
                AND d.expected_close < $after THEN 'end'
            WHEN d.stage NOT IN ('won', 'lost') THEN 'moved_out'
        END AS went
    FROM scoped d LEFT JOIN past p ON p.id = d.id
    WHERE d.created_at < $now
),
kept AS (
    SELECT *, CASE WHEN at_start THEN 'start' WHEN is_new THEN 'new' ELSE 'moved_in' END AS came,
        CASE WHEN at_start THEN amount_then ELSE amount_now END AS amount_in
    FROM flows
    WHERE went IS NOT NULL AND (at_start OR went <> 'moved_out')
)
SELECT came, went, count(*), coalesce(sum(amount_in), 0), coalesce(sum(amount_now), 0)
FROM kept GROUP BY ALL
"""
