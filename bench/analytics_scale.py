"""The runners on DuckDB and on chDB at 1M, 3M and 10M leads: a copy built straight from the
demo generator, without the operational database.

    .venv/bin/python bench/analytics_scale.py --leads 1000000
    .venv/bin/python bench/analytics_scale.py --leads 10000000 --limit-mb 12000

Data lives in ``--root``/scale-<leads> (default /work/bench-var; not in git). Steps, each in
its own child process (peak RSS per step; a step over ``--limit-mb`` resident is killed and
reported, so the machine does not run out of memory):

1. **build**: a small migrated SQLite database holds the reference rows only (demo users and
   teams, channels, the default pipeline; ``loader._refs``); a full sync of it creates the
   copy's schema and its reference tables with the sync's own DDL (``schema_create``). Then the
   demo generator (``simulate``) streams the company chunk by chunk and each chunk's rows go
   straight into the copy through the sync's own writer (``copy_io.copy_insert``: the same
   casts, the derived visitor key, the per-lead facts computed from the chunk's transitions
   and activities as the full sync computes them), skipping the operational database. Then
   the sync's derived step (deal facts, touch paths, daily traffic), the watermarks, and a
   published snapshot (what the DuckDB reader opens).
2. **mirror**: the copy into chDB (``accord.analytics.clickhouse.feed.copy_mirror``).
3. **runners**: every runner of ``analytics_engines.py`` on each engine in a fresh child
   (``analytics_engines.py --child``: best of ``--repeat``, peak RSS ``VmHWM``), answers
   compared; then, for funnel, KPIs and attribution, the runner next to the hand-written
   query of ``analytics_runners.py`` on the same engine, in one child (on chDB the
   hand-written DuckDB SQL goes through the same dialect as the runners' SQL).

Every figure is printed with the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import time
from operator import itemgetter
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import analytics_engines  # noqa: E402  (the child-process machinery, reused)

ENGINES = ("duckdb", "clickhouse")
PAIRS = ("funnel by channel", "kpis by channel", "attribution rules x7", "attribution markov")
#: Touchpoints go in per generator chunk; leads (with the lead facts computed from the
#: transitions and activities already written) and the rest in batches of about this many.
FLUSH_ROWS = 200_000


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def peak_mb() -> float:
    return analytics_engines._peak_mb()


# -- step 1: the copy, straight from the generator ---------------------------------------------


def build(args) -> None:
    analytics_engines._setup(args.var_dir)
    from django.apps import apps
    from django.conf import settings
    from django.core.management import call_command

    from accord.analytics.sync import analytics_sync
    from accord.analytics.sync.copy_io import copy_insert, state_save
    from accord.analytics.sync.derived import (
        deal_facts_apply,
        touch_paths_refresh,
        traffic_daily_refresh,
    )
    from accord.analytics.sync.publishing import copy_writing
    from accord.analytics.sync.tables import TABLES
    from accord.demo import loader
    from accord.demo.simulator import DemoSpec, simulate

    if args.memory_limit:
        settings.ANALYTICS_SYNC_MEMORY_LIMIT = args.memory_limit
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    refs = loader._refs()  # demo users, teams, channels, pipeline: the generator's references
    analytics_sync(full=True)  # schema + reference tables, with the sync's own code
    by_source = {t.source: t for t in TABLES}
    # Per model: the copy's table, and the generator's columns in the copy's order.
    targets = {}
    for label in ("tracking.Campaign", "tracking.SpendEntry", "contacts.Account",
                  "contacts.Contact", "contacts.Lead", "contacts.StageTransition",
                  "pipeline.Deal", "pipeline.Activity", "tracking.Touchpoint"):  # fmt: skip
        targets[label] = by_source[apps.get_model(label)._meta.db_table]
    spec = DemoSpec(seed=args.seed, leads=args.leads, anchor=args.anchor)
    pending: dict[str, list[tuple]] = {label: [] for label in targets}
    counts = dict.fromkeys(targets, 0)
    timing = {"generate": 0.0, "write": 0.0}
    started = perf_counter()

    with copy_writing(publish_now=True) as write:
        con = write.con

        def flush(label: str) -> None:
            rows = pending[label]
            if rows:
                began = perf_counter()
                copy_insert(con, targets[label], rows, replace=False)
                timing["write"] += perf_counter() - began
                counts[label] += len(rows)
                pending[label] = []

        batches = simulate(spec, refs)
        index = 0
        while True:
            began = perf_counter()
            batch = next(batches, None)
            timing["generate"] += perf_counter() - began
            if batch is None:
                break
            for label, rows in batch.items():
                table = targets[label]
                pick = itemgetter(*(rows.columns.index(c.source) for c in table.columns))
                pending[label] += map(pick, rows.rows)
            flush("tracking.Touchpoint")
            if len(pending["contacts.Lead"]) >= FLUSH_ROWS // 2:
                # The lead facts read the leads' transitions and activities from the copy.
                for label in ("contacts.StageTransition", "pipeline.Activity", "contacts.Lead"):
                    flush(label)
            for label in pending:
                if len(pending[label]) >= FLUSH_ROWS and label != "contacts.Lead":
                    flush(label)
            index += 1
            if index % 25 == 0:
                leads = counts["contacts.Lead"] + len(pending["contacts.Lead"])
                print(
                    f"  {leads:,} leads, {counts['tracking.Touchpoint']:,} touches, "
                    f"{perf_counter() - started:.0f} s, load {load()}",
                    flush=True,
                )
        for label in ("contacts.StageTransition", "pipeline.Activity", *targets):
            flush(label)
        loaded = perf_counter() - started
        began = perf_counter()
        deal_facts_apply(con)
        touch_paths_refresh(con)
        traffic_daily_refresh(con, None)
        derived = perf_counter() - began
        now = con.execute("SELECT now()::TIMESTAMP").fetchall()[0][0]
        for table in targets.values():
            top = con.execute(f"SELECT coalesce(max(id), 0) FROM {table.name}").fetchall()[0][0]
            stamp = None if table.kind == "append" else now
            state_save(con, table.name, last_id=top, last_updated_at=stamp, synced_at=now)
        write.changed = True
        began = perf_counter()
    published = perf_counter() - began
    rows = sum(counts.values())
    print(
        json.dumps(
            {
                "rows": {targets[k].name: v for k, v in counts.items()},
                "generate_s": timing["generate"],
                "write_s": timing["write"],
                "load_s": loaded,
                "derived_s": derived,
                "publish_s": published,
                "rows_per_s_into_duckdb": rows / timing["write"],
                "peak_mb": peak_mb(),
                "load": load(),
            }
        )
    )


#: Id columns of the copy that point at a replicated table (the rest point at reference
#: rows every replica shares: channels, users, teams, pipelines).
REPLICATED_KEYS = {
    "contact_id": "contacts",
    "lead_id": "leads",
    "deal_id": "deals",
    "account_id": "accounts",
    "campaign_id": "campaigns",
    "source_campaign_id": "campaigns",
}
REPLICATED = (
    "campaigns", "spend", "accounts", "contacts", "leads", "stage_transitions", "deals",
    "activities", "touchpoints",
)  # fmt: skip
#: Derived tables: replicated too (the same rows, moved), or rebuilt with ``--rederive``.
DERIVED = ("touch_paths", "traffic_daily")


def replicate(args) -> None:
    """A copy of ``--times`` replicas of a generated copy (``--replicate-from``): every
    company row again with its ids (and the ids it points at) moved past the source's
    largest, visitor keys made distinct per replica; the derived tables (touch paths, daily
    traffic) likewise, or rebuilt by the sync's derived step with ``--rederive``; then a
    published snapshot. For when the generator itself (~0.5 ms of Python per lead on this
    shared machine) would not finish in the time at hand."""
    analytics_engines._setup(args.var_dir)
    from django.conf import settings
    from django.core.management import call_command

    from accord.analytics.sync import analytics_sync
    from accord.analytics.sync.copy_io import state_save
    from accord.analytics.sync.derived import touch_paths_refresh, traffic_daily_refresh
    from accord.analytics.sync.publishing import copy_writing
    from accord.analytics.sync.tables import TABLE_BY_NAME
    from accord.demo import loader

    if args.memory_limit:
        settings.ANALYTICS_SYNC_MEMORY_LIMIT = args.memory_limit
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)
    loader._refs()  # the same demo users, teams and pipeline as the source (same ids)
    analytics_sync(full=True)
    store = Path(args.replicate_from) / "analytics-snapshots"
    source = store / json.loads((store / "manifest.json").read_text())["file"]
    counts: dict[str, int] = {}
    started = perf_counter()
    with copy_writing(publish_now=True) as write:
        con = write.con
        con.execute(f"ATTACH '{source}' AS src (READ_ONLY)")
        top = {
            t: con.execute(f"SELECT coalesce(max(id), 0) FROM src.{t}").fetchall()[0][0]
            for t in REPLICATED
        }
        tables = REPLICATED + (() if args.rederive else DERIVED)
        if not args.rederive:
            for name in DERIVED:
                con.execute(f"DELETE FROM {name}")
        for name in tables:
            columns = [
                r[0]
                for r in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = 'src' "
                    "AND table_name = ? ORDER BY column_index",
                    [name],
                ).fetchall()
            ]
            for k in range(args.times):
                moved = []
                for column in columns:
                    target = name if column == "id" else REPLICATED_KEYS.get(column)
                    if target:
                        moved.append(f'"{column}" + {k * top[target]} AS "{column}"')
                    elif column == "visitor_key":  # distinct visitors per replica
                        moved.append(f"xor(visitor_key, CAST({k} AS UBIGINT)) AS visitor_key")
                    elif column == "campaign_ids":
                        moved.append(
                            f"list_transform(campaign_ids, lambda x: CASE WHEN x < 0 THEN x "
                            f"ELSE x + {k * top['campaigns']} END) AS campaign_ids"
                        )
                    else:
                        moved.append(f'"{column}"')
                names = ", ".join(f'"{c}"' for c in columns)
                moved_sql = ", ".join(moved)
                con.execute(f"INSERT INTO {name} ({names}) SELECT {moved_sql} FROM src.{name}")
            counts[name] = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
            print(f"  {name}: {counts[name]:,} rows, {perf_counter() - started:.0f} s, "
                  f"load {load()}", flush=True)  # fmt: skip
        con.execute("DETACH src")
        loaded = perf_counter() - started
        began = perf_counter()
        paths = derived_s = 0.0
        if args.rederive:
            touch_paths_refresh(con)
            paths = perf_counter() - began
            traffic_daily_refresh(con, None)
            derived_s = perf_counter() - began
        now = con.execute("SELECT now()::TIMESTAMP").fetchall()[0][0]
        for name in REPLICATED:
            table = TABLE_BY_NAME[name]
            last = con.execute(f"SELECT coalesce(max(id), 0) FROM {name}").fetchall()[0][0]
            stamp = None if table.kind == "append" else now
            state_save(con, name, last_id=last, last_updated_at=stamp, synced_at=now)
        write.changed = True
        began = perf_counter()
    published = perf_counter() - began
    print(
        json.dumps(
            {
                "method": f"{args.times} replicas of {source}",
                "rows": counts,
                "load_s": loaded,
                "rows_per_s_into_duckdb": sum(counts.values()) / loaded,
                "touch_paths_s": paths,
                "derived_s": derived_s,
                "publish_s": published,
                "peak_mb": peak_mb(),
                "load": load(),
            }
        )
    )


# -- step 2: the mirror into chDB ----------------------------------------------------------------


def mirror(args) -> None:
    analytics_engines._setup(args.var_dir)
    from accord.analytics import clickhouse, engine
    from accord.analytics.clickhouse.connection import chdb_close_all

    with engine.writer() as con:
        began = perf_counter()
        report = clickhouse.mirror(con, engine.duckdb_path())
        seconds = perf_counter() - began
    chdb_close_all()
    total = sum(report.rows.values())
    out = {"rows": total, "seconds": seconds, "rows_per_s": total / seconds}
    print(json.dumps(out | {"peak_mb": peak_mb(), "load": load()}))


def check(args) -> None:
    """The generated company's shape: counts, touches per lead, the funnel."""
    analytics_engines._setup(args.var_dir)
    from accord.analytics import engine

    with engine.reader() as con:

        def one(sql):
            return con.execute(sql).fetchall()[0]

        out = {
            t: one(f"SELECT count(*) FROM {t}")[0]
            for t in ("leads", "touchpoints", "stage_transitions", "deals", "activities")
        }
        funnel = one(
            "SELECT count(*), count(mql_at), count(sal_at), count(sql_at), "
            "count(opportunity_at), count(customer_at) FROM leads"
        )
        stages = ("leads", "mql", "sal", "sql", "opp", "customer")
        out["funnel"] = dict(zip(stages, funnel, strict=True))
        out["touches_per_lead"] = out["touchpoints"] / out["leads"]
        out["won_deals"] = one("SELECT count(*) FROM deals WHERE stage = 'won'")[0]
    disk = {
        "duckdb_mb": engine.duckdb_path().stat().st_size / 2**20,
        "chdb_mb": sum(
            p.stat().st_size
            for p in engine.duckdb_path().with_suffix(".chdb").rglob("*")
            if p.is_file()
        )
        / 2**20,
    }
    print(json.dumps(out | disk))


