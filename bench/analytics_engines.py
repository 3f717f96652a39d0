"""The same runners on DuckDB and on chDB (embedded ClickHouse), side by side in one run.

    .venv/bin/python bench/analytics_engines.py --var-dir /tmp/accord-engines --leads 30000
    .venv/bin/python bench/analytics_engines.py --var-dir DIR_WITH_THE_1M_DEMO

A ``--var-dir`` without a database gets one: migrated, and a simulated company of
``--leads`` leads loaded by the demo generator. The DuckDB copy is built with a full sync
when missing; then the copy is loaded whole into chDB (``accord.analytics.clickhouse.feed``,
a full reload) and both loads are timed (the incremental feed: ``clickhouse_feed.py``).
Each runner then runs in a fresh child process per engine (so that the peak resident memory
is that runner's on that engine): best wall and CPU time of ``--repeat`` (CPU of all
threads: steadier on a shared machine) and peak RSS.
The answers are compared too (same check as the parity test).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
from datetime import datetime, time, timedelta
from pathlib import Path
from time import perf_counter, process_time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(var_dir: str) -> None:
    os.environ["ACCORD_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def runners(anchor):
    """Name → runner factory; filters over the year before the newest lead."""
    from accord.analytics.filters import ReportFilters
    from accord.analytics.runners.attribution import AttributionQuery, AttributionRunner
    from accord.analytics.runners.forecast import ForecastQuery, ForecastRunner
    from accord.analytics.runners.funnel import FunnelQuery, FunnelRunner
    from accord.analytics.runners.kpis import KpisQuery, KpisRunner
    from accord.analytics.runners.quality import QualityQuery, QualityRunner
    from accord.analytics.runners.reps import RepsQuery, RepsRunner
    from accord.analytics.runners.speed import SpeedQuery, SpeedRunner
    from accord.analytics.runners.summary import SummaryQuery, SummaryRunner
    from accord.analytics.runners.velocity import VelocityQuery, VelocityRunner

    start = anchor - timedelta(days=365)
    cohort = ReportFilters(start, anchor)
    period = ReportFilters(start, anchor, mode="period")
    return {
        "funnel": lambda: FunnelRunner(FunnelQuery(cohort, group_by="channel")),
        "funnel-period": lambda: FunnelRunner(FunnelQuery(period, group_by="campaign")),
        "kpis": lambda: KpisRunner(KpisQuery(cohort, group_by="channel")),
        "velocity": lambda: VelocityRunner(VelocityQuery(cohort)),
        "quality": lambda: QualityRunner(QualityQuery(cohort)),
        "reps": lambda: RepsRunner(RepsQuery(cohort)),
        "speed": lambda: SpeedRunner(SpeedQuery(cohort, group_by="channel")),
        "summary": lambda: SummaryRunner(SummaryQuery(start, anchor)),
        "attribution (9 models)": lambda: AttributionRunner(AttributionQuery(cohort)),
        # Markov and Shapley alone (issue 6's targets; issue 18: counted on the engine).
        "markov": lambda: AttributionRunner(AttributionQuery(cohort, model="markov")),
        "markov order 2": lambda: AttributionRunner(
            AttributionQuery(cohort, model="markov", markov_order=2)
        ),
        "shapley": lambda: AttributionRunner(AttributionQuery(cohort, model="shapley")),
        # A fixed moment: the forecast ages deals against "now".
        "forecast": lambda: ForecastRunner(
            ForecastQuery(cohort, simulations=1000, now=datetime.combine(anchor, time(12)))
        ),
    }


def _anchor():
    from accord.analytics import engine

    with engine.reader() as con:
        newest = con.execute("SELECT max(created_at) FROM leads").fetchall()[0][0]
    return newest.date()


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited from the
    parent that forked it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args) -> None:
    """One runner on one engine: best time, peak RSS, the answer's digest."""
    _setup(args.var_dir)
    from django.conf import settings

    from accord.analytics.tests.test_clickhouse_parity import _plain

    answer_file = Path(args.var_dir) / f"answer-{args.engine}.pickle"

    settings.ANALYTICS_ENGINE = args.engine
    make = runners(_anchor())[args.child]
    best, best_cpu, answer = float("inf"), float("inf"), None
    for _ in range(args.repeat):
        started, cpu = perf_counter(), process_time()
        answer = make().run()
        best = min(best, perf_counter() - started)
        # CPU of every thread of the process (chDB's and DuckDB's included): steadier than
        # wall time on a machine shared with other work.
        best_cpu = min(best_cpu, process_time() - cpu)
    peak = _peak_mb()
    answer_file.write_bytes(pickle.dumps(_plain(answer)))
    print(json.dumps({"seconds": best, "cpu": best_cpu, "peak_mb": peak}))


