"""Predictive scoring at scale: the bulk reasons and writer equal the per-lead path, and
training on a sample above ``SCORING_TRAIN_MAX_ROWS`` is recorded and corrected."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest

from accord.contacts.models import Lead
from accord.scoring.models import LeadPrediction, ScoringProfile
from accord.scoring.predictive.estimators import raw_model
from accord.scoring.predictive.explain import (
    _effects,
    effects_swapped,
    reasons_compute,
    reasons_json,
)
from accord.scoring.predictive.features import FeatureConfig, lead_frame, spec_apply
from accord.scoring.predictive.registry import (
    bundle_load,
    predictions_refresh,
    scoring_model_train,
)
from accord.scoring.predictive.train import odds_shift, sample_closed
from accord.scoring.tests.predictive_support import history_create

pytestmark = pytest.mark.django_db
NOW = datetime(2025, 10, 1, tzinfo=UTC)


@pytest.fixture
def profile():
    return ScoringProfile.objects.get(is_active=True)


def _reference(bundle, leads):
    """Probabilities and reasons of the per-lead path, on one frame of all the leads."""
    frame = lead_frame(leads, config=FeatureConfig.from_dict(bundle["config"]), now=NOW)
    X = spec_apply(frame.features, bundle["spec"])
    probabilities = bundle["estimator"].predict_proba(X)[:, 1]
    reasons = reasons_compute(
        raw_model(bundle["estimator"]), X, bundle["explain_features"], bundle["references"]
    )
    return frame.lead_ids, probabilities, reasons, X


def test_bulk_reasons_equal_the_swap_by_swap_reasons(profile):
    history_create(n=300, open_leads=80, seed=3)
    model = scoring_model_train(profile=profile, config=FeatureConfig(), now=NOW)
    bundle = bundle_load(model)
    _, _, expected, X = _reference(bundle, Lead.objects.filter(is_open=True))
    names, refs = bundle["explain_features"], bundle["references"]
    raw = raw_model(bundle["estimator"])
    # Equal up to the order of a float sum (trees summed per feature, not per model).
    assert names and np.allclose(
        _effects(raw, X, names, refs), effects_swapped(raw, X, names, refs), rtol=0, atol=1e-9
    )
    got = [json.loads(text) for text in reasons_json(raw, X, names, refs)]
    assert got == expected and any(expected)
    # Fewer reasons per side: the same prefix of ups and of downs.
    assert [json.loads(t) for t in reasons_json(raw, X, names, refs, per_side=1)] == (
        reasons_compute(raw, X, names, refs, per_side=1)
    )


def test_chunked_refresh_stores_the_per_lead_results_and_drops_closed_leads(profile):
    history_create(n=300, open_leads=45, seed=4)
    model = scoring_model_train(profile=profile, config=FeatureConfig(), now=NOW, activate=True)
    bundle = bundle_load(model)
    ids, probabilities, reasons, _ = _reference(bundle, Lead.objects.filter(is_open=True))
    assert predictions_refresh(now=NOW) == 45  # one chunk: exactly the per-lead results
    stored = {p.lead_id: p for p in LeadPrediction.objects.all()}
    assert sorted(stored) == ids.tolist()
    for lead_id, p, r in zip(ids.tolist(), probabilities.tolist(), reasons, strict=True):
        assert stored[lead_id].probability == p and stored[lead_id].reasons == r
        assert stored[lead_id].model_id == model.pk and stored[lead_id].scored_at == NOW
    # Chunks of 7 leads: the touch counts a chunk lacks are 0, as in the single frame. A
    # linear model's matrix product may differ in the last bit with the batch size, which
    # can only change which of two reasons of equal rounded effect is listed: compare effects.
    assert predictions_refresh(now=NOW, chunk=7) == 45
    for lead_id, p, r in zip(ids.tolist(), probabilities.tolist(), reasons, strict=True):
        again = LeadPrediction.objects.get(lead_id=lead_id)
        assert again.probability == pytest.approx(p, rel=1e-12)
        assert _effects_of(again.reasons) == _effects_of(r)

    closed = int(ids[0])
    Lead.objects.filter(pk=closed).update(is_open=False, stage="lost")
    later = datetime(2025, 10, 2, tzinfo=UTC)
    assert predictions_refresh(now=later, chunk=20) == 44
    stored = LeadPrediction.objects.all()
    assert stored.count() == 44 and not stored.filter(lead_id=closed).exists()
    assert set(stored.values_list("scored_at", flat=True)) == {later}


def _effects_of(reasons: list[dict]) -> list[float]:
    return sorted(r["effect"] for r in reasons)


def test_a_sample_keeps_a_rare_class_whole_and_corrects_the_odds():
    ids = np.arange(10, 1010, dtype=np.int64)
    outcome = np.zeros(1000, dtype=np.int8)
    outcome[::25] = 1  # 40 won of 1,000
    kept, sample = sample_closed(ids, outcome, 200)
    assert len(kept) == 200 and np.all(np.diff(kept) > 0) and np.isin(kept, ids).all()
    won_kept = np.isin(ids[outcome == 1], kept)
    assert won_kept.all() and sample.won_kept == 40 and sample.whole_class
    # 160 of 960 lost kept: the sample's odds of winning are 6x the real ones.
    assert sample.odds_factor == pytest.approx((160 / 960) / 1.0)
    real = np.array([0.1, 0.5])
    inflated = odds_shift(real, 1 / sample.odds_factor)
    assert odds_shift(inflated, sample.odds_factor) == pytest.approx(real)
    # Common classes: the same rate for both, no correction; at or below the cap: no sample.
    outcome[:] = 0
    outcome[::2] = 1
    kept, sample = sample_closed(ids, outcome, 200)
    assert sample.won_kept == 100 and not sample.whole_class and sample.odds_factor == 1.0
    assert sample_closed(ids, outcome, 1000) == (ids, None)


def test_training_above_the_cap_reads_and_records_a_sample(profile, settings):
    history_create(n=400, open_leads=10, seed=5)
    whole = scoring_model_train(profile=profile, config=FeatureConfig(), now=NOW)
    assert whole.metrics["sample"] is None and whole.n_training == 400
    settings.SCORING_TRAIN_MAX_ROWS = 250
    sampled = scoring_model_train(profile=profile, config=FeatureConfig(), now=NOW)
    record = sampled.metrics["sample"]
    assert sampled.n_training == 250 and record["sampled_leads"] == 250
    assert record["closed_leads"] == 400 and record["max_rows"] == 250
    assert record["sampled_won"] == sampled.n_won
    notes = " ".join(sampled.metrics["backtest"]["notes"])
    assert "stratified sample of 250" in notes
    # The baselines were fitted and tested on the same sample as the model.
    assert sampled.metrics["backtest"]["n_train"] + sampled.metrics["backtest"]["n_test"] <= 250


@pytest.mark.django_db(False)
def test_tree_effects_equal_whole_model_swaps_for_a_histogram_booster():
    import pandas as pd

    from accord.scoring.predictive.estimators import BOOSTING_SHALLOW, candidate_build
    from accord.scoring.predictive.explain import _booster_parts, _tree_effects, references
    from accord.scoring.predictive.features import CATEGORICAL, NUMERIC, FeatureSpec

    rng = np.random.default_rng(5)
    n = 600
    X = pd.DataFrame(
        {
            "touch.count": rng.poisson(4, n).astype(float),
            "account.employees": rng.choice([np.nan, 10.0, 200.0, 5000.0], n),
            "contact.job_title": rng.choice(["ceo", "cto", "intern", None], n).astype(object),
            "lead.source_channel": rng.choice(["email", "direct", "paid-search"], n),
        }
    )
    y = ((X["touch.count"] > 4) ^ (X["contact.job_title"] == "intern")).to_numpy().astype(int)
    spec = FeatureSpec(
        columns=(
            ("touch.count", NUMERIC),
            ("account.employees", NUMERIC),
            ("contact.job_title", CATEGORICAL),
            ("lead.source_channel", CATEGORICAL),
        )
    )
    model = candidate_build(BOOSTING_SHALLOW, spec, n).fit(X, y)
    refs = references(X, spec)
    names = list(spec.names)
    columns, booster, position = _booster_parts(model)
    Z = np.asarray(columns.transform(X), dtype=float)
    reference = X.iloc[:1].copy()
    for name in names:
        reference[name] = pd.Series([refs[name]], index=reference.index, dtype=X[name].dtype)
    Z_ref = np.asarray(columns.transform(reference), dtype=float)[0]
    from_trees = _tree_effects(booster, Z, Z_ref, [position[name] for name in names])
    assert from_trees is not None  # the booster's trees were used, not the fallback
    log_odds, fast = from_trees
    expected = effects_swapped(model, X, names, refs)
    assert np.abs(expected).max() > 0.1  # the swaps move the log-odds
    assert np.allclose(fast, expected, rtol=0, atol=1e-9)
    # The trees' sum is the booster's own log-odds, bit for bit (the probability reuses it).
    assert np.array_equal(log_odds, model.decision_function(X))


@pytest.mark.django_db(False)
@pytest.mark.parametrize(
    "column",
    [
        np.array([3, 1, 3, 7], dtype=np.int64),
        np.array([0.125, np.nan, 2.0, 0.125]),
        np.array(["ceo", None, "cto", "ceo", np.nan], dtype=object),
        np.array([True, False, True]),
    ],
)
def test_encoded_values_write_what_json_writes_of_each_displayed_value(column):
    from accord.scoring.predictive.explain import _display, _encoded_values

    expected = [json.dumps(_display(value)) for value in column.tolist()]
    assert _encoded_values(column) == expected


@pytest.mark.django_db(transaction=True)
def test_refresh_by_two_processes_stores_what_one_process_stores():
    from accord.scoring import profiles
    from accord.scoring.tests.support import spec

    profiles.profile_save(spec=spec())
    profile = ScoringProfile.objects.get(is_active=True)
    history_create(n=300, open_leads=45, seed=6)
    scoring_model_train(profile=profile, config=FeatureConfig(), now=NOW, activate=True)
    assert predictions_refresh(now=NOW, chunk=10, workers=1) == 45
    alone = {p.lead_id: (p.probability, p.reasons) for p in LeadPrediction.objects.all()}
    later = datetime(2025, 10, 2, tzinfo=UTC)
    # Five chunks over two spawned processes; this process writes them in order.
    assert predictions_refresh(now=later, chunk=10, workers=2) == 45
    stored = LeadPrediction.objects.all()
    assert set(stored.values_list("scored_at", flat=True)) == {later}
    together = {p.lead_id: (p.probability, p.reasons) for p in stored}
    assert together.keys() == alone.keys()
    for lead_id, (probability, reasons) in alone.items():
        assert together[lead_id][0] == pytest.approx(probability, rel=1e-12)
        assert _effects_of(together[lead_id][1]) == _effects_of(reasons)
