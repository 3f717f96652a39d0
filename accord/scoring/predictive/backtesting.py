"""Running a backtest: the model, its two baselines and the rule score, each fitted on the
training leads of a split (time-based, or k-fold) and scored on leads it never saw, with the
notes that say how the split and the sample were made."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from django.utils import timezone

from accord.core.errors import InvalidInput
from accord.scoring.predictive import backtest as bt
from accord.scoring.predictive.estimators import (
    CANDIDATE_LABELS,
    CANDIDATES,
    LOGISTIC,
    MODEL,
    NAIVE_BAYES,
    RULE,
    scorers_build,
    threads_for,
)
from accord.scoring.predictive.leaks import Suspect
from accord.scoring.predictive.train import (
    STORED_SCORE_NOTE,
    TrainingSample,
    TrainingSet,
    odds_shift,
    selection_of,
)


def _predict_all(
    data: TrainingSet,
    train: np.ndarray,
    test: np.ndarray,
    candidates: tuple[str, ...] = CANDIDATES,
) -> tuple[dict[str, np.ndarray], dict]:
    """Fit every scorer on ``train`` only (model selection included); score ``test``."""
    scorers = scorers_build(data.spec, len(train), candidates)
    X_train, y_train, X_test = data.X.iloc[train], data.y[train], data.X.iloc[test]
    out = {}
    with threads_for(len(train)):
        for name, scorer in scorers.items():
            scorer.fit(X_train, y_train)
            out[name] = odds_shift(scorer.predict_proba(X_test)[:, 1], data.odds_factor)
    out[RULE] = data.frame.rule_score[test]
    return out, selection_of(scorers[MODEL])


def _selection_note(selection: list[dict], candidates: tuple[str, ...]) -> str:
    chosen = [s.get("described") or s["chosen"] for s in selection]
    counts = ", ".join(f"{name} in {chosen.count(name)}" for name in dict.fromkeys(chosen))
    if len(candidates) == 1:
        return (
            f"Model: {CANDIDATE_LABELS[candidates[0]]}, forced (--model); "
            f"fitted on each training set: {counts} of {len(selection)}."
        )
    return (
        "Model: chosen on each training set by repeated stratified inner cross-validation "
        f"among {', '.join(candidates)} (the blend of the two best single candidates unless "
        "one beats it by more than one standard error), never looking at the held-out "
        f"leads; chosen: {counts} of {len(selection)}."
    )


def _suspects_note(suspects: list[Suspect]) -> str | None:
    excluded = [s.feature for s in suspects if s.excluded]
    kept = [s.feature for s in suspects if not s.excluded]
    if not suspects:
        return None
    parts = []
    if excluded:
        parts.append(f"left out as identifiers or leaks: {', '.join(excluded)}")
    if kept:
        parts.append(f"flagged but kept (--keep-feature): {', '.join(kept)}")
    return "Features " + "; ".join(parts) + "."


def _thinned(y_test: np.ndarray, sample: TrainingSample) -> np.ndarray:
    """Positions of the held-out leads to score: the class the sample kept whole is thinned to
    the other class's rate, so the held-out leads have the real won share again (capture,
    precision and Brier depend on it)."""
    if sample.odds_factor < 1:
        over, rate = 1, sample.rate_lost / sample.rate_won
    else:
        over, rate = 0, sample.rate_won / sample.rate_lost
    rng = np.random.default_rng(1)
    of_over = np.flatnonzero(y_test == over)
    kept = rng.choice(of_over, max(1, round(len(of_over) * rate)), replace=False)
    return np.sort(np.concatenate([np.flatnonzero(y_test != over), kept]))


def _sample_note(sample: TrainingSample) -> str:
    note = (
        f"Sample: {sample.closed:,} closed leads ({sample.won:,} won) are more than "
        f"{sample.max_rows:,}; trained and tested on a stratified sample of {sample.kept:,} "
        f"({sample.won_kept:,} won)"
    )
    if sample.odds_factor == 1.0:
        return note + "."
    return note + (
        ", the rare class kept whole; probabilities are corrected for that (odds x "
        f"{sample.odds_factor:.4g}) and the held-out leads thinned back to the real won share."
    )


def _time_split_usable(data: TrainingSet, cutoff: datetime | None) -> bool:
    naive = None
    if cutoff is not None:
        naive = timezone.make_naive(cutoff, UTC) if timezone.is_aware(cutoff) else cutoff
    train, test, _ = bt.time_split(data.frame.created, naive)
    return all(len(p) and len(np.unique(data.y[p])) == 2 for p in (train, test))


def _kfold_predictions(
    data: TrainingSet, folds: int, candidates: tuple[str, ...], selection: list[dict]
) -> tuple[np.ndarray, dict[str, np.ndarray], str, int, str]:
    """Every lead held out once: predictions pooled over ``folds`` stratified folds."""
    y = data.y
    if folds < 2 or folds > int(min((y == 1).sum(), (y == 0).sum())):
        raise InvalidInput(
            f"--folds must be between 2 and the number of leads in the smaller class "
            f"({int(min((y == 1).sum(), (y == 0).sum()))}).",
            field="folds",
        )
    pooled = {name: np.zeros(len(y)) for name in (MODEL, LOGISTIC, NAIVE_BAYES, RULE)}
    for train, test in bt.kfold_splits(y, folds):
        fold_predictions, chosen = _predict_all(data, train, test, candidates)
        selection.append(chosen)
        for name, scores in fold_predictions.items():
            pooled[name][test] = scores
    test_idx = np.arange(len(y))
    predictions = pooled
    split, n_train = "kfold", int(len(y) * (folds - 1) / folds)
    description = f"{folds}-fold stratified cross-validation (each lead held out once)"
    return test_idx, predictions, split, n_train, description


def _time_predictions(
    data: TrainingSet,
    cutoff: datetime | None,
    candidates: tuple[str, ...],
    selection: list[dict],
) -> tuple[np.ndarray, dict[str, np.ndarray], str, int, str]:
    """Trained on the leads created before the cutoff, tested on those created from then."""
    y = data.y
    naive_cutoff = None
    if cutoff is not None:
        naive_cutoff = timezone.make_naive(cutoff, UTC) if timezone.is_aware(cutoff) else cutoff
    train, test_idx, cut = bt.time_split(data.frame.created, naive_cutoff)
    for part, label in ((train, "before"), (test_idx, "from")):
        if len(part) == 0 or len(np.unique(y[part])) < 2:
            # Only `scoring backtest` gets here (training falls back to k-fold), so the
            # options named are its own.
            raise InvalidInput(
                f"The leads created {label} the cutoff {str(cut)[:10]} do not include "
                "both won and lost leads; choose another --cutoff or use --folds "
                "(options of `accord scoring backtest`).",
                field="cutoff",
            )
    predictions, chosen = _predict_all(data, train, test_idx, candidates)
    selection.append(chosen)
    split, n_train = "time", len(train)
    description = (
        f"time-based: trained on leads created before {str(cut)[:10]}, "
        "tested on leads created from then on"
    )
    return test_idx, predictions, split, n_train, description


def backtest_run(
    data: TrainingSet,
    *,
    cutoff: datetime | None = None,
    folds: int | None = None,
    candidates: tuple[str, ...] = CANDIDATES,
    fallback_folds: bool = False,
) -> bt.BacktestReport:
    """Model, baselines and rule score on the same held-out leads (time split by default).

    ``fallback_folds``: when no time split has both classes on both sides (e.g. every lead
    imported with one creation date), cross-validate instead of refusing — what training
    does, since ``accord scoring train`` has no split options to offer.
    """
    y = data.y
    notes = [data.frame.rule_note or STORED_SCORE_NOTE]
    selection: list[dict] = []
    if not folds and fallback_folds and not _time_split_usable(data, cutoff):
        folds = int(min(5, (y == 1).sum(), (y == 0).sum()))
        notes.append(
            "No time split has won and lost leads on both sides (do the leads share one "
            f"creation date?): {folds}-fold cross-validation instead."
        )
    if folds:
        test_idx, predictions, split, n_train, description = _kfold_predictions(
            data, folds, candidates, selection
        )
    else:
        test_idx, predictions, split, n_train, description = _time_predictions(
            data, cutoff, candidates, selection
        )
    if data.sample is not None:
        notes.append(_sample_note(data.sample))
        if data.odds_factor != 1.0:
            kept = _thinned(y[test_idx], data.sample)
            test_idx = test_idx[kept]
            predictions = {name: scores[kept] for name, scores in predictions.items()}
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
        notes=[
            *notes,
            _selection_note(selection, tuple(candidates)),
            *filter(None, [_suspects_note(data.suspects)]),
        ],
        selection=selection,
    )
