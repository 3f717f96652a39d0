"""Analytics engine bench: full and incremental sync into DuckDB, and every query runner
against a hand-written DuckDB query for the same answer, measured side by side in one run.

    .venv/bin/python bench/analytics_runners.py --var-dir /tmp/accord-bench-large
    .venv/bin/python bench/analytics_runners.py --var-dir DIR --full      # rebuild the copy

The operational database of ``--var-dir`` is only read. The DuckDB copy is the one the app
uses (``<var-dir>/analytics.duckdb``, or ``--duckdb``); it is built with a full sync when it
is missing or with ``--full``. The incremental sync is measured by removing the newest
100,000 touchpoints from the copy (and its watermark) and syncing them again, so the copy
ends as it began. Runners: funnel, KPIs, velocity, quality, reps, the dashboard summary and
attribution (the seven rule-based models together, Markov, Shapley), each best of
``--repeat`` next to a hand-written DuckDB query for the same answer; ratio = runner / hand.
Targets (issue 6): funnel and KPIs under 0.5 s each; rule-based attribution under 2 s,
Markov under 5 s, Shapley under 10 s; each runner within 1.5x of its hand-written query;
incremental sync of 100,000 touchpoints under 2 s; the first full sync of the large dataset
with peak memory under 8 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


REPEAT = 3


def operational_read_only() -> None:
    """Open the operational SQLite database read-only (``mode=ro``): the benches only read
    it, and a shared bench database must not be written by accident (e.g. ``last_login``).
    Call after ``django.setup()``, before the first query."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        return
    db["NAME"] = f"file:{db['NAME']}?mode=ro"
    # IMMEDIATE transactions and the WAL pragma are writes.
    db["OPTIONS"] = {"timeout": db["OPTIONS"].get("timeout", 20)}


def timed(func, repeat: int | None = None) -> float:
    best = float("inf")
    for _ in range(repeat or REPEAT):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best


HAND_JOURNEYS = """
CREATE OR REPLACE TEMP TABLE journeys AS
WITH won AS (
    SELECT lead_id, min(closed_at) AS won_at, sum(amount) AS revenue FROM deals
    WHERE stage = 'won' AND closed_at IS NOT NULL AND lead_id IS NOT NULL GROUP BY lead_id
), opened AS (
    SELECT lead_id, min(created_at) AS opened_at FROM deals WHERE lead_id IS NOT NULL
    GROUP BY lead_id
)
SELECT l.id AS journey_id, l.contact_id, l.created_at, w.won_at IS NOT NULL AS converted,
    coalesce(w.revenue, 0.0) AS value, coalesce(w.won_at, now()::TIMESTAMP) AS end_at,
    epoch(coalesce(w.won_at, now()::TIMESTAMP)) AS conversion_ts,
    least(o.opened_at, l.opportunity_at) AS opened_at, w.won_at
FROM leads l LEFT JOIN won w ON w.lead_id = l.id LEFT JOIN opened o ON o.lead_id = l.id
WHERE l.created_at >= $since AND l.created_at < $until;
CREATE OR REPLACE TEMP TABLE touches AS
WITH w AS (
    SELECT j.journey_id, t.id, coalesce(t.channel_id, -1) AS channel, t."at",
        j.created_at, j.opened_at, j.won_at,
        row_number() OVER (PARTITION BY j.journey_id ORDER BY t."at", t.id) AS position
    FROM journeys j JOIN touchpoints t ON t.contact_id = j.contact_id
    WHERE t."at" <= j.end_at AND epoch(t."at") > epoch(j.end_at) - 90 * 86400
)
SELECT journey_id, position, dense_rank() OVER (ORDER BY channel) - 1 AS channel_id,
    epoch("at") AS ts,
    position = max(CASE WHEN "at" <= created_at THEN position END) OVER j AS is_lead,
    coalesce(position = max(CASE WHEN "at" <= opened_at THEN position END) OVER j, FALSE)
        AS is_opportunity,
    coalesce(position = max(CASE WHEN "at" <= won_at THEN position END) OVER j, FALSE)
        AS is_close
FROM w WINDOW j AS (PARTITION BY journey_id);
"""


HAND_NAMES = (
    "funnel",
    "funnel by channel",
    "kpis",
    "kpis by channel",
    "velocity",
    "quality",
    "reps",
    "summary (dashboard)",
)
_STAGES = "'mql', 'sal', 'sql', 'opportunity', 'customer'"


