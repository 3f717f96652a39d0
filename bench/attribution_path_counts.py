"""Markov's transitions and Shapley's coalitions counted in one statement or in two.

    .venv/bin/python bench/attribution_path_counts.py --var-dir /work/bench-var/scale-1000000

The nine-model attribution report asks the engine for both tables of
``accord.analytics.attribution.paths``. Counted apart (``moves_sql`` then
``coalitions_sql``), the journeys and their paths are built twice; ``both_sql`` builds them
once and answers both (a ``UNION ALL`` over one ``paths`` CTE). This runs the two ways
alternately on the same published copy, on DuckDB and on chDB (``--engines``), and prints
the best wall and CPU time of ``--repeat`` each, with the ratio, and checks that the rows are
the same. (The runner sends the one statement to DuckDB only: on ClickHouse, which inlines a
CTE at each reference, it measured no faster.) The copy must already hold the touch paths
and, for chDB, its mirror (``analytics_scale.py`` or ``analytics_engines.py`` build both).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path
from time import perf_counter, process_time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import analytics_engines  # noqa: E402


def counts_both_ways(con, sql, order: int) -> dict[str, object]:
    """One timing of each way, and whether their rows agree."""
    from accord.analytics.runners import attribution_paths as ap

    source = ap.paths_source(con)
    timings: dict[str, object] = {}
    began, cpu = perf_counter(), process_time()
    moves = ap.fetch_rows(con, ap.moves_sql(sql.journeys, source, sql.path_keys, order), sql.params)
    sets = ap.fetch_rows(con, ap.coalitions_sql(sql.journeys, source, sql.path_keys), sql.params)
    timings["apart"] = (perf_counter() - began, process_time() - cpu)
    began, cpu = perf_counter(), process_time()
    both = ap.fetch_rows(con, ap.both_sql(sql.journeys, source, sql.path_keys, order), sql.params)
    once_moves, once_sets = ap.split_kinds(both)
    timings["once"] = (perf_counter() - began, process_time() - cpu)
    timings["same"] = sorted(map(_key, moves)) == sorted(map(_key, once_moves)) and sorted(
        map(_key, sets)
    ) == sorted(map(_key, once_sets))
    timings["rows"] = len(moves) + len(sets)
    return timings


def _key(row) -> tuple:
    def plain(v):
        if isinstance(v, list | tuple):
            return tuple(v)
        return () if v is None else round(float(v), 6)  # chDB hands an empty state as None

    return tuple(map(plain, row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var-dir", required=True, help="a var dir with a published copy")
    parser.add_argument("--engines", default="duckdb,clickhouse")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--order", type=int, default=1, help="Markov order")
    args = parser.parse_args()
    analytics_engines._setup(args.var_dir)
    from django.conf import settings

    from accord.analytics import engine
    from accord.analytics.filters import ReportFilters
    from accord.analytics.runners.attribution import AttributionQuery, AttributionRunner

    anchor = analytics_engines._anchor()
    query = AttributionQuery(ReportFilters(anchor - timedelta(days=365), anchor))
    for name in args.engines.split(","):
        settings.ANALYTICS_ENGINE = name
        sql = AttributionRunner(query).build_sql()
        best: dict[str, tuple[float, float]] = {}
        same, rows = True, 0
        with engine.reader() as con:
            for _ in range(args.repeat):
                timed = counts_both_ways(con, sql, args.order)
                same &= bool(timed["same"])
                rows = int(timed["rows"])  # type: ignore[call-overload]
                for way in ("apart", "once"):
                    wall, cpu = timed[way]  # type: ignore[misc]
                    old = best.get(way, (float("inf"), float("inf")))
                    best[way] = (min(old[0], wall), min(old[1], cpu))
        print(
            json.dumps(
                {
                    "engine": name,
                    "apart_s": round(best["apart"][0], 3),
                    "once_s": round(best["once"][0], 3),
                    "apart_cpu": round(best["apart"][1], 3),
                    "once_cpu": round(best["once"][1], 3),
                    "ratio_once_to_apart": round(best["once"][0] / best["apart"][0], 2),
                    "rows": rows,
                    "same": same,
                    "load": "/".join(f"{x:.1f}" for x in os.getloadavg()),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
