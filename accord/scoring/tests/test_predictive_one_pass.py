"""Scoring's one pass: the log-odds the reasons are computed from give the model's own
probability, bit for bit, whatever candidate and calibration were chosen."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV

from accord.scoring.predictive.estimators import (
    BLEND,
    BOOSTING_DEEP,
    BOOSTING_SHALLOW,
    LOGISTIC_CANDIDATE,
    InnerCVSelected,
    candidate_build,
    raw_model,
    won_from_log_odds,
)
from accord.scoring.predictive.explain import columns_encoded, log_odds_and_effects, references
from accord.scoring.tests.predictive_support import SYNTHETIC_SPEC as SPEC
from accord.scoring.tests.predictive_support import frame_synthetic


@pytest.mark.parametrize("candidate", [BOOSTING_SHALLOW, BOOSTING_DEEP, LOGISTIC_CANDIDATE, BLEND])
@pytest.mark.parametrize(("n", "calibration"), [(400, "sigmoid"), (2600, "isotonic")])
def test_probability_from_the_reasons_pass_equals_predict_proba(candidate, n, calibration):
    X, y = frame_synthetic(n, seed=n)
    model = InnerCVSelected(SPEC, candidates=(candidate,)).fit(X, y)
    assert model.calibration_ == calibration
    model.odds_factor_ = 0.3  # as after training on a sample: the correction applies too
    scored, _ = frame_synthetic(500, seed=7)
    scored.loc[::9, "plan"] = "enterprise"  # a category the model never saw
    raw = raw_model(model)
    log_odds, effects = log_odds_and_effects(raw, scored, ["visits", "plan"], references(X, SPEC))
    assert np.array_equal(log_odds, raw.decision_function(scored))
    assert effects.shape == (500, 2) and np.abs(effects).max() > 0
    won = won_from_log_odds(model, log_odds)
    assert np.array_equal(won, model.predict_proba(scored)[:, 1])
    if candidate in (BOOSTING_SHALLOW, BOOSTING_DEEP):  # the boosting encoder, on distinct values
        columns = raw.named_steps["columns"]
        assert np.array_equal(
            columns_encoded(columns, scored), columns.transform(scored), equal_nan=True
        )
    # No explained features: still the model's log-odds.
    alone, none = log_odds_and_effects(raw, scored, [], {})
    assert np.array_equal(alone, log_odds) and none.shape == (500, 0)


def test_other_model_shapes_fall_back_to_predict_proba():
    X, y = frame_synthetic(400, seed=1)
    ensemble = CalibratedClassifierCV(candidate_build(BOOSTING_SHALLOW, SPEC, 400), cv=3)
    ensemble.fit(X, y)  # one calibrated classifier per fold: no single log-odds to calibrate
    assert won_from_log_odds(ensemble, np.zeros(len(X))) is None


def test_binned_trees_reach_the_same_leaves_for_unseen_and_odd_values():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from accord.scoring.predictive.explain import _tree_effects

    rng = np.random.default_rng(3)
    n = 3000
    code = rng.choice([0.0, 2.0, 5.0], n)  # a category with codes 0, 2 and 5, or missing
    code[::5] = np.nan
    amount = rng.normal(0, 1, n)
    amount[::13] = np.nan
    # Code 2 wins, the others and missing lose: an unseen code 1, which the binner would put
    # in code 2's bin, must go the way of missing values as the float trees send it.
    y = ((code == 2) ^ (rng.random(n) < 0.1) | (amount > 1.5)).astype(int)
    booster = HistGradientBoostingClassifier(
        max_iter=40, max_leaf_nodes=6, categorical_features=[True, False], random_state=0
    ).fit(np.column_stack([code, amount]), y)
    # Unseen and negative codes, missing values, values beyond every threshold, and values
    # exactly on split thresholds.
    thresholds = np.concatenate([booster._bin_mapper.bin_thresholds_[1]])
    odd = np.column_stack(
        [
            np.r_[[1.0, 7.0, -1.0, np.nan, 2.0], rng.choice([0.0, 2.0, 5.0], len(thresholds))],
            np.r_[[1e9, -1e9, 0.1, np.nan, np.inf], thresholds],
        ]
    )
    Z = np.vstack([odd, np.column_stack([code[:200], amount[:200]])])
    found = _tree_effects(booster, Z, np.array([0.0, 0.0]), [0, 1])
    assert found is not None
    log_odds, effects = found
    assert np.array_equal(log_odds, booster.decision_function(Z))
    assert np.abs(effects).max() > 0
