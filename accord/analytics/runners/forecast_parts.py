"""The forecast report's sections over past periods and history: each method's forecast
beside the actual, slipped deals, stage drift, the simulation and its backtest, and the
pipeline waterfall (``accord.analytics.runners.forecast`` puts them together)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import duckdb
import numpy as np

from accord.analytics.runners import forecast_sql as q
from accord.pipeline.forecast.accuracy import drifted
from accord.pipeline.forecast.periods import period_label, period_next
from accord.pipeline.forecast.simulation import OpenDeals, StageBehaviour, forecast_simulate

#: Past periods the simulation is backtested on (the ones just before the current period).
BACKTEST_PERIODS = 4
#: Slipped deals listed (the largest first); the count and amount cover all of them.
SLIPPED_LISTED = 20


class ParamsRun:
    """One connection, the report's scope CTE and its parameters, for every section."""

    def __init__(self, con: duckdb.DuckDBPyConnection, scope: str, params: dict[str, Any]):
        self.con = con
        self.scope = scope
        self.params = params
        #: Results reused by several sections (the pipeline at a period's start, ...).
        self.cache: dict[Any, Any] = {}

    def cached(self, key: Any, compute: Any) -> Any:
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def _bound(self, sql: str, extra: dict[str, Any]) -> dict[str, Any]:
        values = {**self.params, **extra}
        return {k: v for k, v in values.items() if f"${k}" in sql}

    def all(self, sql: str, **extra: Any) -> list[tuple]:
        return self.con.execute(sql, self._bound(sql, extra)).fetchall()

    def one(self, sql: str, **extra: Any) -> tuple:
        return self.all(sql, **extra)[0]


def _ts(day: date) -> datetime:
    return datetime.combine(day, time.min)


@dataclass(frozen=True)
class MethodScore:
    """One past period: what each method forecast at its start, and what was won."""

    period: date
    period_label: str
    actual: float
    stage_weighted: float | None
    model_weighted: float | None
    submitted: float | None
    adjusted: float | None
    adjusted_reps: int
    submitted_reps: int


def pipeline_at(run: ParamsRun, t: datetime) -> list[tuple]:
    """The open deals at ``t`` (``forecast_sql.pipeline_at_sql``), once per moment."""
    return run.cached(("pipeline_at", t), lambda: run.all(q.pipeline_at_sql(run.scope), t=t))


def _won_between(run: ParamsRun, since: datetime, until: datetime) -> tuple:
    return run.cached(
        ("won", since, until),
        lambda: run.one(q.won_between_sql(run.scope), since=since, until=until),
    )


def _stage_weighted_at(run: ParamsRun, start: date, kind: str) -> float:
    after = period_next(start, kind)
    rows = pipeline_at(run, _ts(start))
    return float(sum(a * p for a, _s, _age, close, p in rows if close and start <= close < after))


def method_scores(
    run: ParamsRun, past: list[date], kind: str, model_active: bool, users_sql: str
) -> tuple[MethodScore, ...]:
    if not past:
        return ()
    subs = run.all(
        q.submissions_sql(users_sql), kind=kind, first=past[0], after=period_next(past[-1], kind)
    )
    scores = []
    for start in past:
        after = period_next(start, kind)
        actual = float(_won_between(run, _ts(start), _ts(after))[0])
        mine = [s for s in subs if s[0] == start]
        models = [s[4] for s in mine]
        scores.append(
            MethodScore(
                period=start,
                period_label=period_label(start, kind),
                actual=actual,
                stage_weighted=_stage_weighted_at(run, start, kind),
                model_weighted=(
                    float(sum(models)) if mine and model_active and None not in models else None
                ),
                submitted=float(sum(s[2] for s in mine)) if mine else None,
                adjusted=float(sum(s[6] for s in mine)) if mine else None,
                adjusted_reps=sum(1 for s in mine if s[7]),
                submitted_reps=len(mine),
            )
        )
    return tuple(scores)


