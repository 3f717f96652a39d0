"""How good each forecasting method was, and when a stage's probability has drifted: pure.

A method's forecast of a past period is compared with the amount actually won in it:
``error = forecast - actual`` (positive: it promised too much), the absolute percentage
error ``|error| / actual``, and over several periods the **bias** ``Σ error / Σ actual``
(+0.20: 20 % too optimistic on the whole) and the mean absolute percentage error (MAPE) over
the periods that won something. The team trusts the method with the smallest MAPE, and
reads the bias to know which way the others lean.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: A stage's measured win probability drifts when it differs from the configured one by more
#: than this (absolute, 0.10 = ten percentage points) ...
DRIFT_TOLERANCE = 0.10
#: ... measured on at least this many closed deals that passed through the stage.
DRIFT_MIN_DEALS = 30

#: The forecasting methods compared, in the order the report shows them.
STAGE_WEIGHTED = "stage_weighted"
MODEL_WEIGHTED = "model_weighted"
SUBMITTED = "submitted"
ADJUSTED = "adjusted"
METHODS = (STAGE_WEIGHTED, MODEL_WEIGHTED, SUBMITTED, ADJUSTED)


@dataclass(frozen=True)
class PeriodOutcome:
    """One method's forecast of one past period beside what was won."""

    forecast: float | None
    actual: float

    @property
    def error(self) -> float | None:
        return None if self.forecast is None else self.forecast - self.actual

    @property
    def abs_pct_error(self) -> float | None:
        if self.forecast is None or not self.actual:
            return None
        return abs(self.forecast - self.actual) / self.actual


@dataclass(frozen=True)
class MethodAccuracy:
    method: str
    periods: int
    mape: float | None
    bias: float | None


def method_accuracy(method: str, outcomes: Sequence[PeriodOutcome]) -> MethodAccuracy:
    scored = [o for o in outcomes if o.forecast is not None]
    errors = [o.abs_pct_error for o in scored if o.abs_pct_error is not None]
    actual = sum(o.actual for o in scored)
    bias = sum(o.error or 0.0 for o in scored) / actual if scored and actual else None
    return MethodAccuracy(
        method=method,
        periods=len(scored),
        mape=sum(errors) / len(errors) if errors else None,
        bias=bias,
    )


def most_accurate(accuracies: Sequence[MethodAccuracy]) -> str | None:
    """The method with the smallest MAPE (None when no method has one)."""
    ranked = [a for a in accuracies if a.mape is not None]
    return min(ranked, key=lambda a: (a.mape, METHODS.index(a.method))).method if ranked else None


def drifted(measured: float | None, configured: float, deals: int) -> bool:
    """Whether a stage's measured win probability has drifted from its configured one."""
    if measured is None or deals < DRIFT_MIN_DEALS:
        return False
    return abs(measured - configured) > DRIFT_TOLERANCE


def coverage_needed(win_rate: float | None) -> float | None:
    """The pipeline-to-target coverage a team needs: 1 ÷ its measured win rate."""
    return 1 / win_rate if win_rate else None
