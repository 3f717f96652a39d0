"""Issue 17 §2: robust model choice, honest figures, leaks left out, tie-free probabilities."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner
from django.urls import reverse
from scipy.stats import spearmanr

from accord.contacts.models import Lead
from accord.core.lifecycle import Stage
from accord.scoring.commands import scoring
from accord.scoring.models import ScoringModel
from accord.scoring.predictive.estimators import (
    BLEND,
    BOOSTING_SHALLOW,
    LOGISTIC_CANDIDATE,
    InnerCVSelected,
    inner_folds,
    raw_model,
    selection_choose,
)
from accord.scoring.tests.predictive_support import SYNTHETIC_SPEC as SPEC
from accord.scoring.tests.predictive_support import frame_synthetic, history_create


def test_isotonic_calibration_no_longer_collapses_the_ranking_into_ties():
    X, y = frame_synthetic(2600, seed=5)
    model = InnerCVSelected(SPEC, candidates=(BOOSTING_SHALLOW,)).fit(X, y)
    assert model.calibration_ == "isotonic"
    scored, _ = frame_synthetic(1850, seed=6)
    raw = raw_model(model).decision_function(scored)
    probabilities = model.predict_proba(scored)[:, 1]
    # As many distinct probabilities as distinct raw scores, in the same order.
    assert len(np.unique(probabilities)) == len(np.unique(raw))
    assert spearmanr(raw, probabilities).statistic == pytest.approx(1.0)
    assert ((probabilities > 0) & (probabilities < 1)).all()
    # Still calibrated: the tie-breaker moves a probability by at most 2e-4.
    steps = model.calibrated_.calibrated_classifiers_[0].calibrators[0].isotonic.predict(raw)
    assert np.abs(probabilities - steps).max() <= 2e-4 + 1e-12


def test_one_standard_error_rule_prefers_the_blend_unless_clearly_beaten():
    close = {
        BLEND: {"auc": 0.74, "auc_se": 0.01},
        LOGISTIC_CANDIDATE: {"auc": 0.745, "auc_se": 0.01},
        BOOSTING_SHALLOW: {"auc": 0.70, "auc_se": 0.01},
    }
    assert selection_choose(close) == BLEND
    clear = {**close, BOOSTING_SHALLOW: {"auc": 0.80, "auc_se": 0.01}}
    assert selection_choose(clear) == BOOSTING_SHALLOW


def test_inner_folds_never_outnumber_the_few_positives_and_repeat_when_few():
    assert inner_folds(np.array([1] * 3 + [0] * 500)) == (3, 2)
    assert inner_folds(np.array([1] * 348 + [0] * 5474)) == (5, 2)
    assert inner_folds(np.array([1] * 5000 + [0] * 5000)) == (5, 1)


def _with_leaks(open_leads: int = 40) -> None:
    """The synthetic history plus a record number and a field sales fills on won deals."""
    history_create(n=200, open_leads=open_leads)
    for i, lead in enumerate(Lead.objects.order_by("created_at", "id")):
        props = dict(lead.properties)
        props["record_no"] = 1000 + 3 * i
        if lead.stage == Stage.CUSTOMER:
            props["contract_no"] = f"C-{i}"
        lead.properties = props
        lead.save(update_fields=["properties"])


@pytest.mark.django_db
@pytest.mark.urls("accord.scoring.tests.predictive_urls")
def test_train_leaves_out_identifiers_and_leaks_and_the_page_says_why(client, admin_user):
    _with_leaks()
    result = CliRunner().invoke(scoring, ["train", "--activate"])
    assert result.exit_code == 0, result.output
    model = ScoringModel.objects.get()
    used = {f["name"] for f in model.features}
    assert "lead.prop.record_no" not in used and "lead.prop.contract_no" not in used
    assert "lead.prop.plan" in used
    reasons = {s["feature"]: s["reason"] for s in model.metrics["suspects"]}
    assert reasons["lead.prop.record_no"] == "monotone_id"
    # Filled on won leads only: an identifier, a leak and filled late all at once; one entry.
    assert reasons["lead.prop.contract_no"] in {"identifier", "predicts_outcome", "filled_late"}
    assert "Left out: lead.prop.record_no (monotone_id)" in result.output
    # The printout describes the model that was saved, its CV figure and the warning.
    assert f"Saved model: {model.algorithm}." in result.output
    assert "Cross-validated AUC of the saved model" in result.output
    assert "95% interval" in result.output
    assert "Warning: only" in result.output  # fewer than 100 won leads
    selection = model.metrics["selection"]
    assert selection["reason"] and selection["estimate"]["auc_low"] <= selection["estimate"]["auc"]
    client.force_login(admin_user)
    html = client.get(reverse("predictive:backtest")).content.decode()
    assert 'id="suspects-table"' in html and "lead.prop.record_no" in html
    assert "Record number (rises with creation order)" in html
    assert selection["reason"] in html and 'id="few-outcomes"' in html
    assert 'id="candidates-table"' in html


@pytest.mark.django_db
def test_keep_feature_overrides_the_detector(settings):
    _with_leaks(open_leads=0)
    result = CliRunner().invoke(
        scoring, ["train", "--keep-feature", "lead.prop.record_no", "--model", "logistic_l2"]
    )
    assert result.exit_code == 0, result.output
    model = ScoringModel.objects.get()
    assert "lead.prop.record_no" in {f["name"] for f in model.features}
    kept = [s for s in model.metrics["suspects"] if s["feature"] == "lead.prop.record_no"]
    assert kept and kept[0]["excluded"] is False
    assert "Kept (--keep-feature): lead.prop.record_no" in result.output
    # --model forced the candidate, and the record says so.
    assert model.metrics["selection"]["chosen"] == LOGISTIC_CANDIDATE
    assert "forced" in model.metrics["selection"]["reason"]
    assert model.algorithm.startswith("logistic regression")
    # The setting keeps it too.
    settings.SCORING_KEEP_FEATURES = ["lead.prop.record_no"]
    again = CliRunner().invoke(scoring, ["train", "--model", "boosting_shallow"])
    assert again.exit_code == 0, again.output
    latest = ScoringModel.objects.order_by("-version").first()
    assert "lead.prop.record_no" in {f["name"] for f in latest.features}


@pytest.mark.django_db
def test_train_with_one_creation_date_cross_validates_instead_of_naming_missing_options():
    history_create(n=120)
    first = Lead.objects.order_by("created_at").first().created_at
    Lead.objects.update(created_at=first)  # an import without a creation-date column
    result = CliRunner().invoke(scoring, ["train", "--model", "logistic_l2"])
    assert result.exit_code == 0, result.output
    assert "cross-validation instead" in result.output
    assert "--cutoff" not in result.output and "--folds" not in result.output
    # `scoring backtest`, which has those options, still names them when a cutoff fails.
    backtest = CliRunner().invoke(scoring, ["backtest", "--model", "logistic_l2"])
    assert backtest.exit_code != 0
    assert "--cutoff" in str(backtest.exception) and "scoring backtest" in str(backtest.exception)


@pytest.mark.django_db
def test_an_unknown_model_is_refused_naming_the_choices():
    history_create(n=60)
    result = CliRunner().invoke(scoring, ["train", "--model", "forest"])
    assert result.exit_code == 2 and "--model" in result.output and "blend" in result.output
    assert not ScoringModel.objects.exists()


def test_the_cli_model_choices_are_the_estimators_candidates():
    from accord.scoring.predictive import commands
    from accord.scoring.predictive.estimators import CANDIDATES

    assert set(commands._CANDIDATES) == set(CANDIDATES)
