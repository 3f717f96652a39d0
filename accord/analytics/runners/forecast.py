"""Forecast: the pipeline by close month or quarter and owner, team or pipeline, weighted by
stage probability and by the predictive model; category totals, quota, attainment and
coverage; forecast vs actual of past periods (each method's accuracy and bias, slipped
deals); a probabilistic forecast (P10/P50/P90) backtested on past periods; each stage's
measured win probability beside its configured one; the period's pipeline waterfall.

Reads only the analytics copy (deals, their stage and close-date histories, stages,
quotas, submissions, predictions). The current figures are at ``now``; the past ones are
rebuilt from the histories (``forecast_sql``). Money in one currency (``currency``); deals in
other currencies are left out. Days are UTC days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from accord.analytics.filters import ReportFilters
from accord.analytics.runners import forecast_sql as q
from accord.analytics.runners.base import ratio, run_read
from accord.analytics.runners.forecast_parts import (
    BacktestRow,
    MethodScore,
    ParamsRun,
    Simulation,
    SlippedDeal,
    StageDrift,
    WaterfallStep,
    backtest,
    method_scores,
    simulation_now,
    slipped_deals,
    stage_drifts,
    waterfall,
)
from accord.core.errors import InvalidInput
from accord.core.money import DEFAULT_CURRENCY
from accord.pipeline.forecast.accuracy import (
    METHODS,
    MethodAccuracy,
    PeriodOutcome,
    coverage_needed,
    method_accuracy,
    most_accurate,
)
from accord.pipeline.forecast.periods import (
    PERIOD_KINDS,
    QUARTER,
    period_label,
    period_next,
    period_start,
    periods_between,
)
from accord.pipeline.forecast.simulation import DEFAULT_SEED, SIMULATIONS

GROUPS = ("owner", "team", "pipeline", "none")
#: The measured win rate behind the coverage target: deals closed in this many days.
WIN_RATE_DAYS = 365


@dataclass(frozen=True)
class ForecastQuery:
    filters: ReportFilters
    period: str = QUARTER
    group_by: str = "owner"
    pipeline: str | None = None
    #: A rep reading their own forecast: only their deals, submissions and quota.
    scope_user_id: int | None = None
    currency: str = DEFAULT_CURRENCY
    seed: int = DEFAULT_SEED
    simulations: int = SIMULATIONS
    #: The moment the forecast is made (naive UTC); None: now.
    now: datetime | None = None

    def __post_init__(self) -> None:
        if self.period not in PERIOD_KINDS:
            raise InvalidInput(f"The period is one of {', '.join(PERIOD_KINDS)}.", field="period")
        if self.group_by not in GROUPS:
            raise InvalidInput(f"Group by one of {', '.join(GROUPS)}.", field="group_by")
        if not 100 <= self.simulations <= 100_000:
            raise InvalidInput("Simulations: from 100 to 100,000.", field="simulations")


@dataclass(frozen=True)
class ForecastRow:
    period: date
    period_label: str
    key: Any
    label: str
    open_deals: int
    open_amount: float
    stage_weighted: float
    #: None when no predictive model is active.
    model_weighted: float | None
    closed: float
    commit: float
    best_case: float
    pipeline: float
    omitted: float
    #: Salesforce's cumulative roll-up: closed + commit, + best case.
    forecast_commit: float
    forecast_best_case: float
    quota: float | None
    attainment: float | None
    #: Open pipeline (not omitted) over what is left of the quota.
    coverage: float | None
    coverage_ok: bool | None


@dataclass(frozen=True)
class ForecastResult:
    query: ForecastQuery
    rows: tuple[ForecastRow, ...]
    model_active: bool
    win_rate: float | None
    coverage_needed: float | None
    scores: tuple[MethodScore, ...]
    accuracy: tuple[MethodAccuracy, ...]
    most_accurate: str | None
    slipped: tuple[SlippedDeal, ...]
    stages: tuple[StageDrift, ...]
    simulation: Simulation | None
    backtest: tuple[BacktestRow, ...]
    backtest_mape: float | None
    waterfall_period: str | None
    waterfall: tuple[WaterfallStep, ...]
    data_as_of: datetime | None
    notes: tuple[str, ...] = ()


class ForecastRunner:
    def __init__(self, query: ForecastQuery):
        self.query = query

    def run(self) -> ForecastResult:
        return run_read(self.query.filters, self._run)

    def _run(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> ForecastResult:
        query = self.query
        now = query.now or datetime.now(UTC).replace(tzinfo=None)
        if (
            query.pipeline
            and not con.execute(
                "SELECT count(*) FROM pipelines WHERE key = ?", [query.pipeline]
            ).fetchall()[0][0]
        ):
            raise InvalidInput(f"There is no pipeline {query.pipeline!r}.", field="pipeline")
        scope, params = q.scope_sql(
            query.filters,
            pipeline=query.pipeline,
            scope_user_id=query.scope_user_id,
            currency=query.currency,
        )
        run = ParamsRun(con, scope, {**params, "now": now})
        kind = query.period
        starts = periods_between(query.filters.start, query.filters.end, kind)
        today = now.date()
        current = period_start(today, kind)
        model_active = bool(
            con.execute("SELECT count(*) FROM scoring_models WHERE is_active").fetchall()[0][0]
        )
        won, closed_total, _n = run.one(
            q.win_rate_sql(scope),
            since=now - timedelta(days=WIN_RATE_DAYS),
            until=now,
        )
        win_rate = ratio(won, closed_total)
        needed = coverage_needed(win_rate)
        rows = self._rows(run, starts, needed, model_active)
        past = [s for s in starts if period_next(s, kind) <= today]
        scores = method_scores(run, past, kind, model_active, self._users_sql())
        accuracy = tuple(
            method_accuracy(m, [PeriodOutcome(getattr(s, m), s.actual) for s in scores])
            for m in METHODS
        )
        backtest_rows = backtest(run, current, kind, seed=query.seed, sims=query.simulations)
        errors = [b.error_pct for b in backtest_rows if b.error_pct is not None]
        wf_start = current if current in starts else (starts[-1] if starts else None)
        notes = []
        if not model_active:
            notes.append("No predictive model is active: the model-weighted figures are empty.")
        return ForecastResult(
            query=query,
            rows=rows,
            model_active=model_active,
            win_rate=win_rate,
            coverage_needed=needed,
            scores=scores,
            accuracy=accuracy,
            most_accurate=most_accurate(accuracy),
            slipped=slipped_deals(run, starts, kind, now),
            stages=stage_drifts(run, now),
            simulation=(
                simulation_now(run, current, kind, now, seed=query.seed, sims=query.simulations)
                if current in starts
                else None
            ),
            backtest=backtest_rows,
            backtest_mape=sum(errors) / len(errors) if errors else None,
            waterfall_period=period_label(wf_start, kind) if wf_start else None,
            waterfall=waterfall(run, wf_start, kind, now) if wf_start else (),
            data_as_of=as_of,
            notes=tuple(notes),
        )

    def _users_sql(self) -> str:
        """Which users' submissions and quotas count (the filters' reps and team)."""
        f = self.query.filters
        conditions = ["TRUE"]
        if f.team:
            conditions.append(
                "user_id IN (SELECT u.id FROM users u JOIN teams t ON t.id = u.team_id "
                "WHERE t.name = $f_team)"
            )
        if f.rep:
            conditions.append("user_id IN (SELECT id FROM users WHERE username = $f_rep)")
        if self.query.scope_user_id is not None:
            conditions.append("user_id = $scope_user")
        return " AND ".join(conditions)

    def _rows(
        self,
        run: ParamsRun,
        starts: list[date],
        needed: float | None,
        model_active: bool,
    ) -> tuple[ForecastRow, ...]:
        if not starts:
            return ()
        query = self.query
        kind = query.period
        found = run.all(
            q.current_sql(run.scope, period_unit=kind, group_by=query.group_by),
            first=starts[0],
            after=period_next(starts[-1], kind),
        )
        labels = self._labels(run)
        quotas = self._quotas(run, starts)
        cells = {(r[0], r[1]): r for r in found}
        keys = sorted({r[1] for r in found} | {k for _s, k in quotas}, key=lambda k: (
            k is None, labels.get(k, str(k))))  # fmt: skip
        out = []
        for start in starts:
            for key in keys or [0]:
                row = cells.get((start, key))
                quota = quotas.get((start, key))
                if row is None and quota is None:
                    continue
                out.append(self._row(start, key, labels, row, quota, needed, model_active))
        return tuple(out)

    def _row(self, start, key, labels, row, quota, needed, model_active) -> ForecastRow:
        (_p, _g, open_deals, open_amount, stage_w, model_w, _predicted, closed, commit,
         best, pipe, omitted) = row or (start, key, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)  # fmt: skip
        left = None if quota is None else max(quota - closed, 0.0)
        coverage = ratio(open_amount - omitted, left) if left else None
        return ForecastRow(
            period=start,
            period_label=period_label(start, self.query.period),
            key=key,
            label=self._label(labels, key),
            open_deals=int(open_deals),
            open_amount=float(open_amount),
            stage_weighted=float(stage_w),
            model_weighted=float(model_w) if model_active else None,
            closed=float(closed),
            commit=float(commit),
            best_case=float(best),
            pipeline=float(pipe),
            omitted=float(omitted),
            forecast_commit=float(closed + commit),
            forecast_best_case=float(closed + commit + best),
            quota=quota,
            attainment=ratio(closed, quota),
            coverage=coverage,
            coverage_ok=None if coverage is None or needed is None else coverage >= needed,
        )

    def _label(self, labels: dict[Any, str], key: Any) -> str:
        if self.query.group_by == "none":
            return "all"
        if key is None:
            return "(none)"
        return labels.get(key, str(key))

    def _labels(self, run: ParamsRun) -> dict[Any, str]:
        sql = {
            "owner": "SELECT id, username FROM users",
            "team": "SELECT id, name FROM teams",
            "pipeline": "SELECT id, name FROM pipelines",
        }.get(self.query.group_by)
        return dict(run.con.execute(sql).fetchall()) if sql else {}

    def _quotas(self, run: ParamsRun, starts: list[date]) -> dict[tuple[date, Any], float]:
        """Quota per (period, group): the period's own quotas, or for a quarter without one
        the sum of its months' quotas. None for pipelines (quotas are per person)."""
        group_by = self.query.group_by
        if group_by == "pipeline":
            return {}
        key = {"owner": "q.user_id", "team": "u.team_id", "none": "0"}[group_by]
        rows = run.all(
            f"""SELECT q.period_kind, q.period_start, {key}, q.user_id, q.amount
            FROM quotas q LEFT JOIN users u ON u.id = q.user_id
            WHERE q.currency = $currency AND q.period_start >= $first AND q.period_start < $after
                AND {self._users_sql().replace("user_id", "q.user_id")}""",
            first=starts[0],
            after=period_next(starts[-1], self.query.period),
        )
        kind = self.query.period
        own: dict[tuple[date, int], float] = {}
        months: dict[tuple[date, int], float] = {}
        groups: dict[int, Any] = {}
        for row_kind, start, group, user_id, amount in rows:
            groups[user_id] = group
            if row_kind == kind:
                own[(start, user_id)] = own.get((start, user_id), 0.0) + float(amount)
            elif kind == QUARTER:
                slot = (period_start(start, QUARTER), user_id)
                months[slot] = months.get(slot, 0.0) + float(amount)
        for slot, amount in months.items():
            own.setdefault(slot, amount)
        out: dict[tuple[date, Any], float] = {}
        for (start, user_id), amount in own.items():
            slot = (start, groups[user_id])
            out[slot] = out.get(slot, 0.0) + amount
        return out
