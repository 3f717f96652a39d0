"""Run one bench in two checkouts, alternately, in the same run: the fair way to compare.

    .venv/bin/python bench/side_by_side.py --base ../accord-old -- capture_load.py
    .venv/bin/python bench/side_by_side.py --base ../accord-old --copy /data/var-large --rounds 1 \\
        -- scoring_batch.py --size large --var {var} --skip-train

Each round runs the bench script of ``--base`` (its own ``.venv`` and code, e.g. a ``git
worktree`` of the commit before a refactor) and then this checkout's, so both see the same
machine load; the order flips every round. ``--copy DIR`` copies a var directory to a fresh
temporary one before every run and substitutes ``{var}`` in the bench arguments, for benches
whose first run changes the data (a rescore after a rescore changes nothing). The benches'
own output is printed under a heading per run, with its wall time and the load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Everything after -- is the bench script (relative to bench/) and its arguments.",
    )
    parser.add_argument("--base", type=Path, required=True, help="the other checkout")
    parser.add_argument("--rounds", type=int, default=2, help="pairs of runs (default 2)")
    parser.add_argument("--copy", type=Path, help="var dir copied afresh for every run ({var})")
    parser.add_argument("bench", nargs=argparse.REMAINDER)
    options = parser.parse_args()
    if options.bench[:1] == ["--"]:
        options.bench = options.bench[1:]
    if not options.bench:
        parser.error("name the bench script after --, e.g. -- capture_load.py")
    for checkout in (options.base, HERE):
        if not (checkout / ".venv" / "bin" / "python").exists():
            parser.error(f"{checkout} has no .venv: run `make install` there first")
    return options


def bench_run(checkout: Path, bench: list[str], copy: Path | None) -> tuple[float, int]:
    script, *args = bench
    with tempfile.TemporaryDirectory(prefix="accord-sbs-") as scratch:
        if copy is not None:
            var = Path(scratch) / "var"
            shutil.copytree(copy, var)
            args = [arg.replace("{var}", str(var)) for arg in args]
        command = [str(checkout / ".venv/bin/python"), str(checkout / "bench" / script), *args]
        started = time.perf_counter()
        result = subprocess.run(command, cwd=checkout, env=os.environ.copy())
        return time.perf_counter() - started, result.returncode


def main() -> int:
    options = arguments()
    pairs = [("base", options.base.resolve()), ("this", HERE)]
    failed = 0
    for round_number in range(options.rounds):
        order = pairs if round_number % 2 == 0 else pairs[::-1]
        for label, checkout in order:
            load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
            print(f"\n=== round {round_number + 1}: {label} ({checkout}), load {load} ===")
            sys.stdout.flush()
            elapsed, code = bench_run(checkout, options.bench, options.copy)
            print(f"=== {label}: {elapsed:.1f} s wall, exit {code} ===")
            failed += code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