@dataclass(frozen=True)
class SlippedDeal:
    period_label: str
    deal_id: int
    name: str
    owner_id: int | None
    stage: str
    amount: float
    old_close: date
    new_close: date


def slipped_deals(
    run: ParamsRun, starts: list[date], kind: str, now: datetime
) -> tuple[SlippedDeal, ...]:
    """Deals whose close date moved out past the end of a period of the report."""
    out: list[SlippedDeal] = []
    for start in starts:
        if start > now.date():
            continue
        rows = run.all(q.slipped_sql(run.scope), first=start, after=period_next(start, kind))
        label = period_label(start, kind)
        out += [SlippedDeal(label, r[0], r[1], r[2], r[3], float(r[4]), r[5], r[6]) for r in rows]
    out.sort(key=lambda s: -s.amount)
    return tuple(out[:SLIPPED_LISTED])


@dataclass(frozen=True)
class StageDrift:
    pipeline_id: int
    pipeline: str
    stage: str
    name: str
    configured: float
    measured: float | None
    deals: int
    drift: bool


def _behaviour(run: ParamsRun, t: datetime) -> dict[str, tuple[int, int, list[float]]]:
    """Per stage key: closed deals through it before ``t``, won ones, their days to won.

    One query (up to the latest moment asked, ``run.params['now']``) read once; earlier
    moments filter it."""
    keys, codes, entered, closed, won = run.cached("passed", lambda: _passed(run))
    mask = closed < t.timestamp()
    out = {}
    for code, key in enumerate(keys):
        mine = mask & (codes == code)
        n = int(mine.sum())
        if n:
            wins = mine & won
            out[str(key)] = (n, int(wins.sum()), ((closed[wins] - entered[wins]) / 86400).tolist())
    return out


def _passed(run: ParamsRun) -> tuple:
    result = run.con.execute(
        q.stages_passed_sql(run.scope), run._bound(q.stages_passed_sql(run.scope), {})
    ).fetchnumpy()
    keys, codes = np.unique(np.asarray(result["stage_key"], dtype=str), return_inverse=True)
    return (keys, codes, np.asarray(result["entered"], float), np.asarray(result["closed"], float),
            np.asarray(result["won"], bool))  # fmt: skip