def hand_sql(name: str, mode: str) -> list[str]:
    """The same answer as the runner, written by hand: whole date range, no filters, the
    currency USD. The copy's lead facts (per-lead first/last stage entries and first
    contact, kept by the sync) are used here as by the runners; period-mode stage counts
    read the transition log, as a second entry into a stage counts."""
    cohort = mode == "cohort"
    created = "created_at >= $since AND created_at < $until"
    by_channel = name.endswith("by channel")
    g = "source_channel_id" if by_channel else "0"
    if name.startswith("funnel"):
        sg = "channel_id" if by_channel else "0"
        traffic = [
            f"SELECT {sg}, sum(impressions), sum(clicks) FROM spend "
            "WHERE date >= $start AND date < $end GROUP BY 1",
            f"SELECT {sg}, sum(visits) FROM traffic_daily "
            "WHERE day >= $start AND day < $end GROUP BY 1",
            "SELECT strftime(created_at, '%Y-%m'), date_diff('month', "
            "date_trunc('month', created_at), date_trunc('month', customer_at)), count(*) "
            f"FROM leads WHERE {created} GROUP BY ALL ORDER BY 1, 2",
        ]
        if cohort:
            return [
                f"SELECT {g}, count(*), count(mql_at), count(sal_at), count(sql_at), "
                f"count(opportunity_at), count(customer_at) FROM leads WHERE {created} "
                "GROUP BY 1",
                *traffic,
            ]
        join = "JOIN leads l ON l.id = t.lead_id" if by_channel else ""
        return [
            f"SELECT {g}, count(*) FROM leads WHERE {created} GROUP BY 1",
            f"SELECT {g}, to_stage, count(DISTINCT lead_id) FROM stage_transitions t {join} "
            f'WHERE to_stage IN ({_STAGES}) AND t."at" >= $since AND t."at" < $until '
            "GROUP BY 1, 2",
            *traffic,
        ]
    if name.startswith("kpis"):
        sg = "channel_id" if by_channel else "0"
        spend = [
            f"SELECT {sg}, sum(cost) FILTER (WHERE currency = $currency) FROM spend "
            "WHERE date >= $start AND date < $end GROUP BY 1",
        ]
        if cohort:
            return [
                f"SELECT {g}, count(*), count(mql_at), count(sql_at), count(opportunity_at) "
                f"FROM leads WHERE {created} GROUP BY 1",
                f"SELECT {g}, count(*) FILTER (WHERE d.stage = 'won' AND d.currency = $currency),"
                " sum(amount) FILTER (WHERE d.stage = 'won' AND d.currency = $currency),"
                " sum(amount) FILTER (WHERE d.stage NOT IN ('won', 'lost') "
                "AND d.currency = $currency), count(*) FILTER (WHERE d.currency <> $currency) "
                "FROM deals d JOIN leads l ON l.id = d.lead_id "
                "WHERE l.created_at >= $since AND l.created_at < $until GROUP BY 1",
                *spend,
                "SELECT count(*) FROM spend WHERE currency <> $currency "
                "AND date >= $start AND date < $end",
            ]
        join = "JOIN leads l ON l.id = t.lead_id" if by_channel else ""
        deal_g = f"l.{g}" if by_channel else "0"
        return [
            f"SELECT {g}, count(*) FROM leads WHERE {created} GROUP BY 1",
            f"SELECT {g}, to_stage, count(DISTINCT lead_id) FROM stage_transitions t {join} "
            "WHERE to_stage IN ('mql', 'sql', 'opportunity') "
            'AND t."at" >= $since AND t."at" < $until GROUP BY 1, 2',
            f"SELECT {deal_g}, count(*) FILTER (WHERE d.stage = 'won' AND d.closed_at >= $since "
            "AND d.closed_at < $until AND d.currency = $currency), sum(amount) FILTER (WHERE "
            "d.stage = 'won' AND d.closed_at >= $since AND d.closed_at < $until "
            "AND d.currency = $currency), sum(amount) FILTER (WHERE d.stage NOT IN ('won', "
            "'lost') AND d.created_at >= $since AND d.created_at < $until "
            "AND d.currency = $currency), count(*) FILTER (WHERE d.currency <> $currency) "
            "FROM deals d LEFT JOIN leads l ON l.id = d.lead_id GROUP BY 1",
            *spend,
            "SELECT count(*) FROM spend WHERE currency <> $currency "
            "AND date >= $start AND date < $end",
        ]
    scope = created if cohort else "TRUE"
    mql_scope = f"mql_at IS NOT NULL AND {scope}" + (
        "" if cohort else " AND mql_at >= $since AND mql_at < $until"
    )
    first_contact = (
        "count(*), count(first_contact_at), count(*) FILTER (WHERE first_contact_at IS NULL "
        "AND epoch($as_of - mql_at) <= $sla), "
        "quantile_cont(epoch(first_contact_at - mql_at) / 3600.0, [0.5, 0.9]), "
        "count(*) FILTER (WHERE epoch(first_contact_at - mql_at) <= $sla)"
    )
    if name == "velocity":
        only = "" if cohort else 'AND "at" >= $since AND "at" < $until'
        scoped = f"WHERE lead_id IN (SELECT id FROM leads WHERE {created})" if cohort else ""
        won = "customer_at IS NOT NULL" + (
            "" if cohort else " AND customer_at >= $since AND customer_at < $until"
        )
        return [
            'SELECT to_stage, count(*), quantile_cont(epoch(nxt - "at") / 3600.0, [0.5, 0.9]) '
            'FROM (SELECT to_stage, "at", lead("at") OVER (PARTITION BY lead_id ORDER BY "at", '
            f"id) AS nxt FROM stage_transitions {scoped}) WHERE nxt IS NOT NULL "
            f"AND to_stage IN ('lead', 'mql', 'sal', 'sql', 'opportunity') {only} GROUP BY 1",
            "SELECT count(*), quantile_cont(epoch(customer_at - created_at) / 86400.0, "
            f"[0.5, 0.9]) FROM leads WHERE {won} AND {scope}",
            f"SELECT {first_contact} FROM leads WHERE {mql_scope}",
        ]
    if name == "quality":
        return [
            "SELECT source_channel_id, count(*), count(*) FILTER (WHERE sal_last_at >= mql_at), "
            "count(*) FILTER (WHERE sql_last_at >= mql_at), "
            "count(*) FILTER (WHERE rejected_last_at >= mql_at), sum(q.n), sum(q.total) "
            f"FROM (SELECT * FROM leads WHERE {mql_scope}) l LEFT JOIN (SELECT lead_id, "
            "count(*) AS n, sum(rating) AS total FROM quality_ratings GROUP BY 1) q "
            "ON q.lead_id = l.id GROUP BY 1",
            "SELECT coalesce(nullif(t.reason, ''), '(no reason)'), count(*) "
            f"FROM stage_transitions t JOIN (SELECT * FROM leads WHERE {mql_scope}) l "
            "ON l.id = t.lead_id AND t.\"at\" >= l.mql_at WHERE t.from_stage IN ('mql', 'sal') "
            "AND t.to_stage IN ('recycled', 'disqualified') GROUP BY 1 ORDER BY 2 DESC, 1",
            "SELECT q.rating, count(*) FROM quality_ratings q "
            f"JOIN (SELECT * FROM leads WHERE {mql_scope}) l ON l.id = q.lead_id GROUP BY 1",
        ]
    if name == "reps":
        if cohort:
            moves = (
                "SELECT owner_id, count(*), count(mql_at), count(sal_at), count(sql_at), "
                f"count(opportunity_at), count(customer_at) FROM leads WHERE {created} GROUP BY 1"
            )
            work = "WHERE l.created_at >= $since AND l.created_at < $until"
        else:
            moves = (
                "SELECT l.owner_id, t.to_stage, count(DISTINCT t.lead_id) "
                "FROM stage_transitions t JOIN leads l ON l.id = t.lead_id "
                f'WHERE t.to_stage IN ({_STAGES}) AND t."at" >= $since AND t."at" < $until '
                "GROUP BY 1, 2"
            )
            work = 'WHERE a."at" >= $since AND a."at" < $until'
        return [
            moves,
            *([] if cohort else ["SELECT owner_id, count(*) FROM leads GROUP BY 1"]),
            "SELECT l.owner_id, count(*) FROM activities a JOIN leads l ON l.id = a.lead_id "
            f"{work} GROUP BY 1",
            f"SELECT owner_id, {first_contact} FROM leads WHERE {mql_scope} GROUP BY 1",
            "SELECT id, username FROM users",
        ]
    # The dashboard summary (cohort funnel, won deals and spend by date, per currency).
    return [
        "SELECT count(*), count(mql_at), count(sal_at), count(sql_at), count(opportunity_at), "
        f"count(customer_at) FROM leads WHERE {created}",
        "SELECT currency, count(*), sum(CAST(amount AS DECIMAL(18, 2))) FROM deals "
        "WHERE stage = 'won' AND closed_at >= $since AND closed_at < $until GROUP BY 1",
        "SELECT currency, count(*), sum(CAST(cost AS DECIMAL(18, 2))) FROM spend "
        "WHERE date >= $start AND date < $end GROUP BY 1",
    ]


