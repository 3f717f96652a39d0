"""The forecast report's answer from hand-written DuckDB SQL (``forecast_report.py``): one
query per section, straight over the copy, and the same numpy simulation."""

from __future__ import annotations

from datetime import date, datetime, time

import duckdb
import numpy as np

from accord.pipeline.forecast.simulation import OpenDeals, StageBehaviour, forecast_simulate

QUARTERS = "date_trunc('quarter', close_date)"


def _ts(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _quarter_add(day: date, n: int) -> date:
    month = day.month - 1 + 3 * n
    return date(day.year + month // 12, month % 12 + 1, 1)


STATE_AT = """
WITH st AS (SELECT deal_id, arg_max(to_stage, "at") stage, arg_max(amount, "at") amount,
        max("at") entered FROM deal_stage_changes WHERE "at" < $t GROUP BY deal_id),
    cd AS (SELECT deal_id, arg_max(new_date, "at") FILTER (WHERE "at" < $t) b,
        arg_min(old_date, "at") FILTER (WHERE "at" >= $t) a,
        count(*) FILTER (WHERE "at" < $t) n FROM deal_close_changes GROUP BY deal_id)
SELECT st.amount, '1:' || st.stage AS stage, (epoch($t) - epoch(st.entered)) / 86400 AS age,
    CASE WHEN cd.n > 0 THEN cd.b ELSE coalesce(cd.a, d.expected_close) END AS close_date,
    ps.probability
FROM deals d JOIN st ON st.deal_id = d.id LEFT JOIN cd ON cd.deal_id = d.id
JOIN pipeline_stages ps ON ps.pipeline_id = d.pipeline_id AND ps.key = st.stage
WHERE st.stage NOT IN ('won', 'lost')"""

BEHAVIOUR = """
WITH closed AS (SELECT deal_id, min("at") closed_at, bool_or(to_stage = 'won') won
        FROM deal_stage_changes WHERE to_stage IN ('won', 'lost') AND "at" < $t GROUP BY 1),
    entered AS (SELECT deal_id, to_stage stage, min("at") entered_at FROM deal_stage_changes
        WHERE to_stage NOT IN ('won', 'lost') AND "at" < $t GROUP BY 1, 2)
SELECT '1:' || stage, count(*), count(*) FILTER (WHERE won),
    list((epoch(closed_at) - epoch(entered_at)) / 86400.0) FILTER (WHERE won)
FROM entered JOIN closed USING (deal_id) GROUP BY 1"""


def _simulate(con, t: datetime, start: date, rows) -> tuple:
    after = _quarter_add(start, 1)
    stages = {k: StageBehaviour(w / n if n else None, d or []) for k, n, w, d in
              con.execute(BEHAVIOUR, {"t": t}).fetchall()}  # fmt: skip
    deals = OpenDeals(np.array([r[0] for r in rows], float), np.array([r[1] for r in rows],
                      object), np.array([max(r[2] or 0, 0) for r in rows], float))  # fmt: skip
    horizon = (_ts(after) - t).total_seconds() / 86400
    return forecast_simulate(deals, stages, horizon_days=horizon)


def hand_forecast(path: str, now: datetime, first: date, last: date) -> dict:
    con = duckdb.connect(path, read_only=True)
    after = _quarter_add(date(last.year, 3 * ((last.month - 1) // 3) + 1, 1), 1)
    main = con.execute(f"""
SELECT CAST({QUARTERS} AS DATE), d.owner_id,
    sum(amount * ps.probability) FILTER (WHERE d.stage <> 'won') AS stage_w,
    sum(amount * coalesce(p.probability, ps.probability)) FILTER (WHERE d.stage <> 'won'),
    sum(amount) FILTER (WHERE d.stage = 'won'),
    sum(amount) FILTER (WHERE coalesce(nullif(d.forecast_category, ''),
        ps.forecast_category) = 'commit' AND d.stage <> 'won')
FROM (SELECT *, CASE WHEN stage = 'won' THEN CAST(closed_at AS DATE) ELSE expected_close END
        AS close_date FROM deals WHERE stage <> 'lost' AND currency = 'USD') d
JOIN pipeline_stages ps ON ps.pipeline_id = d.pipeline_id AND ps.key = d.stage
LEFT JOIN lead_predictions p ON p.lead_id = d.lead_id
WHERE close_date >= $first AND close_date < $after GROUP BY ALL""",
                       {"first": first, "after": after}).fetchall()  # fmt: skip
    quotas = con.execute("SELECT user_id, period_start, amount FROM quotas").fetchall()
    win = con.execute("""SELECT sum(amount) FILTER (WHERE stage = 'won') / sum(amount) FROM deals
        WHERE stage IN ('won', 'lost') AND closed_at >= $t - INTERVAL 365 DAY
        AND closed_at < $t""", {"t": now}).fetchall()  # fmt: skip
    current = date(now.year, 3 * ((now.month - 1) // 3) + 1, 1)
    past, start = [], date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
    while _quarter_add(start, 1) <= now.date():
        past.append(start)
        start = _quarter_add(start, 1)
    scores = {}
    for q in past:
        rows = con.execute(STATE_AT, {"t": _ts(q)}).fetchall()
        end = _quarter_add(q, 1)
        scores[q] = sum(a * p for a, _s, _g, c, p in rows if c and q <= c < end)
    subs = con.execute("""SELECT period_start, sum("commit") FROM (SELECT *, row_number() OVER
        (PARTITION BY user_id, period_start ORDER BY week_start < period_start,
        abs(datediff('day', period_start, week_start)), id) n FROM forecast_submissions)
        WHERE n = 1 GROUP BY 1""").fetchall()  # fmt: skip
    slipped = con.execute(
        """SELECT d.id, c.old_date, c.new_date FROM deal_close_changes c
        JOIN deals d ON d.id = c.deal_id WHERE c.old_date >= $first AND c.new_date >= $after
        ORDER BY d.amount DESC LIMIT 20""",
        {"first": first, "after": after},
    ).fetchall()
    drift = con.execute(BEHAVIOUR, {"t": now}).fetchall()
    open_now = con.execute(
        """SELECT amount, '1:' || stage, (epoch($t) - epoch(stage_entered_at))
        / 86400.0 FROM deals WHERE stage NOT IN ('won', 'lost')""",
        {"t": now},
    ).fetchall()
    simulation = _simulate(con, now, current, open_now)
    backtest = []
    for n in range(1, 5):
        q = _quarter_add(current, -n)
        backtest.append(_simulate(con, _ts(q), q, con.execute(STATE_AT, {"t": _ts(q)}).fetchall()))
    waterfall = con.execute(f"""
WITH past AS ({STATE_AT.replace("SELECT st.amount", "SELECT d.id, st.amount")
               .replace("JOIN pipeline_stages", "LEFT JOIN pipeline_stages")
               .replace("WHERE st.stage NOT IN ('won', 'lost')", "")}),
flows AS (
    SELECT d.amount AS now_amount, coalesce(p.amount, d.amount) AS then_amount,
        p.stage NOT IN ('1:won', '1:lost') AND p.close_date >= $first AND p.close_date < $after
            AS at_start,
        d.created_at >= $t AS is_new,
        CASE WHEN d.stage IN ('won', 'lost') AND d.closed_at >= $t THEN d.stage
            WHEN d.stage NOT IN ('won', 'lost') AND d.expected_close >= $first
                AND d.expected_close < $after THEN 'end'
            WHEN d.stage NOT IN ('won', 'lost') THEN 'moved_out' END AS went
    FROM deals d LEFT JOIN past p ON p.id = d.id WHERE d.created_at < $now
)
SELECT CASE WHEN at_start THEN 'start' WHEN is_new THEN 'new' ELSE 'moved_in' END, went,
    count(*), sum(then_amount), sum(now_amount)
FROM flows WHERE went IS NOT NULL AND (at_start OR went <> 'moved_out') GROUP BY ALL""",
                            {"t": _ts(current), "first": current, "now": now,
                             "after": _quarter_add(current, 1)}).fetchall()  # fmt: skip
    con.close()
    return {
        "stage_weighted": {(r[0], r[1]): round(r[2] or 0.0, 2) for r in main},
        "quotas": quotas, "win_rate": win, "scores": scores, "submissions": subs,
        "slipped": slipped, "drift": drift, "simulation": simulation, "backtest": backtest,
        "waterfall": waterfall,
    }  # fmt: skip