# -- step 3b: a runner next to its hand-written query, on one engine ----------------------------


def pair(args) -> None:
    analytics_engines._setup(args.var_dir)
    from analytics_runners import hand_attribution, hand_sql, timed
    from django.conf import settings

    from accord.analytics import engine
    from accord.analytics.attribution.aggregate import RULE_MODELS
    from accord.analytics.filters import ReportFilters
    from accord.analytics.runners.attribution import MARKOV, AttributionQuery, AttributionRunner
    from accord.analytics.runners.funnel import FunnelQuery, FunnelRunner
    from accord.analytics.runners.kpis import KpisQuery, KpisRunner

    settings.ANALYTICS_ENGINE = args.engine
    with engine.reader() as con:
        bounds = con.execute("SELECT min(created_at), max(created_at) FROM leads").fetchall()[0]
    f = ReportFilters(bounds[0].date(), bounds[1].date())
    since, until = f.bounds()
    params = {"since": since, "until": until, "currency": "USD", "sla": 3600.0}
    params |= {"start": since.date(), "end": until.date(), "as_of": until}

    class RulesQuery(AttributionQuery):
        @property
        def models(self) -> tuple[str, ...]:
            return RULE_MODELS

    name = args.pair
    if name.startswith("attribution"):
        family = name.split()[1]
        query = RulesQuery(f) if family == "rules" else AttributionQuery(f, model=MARKOV)
        run = lambda: AttributionRunner(query).run()  # noqa: E731

        def hand():
            with engine.reader() as con:
                hand_attribution(con, since, until, family)
    else:
        make = FunnelRunner if name.startswith("funnel") else KpisRunner
        kind = FunnelQuery if name.startswith("funnel") else KpisQuery
        run = lambda: make(kind(f, group_by="channel")).run()  # noqa: E731
        statements = hand_sql(name, "cohort")

        def hand():
            with engine.reader() as con:
                for sql in statements:
                    used = {k: v for k, v in params.items() if f"${k}" in sql}
                    con.execute(sql, used).fetchall()

    out: dict[str, object] = {"runner_s": timed(run, args.repeat)}
    try:
        out["hand_s"] = timed(hand, args.repeat)
    except Exception as error:  # reported in the results, not hidden
        out["hand_error"] = f"{type(error).__name__}: {str(error)[:300]}"
    print(json.dumps(out | {"peak_mb": peak_mb()}))


