"""The backtest page: model, baselines and rule score side by side on the same leads."""

from __future__ import annotations

import json
import math

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.scoring.models import ScoringModel
from accord.ui.predictive_charts import calibration_figure_json, lift_figure_json

SCORER_LABELS = {
    "model": _("Predictive model"),
    "logistic": _("Logistic regression"),
    "naive_bayes": _("Naive Bayes (Odoo)"),
    "rule": _("Rule score"),
}
SUSPECT_REASONS = {
    "identifier": _("Identifier (about one lead per value)"),
    "monotone_id": _("Record number (rises with creation order)"),
    "predicts_outcome": _("Predicts the outcome alone (leak)"),
    "filled_late": _("Filled after the snapshot"),
}
CANDIDATE_NAMES = {
    "blend": _("Blend of the two best"),
    "logistic_l2": _("Logistic regression (splines, one-hot)"),
    "boosting_shallow": _("Gradient boosting, 4 leaves"),
    "boosting_deep": _("Gradient boosting, 15 leaves"),
}
AXIS = {
    "perfect": _("Perfectly calibrated"),
    "predicted": _("Predicted probability"),
    "observed": _("Observed win rate"),
    "decile": _("Decile (best-scored first)"),
    "lift": _("Lift (times the average win rate)"),
}


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3f}"


def _rows(report: dict) -> list[dict]:
    return [
        {
            "label": SCORER_LABELS.get(s["name"], s["name"]),
            "is_model": s["name"] == "model",
            "auc": _number(s["auc"]),
            "pr_auc": _number(s["pr_auc"]),
            "brier": _number(s["brier"]),
            "top10": f"{s['capture_top10']:.0%}",
            "top20": f"{s['capture_top20']:.0%}",
        }
        for s in report["scorers"]
    ]


def _candidates(selection: dict) -> list[dict]:
    chosen = selection.get("chosen")
    return [
        {
            "label": CANDIDATE_NAMES.get(name, name),
            "is_chosen": name == chosen,
            "auc": _number(figures.get("auc")),
            "auc_se": _number(figures.get("auc_se")),
            "top20": f"{figures.get('capture_top20', 0):.0%}",
        }
        for name, figures in (selection.get("candidates") or {}).items()
    ]


def _suspects(suspects: list[dict]) -> list[dict]:
    return [
        {
            "feature": s.get("feature", ""),
            "reason": SUSPECT_REASONS.get(str(s.get("reason", "")), s.get("reason", "")),
            "detail": s.get("detail", ""),
            "excluded": bool(s.get("excluded", True)),
        }
        for s in suspects
    ]


def _estimate(selection: dict) -> dict | None:
    estimate = selection.get("estimate") or {}
    if not estimate:
        return None
    return {
        "auc": _number(estimate.get("auc")),
        "low": _number(estimate.get("auc_low")),
        "high": _number(estimate.get("auc_high")),
        "folds": estimate.get("folds"),
        "repeats": estimate.get("repeats"),
        "leads": estimate.get("leads"),
        "won": estimate.get("won"),
        "few": bool(estimate.get("few_positives")),
    }


@login_required
def backtest_page(request: PageRequest) -> HttpResponse:
    policy.page_require(request.user, "predictive")
    models = list(ScoringModel.objects.select_related("profile").order_by("-created_at")[:50])
    chosen = None
    wanted = request.GET.get("model", "")
    if wanted.isdigit():
        chosen = next((m for m in models if m.pk == int(wanted)), None)
    chosen = (
        chosen or next((m for m in models if m.is_active), None) or (models[0] if models else None)
    )
    context: dict = {"models": models, "chosen": chosen}
    if chosen is not None:
        report = chosen.metrics.get("backtest", {})
        scorers = report.get("scorers", [])
        selection = chosen.metrics.get("selection") or {}
        context |= {
            "selection": selection,
            "candidates": _candidates(selection),
            "estimate": _estimate(selection),
            "suspects": _suspects(chosen.metrics.get("suspects") or []),
            "report": report,
            "rows": _rows(report),
            "calibration_figure": json.loads(calibration_figure_json(scorers, SCORER_LABELS, AXIS)),
            "lift_figure": json.loads(lift_figure_json(scorers, SCORER_LABELS, AXIS)),
        }
    return render(request, "scoring/predictive_backtest.html", context)
