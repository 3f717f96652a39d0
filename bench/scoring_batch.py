"""Bench: batch rescoring and predictive scoring of every lead of the demo company.

    .venv/bin/python bench/scoring_batch.py --size large          # 1M leads, ~20M touchpoints
    .venv/bin/python bench/scoring_batch.py --size small --var /tmp/accord-demo-small

Loads the demo (``accord demo --size SIZE --no-serve``) into the var dir unless it already
holds leads, then runs, each in its own process, and prints wall time, CPU time and peak
memory (the child's, its forked workers' included, from ``os.wait4``) and the load average:

1. ``accord scoring rescore --no-qualify`` — the rule score of every lead (the batch path,
   ``accord.scoring.batch``: one scan of the touch table, numpy per rule, bulk writes);
2. ``accord scoring train --activate`` — features as of the snapshot, backtest, fit (timed
   and printed, but not counted: training is an occasional job of its own; ``--skip-train``
   uses the active model);
3. ``accord scoring predict`` — probability and top reasons for every open lead.

Target (issue 4): rescoring + predictive scoring of 1,000,000 leads / 20,000,000 touchpoints
under 2 minutes on the 2-core machine, peak memory under 6 GB.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ACCORD = [sys.executable, "-m", "accord.cli"]


def timed(args: list[str], env: dict) -> tuple[float, float, float, str]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [*ACCORD, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"accord {' '.join(args)} failed ({process.returncode}):\n{output}")
    # CPU: the child's and its own children's (forked workers); the machine is shared, so
    # CPU seconds compare across runs where wall time does not. ru_maxrss is in KiB on Linux.
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss / 1024, cpu, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=["small", "medium", "large"], default="large")
    parser.add_argument("--var", type=Path, default=None, help="Var dir (default per size).")
    parser.add_argument(
        "--skip-train", action="store_true", help="Use the active model (train it once first)."
    )
    options = parser.parse_args()
    var = options.var or Path(f"/tmp/accord-bench-scoring-{options.size}")
    var.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ACCORD_VAR_DIR": str(var)}
    if not (var / "accord.sqlite3").exists() or os.environ.get("DATABASE_URL"):
        elapsed, rss, _, _ = timed(["demo", "--size", options.size, "--no-serve"], env)
        print(f"demo --size {options.size}: loaded in {elapsed:.0f} s (peak {rss:,.0f} MB)")
    print(f"load average before: {os.getloadavg()[0]:.1f} (2 cores)")
    total = total_cpu = peak = 0.0
    steps = [
        ("rule rescore", ["scoring", "rescore", "--no-qualify"], True),
        ("train", ["scoring", "train", "--activate"], False),
        ("predict", ["scoring", "predict"], True),
    ]
    if options.skip_train:
        steps.pop(1)
    for label, args, counted in steps:
        elapsed, rss, cpu, output = timed(args, env)
        if counted:  # training is its own, occasional job: not part of the scoring run
            total += elapsed
            total_cpu += cpu
            peak = max(peak, rss)
        lines = output.strip().splitlines()
        last = next((line for line in lines if line.startswith(("Scored", "Trained"))), "")
        print(
            f"{label:<13} {elapsed:7.1f} s   cpu {cpu:7.1f} s   peak {rss:7,.0f} MB   "
            f"load {os.getloadavg()[0]:.1f}   {last[:100]}"
        )
    print(
        f"{'rescore+predict':<13} {total:7.1f} s   cpu {total_cpu:7.1f} s   peak {peak:,.0f} MB  "
        "(target: under 120 s, peak under 6,144 MB)"
    )


if __name__ == "__main__":
    main()
