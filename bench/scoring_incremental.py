"""Scoring benches: incremental rescoring of one lead after one touch (p50/p99 of the worker
job's time), and optionally the batch rescore of every lead (time and peak memory).

Loads the demo company into a fresh var directory first (``accord demo --no-serve``; SQLite
unless --database-url is given), so the leads have realistic history (~20 touches each).
Nothing is asserted: figures go into bench/README.md by hand.

    .venv/bin/python bench/scoring_incremental.py                     # demo medium, 500 samples
    .venv/bin/python bench/scoring_incremental.py --size small --samples 200
    .venv/bin/python bench/scoring_incremental.py --size large --batch  # + `accord scoring rescore`
    .venv/bin/python bench/scoring_incremental.py --var-dir /tmp/accord-large   # reuse a load
    .venv/bin/python bench/scoring_incremental.py --size small --baseline HEAD  # before/after

Times are wall (perf_counter) and CPU (process_time) of the job in this process, for all
samples and split by whether the job moved the lead to MQL (which runs the lifecycle move and
the hand-off's routing in the same job). With ``--baseline REV`` samples alternate between
today's job and REV's, so both see the same load. The demo loader stores scores without
qualifying, so a fresh load has a backlog of leads that qualify but never moved; the first
touch on each moves it. ``--settle`` clears that backlog first (steady state).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def _percentiles(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * len(ordered)))]
    return statistics.median(ordered), p99, ordered[-1]


def _baseline_job(revision: str):
    """The job as it was at ``revision``: that commit's scoring/services.py, loaded beside
    today's (same selectors, rules and database), so both run in this process and run."""
    import types

    from accord.core.jobs import idempotent

    source = subprocess.run(
        ["git", "show", f"{revision}:accord/scoring/services.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    module = types.ModuleType("accord.scoring.baseline_services")
    sys.modules[module.__name__] = module  # dataclasses look their module up there
    exec(compile(source, f"{revision}:accord/scoring/services.py", "exec"), module.__dict__)

    def baseline_rescore(*, lead_id: int):
        row = module.lead_score(lead_id=lead_id)
        return row.score if row else None

    return idempotent(baseline_rescore)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--samples", default=500, type=int)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--var-dir", default="", help="Reuse this var directory's demo data")
    parser.add_argument("--batch", action="store_true", help="Also time `accord scoring rescore`")
    parser.add_argument(
        "--settle",
        action="store_true",
        help="First move to MQL the leads that already qualify (the demo stores scores without "
        "qualifying), so samples see the steady state",
    )
    parser.add_argument(
        "--baseline",
        default="",
        metavar="REV",
        help="Also time the job as of git revision REV (e.g. HEAD), interleaved with today's",
    )
    args = parser.parse_args()

    var_dir = args.var_dir or tempfile.mkdtemp(prefix="accord-bench-scoring-")
    env = {**os.environ, "ACCORD_VAR_DIR": var_dir}
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    python = sys.executable
    reuse = args.var_dir and not args.database_url and (Path(var_dir) / "accord.sqlite3").exists()
    if reuse:
        print(f"Reusing the data in {var_dir}.", flush=True)
    else:
        print(f"Loading the demo ({args.size}) into {args.database_url or var_dir} ...", flush=True)
        _run([python, "-m", "accord.cli", "demo", "--size", args.size, "--no-serve"], env)

    if args.batch:
        seconds = _run(
            [python, "-c", "from accord.scoring.commands import scoring; scoring(['rescore'])"],
            env,
        )
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"batch rescore: {seconds:.1f} s, peak memory {peak_mb:,.0f} MB (largest child)")

    os.environ.update({k: v for k, v in env.items() if k in ("ACCORD_VAR_DIR", "DATABASE_URL")})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    from accord.contacts.models import Lead, StageTransition
    from accord.core.lifecycle import Stage
    from accord.scoring.jobs import lead_rescore
    from accord.tracking.models import Touchpoint, TouchType
    from accord.tracking.services import touchpoint_record

    if args.settle:
        from accord.scoring import services

        started = time.perf_counter()
        moved = sum(
            services.leads_rescore(lead_ids=chunk).moved_to_mql
            for chunk in services.lead_id_chunks(open_only=True)
        )
        print(f"settled: {moved:,} leads moved to MQL in {time.perf_counter() - started:.1f} s")
    leads = list(Lead.objects.filter(is_open=True).values_list("pk", flat=True))
    history = Touchpoint.objects.count() / max(1, Lead.objects.count())
    print(f"{len(leads):,} open leads, {history:.1f} touches per lead on {connection.vendor}")
    rand = random.Random(7)
    kinds = [TouchType.PAGE_VIEW, TouchType.EMAIL_CLICK, TouchType.WEBINAR]
    urls = [
        "https://acme.example/pricing",
        "https://acme.example/blog",
        "https://acme.example/demo",
    ]
    paths = {"current": lead_rescore}
    if args.baseline:
        paths[f"baseline ({args.baseline})"] = _baseline_job(args.baseline)
    # (wall ms, CPU ms, whether this job moved the lead to MQL) per sample.
    timings: dict[str, list[tuple[float, float, bool]]] = {name: [] for name in paths}
    reached = StageTransition.objects.filter(to_stage=Stage.MQL)
    names = list(paths)
    warmup = 20 * len(names)
    for n in range(args.samples * len(names) + warmup):
        name = names[n % len(names)]  # interleaved: both paths see the same load
        lead = Lead.objects.select_related("contact").get(pk=rand.choice(leads))
        touch = touchpoint_record(type=rand.choice(kinds), lead=lead, url=rand.choice(urls))
        was_mql = reached.filter(lead_id=lead.pk).exists()
        wall, cpu = time.perf_counter(), time.process_time()
        paths[name](job_key=f"bench.scoring:{touch.pk}", lead_id=lead.pk)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        moved = not was_mql and reached.filter(lead_id=lead.pk).exists()
        if n >= warmup:  # the first runs compile the profile and warm caches
            timings[name].append((wall * 1000, cpu * 1000, moved))
    print("incremental rescore of one lead after one touch (job time, ms):")
    for name, samples in timings.items():
        groups = {
            "all": samples,
            "rescore only": [s for s in samples if not s[2]],
            "moved to MQL (+ hand-off)": [s for s in samples if s[2]],
        }
        for group, chosen in groups.items():
            if not chosen:
                continue
            wall = _percentiles([w for w, _, _ in chosen])
            cpu = _percentiles([c for _, c, _ in chosen])
            print(
                f"  {name:<16} {group:<26} n={len(chosen):>4}  wall p50 {wall[0]:6.2f} "
                f"p99 {wall[1]:6.2f} max {wall[2]:6.2f}  CPU p50 {cpu[0]:6.2f} p99 {cpu[1]:6.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
