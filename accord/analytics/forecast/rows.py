"""The forecast report as tables: the main one (what CSV exports and the CLI prints first)
and its further sections (accuracy, simulation, backtest, stages, slipped deals, waterfall),
shared by ``accord report forecast`` and the page."""

from __future__ import annotations

from typing import Any

from accord.analytics.runners.forecast import ForecastResult


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _ratio(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def forecast_rows(r: ForecastResult) -> list[dict[str, Any]]:
    return [
        {
            "period": row.period_label,
            "group": row.label,
            "open_deals": row.open_deals,
            "open_amount": _money(row.open_amount),
            "stage_weighted": _money(row.stage_weighted),
            "model_weighted": _money(row.model_weighted),
            "closed": _money(row.closed),
            "commit": _money(row.commit),
            "best_case": _money(row.best_case),
            "pipeline": _money(row.pipeline),
            "omitted": _money(row.omitted),
            "forecast_commit": _money(row.forecast_commit),
            "forecast_best_case": _money(row.forecast_best_case),
            "quota": _money(row.quota),
            "attainment_pct": _pct(row.attainment),
            "coverage": _ratio(row.coverage),
            "coverage_needed": _ratio(r.coverage_needed),
        }
        for row in r.rows
    ]


def forecast_sections(r: ForecastResult) -> list[tuple[str, list[dict[str, Any]]]]:
    """(title, rows) of every section after the main table."""
    accuracy = [
        {"method": a.method, "periods": a.periods, "mape_pct": _pct(a.mape),
         "bias_pct": _pct(a.bias), "most_accurate": a.method == r.most_accurate}
        for a in r.accuracy
    ]  # fmt: skip
    scores = [
        {"period": s.period_label, "actual": _money(s.actual),
         "stage_weighted": _money(s.stage_weighted), "model_weighted": _money(s.model_weighted),
         "submitted": _money(s.submitted), "adjusted": _money(s.adjusted),
         "reps_submitted": s.submitted_reps, "reps_adjusted": s.adjusted_reps}
        for s in r.scores
    ]  # fmt: skip
    simulation = []
    if r.simulation is not None:
        s = r.simulation
        simulation.append(
            {"period": s.period_label, "p10": _money(s.p10), "p50": _money(s.p50),
             "p90": _money(s.p90), "already_won": _money(s.already_won),
             "open_deals": s.open_deals, "simulations": s.simulations, "seed": s.seed}
        )  # fmt: skip
    backtest = [
        {"period": b.period_label, "p10": _money(b.p10), "p50": _money(b.p50),
         "p90": _money(b.p90), "actual": _money(b.actual), "error_pct": _pct(b.error_pct),
         "within_p10_p90": b.within}
        for b in r.backtest
    ]  # fmt: skip
    stages = [
        {"pipeline": s.pipeline, "stage": s.stage, "configured_pct": _pct(s.configured),
         "measured_pct": _pct(s.measured), "closed_deals": s.deals, "drift": s.drift}
        for s in r.stages
    ]  # fmt: skip
    slipped = [
        {"period": s.period_label, "deal_id": s.deal_id, "deal": s.name, "stage": s.stage,
         "amount": _money(s.amount), "close_date_was": s.old_close.isoformat(),
         "close_date_now": s.new_close.isoformat()}
        for s in r.slipped
    ]  # fmt: skip
    waterfall = [
        {"step": w.step, "amount": _money(w.amount), "deals": w.deals} for w in r.waterfall
    ]
    return [
        ("accuracy", accuracy),
        ("forecast vs actual", scores),
        ("simulation", simulation),
        ("backtest", backtest),
        ("stages", stages),
        ("slipped deals", slipped),
        (f"waterfall {r.waterfall_period or ''}".strip(), waterfall),
    ]
