"""The promotion report's main answer from two hand-written DuckDB queries
(``promotions_report.py``): per promotion, any promotion and full price, the closed and won
deals and the won deals' pocket margin in USD (dated rates; promotion costs at the rate of
the promotion's first day, its fixed cost spread over its won deals); and the measured lift
of any promotion against matched full-price deals."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import duckdb

HAND_SQL = """
WITH d AS (
    SELECT * FROM deals WHERE created_at >= $since AND created_at < $until
),
conv AS (
    SELECT d.id, d.stage, d.is_promotion,
        CASE WHEN d.currency = 'USD' THEN 1.0 ELSE r.rate END AS rate
    FROM d ASOF LEFT JOIN exchange_rates r
        ON r.currency = d.currency AND CAST(coalesce(d.closed_at, d.created_at) AS DATE) >= r.date
),
li AS (
    SELECT deal_id, sum(net_amount) net, sum(cost_amount) cost FROM deal_line_items
    WHERE deal_id IN (SELECT id FROM d) GROUP BY 1
),
links AS (
    SELECT deal_id, promotion_id FROM deal_promotions WHERE deal_id IN (SELECT id FROM d)
    UNION SELECT deal_id, promotion_id FROM deal_line_items
    WHERE promotion_id IS NOT NULL AND deal_id IN (SELECT id FROM d)
),
promo AS (
    SELECT p.id, p.fixed_cost * CASE WHEN p.currency = 'USD' THEN 1.0 ELSE r.rate END fixed,
        p.cost_per_deal * CASE WHEN p.currency = 'USD' THEN 1.0 ELSE r.rate END per_deal
    FROM promotions p ASOF LEFT JOIN exchange_rates r
        ON r.currency = p.currency AND p.starts_on >= r.date
),
won_links AS (
    SELECT k.deal_id, k.promotion_id FROM links k JOIN conv c ON c.id = k.deal_id
    WHERE c.stage = 'won' AND c.rate IS NOT NULL
),
charge AS (
    SELECT w.deal_id, sum(p.per_deal + p.fixed / n.n) AS promo_cost
    FROM won_links w JOIN promo p ON p.id = w.promotion_id
    JOIN (SELECT promotion_id, count(*) n FROM won_links GROUP BY 1) n USING (promotion_id)
    GROUP BY 1
),
f AS (
    SELECT c.id, c.stage IN ('won', 'lost') AS closed, c.stage = 'won' AS won,
        c.is_promotion OR c.id IN (SELECT deal_id FROM links) AS promoted,
        CASE WHEN c.stage = 'won' THEN
            li.net * c.rate - coalesce(ch.promo_cost, 0) - li.cost * c.rate END AS pocket
    FROM conv c JOIN li ON li.deal_id = c.id
    LEFT JOIN charge ch ON ch.deal_id = c.id
    WHERE c.rate IS NOT NULL
),
keyed AS (
    SELECT CASE WHEN promoted THEN 'any_promotion' ELSE 'full_price' END AS g, * FROM f
    UNION ALL
    SELECT CAST(k.promotion_id AS VARCHAR), f.* FROM f JOIN links k ON k.deal_id = f.id
)
SELECT g, count(*) FILTER (WHERE closed), count(*) FILTER (WHERE won),
    round(coalesce(sum(pocket), 0)) FROM keyed GROUP BY g
"""


#: The matched comparison of any promotion: closed promotion deals against full-price ones
#: of the same pipeline, industry, size band, furthest stage and quarter.
MATCHED_SQL = """
WITH d AS (
    SELECT * FROM deals WHERE created_at >= $since AND created_at < $until
),
links AS (
    SELECT deal_id FROM deal_promotions UNION SELECT deal_id FROM deal_line_items
    WHERE promotion_id IS NOT NULL
),
reached AS (
    SELECT sc.deal_id, max(ps.position) AS pos FROM deal_stage_changes sc
    JOIN pipeline_stages ps ON ps.pipeline_id = sc.pipeline_id AND ps.key = sc.to_stage
    WHERE ps.outcome = 'open' GROUP BY 1
),
f AS (
    SELECT d.stage = 'won' AS won, d.is_promotion OR d.id IN (SELECT deal_id FROM links)
        AS promoted,
        hash(d.pipeline_id, coalesce(a.industry, ''), CASE WHEN a.employees IS NULL THEN ''
            WHEN a.employees < 50 THEN 'small' WHEN a.employees < 500 THEN 'mid'
            ELSE 'large' END, coalesce(r.pos, -1),
            CAST(date_trunc('quarter', d.created_at) AS DATE)) AS cell
    FROM d LEFT JOIN reached r ON r.deal_id = d.id
    LEFT JOIN leads l ON l.id = d.lead_id LEFT JOIN contacts c ON c.id = l.contact_id
    LEFT JOIN accounts a ON a.id = coalesce(d.account_id, c.account_id)
    WHERE d.stage IN ('won', 'lost')
),
cells AS (
    SELECT cell, count(*) FILTER (WHERE promoted) nt,
        count(*) FILTER (WHERE promoted AND won) wt,
        count(*) FILTER (WHERE NOT promoted) nc,
        count(*) FILTER (WHERE NOT promoted AND won) wc
    FROM f GROUP BY cell
)
SELECT (sum(wt) / sum(nt)) / (sum(nt * wc / nc) / sum(nt)) FROM cells WHERE nt > 0 AND nc > 0
"""


def hand_promotions(path: str, start: date, end: date) -> tuple[dict, float]:
    """The groups' (closed, won, pocket margin) and any promotion's matched lift."""
    con = duckdb.connect(path, read_only=True)
    params = {
        "since": datetime.combine(start, time.min),
        "until": datetime.combine(end + timedelta(days=1), time.min),
    }
    try:
        rows = con.execute(HAND_SQL, params).fetchall()
        lift = con.execute(MATCHED_SQL, params).fetchall()[0][0]
    finally:
        con.close()
    return {g: (int(closed), int(won), int(pocket)) for g, closed, won, pocket in rows}, lift


#: The other sections, one query each over the same hand-written deal facts.
FACTS_CTE = """
WITH d AS (SELECT * FROM deals WHERE created_at >= $since AND created_at < $until),
links AS (
    SELECT deal_id FROM deal_promotions UNION SELECT deal_id FROM deal_line_items
    WHERE promotion_id IS NOT NULL
),
li AS (SELECT deal_id, sum(list_amount) la, sum(discount_amount) da FROM deal_line_items
    GROUP BY 1),
