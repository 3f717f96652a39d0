"""Bench: the nine attribution models on 1,000,000 journeys / ~20,000,000 touches.

    .venv/bin/python bench/attribution_models.py               # 1M journeys, ~20M touches
    .venv/bin/python bench/attribution_models.py --journeys 100000 --threads 2

Generates a seeded synthetic columnar dataset in memory (19 channels, ~20 touches a journey,
~10% converting, lead/opportunity/close touches marked), then times each model family through
the numpy path (``accord.analytics.attribution.aggregate``) and through the DuckDB SQL
builders (``accord.analytics.attribution.sql``; the data is first copied into native DuckDB
tables, timed apart, as the analytics engine holds them). Markov and Shapley via DuckDB are
SQL aggregation plus the numpy maths on the aggregated rows. Each figure is the best of
``--repeat`` runs. Peak memory is the process's maximum resident set size.

Targets (issue 6): the seven rule-based models together under 2 s; Markov under 5 s;
Shapley under 10 s.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Callable

import duckdb
import numpy as np

from accord.analytics.attribution import aggregate, sql

N_CHANNELS = 19
DAY = 86_400.0


def dataset(n_journeys: int, seed: int) -> aggregate.Journeys:
    rng = np.random.default_rng(seed)
    lengths = rng.poisson(19, n_journeys) + 1
    journey = np.repeat(np.arange(n_journeys, dtype=np.int64), lengths)
    n = journey.size
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    popularity = rng.dirichlet(np.ones(N_CHANNELS))
    channel = rng.choice(N_CHANNELS, size=n, p=popularity).astype(np.int64)
    clock = np.cumsum(rng.exponential(2 * DAY, n))
    touch_time = clock - clock[starts][journey] + rng.uniform(0, 365 * DAY, n_journeys)[journey]
    last = starts + lengths - 1
    # Conversions depend on the channels seen last, so that Markov and Shapley have signal.
    converted = rng.random(n_journeys) < 0.05 + 0.1 * (channel[last] < 5)
    value = np.where(converted, np.round(rng.lognormal(8, 1, n_journeys), 2), 0.0)
    lead_at = starts + (rng.random(n_journeys) * lengths).astype(np.int64)
    opportunity_at = lead_at + (rng.random(n_journeys) * (last - lead_at + 1)).astype(np.int64)
    flags = [np.zeros(n, dtype=bool) for _ in range(3)]
    flags[0][lead_at] = True
    flags[1][opportunity_at[converted]] = True
    flags[2][last[converted]] = True
    return aggregate.journeys_from_columns(
        journey=journey,
        channel=channel,
        time=touch_time,
        is_lead=flags[0],
        is_opportunity=flags[1],
        is_close=flags[2],
        converted=converted,
        value=value,
        conversion_time=touch_time[last] + DAY,
        n_channels=N_CHANNELS,
    )


def best(repeat: int, work: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: default)")
    args = parser.parse_args()

    started = time.perf_counter()
    data = dataset(args.journeys, args.seed)
    total_conversions, _ = aggregate.attributable_totals(data)
    print(
        f"dataset: {data.n_journeys:,} journeys, {data.n_touches:,} touches, "
        f"{int(total_conversions):,} conversions, {N_CHANNELS} channels "
        f"({time.perf_counter() - started:.1f} s to generate)"
    )

    rows: list[tuple[str, str, float]] = []
    rows.append(
        ("7 rule-based", "numpy", best(args.repeat, lambda: aggregate.rule_based_credits(data)))
    )
    rows.append(
        (
            "Markov (1st order)",
            "numpy",
            best(args.repeat, lambda: aggregate.markov_attribution(data)),
        )
    )
    rows.append(
        (
            "Markov (2nd order)",
            "numpy",
            best(args.repeat, lambda: aggregate.markov_attribution(data, order=2)),
        )
    )
    rows.append(
        (
            "Shapley (simplified)",
            "numpy",
            best(args.repeat, lambda: aggregate.shapley_attribution(data)),
        )
    )
    rows.append(
        (
            "Shapley (exact, 2^19 coalitions)",
            "numpy",
            best(1, lambda: aggregate.shapley_attribution(data, exact=True)),
        )
    )
    numpy_peak = peak_mb()

    connection = duckdb.connect()
    if args.threads:
        connection.execute(f"SET threads = {int(args.threads)}")
    starts = np.searchsorted(data.journey, data.journey)
    touches = {
        "journey_id": data.journey,
        "position": (np.arange(data.n_touches) - starts).astype(np.int32),
        "channel_id": data.channel.astype(np.int32),
        "ts": data.time,
        "is_lead": data.is_lead,
        "is_opportunity": data.is_opportunity,
        "is_close": data.is_close,
    }
    journeys = {
        "journey_id": np.arange(data.n_journeys, dtype=np.int64),
        "converted": data.converted,
        "value": data.value,
        "conversion_ts": data.conversion_time,
    }
    started = time.perf_counter()
    connection.register("touches_np", touches)
    connection.register("journeys_np", journeys)
    connection.execute("CREATE TABLE touches AS SELECT * FROM touches_np")
    connection.execute("CREATE TABLE journeys AS SELECT * FROM journeys_np")
    load = time.perf_counter() - started
    del touches, journeys, starts

    def duck_rules() -> object:
        return connection.execute(*sql.rule_credits_sql()).fetchnumpy()

    def duck_markov(order: int) -> Callable[[], object]:
        def run() -> object:
            totals = connection.execute(*sql.totals_sql()).fetchone()
            rows_ = connection.execute(
                *sql.markov_transitions_sql(n_channels=N_CHANNELS, order=order)
            ).fetchnumpy()
            return sql.markov_credits_from_rows(
                rows_, n_channels=N_CHANNELS, total_conversions=totals[0], total_revenue=totals[1]
            )

        return run

    def duck_shapley() -> object:
        rows_ = connection.execute(*sql.shapley_coalitions_sql()).fetchnumpy()
        return sql.shapley_credits_from_rows(rows_, n_channels=N_CHANNELS)

    rows.append(("7 rule-based", "DuckDB", best(args.repeat, duck_rules)))
    rows.append(("Markov (1st order)", "DuckDB", best(args.repeat, duck_markov(1))))
    rows.append(("Markov (2nd order)", "DuckDB", best(args.repeat, duck_markov(2))))
    rows.append(("Shapley (simplified)", "DuckDB", best(args.repeat, duck_shapley)))

    # The two paths must agree; a bench that is fast and wrong is worthless.
    check = connection.execute(*sql.rule_credits_sql()).fetchnumpy()
    expected = aggregate.rule_based_credits(data)
    worst = max(
        float(np.max(np.abs(check[f"{m}_conversions"] - expected[m].conversions))) for m in expected
    )

    threads = connection.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"DuckDB tables loaded from numpy in {load:.2f} s (threads: {threads})")
    print(f"{'model':34} {'path':7} {'seconds':>8}")
    for model, path, seconds in rows:
        print(f"{model:34} {path:7} {seconds:8.2f}")
    print(f"largest numpy/DuckDB difference in credited conversions: {worst:.2e}")
    print(f"peak memory: {numpy_peak:,.0f} MB after the numpy runs, {peak_mb():,.0f} MB overall")


if __name__ == "__main__":
    main()
