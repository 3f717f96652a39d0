"""The naive-Bayes baseline's maths and the backtest metrics, on inputs computed by hand."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from accord.scoring.predictive import backtest as bt
from accord.scoring.predictive.naive_bayes import OdooNaiveBayes


def test_naive_bayes_matches_a_hand_computed_example():
    # 4 won, 6 lost. Field "source": ads -> 3 won / 1 lost; seo -> 1 won / 5 lost.
    X = pd.DataFrame({"source": ["ads"] * 4 + ["seo"] * 6, "rare": ["x"] + [None] * 9})
    y = [1, 1, 1, 0, 1, 0, 0, 0, 0, 0]
    model = OdooNaiveBayes(min_value_count=2).fit(X, y)
    p = model.predict_proba(pd.DataFrame({"source": ["ads", "seo", "tv"], "rare": ["x"] * 3}))
    # Smoothed (+0.1): P(ads|won) = 3.1/4.2, P(ads|lost) = 1.1/6.2; prior P(won) = 0.4.
    won, lost = 0.4 * 3.1 / 4.2, 0.6 * 1.1 / 6.2
    assert p[0, 1] == pytest.approx(won / (won + lost))
    won, lost = 0.4 * 1.1 / 4.2, 0.6 * 5.1 / 6.2
    assert p[1, 1] == pytest.approx(won / (won + lost))
    # An unseen value and a value seen once (< min_value_count) are ignored: the prior is left.
    assert p[2, 1] == pytest.approx(0.4)
    assert "rare" not in model.tables_


def test_naive_bayes_keeps_probabilities_off_zero_and_one():
    X = pd.DataFrame({f"f{i}": ["a"] * 60 + ["b"] * 60 for i in range(40)})
    y = [1] * 60 + [0] * 60
    p = OdooNaiveBayes().fit(X, y).predict_proba(X)[:, 1]
    assert p.max() == pytest.approx(0.99) and p.min() == pytest.approx(0.01)


def test_naive_bayes_bins_continuous_numbers():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    y = (x > 0).astype(int)
    model = OdooNaiveBayes(numeric=("x",), min_value_count=10).fit(pd.DataFrame({"x": x}), y)
    assert len(model.bin_edges_["x"]) == 9
    p = model.predict_proba(pd.DataFrame({"x": [-2.0, 2.0, np.nan]}))[:, 1]
    assert p[0] < 0.2 < 0.8 < p[1] and p[2] == pytest.approx(y.mean())


def test_perfect_ranking_scores_one_and_captures_every_win():
    y = np.array([1] * 10 + [0] * 90)
    scores = np.linspace(1, 0, 100)
    m = bt.scorer_metrics("perfect", y, scores)
    assert m.auc == 1.0 and m.pr_auc == pytest.approx(1.0)
    assert m.capture_top10 == 1.0 and m.capture_top20 == 1.0
    assert m.lift_by_decile[0] == pytest.approx(10.0) and sum(m.lift_by_decile[1:]) == 0


def test_reversed_ranking_and_rule_points_and_brier():
    y = np.array([1] * 10 + [0] * 90)
    m = bt.scorer_metrics("worst", y, np.linspace(0, 1, 100))
    assert m.auc == 0.0 and m.capture_top20 == 0.0
    points = bt.scorer_metrics("rule", y, np.where(y == 1, 80, 10), is_probability=False)
    assert points.auc == 1.0 and points.brier is None and points.calibration == []
    constant = bt.scorer_metrics("half", [0, 1], [0.5, 0.5])
    assert constant.brier == pytest.approx(0.25) and constant.auc == 0.5


def test_ties_are_not_broken_by_input_order():
    # Every lead has the same score: whichever order they come in, top 20% finds ~20% of wins.
    y = np.array([1] * 50 + [0] * 450)
    first = bt.capture_at(y, np.zeros(500), 0.2)
    assert 0.1 < first < 0.3


def test_calibration_curve_compares_predicted_and_observed():
    rng = np.random.default_rng(1)
    p = rng.random(5000)
    y = (rng.random(5000) < p).astype(int)
    m = bt.scorer_metrics("calibrated", y, p)
    assert len(m.calibration) == 10
    assert all(abs(pred - obs) < 0.06 for pred, obs in m.calibration)


def test_time_split_defaults_to_the_newest_fifth():
    created = np.array([datetime(2025, 1, d) for d in range(1, 11)], dtype="datetime64[us]")
    train, test, cutoff = bt.time_split(created, None)
    assert list(test) == [8, 9] and len(train) == 8 and str(cutoff)[:10] == "2025-01-09"
    train, test, _ = bt.time_split(created, datetime(2025, 1, 6))
    assert list(test) == [5, 6, 7, 8, 9]
    assert not math.isnan(len(train))