f AS (
    SELECT d.id, d.owner_id, d.stage, d.stage IN ('won', 'lost') AS closed, d.stage = 'won' AS won,
        d.closed_at, d.is_promotion OR d.id IN (SELECT deal_id FROM links) AS promoted,
        li.da / nullif(li.la, 0) AS rate, coalesce(d.account_id, c.account_id) AS account_id,
        CASE WHEN a.employees < 50 THEN 'small' WHEN a.employees < 500 THEN 'mid'
            ELSE 'large' END AS size, a.industry, a.country,
        coalesce(d.handoff_grade, '') AS grade
    FROM d JOIN li ON li.deal_id = d.id
    LEFT JOIN leads l ON l.id = d.lead_id LEFT JOIN contacts c ON c.id = l.contact_id
    LEFT JOIN accounts a ON a.id = coalesce(d.account_id, c.account_id)
)
"""
SECTIONS = {
    # The runner's bands: upper bounds inclusive, to within 1e-9 of a cent's rounding.
    "bands": """SELECT CASE WHEN coalesce(rate, 0) <= 1e-9 THEN 0 WHEN rate <= 0.1 + 1e-9 THEN 1
        WHEN rate <= 0.2 + 1e-9 THEN 2 WHEN rate <= 0.3 + 1e-9 THEN 3 ELSE 4 END AS band,
        count(*) FILTER (WHERE closed),
        count(*) FILTER (WHERE won), avg(rate) FILTER (WHERE closed) FROM f GROUP BY 1""",
    "mix": """SELECT promoted, dim, value, count(*) FROM f, LATERAL (VALUES ('size', size),
        ('industry', industry), ('region', country), ('grade', grade)) v(dim, value)
        WHERE won GROUP BY ALL""",
    "reps": """SELECT owner_id, count(*) FILTER (WHERE closed), count(*) FILTER (WHERE won),
        avg(rate) FILTER (WHERE closed) FROM f GROUP BY 1""",
    "retention": """, firsts AS (SELECT promoted, account_id, arg_min(id, closed_at) AS deal_id,
            min(closed_at) AS closed_at FROM f WHERE won GROUP BY ALL),
        owned AS (SELECT d.id, coalesce(d.account_id, c.account_id) AS account_id, d.stage,
            d.created_at, d.closed_at FROM deals d LEFT JOIN leads l ON l.id = d.lead_id
            LEFT JOIN contacts c ON c.id = l.contact_id)
        SELECT x.promoted, count(DISTINCT x.account_id),
            count(DISTINCT x.account_id) FILTER (WHERE o.stage = 'won')
        FROM firsts x LEFT JOIN owned o ON o.account_id = x.account_id
            AND o.created_at > x.closed_at AND o.id <> x.deal_id
        GROUP BY 1""",
    "approvals": """SELECT required_level, count(*), avg(requested_percent),
        avg(approved_percent) FILTER (WHERE status = 'approved') FROM discount_approvals
        WHERE deal_id IN (SELECT id FROM d) GROUP BY ROLLUP (required_level)""",
}


def hand_sections(path: str, start: date, end: date) -> dict[str, list]:
    con = duckdb.connect(path, read_only=True)
    params = {
        "since": datetime.combine(start, time.min),
        "until": datetime.combine(end + timedelta(days=1), time.min),
    }
    try:
        out = {}
        for name, sql in SECTIONS.items():
            head = FACTS_CTE.rstrip() if sql.startswith(",") else FACTS_CTE
            used = {k: v for k, v in params.items()}
            out[name] = con.execute(head + sql, used).fetchall()
        return out
    finally:
        con.close()
