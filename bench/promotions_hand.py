"""The promotion report's main answer from one hand-written DuckDB query
(``promotions_report.py``): per promotion, any promotion and full price, the closed and won
deals and the won deals' pocket margin in USD (dated rates; promotion costs at the rate of
the promotion's first day, its fixed cost spread over its won deals)."""

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


def hand_promotions(path: str, start: date, end: date) -> dict[str, tuple[int, int, int]]:
    con = duckdb.connect(path, read_only=True)
    try:
        rows = con.execute(
            HAND_SQL,
            {
                "since": datetime.combine(start, time.min),
                "until": datetime.combine(end + timedelta(days=1), time.min),
            },
        ).fetchall()
    finally:
        con.close()
    return {g: (int(closed), int(won), int(pocket)) for g, closed, won, pocket in rows}
