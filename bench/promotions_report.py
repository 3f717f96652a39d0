"""Promotion report bench: the runner on a million-lead company's deals, beside a
hand-written DuckDB query for the same answer, in one run.

    .venv/bin/python bench/promotions_report.py                 # build the copy, then measure
    .venv/bin/python bench/promotions_report.py --duckdb PATH   # reuse (or build) PATH
    .venv/bin/python bench/promotions_report.py --deals 20000   # a smaller company

As ``forecast_report.py``, the bench writes the deals of the 1M-lead demo's opportunities
itself, straight into a DuckDB copy with the app's schema: ``--deals`` deals (default
150,000) over two years, 40 reps, 60,000 accounts (size, industry, country), a lead and
contact per deal (fit grade), two line items per deal (10 products), one deal in ten in
EUR (monthly rates), three promotions used by a quarter of the deals (half linked by hand,
half through a line item) that win more often at a deeper discount, stage histories,
discount approvals for discounts over 20 %. No operational database is read.

Measured (best of ``--repeat``): the whole promotion report (``PromotionsRunner``: groups,
bands, matched comparison, mix, repeat/churn, approvals, reps) and hand-written DuckDB
queries for its main answer (``promotions_hand.py``: per promotion, any and full price,
closed and won deals and the won deals' pocket margin in USD by the dated rates; any
promotion's lift against matched full-price deals), both checked to agree.
Target (issue 15): the report under 1 s, within 1.5x of the hand-written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

START, END = date(2024, 1, 1), date(2026, 12, 31)
REPS, ACCOUNTS = 40, 60_000
NOW = "TIMESTAMP '2026-11-20 12:00'"
STAGES = "['qualification', 'discovery', 'proposal', 'negotiation']"


def _reference(con) -> None:
    con.execute("INSERT INTO teams VALUES (1, 'SMB'), (2, 'Enterprise')")
    con.execute(
        f"INSERT INTO users SELECT i, 'rep' || i, CASE WHEN i % 4 = 0 THEN 2 ELSE 1 END, "
        f"'sales' FROM range(1, {REPS + 1}) t(i)"
    )
    con.execute("INSERT INTO pipelines VALUES (1, 'new_business', 'New business', true, 0, false)")
    con.execute(
        "INSERT INTO pipeline_stages VALUES "
        "(1, 1, 'qualification', 'Qualification', 0, 0.10, 'pipeline', 'open'),"
        "(2, 1, 'discovery', 'Discovery', 1, 0.20, 'pipeline', 'open'),"
        "(3, 1, 'proposal', 'Proposal', 2, 0.50, 'best_case', 'open'),"
        "(4, 1, 'negotiation', 'Negotiation', 3, 0.75, 'commit', 'open'),"
        "(5, 1, 'won', 'Won', 4, 1.0, 'closed', 'won'),"
        "(6, 1, 'lost', 'Lost', 5, 0.0, 'omitted', 'lost')"
    )
    con.execute(f"""