def stage_drifts(run: ParamsRun, now: datetime) -> tuple[StageDrift, ...]:
    measured = _behaviour(run, now)
    stages = run.con.execute(
        "SELECT s.pipeline_id, p.name, s.key, s.name, s.probability FROM pipeline_stages s "
        "JOIN pipelines p ON p.id = s.pipeline_id WHERE s.outcome = 'open' "
        "ORDER BY p.position, p.id, s.position, s.id"
    ).fetchall()
    out = []
    for pipeline_id, pipeline, key, name, configured in stages:
        n, won, _days = measured.get(f"{pipeline_id}:{key}", (0, 0, []))
        rate = won / n if n else None
        out.append(
            StageDrift(
                pipeline_id=pipeline_id,
                pipeline=pipeline,
                stage=key,
                name=name,
                configured=float(configured),
                measured=rate,
                deals=n,
                drift=drifted(rate, float(configured), n),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Simulation:
    period_label: str
    p10: float
    p50: float
    p90: float
    already_won: float
    open_deals: int
    simulations: int
    seed: int


def _stages_at(run: ParamsRun, t: datetime) -> dict[str, StageBehaviour]:
    return {
        key: StageBehaviour(win_probability=w / n if n else None, days_to_won=days)
        for key, (n, w, days) in _behaviour(run, t).items()
    }


def _new_business(run: ParamsRun, start: date, kind: str) -> list[float]:
    """Won amounts of deals created and won within each of the periods before ``start``."""
    samples = []
    current = start
    for _ in range(BACKTEST_PERIODS):
        earlier = _previous(current, kind)
        _all, created_in = _won_between(run, _ts(earlier), _ts(current))
        samples.append(float(created_in))
        current = earlier
    return samples


def _previous(start: date, kind: str) -> date:
    step = 1 if kind == "month" else 3
    month = start.month - 1 - step
    return date(start.year + month // 12, month % 12 + 1, 1)


def _simulate(
    run: ParamsRun, rows: list[tuple], start: date, t: datetime, kind: str, *, already: float,
    seed: int, sims: int,
) -> Any:  # fmt: skip
    after = period_next(start, kind)
    deals = OpenDeals.of([(float(r[0]), r[1], max(float(r[2] or 0), 0.0)) for r in rows])
    horizon = (_ts(after) - t).total_seconds() / 86400
    share_left = horizon / max((after - start).days, 1)
    result = forecast_simulate(
        deals, _stages_at(run, t), horizon_days=horizon, already_won=already, simulations=sims,
        seed=seed,
    )  # fmt: skip
    new = np.array(_new_business(run, start, kind))
    if len(new) and new.any():
        # Deals not open yet: a past period's own new-and-won business, scaled to what is left.
        rng = np.random.default_rng(seed + 1)
        extra = rng.choice(new, sims) * share_left
        shifted = np.percentile(result.totals + extra, [10, 50, 90])
        return shifted, result
    return np.array([result.p10, result.p50, result.p90]), result


def simulation_now(
    run: ParamsRun, start: date, kind: str, now: datetime, *, seed: int, sims: int
) -> Simulation:
    after = period_next(start, kind)
    rows = run.all(q.open_now_sql(run.scope), t=now)
    already = float(_won_between(run, _ts(start), _ts(after))[0])
    (p10, p50, p90), result = _simulate(
        run, rows, start, now, kind, already=already, seed=seed, sims=sims
    )
    return Simulation(period_label(start, kind), float(p10), float(p50), float(p90), already,
                      result.deals, sims, seed)  # fmt: skip


@dataclass(frozen=True)
class BacktestRow:
    period_label: str
    p10: float
    p50: float
    p90: float
    actual: float
    #: |P50 - actual| / actual (None when nothing was won).
    error_pct: float | None
    within: bool


def backtest(
    run: ParamsRun, current: date, kind: str, *, seed: int, sims: int
) -> tuple[BacktestRow, ...]:
    """The simulation run at the start of each of the last periods, from what was known
    then (history before it), against what was won in it."""
    out = []
    start = current
    for _ in range(BACKTEST_PERIODS):
        start = _previous(start, kind)
        t = _ts(start)
        after = period_next(start, kind)
        rows = pipeline_at(run, t)
        actual = float(_won_between(run, t, _ts(after))[0])
        if not rows and not actual:
            continue
        (p10, p50, p90), _r = _simulate(run, rows, start, t, kind, already=0.0, seed=seed,
                                         sims=sims)  # fmt: skip
        out.append(
            BacktestRow(
                period_label=period_label(start, kind),
                p10=float(p10),
                p50=float(p50),
                p90=float(p90),
                actual=actual,
                error_pct=abs(p50 - actual) / actual if actual else None,
                within=bool(p10 <= actual <= p90),
            )
        )
    return tuple(reversed(out))


@dataclass(frozen=True)
class WaterfallStep:
    step: str
    amount: float
    deals: int


WATERFALL_STEPS = ("start", "new", "moved_in", "moved_out", "won", "lost", "changed", "end")


def waterfall(run: ParamsRun, start: date, kind: str, now: datetime) -> tuple[WaterfallStep, ...]:
    after = period_next(start, kind)
    rows = run.all(q.waterfall_sql(run.scope), t=_ts(start), first=start, after=after, now=now)
    amounts = dict.fromkeys(WATERFALL_STEPS, 0.0)
    counts = dict.fromkeys(WATERFALL_STEPS, 0)
    for came, went, n, amount_in, amount_now in rows:
        amounts[came] += float(amount_in)
        counts[came] += int(n)
        amounts[went] += float(amount_now)
        counts[went] += int(n)
        amounts["changed"] += float(amount_now) - float(amount_in)
    return tuple(WaterfallStep(s, amounts[s], counts[s]) for s in WATERFALL_STEPS)
