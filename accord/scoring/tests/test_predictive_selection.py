"""Model selection by inner cross-validation, and the backtest's rule score as of the snapshot."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from accord.contacts.models import Lead
from accord.scoring.models import ScoringProfile
from accord.scoring.predictive.backtesting import backtest_run
from accord.scoring.predictive.estimators import (
    BLEND,
    BOOSTING_SHALLOW,
    CANDIDATES,
    LOGISTIC_CANDIDATE,
    InnerCVSelected,
    calibration_method,
    raw_model,
)
from accord.scoring.predictive.explain import reasons_compute, references
from accord.scoring.predictive.features import FeatureConfig
from accord.scoring.predictive.registry import scoring_model_train
from accord.scoring.predictive.train import (
    RULE_SCORE_NOTE,
    training_frame,
    training_set,
)
from accord.scoring.tests.predictive_support import history_create
from accord.tracking.models import Touchpoint, TouchType

pytestmark = pytest.mark.django_db
CONFIG = FeatureConfig(snapshot_days=7)


def test_the_model_is_chosen_on_the_training_folds_only():
    history_create(n=240)
    data = training_set(training_frame(config=CONFIG))
    report = backtest_run(data, folds=3)
    assert len(report.selection) == 3
    for fold in report.selection:
        assert fold["chosen"] in CANDIDATES and set(fold["candidates"]) == set(CANDIDATES)
        # Inner CV saw the fold's 160 training leads, never all 240 (the held-out 80 included).
        assert {m["leads"] for m in fold["candidates"].values()} == {160}
        best = max(fold["candidates"].values(), key=lambda m: m["auc"])
        # The one-standard-error rule: the chosen one is within one SE of the best mean.
        assert fold["candidates"][fold["chosen"]]["auc"] >= best["auc"] - best["auc_se"]
        assert fold["reason"] and fold["estimate"]["auc_low"] <= fold["estimate"]["auc_high"]
    assert any("inner cross-validation" in note for note in report.notes)


def test_the_registry_records_which_candidate_was_chosen_and_why():
    history_create(n=200)
    profile = ScoringProfile.objects.get(is_active=True)
    model = scoring_model_train(profile=profile, config=CONFIG)
    selection = model.metrics["selection"]
    assert selection["chosen"] in CANDIDATES and selection["calibration"] == "sigmoid"
    assert set(selection["candidates"]) == set(CANDIDATES)
    assert all(0 <= m["auc"] <= 1 for m in selection["candidates"].values())
    assert model.algorithm and model.algorithm.endswith("sigmoid")
    assert model.metrics["backtest"]["selection"][0]["chosen"] in CANDIDATES


@pytest.mark.parametrize("candidate", [BOOSTING_SHALLOW, LOGISTIC_CANDIDATE, BLEND])
def test_reasons_work_whichever_candidate_is_chosen(candidate):
    history_create(n=200)
    data = training_set(training_frame(config=CONFIG))
    model = InnerCVSelected(data.spec, candidates=(candidate,)).fit(data.X, data.y)
    # One candidate: no contest, but still its cross-validated figure.
    assert model.chosen_ == candidate and set(model.selection_) <= {candidate, *CANDIDATES}
    assert model.estimate_["auc"] == model.selection_[candidate]["auc"]
    assert "forced" in model.reason_
    refs = references(data.X, data.spec)
    reasons = reasons_compute(raw_model(model), data.X, ["lead.prop.plan"], refs)
    plans = data.X["lead.prop.plan"].tolist()
    effect = {"pro": [], "trial": [], "basic": []}
    for found, plan in zip(reasons, plans, strict=True):
        if found:
            effect[plan].append(found[0]["effect"])
    pro, trial = effect["pro"], effect["trial"]
    # "pro" wins more in the synthetic history: it pushes up, "trial" down.
    assert pro and trial and min(pro) > 0 > max(trial)
    probabilities = model.predict_proba(data.X)[:, 1]
    assert ((probabilities > 0) & (probabilities < 1)).all()


def test_isotonic_calibration_only_with_plenty_of_both_classes():
    assert calibration_method(np.array([1] * 348 + [0] * 5474)) == "sigmoid"
    assert calibration_method(np.array([1] * 1000 + [0] * 1000)) == "isotonic"


def _touch(lead: Lead, days: float, kind: str = TouchType.WEBINAR) -> None:
    Touchpoint.objects.create(
        contact=lead.contact, lead=lead, type=kind, at=lead.created_at + timedelta(days=days)
    )


def test_backtest_rule_score_is_computed_as_of_the_snapshot():
    history_create(n=120)
    before = training_frame(config=CONFIG)
    assert before.rule_note == RULE_SCORE_NOTE
    # The default profile's "Webinar" rule scores the webinars of the first hours.
    assert before.rule_score.max() > 0
    report_before = backtest_run(training_set(before), folds=3)

    # After the snapshot: a webinar for every won lead, and a stored score that gives the
    # outcome away. Neither may reach the backtest's rule score.
    won = list(Lead.objects.filter(stage="customer").select_related("contact"))
    for lead in won:
        _touch(lead, days=20)
    Lead.objects.filter(stage="customer").update(score=100)
    after = training_frame(config=CONFIG)
    np.testing.assert_array_equal(before.rule_score, after.rule_score)
    report_after = backtest_run(training_set(after), folds=3)
    rule = {s.name: s for s in report_after.scorers}["rule"]
    assert rule.auc == {s.name: s for s in report_before.scorers}["rule"].auc

    # The same touch before the snapshot does count: the column really reads touches.
    positions = {int(i): n for n, i in enumerate(before.lead_ids)}
    lead = min(won, key=lambda w: before.rule_score[positions[w.pk]])  # furthest from a cap
    position = positions[lead.pk]
    _touch(lead, days=1)
    moved = training_frame(config=CONFIG)
    assert moved.rule_score[position] > before.rule_score[position]