INSERT INTO accounts BY NAME SELECT i AS id,
    CAST(5 + 3000 * random() * random() * random() AS BIGINT) AS employees,
    ['Retail', 'Manufacturing', 'Finance', 'Software', 'Health'][1 + i % 5] AS industry,
    ['DE', 'RU', 'FR', 'US', 'GB'][1 + (i // 5) % 5] AS country, now() AS updated_at
FROM range(1, {ACCOUNTS + 1}) t(i)""")
    con.execute("""
INSERT INTO promotions BY NAME SELECT * FROM (VALUES
    (1, 'Spring 25', 'SPRING25', DATE '2025-03-01', DATE '2025-05-31', 'percent', 25.0,
        20000.0, 150.0, 'USD'),
    (2, 'Year end 15', 'YEAREND15', DATE '2025-11-01', DATE '2025-12-31', 'percent', 15.0,
        5000.0, 50.0, 'USD'),
    (3, 'Bundle EU', 'BUNDLE-EU', DATE '2025-06-01', NULL, 'percent', 20.0,
        8000.0, 80.0, 'EUR'))
    t(id, name, code, starts_on, ends_on, discount_kind, discount_value, fixed_cost,
      cost_per_deal, currency)""")
    con.execute("""
INSERT INTO exchange_rates SELECT row_number() OVER (), 'EUR', d::DATE,
    1.05 + 0.1 * random() FROM (SELECT unnest(generate_series(DATE '2024-01-01',
    DATE '2027-01-01', INTERVAL 1 MONTH)) AS d)""")


def build(con, deals: int) -> None:
    """The company's deals and everything the promotion report reads, generated in DuckDB."""
    from accord.analytics.sync.copy_io import schema_create

    schema_create(con)
    con.execute("SELECT setseed(0.42)")
    _reference(con)
    con.execute(f"""
CREATE TEMP TABLE plan AS
SELECT i AS id, i * 7 AS lead_id, 1 + (i % {REPS}) AS owner_id,
    1 + CAST(random() * {ACCOUNTS - 1} AS BIGINT) AS account_id,
    TIMESTAMP '2024-11-20' + to_seconds(CAST(random() * 730 * 86400 AS BIGINT)) AS created_at,
    20 + CAST(random() * 100 AS INTEGER) AS cycle,
    CASE WHEN random() < 0.25 THEN 1 + i % 3 ELSE 0 END AS promo,
    CASE WHEN i % 10 = 0 THEN 'EUR' ELSE 'USD' END AS currency, random() AS luck
FROM range(1, {deals + 1}) t(i)""")
    con.execute(f"""
CREATE TEMP TABLE planned AS
SELECT *, created_at + to_days(cycle) AS ends,
    CASE WHEN created_at + to_days(cycle) <= {NOW} THEN
        (CASE WHEN luck < (CASE WHEN promo > 0 THEN 0.4 ELSE 0.3 END) THEN 'won' ELSE 'lost' END)
    ELSE {STAGES}[1 + least(3, CAST(floor(epoch({NOW} - created_at) / 86400
        / cycle * 4) AS INTEGER))] END AS stage
FROM plan""")
    con.execute("""
CREATE TEMP TABLE lines AS
SELECT row_number() OVER () AS id, p.id AS deal_id, k AS position, p.currency,
    1 + (p.id * 7 + k) % 10 AS product_id, CAST(1 + (p.id + k) % 5 AS DOUBLE) AS quantity,
    500.0 + 450 * ((p.id * 7 + k) % 10) AS list_price,
    CASE WHEN p.promo = 1 THEN 25.0 WHEN p.promo = 2 THEN 15.0 WHEN p.promo = 3 THEN 20.0
        WHEN (p.id + k) % 3 = 0 THEN 5.0 * ((p.id + k) % 5) ELSE 0.0 END AS discount_percent,
    CASE WHEN p.promo > 0 AND p.id % 2 = 1 AND k = 0 THEN p.promo END AS promotion_id
FROM planned p, range(0, 2) t(k)""")
    con.execute("""
INSERT INTO deal_line_items BY NAME
SELECT id, deal_id, product_id, promotion_id, position, quantity, currency, list_price,
    0.4 * list_price AS unit_cost, quantity * list_price AS list_amount,
    round(quantity * list_price * (1 - discount_percent / 100), 2) AS net_amount,
    quantity * 0.4 * list_price AS cost_amount, discount_percent,
    round(quantity * list_price * discount_percent / 100, 2) AS discount_amount,
    round(quantity * list_price * (1 - discount_percent / 100), 2)
        - quantity * 0.4 * list_price AS margin_amount,
    now() AS created_at, now() AS updated_at
FROM lines""")
    con.execute("""
INSERT INTO deals BY NAME
SELECT p.id, p.lead_id, p.account_id, p.stage, l.net AS amount, p.currency, p.owner_id,
    CASE WHEN p.stage = 'lost' THEN 'price' ELSE '' END AS lost_reason, p.created_at,
    CASE WHEN p.stage IN ('won', 'lost') THEN p.ends END AS closed_at, p.ends AS updated_at,
    1 AS pipeline_id, p.created_at AS stage_entered_at, '' AS forecast_category,
    'Deal ' || p.id AS name, CAST(p.ends AS DATE) AS expected_close,
    l.discount AS discount_amount, p.promo > 0 AS is_promotion, '' AS promotion_code,
    (SELECT grade FROM leads WHERE leads.id = p.lead_id) AS handoff_grade
FROM planned p JOIN (SELECT deal_id, sum(net_amount) net, sum(discount_amount) discount
    FROM deal_line_items GROUP BY 1) l ON l.deal_id = p.id""")
    con.execute("""
INSERT INTO deal_promotions SELECT row_number() OVER (), id, promo, 'explicit', created_at
FROM planned WHERE promo > 0 AND id % 2 = 0""")
    con.execute("""
INSERT INTO contacts BY NAME SELECT lead_id AS id, account_id, created_at,
    created_at AS updated_at FROM plan""")
    con.execute("""
INSERT INTO leads (id, contact_id, owner_id, grade, created_at)
SELECT lead_id, lead_id, owner_id, ['A', 'B', 'C', 'D'][1 + id % 4], created_at FROM plan""")
    con.execute(f"""
INSERT INTO deal_stage_changes
SELECT row_number() OVER (ORDER BY "at", id), id, 1, '', to_stage, "at", 0
FROM (
    SELECT p.id, s.stage AS to_stage, p.created_at + to_days(CAST(p.cycle * s.k / 4 AS INTEGER))
        AS "at"
    FROM planned p, (VALUES (0, 'qualification'), (1, 'discovery'), (2, 'proposal'),
        (3, 'negotiation')) s(k, stage)
    WHERE s.k < (CASE WHEN p.stage = 'won' THEN 4 WHEN p.stage = 'lost' THEN 1 + p.id % 4
        ELSE list_position({STAGES}, p.stage) END)
    UNION ALL
    SELECT id, stage, ends FROM planned WHERE stage IN ('won', 'lost')
)""")
    con.execute("""
INSERT INTO discount_approvals BY NAME
SELECT row_number() OVER () AS id, deal_id, id AS line_item_id, 1 + deal_id % 40 AS
    requested_by_id, now() AS requested_at, discount_percent + 5 AS requested_percent,
    CASE WHEN discount_percent > 20 THEN 'admin' ELSE 'manager' END AS required_level,
    CASE WHEN id % 5 = 0 THEN 'rejected' ELSE 'approved' END AS status,
    CASE WHEN id % 5 = 0 THEN NULL ELSE discount_percent END AS approved_percent
FROM lines WHERE discount_percent >= 20""")
    con.execute("INSERT INTO sync_state VALUES ('deals', 0, now(), now())")


def timed(func, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duckdb", help="The copy to build (if missing) and read.")
    parser.add_argument("--deals", type=int, default=150_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("ACCORD_VAR_DIR", tempfile.mkdtemp(prefix="accord-promo-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import duckdb
    from django.conf import settings

    from bench.promotions_hand import hand_promotions, hand_sections

    path = Path(args.duckdb or Path(os.environ["ACCORD_VAR_DIR"]) / "analytics.duckdb")
    settings.ANALYTICS_DUCKDB_PATH = str(path)
    if not path.exists():
        started = time.perf_counter()
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path))
        build(con, args.deals)
        con.close()
        print(f"built {path} with {args.deals:,} deals in {time.perf_counter() - started:.1f} s")
    from accord.analytics import engine
    from accord.analytics.snapshots import snapshot_id_new

    # Reports read the published snapshot (accord.analytics.snapshots), not the working file.
    engine.snapshot_store().publish(path, tables={}, snapshot_id=snapshot_id_new(datetime.now()))
    con = duckdb.connect(str(path), read_only=True)
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
              for t in ("deals", "deal_line_items", "deal_promotions", "deal_stage_changes",
                        "discount_approvals", "accounts")}  # fmt: skip
    con.close()
    print("rows:", ", ".join(f"{k} {v:,}" for k, v in counts.items()))

    from accord.analytics.filters import ReportFilters
    from accord.analytics.runners.promotions import PromotionsQuery, PromotionsRunner

    query = PromotionsQuery(ReportFilters(start=START, end=END))
    runner_s, result = timed(lambda: PromotionsRunner(query).run(), args.repeat)
    hand_s, hand = timed(lambda: hand_promotions(str(path), START, END), args.repeat)
    rest_s, rest = timed(lambda: hand_sections(str(path), START, END), args.repeat)
    print(f"hand-written main answer {hand_s:.3f} s + the other sections {rest_s:.3f} s")
    bands = {b: (closed, won) for b, closed, won, _avg in rest["bands"]}
    assert [(g.closed, g.won) for g in result.bands if g.deals] == [
        bands[k] for k in sorted(bands)
    ], (result.bands, bands)
    hand_s += rest_s
    print(f"promotion report (runner): {runner_s:.3f} s; hand-written: {hand_s:.3f} s; "
          f"ratio {runner_s / hand_s:.2f}")  # fmt: skip
    hand, hand_lift = hand
    any_lift = next(m.measured_lift for m in result.matched if m.key == "any_promotion")
    assert abs(any_lift - hand_lift) < 1e-9, (any_lift, hand_lift)
    ours = {g.key: (g.closed, g.won, g.pocket_margin) for g in result.groups}
    assert ours.keys() == hand.keys() and all(
        ours[k][:2] == hand[k][:2] and abs(ours[k][2] - hand[k][2]) <= 1 for k in ours
    ), f"the runner and the hand-written disagree:\n{ours}\n{hand}"
    lines = [
        f"  {g.label}: win {100 * (g.win_rate or 0):.1f}%, discount "
        f"{100 * (g.avg_discount or 0):.1f}%, "
        f"pocket margin {100 * (g.pocket_margin_rate or 0):.1f}%"
        for g in result.groups
    ]
    print("same answer:", len(ours), "groups\n" + "\n".join(lines))
    for m in result.matched:
        print(f"  matched {m.label}: lift {m.measured_lift or 0:.2f} vs break-even "
              f"{m.break_even_lift or 0:.2f} ({m.matched_deals:,} deals matched)")  # fmt: skip


if __name__ == "__main__":
    main()
