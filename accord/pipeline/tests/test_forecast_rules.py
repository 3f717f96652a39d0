"""Pure forecast rules: periods, accuracy and bias, drift, the seeded simulation."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from accord.core.errors import InvalidInput
from accord.pipeline.forecast.accuracy import (
    PeriodOutcome,
    coverage_needed,
    drifted,
    method_accuracy,
)
from accord.pipeline.forecast.periods import (
    period_end,
    period_label,
    period_start,
    period_start_check,
    periods_between,
    week_start,
)
from accord.pipeline.forecast.simulation import (
    OpenDeals,
    StageBehaviour,
    close_within,
    forecast_simulate,
    simulate_won,
)


def test_periods():
    assert period_start(date(2026, 5, 15), "quarter") == date(2026, 4, 1)
    assert period_end(date(2026, 10, 1), "quarter") == date(2026, 12, 31)
    assert period_end(date(2026, 2, 1), "month") == date(2026, 2, 28)
    assert periods_between(date(2026, 2, 10), date(2026, 7, 1), "quarter") == [
        date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1)]  # fmt: skip
    assert period_label(date(2026, 4, 1), "quarter") == "2026-Q2"
    assert week_start(date(2026, 5, 15)) == date(2026, 5, 11)
    with pytest.raises(InvalidInput) as caught:
        period_start_check(date(2026, 5, 1), "quarter")
    assert caught.value.field == "period_start"


def test_accuracy_and_bias():
    outcomes = [PeriodOutcome(120, 100), PeriodOutcome(90, 100), PeriodOutcome(None, 50)]
    acc = method_accuracy("submitted", outcomes)
    assert acc.periods == 2
    assert acc.mape == pytest.approx(0.15)  # (20% + 10%) / 2
    assert acc.bias == pytest.approx(0.05)  # (+20 - 10) / 200
    assert coverage_needed(0.25) == 4


def test_drift_needs_a_gap_and_enough_deals():
    assert drifted(0.40, 0.20, 30)
    assert not drifted(0.40, 0.20, 29)  # too few deals
    assert not drifted(0.29, 0.20, 500)  # within ten points
    assert not drifted(None, 0.20, 500)


def test_close_within_conditions_on_age():
    days = np.array([10.0, 20.0, 30.0, 40.0])
    # A new deal: 2 of 4 won deals closed within 20 days; 25 days in: both of those longer
    # than 25 (30, 40) close within 20 more; older than all: as a new one.
    assert close_within(days, np.array([0.0, 25.0, 100.0]), 20).tolist() == [0.5, 1.0, 0.5]
    # 25 days in: of those longer than 25 (30, 40), one closes within 10 more.
    assert close_within(days, np.array([25.0]), 10).tolist() == [0.5]


def test_simulation_is_deterministic_and_ordered():
    deals = OpenDeals.of([(1000.0, "1:proposal", 5.0), (5000.0, "1:negotiation", 1.0),
                          (300.0, "1:qualification", 40.0)] * 50)  # fmt: skip
    stages = {
        "1:proposal": StageBehaviour(0.5, [10, 30, 60]),
        "1:negotiation": StageBehaviour(0.8, [5, 12]),
        "1:qualification": StageBehaviour(0.1, [60, 90, 120]),
    }
    first = forecast_simulate(deals, stages, horizon_days=45, already_won=2000, seed=3)
    again = forecast_simulate(deals, stages, horizon_days=45, already_won=2000, seed=3)
    other = forecast_simulate(deals, stages, horizon_days=45, already_won=2000, seed=4)
    assert (first.p10, first.p50, first.p90) == (again.p10, again.p50, again.p90)
    assert (first.p10, first.p50, first.p90) != (other.p10, other.p50, other.p90)
    assert 2000 <= first.p10 <= first.p50 <= first.p90


def test_many_deals_use_the_normal_tail_and_keep_the_mean():
    rng = np.random.default_rng(1)
    amounts = rng.uniform(100, 1000, 20_000)
    q = np.full(20_000, 0.3)
    result = simulate_won(amounts, q, seed=1)
    assert result.p10 <= result.p50 <= result.p90
    assert result.mean == pytest.approx(float(amounts.sum() * 0.3), rel=0.01)