# -- the parent: children under a memory watch -------------------------------------------------


def watched(command: list[str], limit_mb: float) -> dict:
    """Run a child, killing it when its resident memory passes ``limit_mb``."""
    began = perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    status = Path(f"/proc/{process.pid}/status")
    seen, killed = 0.0, False
    outputs: list[str] = []
    import threading

    def drain(stream, sink):
        for line in stream:
            sink.append(line)
            if "--verbose" in command:
                print(line, end="", flush=True)

    errors: list[str] = []
    threads = [
        threading.Thread(target=drain, args=(process.stdout, outputs), daemon=True),
        threading.Thread(target=drain, args=(process.stderr, errors), daemon=True),
    ]
    for thread in threads:
        thread.start()
    while process.poll() is None:
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    seen = max(seen, int(line.split()[1]) / 1024)
        except OSError:
            pass
        if seen > limit_mb:
            process.kill()  # this child only, by its own pid
            killed = True
            break
        time.sleep(0.05)
    process.wait()
    for thread in threads:
        thread.join()
    result: dict = {"wall_s": perf_counter() - began, "watched_mb": seen, "load": load()}
    if killed:
        return result | {"error": f"killed: resident memory over {limit_mb:,.0f} MB"}
    if process.returncode:
        return result | {"error": "".join(errors)[-1500:]}
    for line in reversed(outputs):
        if line.startswith("{"):
            return result | json.loads(line)
    return result | {"error": "no result line"}


