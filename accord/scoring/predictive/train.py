"""Training data, the backtest run and the trained bundle (no registry writes here).

``training_frame`` reads closed leads (won: customer; lost: disqualified or lost) with their
features as of the snapshot; ``training_check`` refuses too little or one-sided data before
anything is fitted; ``backtest_run`` fits the model and both baselines on the same training
leads and scores the same held-out leads, with the rule score alongside; ``bundle_fit`` fits
the model on every closed lead and packs what scoring needs (spec, references, explained
features) into one picklable dict.

The model is chosen inside each fit (``estimators.InnerCVSelected``) by inner cross-validation
on that fit's training leads only, so a backtest's held-out leads never influence which
candidate scores them. The rule score of a backtest is recomputed as of each lead's snapshot
(``rule_scores_as_of``), like the features, so the rules get no more hindsight than the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from django.utils import timezone

from accord.contacts.models import Lead
from accord.core.errors import InvalidInput
from accord.scoring import rules, selectors
from accord.scoring.predictive import backtest as bt
from accord.scoring.predictive.estimators import (
    CANDIDATES,
    INNER_FOLDS,
    LOGISTIC,
    MODEL,
    NAIVE_BAYES,
    RULE,
    raw_model,
    scorers_build,
    threads_for,
)
from accord.scoring.predictive.explain import explain_features_choose, references
from accord.scoring.predictive.features import (
    LOST_STAGES,
    WON_STAGES,
    FeatureConfig,
    FeatureSpec,
    LeadFrame,
    lead_frame,
    spec_apply,
    spec_infer,
)

MIN_OUTCOMES = 50
BUNDLE_FORMAT = 1
RULE_SCORE_NOTE = (
    "Rule score: the profile's rules applied as of each lead's snapshot (touches up to the "
    "snapshot, decayed to it; properties as stored), not the lead's current score."
)
STORED_SCORE_NOTE = (
    "Rule score: each lead's current stored score (lead.score), which may have seen "
    "engagement after the snapshot."
)
NO_PROFILE_NOTE = "Rule score: there is no active scoring profile, so every lead scores 0."
_RULE_CHUNK = 5000


@dataclass
class TrainingSet:
    frame: LeadFrame
    spec: FeatureSpec
    X: pd.DataFrame
    y: np.ndarray


def training_frame(
    *,
    config: FeatureConfig,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    profile: rules.Profile | None = None,
) -> LeadFrame:
    """Closed leads' features as of their snapshots, with the rule score as of then too.

    ``profile`` scores the rule column (default: the active profile; none: zeros).
    """
    leads = Lead.objects.filter(stage__in=[*WON_STAGES, *LOST_STAGES])
    if since:
        leads = leads.filter(created_at__gte=since)
    if until:
        leads = leads.filter(created_at__lt=until)
    now = now or timezone.now()
    frame = lead_frame(leads, config=config, now=now)
    if profile is None:
        active = selectors.active_profile()
        profile = active.profile if active else None
    frame.rule_score = rule_scores_as_of(
        frame.lead_ids, frame.created, profile, snapshot_days=config.snapshot_days, now=now
    )
    frame.rule_note = RULE_SCORE_NOTE if profile is not None else NO_PROFILE_NOTE
    return frame


def rule_scores_as_of(
    lead_ids: np.ndarray,
    created: np.ndarray,
    profile: rules.Profile | None,
    *,
    snapshot_days: float,
    now: datetime,
) -> np.ndarray:
    """Each lead's rule score as of its snapshot (creation + N days, never after ``now``).

    The pure rules of ``scoring.rules`` see only the touches dated at or before the snapshot,
    decayed as seen from the snapshot; properties carry no history and are taken as stored
    (as for the model's features). Zero for every lead when there is no profile.
    """
    scores = np.zeros(len(lead_ids))
    if profile is None or not len(lead_ids):
        return scores
    classifier = rules.TouchClassifier(profile)
    now_naive = timezone.make_naive(now, UTC) if timezone.is_aware(now) else now
    latest = np.datetime64(now_naive, "us")
    offset = np.timedelta64(int(snapshot_days * 86_400 * 1e6), "us")
    snapshots = np.minimum(created.astype("datetime64[us]") + offset, latest)
    for start in range(0, len(lead_ids), _RULE_CHUNK):
        chunk = [int(i) for i in lead_ids[start : start + _RULE_CHUNK]]
        facts = {lead.lead_id: lead.facts for lead in selectors.facts_by_lead(chunk, profile)}
        touches = selectors.touches_by_lead(chunk)
        for offset_in_chunk, lead_id in enumerate(chunk):
            position = start + offset_in_chunk
            snapshot = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
                microseconds=int(snapshots[position].astype(np.int64))
            )
            seen = [t for t in touches.get(lead_id, ()) if t.at <= snapshot]
            breakdown = rules.breakdown_compute(
                profile,
                facts=facts.get(lead_id, {}),
                touches=seen,
                now=snapshot,
                classifier=classifier,
            )
            scores[position] = breakdown.score
    return scores


def training_check(y: np.ndarray) -> None:
    """Refuse, with a message a person can act on, data a model cannot honestly learn from."""
    won = int((y == 1).sum())
    lost = int((y == 0).sum())
    if won + lost < MIN_OUTCOMES:
        raise InvalidInput(
            f"Training needs at least {MIN_OUTCOMES} leads with a known outcome (won or "
            f"lost/disqualified); found {won + lost} ({won} won, {lost} lost). Nothing was "
            "trained or saved.",
            field="outcomes",
        )
    if won == 0 or lost == 0:
        only = "won" if lost == 0 else "lost"
        raise InvalidInput(
            f"All {won + lost} leads with an outcome are {only}; a model needs both won and "
            "lost leads to learn the difference. Nothing was trained or saved.",
            field="outcomes",
        )


def training_set(frame: LeadFrame) -> TrainingSet:
    closed = frame.outcome >= 0
    y = frame.outcome[closed].astype(int)
    training_check(y)
    raw = frame.features.loc[closed].reset_index(drop=True)
    spec = spec_infer(raw)
    if not spec.columns:
        raise InvalidInput("The leads have no features to learn from.", field="features")
    kept = LeadFrame(
        frame.lead_ids[closed],
        frame.created[closed],
        frame.outcome[closed],
        frame.rule_score[closed],
        raw,
        frame.rule_note,
    )
    return TrainingSet(kept, spec, spec_apply(raw, spec), y)


def selection_of(model) -> dict:
    """Which candidate a fitted model chose and why (its inner-CV figures)."""
    return {
        "chosen": model.chosen_,
        "calibration": model.calibration_,
        "candidates": model.selection_,
    }


def _predict_all(
    data: TrainingSet, train: np.ndarray, test: np.ndarray
) -> tuple[dict[str, np.ndarray], dict]:
    """Fit every scorer on ``train`` only (model selection included); score ``test``."""
    scorers = scorers_build(data.spec, len(train))
    X_train, y_train, X_test = data.X.iloc[train], data.y[train], data.X.iloc[test]
    out = {}
    with threads_for(len(train)):
        for name, scorer in scorers.items():
            scorer.fit(X_train, y_train)
            out[name] = scorer.predict_proba(X_test)[:, 1]
    out[RULE] = data.frame.rule_score[test]
    return out, selection_of(scorers[MODEL])


def _selection_note(selection: list[dict]) -> str:
    chosen = [s["chosen"] for s in selection]
    counts = ", ".join(f"{name} in {chosen.count(name)}" for name in dict.fromkeys(chosen))
    return (
        f"Model: chosen on each training set by {INNER_FOLDS}-fold inner cross-validation "
        f"(best mean AUC) among {', '.join(CANDIDATES)}, never looking at the held-out "
        f"leads; chosen: {counts} of {len(selection)}."
    )


def backtest_run(
    data: TrainingSet, *, cutoff: datetime | None = None, folds: int | None = None
) -> bt.BacktestReport:
    """Model, baselines and rule score on the same held-out leads (time split by default)."""
    y = data.y
    notes = [data.frame.rule_note or STORED_SCORE_NOTE]
    selection: list[dict] = []
    if folds:
        if folds < 2 or folds > int(min((y == 1).sum(), (y == 0).sum())):
            raise InvalidInput(
                f"--folds must be between 2 and the number of leads in the smaller class "
                f"({int(min((y == 1).sum(), (y == 0).sum()))}).",
                field="folds",
            )
        pooled = {name: np.zeros(len(y)) for name in (MODEL, LOGISTIC, NAIVE_BAYES, RULE)}
        for train, test in bt.kfold_splits(y, folds):
            fold_predictions, chosen = _predict_all(data, train, test)
            selection.append(chosen)
            for name, scores in fold_predictions.items():
                pooled[name][test] = scores
        test_idx = np.arange(len(y))
        predictions = pooled
        split, n_train = "kfold", int(len(y) * (folds - 1) / folds)
        description = f"{folds}-fold stratified cross-validation (each lead held out once)"
    else:
        naive_cutoff = None
        if cutoff is not None:
            naive_cutoff = timezone.make_naive(cutoff, UTC) if timezone.is_aware(cutoff) else cutoff
        train, test_idx, cut = bt.time_split(data.frame.created, naive_cutoff)
        for part, label in ((train, "before"), (test_idx, "from")):
            if len(part) == 0 or len(np.unique(y[part])) < 2:
                raise InvalidInput(
                    f"The leads created {label} the cutoff {str(cut)[:10]} do not include "
                    "both won and lost leads; choose another --cutoff or use --folds.",
                    field="cutoff",
                )
        predictions, chosen = _predict_all(data, train, test_idx)
        selection.append(chosen)
        split, n_train = "time", len(train)
        description = (
            f"time-based: trained on leads created before {str(cut)[:10]}, "
            "tested on leads created from then on"
        )
    y_test = y[test_idx]
    scorers = [
        bt.scorer_metrics(name, y_test, predictions[name], is_probability=name != RULE)
        for name in (MODEL, LOGISTIC, NAIVE_BAYES, RULE)
    ]
    return bt.BacktestReport(
        split=split,
        description=description,
        n_train=n_train,
        n_test=len(test_idx),
        n_test_won=int(y_test.sum()),
        scorers=scorers,
        notes=[*notes, _selection_note(selection)],
        selection=selection,
    )


def bundle_fit(data: TrainingSet, config: FeatureConfig) -> dict:
    """Fit the model on every closed lead; return what scoring an open lead needs."""
    model = scorers_build(data.spec, len(data.y))[MODEL]
    with threads_for(len(data.y)):
        model.fit(data.X, data.y)
        refs = references(data.X, data.spec)
        explained = explain_features_choose(raw_model(model), data.X, data.spec, refs)
    return {
        "format": BUNDLE_FORMAT,
        "estimator": model,
        "algorithm": model.describe(),
        "selection": selection_of(model),
        "spec": data.spec,
        "config": config.as_dict(),
        "references": refs,
        "explain_features": explained,
    }
