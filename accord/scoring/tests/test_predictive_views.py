"""The backtest page: who may see it, and what it shows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accord.scoring.models import ScoringProfile
from accord.scoring.predictive.features import FeatureConfig
from accord.scoring.predictive.registry import scoring_model_train
from accord.scoring.tests.predictive_support import history_create

pytestmark = [pytest.mark.django_db, pytest.mark.urls("accord.scoring.tests.predictive_urls")]


@pytest.fixture
def trained():
    history_create(n=150)
    profile = ScoringProfile.objects.get(is_active=True)
    return scoring_model_train(profile=profile, config=FeatureConfig(), activate=True)


@pytest.mark.parametrize("role_user", ["admin_user", "manager_user", "marketing_user"])
def test_page_shows_scorers_side_by_side_with_charts(client, request, role_user, trained):
    client.force_login(request.getfixturevalue(role_user))
    response = client.get(reverse("predictive:backtest"))
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("Predictive model", "Logistic regression", "Naive Bayes (Odoo)", "Rule score"):
        assert label in html
    auc = trained.metrics["backtest"]["scorers"][0]["auc"]
    assert f"{auc:.3f}" in html
    calibration = response.context["calibration_figure"]
    assert len(calibration["data"]) == 4  # diagonal + three probabilistic scorers
    assert 'data-plotly-figure="lift-figure"' in html and 'id="lift-figure"' in html


def test_page_without_a_model_says_how_to_train(client, admin_user):
    client.force_login(admin_user)
    response = client.get(reverse("predictive:backtest"))
    assert response.status_code == 200 and "accord scoring train" in response.content.decode()


def test_anonymous_is_sent_to_login_and_sales_is_refused(client, sales_user):
    url = reverse("predictive:backtest")
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(sales_user)
    assert client.get(url).status_code == 403