def step(args, *extra: str) -> dict:
    command = [sys.executable, __file__, "--var-dir", args.var_dir, "--leads", str(args.leads)]
    command += ["--repeat", str(args.repeat), "--anchor", args.anchor.isoformat(), *extra]
    if args.memory_limit:
        command += ["--memory-limit", args.memory_limit]
    return watched(command, args.limit_mb)


def summary(root: Path) -> None:
    """The results of every size under ``root`` as the markdown tables of bench/README.md."""
    sizes = sorted(
        (json.loads(f.read_text()) for f in root.glob("scale-*/results.json")),
        key=itemgetter("leads"),
    )
    sizes = [r for r in sizes if "runners" in r]

    def cell(out: dict | None, key: str, fmt: str) -> str:
        if not out:
            return "not run"
        if "error" in out:
            return "killed" if out["error"].startswith("killed") else "failed"
        return format(out[key], fmt)

    print("| runner | leads | DuckDB s | peak MB | chDB s | peak MB | chDB/DuckDB | same |")
    print("|---|---|---|---|---|---|---|---|")
    names = list(dict.fromkeys(n for r in sizes for n in r["runners"]))
    for name in names:
        for r in sizes:
            done = r["runners"].get(name, {})
            duck, ch = done.get("duckdb"), done.get("clickhouse")
            ratio = (
                f"{ch['seconds'] / duck['seconds']:.1f}x"
                if duck and ch and "seconds" in duck and "seconds" in ch
                else ""
            )
            same = {True: "yes", False: "**no**"}.get(done.get("same"), "")
            print(
                f"| {name} | {r['leads'] / 1e6:g}M | {cell(duck, 'seconds', '.3f')} | "
                f"{cell(duck, 'peak_mb', ',.0f')} | {cell(ch, 'seconds', '.3f')} | "
                f"{cell(ch, 'peak_mb', ',.0f')} | {ratio} | {same} |"
            )
    print()
    print("| runner vs hand-written | leads | engine | runner s | hand s | ratio | peak MB |")
    print("|---|---|---|---|---|---|---|")
    for name in PAIRS:
        for r in sizes:
            for engine_name, label in (("duckdb", "DuckDB"), ("clickhouse", "chDB")):
                out = r.get("pairs", {}).get(name, {}).get(engine_name)
                if not out or "hand_s" not in out:
                    continue
                print(
                    f"| {name} | {r['leads'] / 1e6:g}M | {label} | {out['runner_s']:.3f} | "
                    f"{out['hand_s']:.3f} | {out['runner_s'] / out['hand_s']:.2f} | "
                    f"{out['peak_mb']:,.0f} |"
                )
    print()
    for r in sizes:
        print(f"{r['leads']:,} leads: build {json.dumps(r.get('build', {}))[:400]}")
        print(f"  mirror {json.dumps(r.get('mirror', {}))[:300]}")
        print(f"  check {json.dumps(r.get('check', {}))}")


