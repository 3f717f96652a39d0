"""Analytics engine bench: full and incremental sync into DuckDB, and every query runner
against a hand-written DuckDB query for the same answer, measured side by side in one run.

    .venv/bin/python bench/analytics_runners.py --var-dir /tmp/accord-bench-large
    .venv/bin/python bench/analytics_runners.py --var-dir DIR --skip-full   # reuse the copy

The operational database of ``--var-dir`` is only read; the DuckDB copy goes to
``--duckdb`` (default: a fresh directory under /tmp). The incremental sync is measured by
removing the newest 100,000 touchpoints from the copy (and its watermark) and syncing again.
Targets (issue 6): funnel and KPIs under 0.5 s each; incremental sync of 100,000 touchpoints
under 2 s; the first full sync of the large dataset with peak memory under 8 GB.
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


def timed(func, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--var-dir", required=True)
    parser.add_argument("--duckdb", default="/tmp/accord-analytics-bench/analytics.duckdb")
    parser.add_argument("--skip-full", action="store_true")
    parser.add_argument("--new-touches", type=int, default=100_000)
    args = parser.parse_args()
    os.environ["ACCORD_VAR_DIR"] = args.var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.ANALYTICS_DUCKDB_PATH = args.duckdb
    Path(args.duckdb).parent.mkdir(parents=True, exist_ok=True)

    from accord.analytics import engine
    from accord.analytics.filters import ReportFilters
    from accord.analytics.runners.funnel import FunnelQuery, FunnelRunner
    from accord.analytics.runners.kpis import KpisQuery, KpisRunner
    from accord.analytics.runners.quality import QualityQuery, QualityRunner
    from accord.analytics.runners.reps import RepsQuery, RepsRunner
    from accord.analytics.runners.velocity import VelocityQuery, VelocityRunner
    from accord.analytics.sync import analytics_sync

    if not args.skip_full:
        report = analytics_sync(full=True)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"full sync: {report.seconds:.1f} s, peak RSS {peak:,.0f} MiB, rows {report.rows}")
        print(f"copy size: {Path(args.duckdb).stat().st_size / 2**20:,.0f} MiB")

    with engine.writer() as con:
        newest = con.execute("SELECT max(id) FROM touchpoints").fetchall()[0][0]
        cut = newest - args.new_touches
        con.execute("DELETE FROM touchpoints WHERE id > ?", [cut])
        con.execute("UPDATE sync_state SET last_id = ? WHERE table_name = 'touchpoints'", [cut])
        bounds = con.execute("SELECT min(created_at), max(created_at) FROM leads").fetchall()[0]
    report = analytics_sync()
    print(
        f"incremental sync of {report.rows['touchpoints']:,} touchpoints: {report.seconds:.2f} s"
        f" (rows {report.rows})"
    )

    filters = {
        m: ReportFilters(bounds[0].date(), bounds[1].date(), mode=m) for m in ("cohort", "period")
    }
    since, until = filters["cohort"].bounds()
    hand = {
        "funnel": f"""SELECT to_stage, count(DISTINCT t.lead_id) FROM stage_transitions t
            JOIN leads l ON l.id = t.lead_id
            WHERE l.created_at >= '{since}' AND l.created_at < '{until}' GROUP BY to_stage""",
        "kpis": f"""SELECT (SELECT sum(cost) FROM spend WHERE date >= '{since.date()}'
                AND date < '{until.date()}'),
            (SELECT sum(d.amount) FROM deals d JOIN leads l ON l.id = d.lead_id
                WHERE d.stage = 'won' AND l.created_at >= '{since}'
                AND l.created_at < '{until}')""",
        "velocity": """SELECT quantile_cont(epoch(nxt - "at"), 0.5) FROM (SELECT "at",
            lead("at") OVER (PARTITION BY lead_id ORDER BY "at") AS nxt
            FROM stage_transitions) WHERE nxt IS NOT NULL""",
        "quality": """SELECT l.source_channel_id, count(DISTINCT t.lead_id)
            FROM stage_transitions t JOIN leads l ON l.id = t.lead_id
            WHERE t.to_stage = 'mql' GROUP BY 1""",
        "reps": """SELECT l.owner_id, count(*) FROM activities a
            JOIN leads l ON l.id = a.lead_id GROUP BY 1""",
    }
    runners = {
        "funnel": lambda f: FunnelRunner(FunnelQuery(f)).run(),
        "funnel by channel": lambda f: FunnelRunner(FunnelQuery(f, group_by="channel")).run(),
        "kpis": lambda f: KpisRunner(KpisQuery(f)).run(),
        "kpis by channel": lambda f: KpisRunner(KpisQuery(f, group_by="channel")).run(),
        "velocity": lambda f: VelocityRunner(VelocityQuery(f)).run(),
        "quality": lambda f: QualityRunner(QualityQuery(f)).run(),
        "reps": lambda f: RepsRunner(RepsQuery(f)).run(),
    }

    def hand_run(sql: str) -> None:
        with engine.reader() as con:
            con.execute(sql).fetchall()

    print(f"{'runner':<22}{'mode':<8}{'runner s':>10}{'hand s':>10}{'ratio':>8}")
    for name, run in runners.items():
        for mode, f in filters.items():
            runner_s = timed(lambda run=run, f=f: run(f))
            sql = hand[name.split()[0]]
            hand_s = timed(lambda sql=sql: hand_run(sql))
            print(f"{name:<22}{mode:<8}{runner_s:>10.3f}{hand_s:>10.3f}{runner_s / hand_s:>8.1f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the whole run: {peak:,.0f} MiB; {date.today()}")


if __name__ == "__main__":
    main()