def hand_attribution(con, since, until, family: str) -> None:
    """The same answer as the attribution runner, all in DuckDB (numpy only for the small
    maths on aggregated rows, as the runner): journeys and touches as temp tables, then the
    model SQL of ``accord.analytics.attribution.sql``."""
    from accord.analytics.attribution import sql as attribution_sql

    for statement in HAND_JOURNEYS.split(";"):
        if statement.strip():
            con.execute(statement, {"since": since, "until": until} if "$" in statement else {})
    n = con.execute("SELECT max(channel_id) + 1 FROM touches").fetchall()[0][0] or 1
    if family == "rules":
        query, params = attribution_sql.rule_credits_sql()
        con.execute(query, params).fetchall()
        return
    totals = con.execute(
        "SELECT count(*), coalesce(sum(value), 0) FROM journeys j WHERE converted "
        "AND EXISTS (SELECT 1 FROM touches t WHERE t.journey_id = j.journey_id)"
    ).fetchall()[0]
    if family == "markov":
        query, params = attribution_sql.markov_transitions_sql(n_channels=n)
        rows = con.execute(query, params).fetchnumpy()
        attribution_sql.markov_credits_from_rows(
            rows, n_channels=n, total_conversions=totals[0], total_revenue=totals[1]
        )
    else:
        query, params = attribution_sql.shapley_coalitions_sql()
        rows = con.execute(query, params).fetchnumpy()
        attribution_sql.shapley_credits_from_rows(rows, n_channels=n)