def company_ensure(var_dir: str, leads: int) -> None:
    """Django on ``var_dir``, migrated, with a simulated company of ``leads`` leads (loaded by
    the demo generator unless the database already holds one)."""
    _setup(var_dir)
    from django.conf import settings
    from django.core.management import call_command

    from accord.contacts.models import Lead

    call_command("migrate", verbosity=0)
    if not Lead.objects.exists():
        from accord.demo import loader

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        started = perf_counter()
        loader.demo_load(seed=7, size="large", leads=leads)
        print(f"demo load of {leads:,} leads: {perf_counter() - started:.0f} s")


def prepare(args) -> None:
    company_ensure(args.var_dir, args.leads)
    from django.conf import settings

    from accord.analytics import clickhouse, engine
    from accord.analytics.sync import analytics_sync

    settings.ANALYTICS_ENGINE = "duckdb"
    path = engine.duckdb_path()
    if not path.exists() or args.full:
        started = perf_counter()
        analytics_sync(full=True)
        print(f"full sync into DuckDB: {perf_counter() - started:.1f} s")
    with engine.writer() as con:
        counts = {
            t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]
            for t in ("leads", "touchpoints", "stage_transitions", "deals")
        }
        print("copy:", ", ".join(f"{t} {n:,}" for t, n in counts.items()))
        started = perf_counter()
        rows = clickhouse.mirror(con, path, full=True).rows
        seconds = perf_counter() - started
    total = sum(rows.values())
    print(f"mirror into chDB: {total:,} rows in {seconds:.1f} s ({total / seconds:,.0f} rows/s)")
    print(
        f"peak RSS of the load: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    from accord.analytics.clickhouse.connection import chdb_close_all

    chdb_close_all()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--var-dir", required=True)
    parser.add_argument("--leads", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="rebuild the DuckDB copy")
    parser.add_argument("--only", help="comma-separated runner names")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    Path(args.var_dir).mkdir(parents=True, exist_ok=True)
    prepare(args)
    from datetime import date

    names = list(runners(date.today()))
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    print(
        f"{'runner':<24} {'DuckDB s':>9} {'CPU s':>6} {'MB':>6} {'chDB s':>9} {'CPU s':>6} "
        f"{'MB':>6} {'ratio':>6} same"
    )
    for name in names:
        out = {}
        for engine_name in ("duckdb", "clickhouse"):
            command = [sys.executable, __file__, "--var-dir", args.var_dir, "--child", name]
            command += ["--engine", engine_name, "--repeat", str(args.repeat)]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode:
                print(f"{name} on {engine_name} failed:\n{done.stderr[-2000:]}")
                break
            out[engine_name] = json.loads(done.stdout.strip().splitlines()[-1])
        if len(out) < 2:
            continue
        d, c = out["duckdb"], out["clickhouse"]
        from accord.analytics.tests.test_clickhouse_parity import differences

        answers = [
            pickle.loads((Path(args.var_dir) / f"answer-{e}.pickle").read_bytes())
            for e in ("duckdb", "clickhouse")
        ]
        same = not differences(*answers)
        print(
            f"{name:<24} {d['seconds']:>9.3f} {d['cpu']:>6.2f} {d['peak_mb']:>6.0f} "
            f"{c['seconds']:>9.3f} {c['cpu']:>6.2f} {c['peak_mb']:>6.0f} "
            f"{c['seconds'] / d['seconds']:>6.2f} "
            f"{'yes' if same else 'NO'}"
        )


if __name__ == "__main__":
    main()
