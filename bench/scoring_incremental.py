"""Scoring benches: incremental rescoring of one lead after one touch (p50/p99 of the worker
job's time), and optionally the batch rescore of every lead (time and peak memory).

Loads the demo company into a fresh var directory first (``accord demo --no-serve``; SQLite
unless --database-url is given), so the leads have realistic history (~20 touches each).
Nothing is asserted: figures go into bench/README.md by hand.

    .venv/bin/python bench/scoring_incremental.py                     # demo medium, 500 samples
    .venv/bin/python bench/scoring_incremental.py --size small --samples 200
    .venv/bin/python bench/scoring_incremental.py --size large --batch  # + `accord scoring rescore`
    .venv/bin/python bench/scoring_incremental.py --var-dir /tmp/accord-large   # reuse a load
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--samples", default=500, type=int)
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (default: SQLite)")
    parser.add_argument("--var-dir", default="", help="Reuse this var directory's demo data")
    parser.add_argument("--batch", action="store_true", help="Also time `accord scoring rescore`")
    args = parser.parse_args()

    var_dir = args.var_dir or tempfile.mkdtemp(prefix="accord-bench-scoring-")
    env = {**os.environ, "ACCORD_VAR_DIR": var_dir}
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    python = sys.executable
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

    from accord.contacts.models import Lead
    from accord.scoring.jobs import lead_rescore
    from accord.tracking.models import Touchpoint, TouchType
    from accord.tracking.services import touchpoint_record

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
    timings = []
    for n in range(args.samples + 20):
        lead = Lead.objects.select_related("contact").get(pk=rand.choice(leads))
        touch = touchpoint_record(type=rand.choice(kinds), lead=lead, url=rand.choice(urls))
        started = time.perf_counter()
        lead_rescore(job_key=f"bench.scoring:{touch.pk}", lead_id=lead.pk)
        if n >= 20:  # the first runs compile the profile and warm caches
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, round(0.99 * len(timings)))]
    print(
        f"incremental rescore of one lead after one touch ({len(timings)} samples): "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {timings[-1]:.2f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
