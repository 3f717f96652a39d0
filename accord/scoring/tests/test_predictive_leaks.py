"""Identifiers and leaks are found before training and left out unless kept (issue 17)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from accord.scoring.predictive.features import CATEGORICAL, NUMERIC, FeatureSpec
from accord.scoring.predictive.leaks import (
    IDENTIFIER,
    LATE_FILL,
    MONOTONE_ID,
    OUTCOME_PREDICTOR,
    creation_order,
    identifiers,
    late_fills,
    monotone_ids,
    outcome_predictors,
    single_feature_auc,
    suspects_find,
)

N = 600


def _history(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    plan = rng.choice(["pro", "basic", "trial"], N)
    visits = rng.poisson(3, N).astype(float)
    logit = 0.3 * visits - 1.0 + np.where(plan == "pro", 1.0, 0.0)
    y = (rng.random(N) < 1 / (1 + np.exp(-logit))).astype(int)
    X = pd.DataFrame(
        {
            "plan": pd.Series(plan, dtype=object),
            "visits": visits,
            # Revenue in whole euros: nearly unique integers, but unrelated to creation order.
            "revenue": rng.integers(1_000, 10_000_000, N).astype(float),
        }
    )
    return X, y


SPEC = FeatureSpec((("plan", CATEGORICAL), ("visits", NUMERIC), ("revenue", NUMERIC)))


def test_a_category_with_one_lead_per_value_is_an_identifier():
    X, _ = _history()
    X["crm_id"] = pd.Series([f"00Q{i:06d}" for i in range(N)], dtype=object)
    spec = FeatureSpec((*SPEC.columns, ("crm_id", CATEGORICAL)))
    found = identifiers(X, spec)
    assert [(s.feature, s.reason) for s in found] == [("crm_id", IDENTIFIER)]
    assert "600 distinct values in 600 leads" in found[0].detail


def test_a_whole_number_rising_with_creation_order_is_a_monotone_id():
    X, _ = _history()
    rng = np.random.default_rng(1)
    # A record number: rises with creation order, with gaps and a few out-of-order imports.
    record = np.cumsum(rng.integers(1, 5, N)).astype(float)
    swap = rng.choice(N, 30, replace=False)
    record[swap] = record[swap[::-1]]
    X["record_no"] = record
    X["score_float"] = np.linspace(0, 1, N) + rng.normal(0, 1e-3, N)  # monotone, not integers
    spec = FeatureSpec((*SPEC.columns, ("record_no", NUMERIC), ("score_float", NUMERIC)))
    found = monotone_ids(X, spec, order=np.arange(N))
    # Revenue is near-unique whole numbers too, but not in creation order: a quantity.
    assert [(s.feature, s.reason) for s in found] == [("record_no", MONOTONE_ID)]
    assert "rising with creation order" in found[0].detail


def test_a_column_that_alone_predicts_the_outcome_is_a_leak():
    X, y = _history()
    rng = np.random.default_rng(2)
    X["gift"] = np.where(y == 1, rng.lognormal(3, 1, N), 0.0)  # only donors have a gift
    X["reason_lost"] = pd.Series(
        np.where(y == 0, rng.choice(["price", "timing"], N), None), dtype=object
    )
    spec = FeatureSpec((*SPEC.columns, ("gift", NUMERIC), ("reason_lost", CATEGORICAL)))
    found = outcome_predictors(X, spec, y)
    assert {(s.feature, s.reason) for s in found} == {
        ("gift", OUTCOME_PREDICTOR),
        ("reason_lost", OUTCOME_PREDICTOR),
    }
    # The real signals are useful but far from perfect on their own: kept.
    assert 0.55 < single_feature_auc(pd.factorize(X["plan"])[0], y) < 0.95


def test_a_column_filled_on_closed_leads_but_not_open_ones_was_filled_late():
    X, y = _history()
    rng = np.random.default_rng(3)
    # Filled for 70% of won leads and 10% of lost: missing-ness alone is a weak-ish signal.
    X["contract_type"] = pd.Series(
        np.where(rng.random(N) < np.where(y == 1, 0.7, 0.1), "annual", None), dtype=object
    )
    open_X, _ = _history(seed=9)
    open_X = open_X.iloc[:100].copy()
    open_X["contract_type"] = pd.Series([None] * 98 + ["annual"] * 2, dtype=object)
    spec = FeatureSpec((*SPEC.columns, ("contract_type", CATEGORICAL)))
    found = late_fills(X, spec, y, open_X)
    assert [(s.feature, s.reason) for s in found] == [("contract_type", LATE_FILL)]
    assert "of open ones" in found[0].detail
    # Without open leads to compare with, nothing is judged.
    assert late_fills(X, spec, y, None) == []


def test_suspects_are_excluded_unless_kept_and_real_features_are_not_suspects():
    X, y = _history()
    X["crm_id"] = pd.Series([f"id{i}" for i in range(N)], dtype=object)
    X["gift"] = y * 10.0
    spec = FeatureSpec((*SPEC.columns, ("crm_id", CATEGORICAL), ("gift", NUMERIC)))
    found = suspects_find(X=X, spec=spec, y=y, order=np.arange(N), keep=("gift",))
    by_name = {s.feature: s for s in found}
    assert set(by_name) == {"crm_id", "gift"}
    assert by_name["crm_id"].excluded and not by_name["gift"].excluded


def test_creation_order_sorts_by_time_then_id():
    created = np.array(["2025-01-03", "2025-01-01", "2025-01-01"], dtype="datetime64[us]")
    assert creation_order(created, np.array([1, 3, 2])).tolist() == [2, 1, 0]