def main() -> None:
    from datetime import date

    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--root", default="/work/bench-var")
    parser.add_argument("--var-dir", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--anchor", type=date.fromisoformat, default=date(2026, 12, 6))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--limit-mb", type=float, default=12_000, help="per child, resident")
    parser.add_argument("--memory-limit", default="", help="DuckDB memory_limit of the build")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--only", help="comma-separated runner names")
    parser.add_argument("--skip", default="", help="build,mirror,runners,pairs")
    parser.add_argument("--engines", default=",".join(ENGINES), help="duckdb,clickhouse")
    parser.add_argument("--replicate-from", help="var dir of a generated copy to replicate")
    parser.add_argument("--times", type=int, default=1, help="replicas (--replicate-from)")
    parser.add_argument("--rederive", action="store_true", help="rebuild touch paths etc.")
    parser.add_argument(
        "--summary", action="store_true", help="print the tables of every size under --root"
    )
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--pair", help=argparse.SUPPRESS)
    parser.add_argument("--verbose", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.summary:
        summary(Path(args.root))
        return
    if args.step:
        steps = {"build": build, "replicate": replicate, "mirror": mirror, "check": check}
        (steps | {"pair": pair})[args.step](args)
        return
    if args.replicate_from:
        args.leads *= args.times  # --leads is the source's size
    kind = f"-replicated{args.times}" if args.replicate_from else ""
    args.var_dir = args.var_dir or str(Path(args.root) / f"scale-{args.leads}{kind}")
    var = Path(args.var_dir)
    var.mkdir(parents=True, exist_ok=True)
    skip = set(args.skip.split(","))
    engines = [e for e in ENGINES if e in args.engines.split(",")]
    results: dict = {"leads": args.leads, "started": time.strftime("%Y-%m-%d %H:%M UTC")}
    # Runs on one engine each (side by side, in two processes) keep their own results.
    results_file = var / ("results.json" if len(engines) > 1 else f"results-{engines[0]}.json")
    if results_file.exists():
        results = json.loads(results_file.read_text()) | {"started": results["started"]}

    def save() -> None:
        results_file.write_text(json.dumps(results, indent=1))

    print(f"{args.leads:,} leads in {var}; load {load()}", flush=True)
    if "build" not in skip and (args.rebuild or not (var / "analytics.duckdb").exists()):
        for old in ("db.sqlite3", "analytics.duckdb", "analytics.duckdb.wal"):
            (var / old).unlink(missing_ok=True)
        subprocess.run(["rm", "-rf", str(var / "analytics-snapshots"), str(var / "analytics.chdb")])
        how = ("replicate", "--replicate-from", args.replicate_from, "--times", str(args.times))
        how += ("--rederive",) if args.rederive else ()
        results["build"] = step(
            args, "--step", *(how if args.replicate_from else ("build",)), "--verbose"
        )
        print("build:", json.dumps(results["build"]), flush=True)
        save()
        if "error" in results["build"]:
            return
    if "mirror" not in skip and (args.rebuild or not (var / "analytics.chdb").exists()):
        results["mirror"] = step(args, "--step", "mirror")
        print("mirror:", json.dumps(results["mirror"]), flush=True)
        save()
    results["check"] = step(args, "--step", "check")
    print("check:", json.dumps(results["check"]), flush=True)
    save()

    from datetime import date as _date

    analytics_engines._setup(args.var_dir)  # the parent only lists runners, compares answers
    names = list(analytics_engines.runners(_date.today()))
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    if "runners" not in skip:
        results.setdefault("runners", {})
        print(f"{'runner':<24} {'engine':<10} {'s':>8} {'peak MB':>8}  load", flush=True)
        for name in names:
            for engine_name in engines:
                out = watched(
                    [sys.executable, analytics_engines.__file__, "--var-dir", args.var_dir,
                     "--child", name, "--engine", engine_name, "--repeat", str(args.repeat)],
                    args.limit_mb,
                )  # fmt: skip
                results["runners"].setdefault(name, {})[engine_name] = out
                results["runners"][name].pop("same", None)
                if "error" in out:
                    print(f"{name:<24} {engine_name:<10} FAILED {out['error'][-600:]}", flush=True)
                else:
                    print(
                        f"{name:<24} {engine_name:<10} {out['seconds']:>8.3f} "
                        f"{out['peak_mb']:>8.0f}  {out['load']}",
                        flush=True,
                    )
            done = results["runners"][name]
            if all(e in done and "error" not in done[e] for e in ENGINES):
                from accord.analytics.tests.test_clickhouse_parity import differences

                answers = [pickle.loads((var / f"answer-{e}.pickle").read_bytes()) for e in ENGINES]
                done["same"] = not differences(*answers)
                print(f"{'':<24} same answer: {done['same']}", flush=True)
            save()
    if "pairs" not in skip:
        results.setdefault("pairs", {})
        print(f"{'runner vs hand':<24} {'engine':<10} {'runner s':>9} {'hand s':>9} {'ratio':>6}")
        pairs = [
            p for p in PAIRS if not args.only or any(p.startswith(n) for n in args.only.split(","))
        ]
        for name in pairs:
            for engine_name in engines:
                out = step(args, "--step", "pair", "--pair", name, "--engine", engine_name)
                results["pairs"].setdefault(name, {})[engine_name] = out
                if "hand_s" in out:
                    ratio = out["runner_s"] / out["hand_s"]
                    out["ratio"] = ratio
                    print(
                        f"{name:<24} {engine_name:<10} {out['runner_s']:>9.3f} "
                        f"{out['hand_s']:>9.3f} {ratio:>6.2f}  {out['load']}",
                        flush=True,
                    )
                else:
                    print(f"{name:<24} {engine_name:<10} {json.dumps(out)[-600:]}", flush=True)
                save()
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the parent: {parent:.0f} MB")


if __name__ == "__main__":
    main()
