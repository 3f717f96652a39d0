"""The forecast runner on the hand-built team of ``forecast_support`` (numbers counted there)."""

from __future__ import annotations

from datetime import date

import pytest

from accord.analytics.filters import ReportFilters
from accord.analytics.runners.forecast import ForecastQuery, ForecastRunner
from accord.analytics.sync import analytics_sync
from accord.pipeline.tests.forecast_support import NOW, forecast_team_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(duckdb_file):
    seeded = forecast_team_seed()
    analytics_sync()
    return seeded


def run(**options):
    filters = options.pop("filters", ReportFilters(start=date(2026, 1, 1), end=date(2026, 6, 30)))
    return ForecastRunner(ForecastQuery(filters, now=NOW, **options)).run()


def rows_by(result):
    return {(r.period_label, r.label): r for r in result.rows}


def test_weighted_and_category_forecast_per_rep(team):
    result = run()
    rows = rows_by(result)
    ann, bob = rows[("2026-Q2", "ann")], rows[("2026-Q2", "bob")]
    # ann: D1 proposal 1000 (best case, 0.5), D2 negotiation 2000 (commit, 0.75), D3 won 3000.
    assert (ann.open_deals, ann.open_amount, ann.stage_weighted) == (2, 3000, 2000)
    assert (ann.closed, ann.commit, ann.best_case, ann.pipeline, ann.omitted) == (
        3000, 2000, 1000, 0, 0)  # fmt: skip
    assert (ann.forecast_commit, ann.forecast_best_case) == (5000, 6000)
    # bob: D4 qualification 4000 called commit (0.10), D6 discovery 800 omitted (0.20).
    assert (bob.open_deals, bob.open_amount, bob.stage_weighted) == (2, 4800, 560)
    assert (bob.closed, bob.commit, bob.best_case, bob.pipeline, bob.omitted) == (
        0, 4000, 0, 0, 800)  # fmt: skip
    assert ann.model_weighted is None and not result.model_active
    # Quota and attainment; coverage of what is left of the quota.
    assert (ann.quota, ann.attainment) == (10000, 0.3)
    assert ann.coverage == pytest.approx(3000 / 7000)
    assert bob.coverage == pytest.approx(4000 / 5000)
    # Won 3000 + 1000 against lost 500 + 2000 in the last year: 1 / (4000 / 6500).
    assert result.win_rate == pytest.approx(4000 / 6500)
    assert result.coverage_needed == pytest.approx(6500 / 4000)
    assert ann.coverage_ok is False


def test_forecast_vs_actual_of_a_past_quarter(team):
    result = run()
    (q1,) = result.scores
    assert q1.period_label == "2026-Q1"
    assert q1.actual == 1000  # D7
    # At 01-01: D7 qualification 1000 x 0.10 + D8 negotiation 2000 x 0.75, both closing in Q1.
    assert q1.stage_weighted == pytest.approx(1600)
    assert (q1.submitted, q1.adjusted, q1.adjusted_reps) == (2300, 1300, 1)
    accuracy = {a.method: a for a in result.accuracy}
    assert accuracy["stage_weighted"].mape == pytest.approx(0.6)
    assert accuracy["submitted"].bias == pytest.approx(1.3)
    assert accuracy["adjusted"].mape == pytest.approx(0.3)
    assert accuracy["model_weighted"].periods == 0
    assert result.most_accurate == "adjusted"


def test_slipped_deals(team):
    slipped = {(s.period_label, s.name): (s.old_close, s.new_close) for s in run().slipped}
    assert slipped == {
        ("2026-Q1", "D3"): (date(2026, 3, 25), date(2026, 4, 20)),
        ("2026-Q1", "D6"): (date(2026, 3, 31), date(2026, 6, 1)),
        ("2026-Q1", "D8"): (date(2026, 3, 20), date(2026, 5, 10)),
    }


def test_waterfall_of_the_quarter(team):
    result = run()
    steps = {w.step: (w.amount, w.deals) for w in result.waterfall}
    assert result.waterfall_period == "2026-Q2"
    assert steps == {
        "start": (7500, 4),  # D2, D3, D5, D8
        "new": (5000, 2),  # D1, D4
        "moved_in": (800, 1),  # D6 (closing 03-31 on April 1st)
        "moved_out": (0, 0),
        "won": (3000, 1),  # D3
        "lost": (2500, 2),  # D5, D8
        "changed": (0, 0),
        "end": (7800, 4),  # D1, D2, D4, D6
    }


def test_measured_stage_probability_beside_the_configured_one(team):
    stages = {s.stage: s for s in run().stages}
    # Closed deals through each stage: D7 won (qualification, proposal), D3 won (proposal),
    # D5 lost (discovery), D8 lost (qualification, negotiation).
    assert (stages["proposal"].measured, stages["proposal"].deals) == (1.0, 2)
    assert (stages["qualification"].measured, stages["qualification"].deals) == (0.5, 2)
    assert (stages["negotiation"].measured, stages["negotiation"].configured) == (0.0, 0.75)
    assert not any(s.drift for s in stages.values())  # too few deals to say


def test_simulation_is_seeded_and_ordered(team):
    first, again = run(seed=7), run(seed=7)
    sim = first.simulation
    assert sim is not None and sim.period_label == "2026-Q2"
    assert (sim.p10, sim.p50, sim.p90) == (
        again.simulation.p10, again.simulation.p50, again.simulation.p90)  # fmt: skip
    assert sim.already_won <= sim.p10 <= sim.p50 <= sim.p90
    assert sim.already_won == 3000
    for row in first.backtest:
        assert row.p10 <= row.p50 <= row.p90


def test_a_rep_reads_only_their_own(team):
    result = run(scope_user_id=team["ann"].pk)
    assert {r.label for r in result.rows} == {"ann"}
    assert {s.name for s in result.slipped} == {"D3"}
    assert result.scores[0].submitted == 800


def test_group_by_team_sums_quotas(team):
    rows = rows_by(run(group_by="team"))
    north = rows[("2026-Q2", "North")]
    assert (north.quota, north.closed, north.open_amount) == (15000, 3000, 7800)
