"""Training, the registry and scoring open leads, through the services and the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from accord.contacts.models import Lead
from accord.core.errors import InvalidInput
from accord.scoring.commands import scoring
from accord.scoring.models import LeadPrediction, ScoringModel, ScoringProfile
from accord.scoring.predictive.features import FeatureConfig
from accord.scoring.predictive.registry import (
    bundle_load,
    predictions_refresh,
    scoring_model_activate,
    scoring_model_train,
)
from accord.scoring.tests.predictive_support import history_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile():
    return ScoringProfile.objects.get(is_active=True)


def test_fewer_than_50_outcomes_is_refused_and_nothing_saved(profile):
    history_create(n=49, open_leads=30)
    with pytest.raises(InvalidInput) as error:
        scoring_model_train(profile=profile, config=FeatureConfig())
    assert error.value.field == "outcomes" and "at least 50" in error.value.message
    assert "found 49" in error.value.message
    assert not ScoringModel.objects.exists()


def test_one_class_is_refused_and_nothing_saved(profile):
    history_create(n=80)
    Lead.objects.update(stage="customer")
    with pytest.raises(InvalidInput, match="All 80 leads with an outcome are won"):
        scoring_model_train(profile=profile, config=FeatureConfig())
    assert not ScoringModel.objects.exists()


def test_one_active_model_per_profile(profile, admin_user):
    history_create(n=150)
    first = scoring_model_train(profile=profile, config=FeatureConfig(), activate=True)
    second = scoring_model_train(profile=profile, config=FeatureConfig())
    assert (first.version, second.version) == (1, 2)
    assert first.is_active and not second.is_active
    scoring_model_activate(model=second, actor=admin_user)
    active = ScoringModel.objects.filter(profile=profile, is_active=True)
    assert list(active) == [second] and active[0].activated_by == admin_user
    assert second.n_training == 150 and second.training_from < second.training_to
    assert {f["name"] for f in second.features} >= {"lead.prop.plan", "touch.type.webinar"}
    assert {s["name"] for s in second.metrics["backtest"]["scorers"]} == {
        "model",
        "logistic",
        "naive_bayes",
        "rule",
    }


def test_a_tampered_artefact_is_refused(profile):
    history_create(n=100)
    model = scoring_model_train(profile=profile, config=FeatureConfig())
    ScoringModel.objects.filter(pk=model.pk).update(artefact=b"not what was signed")
    model.refresh_from_db()
    with pytest.raises(InvalidInput, match="signature"):
        bundle_load(model)


def test_open_leads_get_probabilities_and_reasons(profile):
    history_create(n=200, open_leads=20)
    model = scoring_model_train(profile=profile, config=FeatureConfig(), activate=True)
    assert predictions_refresh() == 20
    predictions = list(LeadPrediction.objects.select_related("lead"))
    assert len(predictions) == 20 and all(p.lead.is_open for p in predictions)
    assert all(0 < p.probability < 1 and p.model_id == model.pk for p in predictions)
    reasons = [r for p in predictions for r in p.reasons]
    assert reasons and {"feature", "label", "value", "effect"} <= set(reasons[0])
    pro = [p.probability for p in predictions if p.lead.properties["plan"] == "pro"]
    trial = [p.probability for p in predictions if p.lead.properties["plan"] == "trial"]
    assert sum(pro) / len(pro) > sum(trial) / len(trial)


def test_train_backtest_and_predict_through_the_cli(profile):
    history_create(n=200, open_leads=10)
    runner = CliRunner()
    trained = runner.invoke(scoring, ["train", "--activate"])
    assert trained.exit_code == 0, trained.output
    assert "Trained model v1" in trained.output and "naive Bayes (Odoo)" in trained.output
    folds = runner.invoke(scoring, ["backtest", "--folds", "3", "--format", "json"])
    assert folds.exit_code == 0, folds.output
    report = json.loads(folds.output)
    assert report["split"] == "kfold" and report["n_test"] == 200
    assert {s["name"] for s in report["scorers"]} == {"model", "logistic", "naive_bayes", "rule"}
    timed = runner.invoke(scoring, ["backtest", "--cutoff", "2025-07-01"])
    assert timed.exit_code == 0 and "before 2025-07-01" in timed.output
    predicted = runner.invoke(scoring, ["predict"])
    assert predicted.exit_code == 0 and "Scored 10 open leads" in predicted.output
    assert LeadPrediction.objects.count() == 10


def test_cli_refuses_too_few_outcomes():
    history_create(n=10)
    result = CliRunner().invoke(scoring, ["train"])
    assert isinstance(result.exception, InvalidInput)
    assert not ScoringModel.objects.exists()