def main() -> None:
    global REPEAT
    parser = argparse.ArgumentParser()
    parser.add_argument("--var-dir", required=True)
    parser.add_argument("--duckdb", help="default: <var-dir>/analytics.duckdb (the app's copy)")
    parser.add_argument("--full", action="store_true", help="rebuild the copy from scratch")
    parser.add_argument("--new-touches", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", help="comma-separated runner names (default: all)")
    args = parser.parse_args()
    REPEAT = args.repeat
    os.environ["ACCORD_VAR_DIR"] = args.var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    operational_read_only()
    from django.conf import settings
    from django.db import connection

    if args.duckdb:
        settings.ANALYTICS_DUCKDB_PATH = args.duckdb
    from accord.analytics import engine

    path = engine.duckdb_path()
    print(f"operational: {settings.DATABASES['default']['NAME']}; copy: {path}")
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "contacts_lead")
    if not any(i["columns"] == ["updated_at"] for i in indexes.values()):
        print("WARNING: no index on contacts_lead.updated_at: run `accord migrate` first")

    from accord.analytics.attribution.aggregate import RULE_MODELS
    from accord.analytics.filters import ReportFilters
    from accord.analytics.runners.attribution import (
        MARKOV,
        SHAPLEY,
        AttributionQuery,
        AttributionRunner,
    )
    from accord.analytics.runners.funnel import FunnelQuery, FunnelRunner
    from accord.analytics.runners.kpis import KpisQuery, KpisRunner
    from accord.analytics.runners.quality import QualityQuery, QualityRunner
    from accord.analytics.runners.reps import RepsQuery, RepsRunner
    from accord.analytics.runners.summary import SummaryQuery, SummaryRunner
    from accord.analytics.runners.velocity import VelocityQuery, VelocityRunner
    from accord.analytics.sync import analytics_sync

    if args.full or not path.exists():
        report = analytics_sync(full=True)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"full sync: {report.seconds:.1f} s, peak RSS {peak:,.0f} MiB, rows {report.rows}")
        print(f"copy size: {path.stat().st_size / 2**20:,.0f} MiB")
    else:
        report = analytics_sync()  # catch up first, so that the measured sync is only the cut
        print(f"catch-up sync: {report.seconds:.2f} s")

    with engine.writer() as con:
        newest = con.execute("SELECT max(id) FROM touchpoints").fetchall()[0][0]
        cut = newest - args.new_touches
        con.execute("DELETE FROM touchpoints WHERE id > ?", [cut])
        con.execute("UPDATE sync_state SET last_id = ? WHERE table_name = 'touchpoints'", [cut])
        bounds = con.execute("SELECT min(created_at), max(created_at) FROM leads").fetchall()[0]
    cpu = time.process_time()
    report = analytics_sync()
    cpu = time.process_time() - cpu
    print(
        f"incremental sync of {report.rows['touchpoints']:,} touchpoints: {report.seconds:.2f} s"
        f" wall, {cpu:.2f} s CPU (rows {report.rows})"
    )

    filters = {
        m: ReportFilters(bounds[0].date(), bounds[1].date(), mode=m) for m in ("cohort", "period")
    }
    since, until = filters["cohort"].bounds()
    hand = {
        name: {mode: hand_sql(name, mode) for mode in ("cohort", "period")} for name in HAND_NAMES
    }
    hand_params = {"since": since, "until": until, "currency": "USD", "sla": 3600.0}
    hand_params |= {"start": since.date(), "end": until.date(), "as_of": until}

    class RulesQuery(AttributionQuery):
        """The seven rule-based models together (the page asks for all nine or one)."""

        @property
        def models(self) -> tuple[str, ...]:
            return RULE_MODELS

    def attribution(f, model):
        query = RulesQuery(f) if model == "rules" else AttributionQuery(f, model=model)
        return AttributionRunner(query).run()

    runners = {
        "funnel": lambda f: FunnelRunner(FunnelQuery(f)).run(),
        "funnel by channel": lambda f: FunnelRunner(FunnelQuery(f, group_by="channel")).run(),
        "kpis": lambda f: KpisRunner(KpisQuery(f)).run(),
        "kpis by channel": lambda f: KpisRunner(KpisQuery(f, group_by="channel")).run(),
        "velocity": lambda f: VelocityRunner(VelocityQuery(f)).run(),
        "quality": lambda f: QualityRunner(QualityQuery(f)).run(),
        "reps": lambda f: RepsRunner(RepsQuery(f)).run(),
        "summary (dashboard)": lambda f: SummaryRunner(SummaryQuery(f.start, f.end)).run(),
        "attribution rules x7": lambda f: attribution(f, "rules"),
        "attribution markov": lambda f: attribution(f, MARKOV),
        "attribution shapley": lambda f: attribution(f, SHAPLEY),
    }
    families = {"rules x7": "rules", "markov": "markov", "shapley": "shapley"}
    if args.only:
        wanted = {w.strip() for w in args.only.split(",")}
        runners = {k: v for k, v in runners.items() if k.split()[0] in wanted or k in wanted}

    def hand_run(name: str, f) -> None:
        with engine.reader() as con:
            if name.startswith("attribution"):
                start, end = f.bounds()
                hand_attribution(con, start, end, families[name.removeprefix("attribution ")])
            else:
                for sql in hand[name][f.mode]:
                    used = {k: v for k, v in hand_params.items() if f"${k}" in sql}
                    con.execute(sql, used).fetchall()

    print(f"{'runner':<24}{'mode':<8}{'runner s':>10}{'hand s':>10}{'ratio':>8}")
    for name, run in runners.items():
        # The summary and the hand-written attribution are cohort questions only.
        modes = ("cohort",) if name.startswith(("summary", "attribution")) else filters
        for mode in modes:
            f = filters[mode]
            runner_s = timed(lambda run=run, f=f: run(f))
            hand_s = timed(lambda name=name, f=f: hand_run(name, f))
            print(f"{name:<24}{mode:<8}{runner_s:>10.3f}{hand_s:>10.3f}{runner_s / hand_s:>8.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the whole run: {peak:,.0f} MiB; {date.today()}")


if __name__ == "__main__":
    main()
