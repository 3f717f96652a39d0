"""The three scorers trained in every run: the chosen model and its two baselines.

* ``model``: chosen per training set by ``InnerCVSelected`` among a few candidates — two
  regularised histogram gradient boostings (scikit-learn; shallow and deeper trees, early
  stopping on an inner validation split) and a regularised logistic regression — by inner
  cross-validation on the training leads only, then calibrated so that its output reads as a
  probability (sigmoid, or isotonic once both classes have ``ISOTONIC_MIN_CLASS`` leads);
* ``logistic``: logistic regression on scaled numbers and one-hot categories;
* ``naive_bayes``: the Odoo CRM kind (see ``naive_bayes``).

All take the typed frame of ``features.spec_apply`` and give P(won) from ``predict_proba``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from accord.scoring.predictive.backtest import capture_at, roc_auc
from accord.scoring.predictive.features import FeatureSpec
from accord.scoring.predictive.naive_bayes import OdooNaiveBayes

MODEL = "model"
LOGISTIC = "logistic"
NAIVE_BAYES = "naive_bayes"
RULE = "rule"
#: Categories beyond this many (by frequency) are pooled, so free text cannot blow up a model.
MAX_CATEGORIES = 50
#: Isotonic calibration is a step function: with few leads of a class its steps are coarse,
#: and the ties it creates cost ranking (AUC, capture). Sigmoid keeps the ranking; isotonic
#: only pays once both classes are plentiful.
ISOTONIC_MIN_CLASS = 1000

# Candidates for the chosen model. Generic settings, not tuned to one dataset: "shallow" is
# heavily regularised (few leaves, large leaves, strong L2), "deep" is scikit-learn-like.
BOOSTING_SHALLOW = "boosting_shallow"
BOOSTING_DEEP = "boosting_deep"
LOGISTIC_CANDIDATE = "logistic_l2"
_BOOSTING = {
    BOOSTING_SHALLOW: {"learning_rate": 0.03, "max_leaf_nodes": 4, "l2_regularization": 5.0},
    BOOSTING_DEEP: {"learning_rate": 0.05, "max_leaf_nodes": 15, "l2_regularization": 1.0},
}
CANDIDATES = (BOOSTING_SHALLOW, BOOSTING_DEEP, LOGISTIC_CANDIDATE)
CANDIDATE_LABELS = {
    BOOSTING_SHALLOW: "HistGradientBoosting, 4 leaves",
    BOOSTING_DEEP: "HistGradientBoosting, 15 leaves",
    LOGISTIC_CANDIDATE: "logistic regression (L2)",
}
#: Below this many training leads the boosting has a fixed number of rounds: an early-stopping
#: split of a few dozen leads would stop on noise.
EARLY_STOPPING_FROM = 500
INNER_FOLDS = 3
#: Model selection runs on a stratified sample of at most this many leads, so that training on
#: a million leads does not pay for (folds x candidates) full fits; the final fit uses all.
SELECTION_MAX_ROWS = 20_000


def _gradient_boosting(spec: FeatureSpec, n_samples: int, variant: str = BOOSTING_SHALLOW):
    numeric, categorical = spec.numeric, spec.categorical
    steps = []
    if numeric:
        steps.append(("num", "passthrough", numeric))
    if categorical:
        encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=np.nan,
            encoded_missing_value=np.nan,
            max_categories=MAX_CATEGORIES,
        )
        steps.append(("cat", encoder, categorical))
    mask = [False] * len(numeric) + [True] * len(categorical)
    early = n_samples >= EARLY_STOPPING_FROM
    booster = HistGradientBoostingClassifier(
        **_BOOSTING[variant],
        max_iter=500 if early else 100,
        # Leaves of ~1% of the leads (20 to 200): no leaf speaks for a handful of leads.
        min_samples_leaf=int(min(200, max(20, n_samples // 100))),
        categorical_features=mask if any(mask) else None,
        # Stop when the log-loss on an inner validation split (15% of the training leads,
        # never the held-out ones) has not improved for 30 rounds.
        early_stopping=early,
        validation_fraction=0.15,
        n_iter_no_change=30,
        scoring="loss",
        random_state=0,
    )
    return Pipeline([("columns", ColumnTransformer(steps)), ("booster", booster)])


def _logistic(spec: FeatureSpec) -> Pipeline:
    steps = []
    if spec.numeric:
        numbers = Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                ("scale", StandardScaler()),
            ]
        )
        steps.append(("num", numbers, spec.numeric))
    if spec.categorical:
        categories = Pipeline(
            [
                ("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
                (
                    "onehot",
                    OneHotEncoder(
                        handle_unknown="infrequent_if_exist",
                        min_frequency=5,
                        max_categories=MAX_CATEGORIES,
                    ),
                ),
            ]
        )
        steps.append(("cat", categories, spec.categorical))
    return Pipeline(
        [
            ("columns", ColumnTransformer(steps)),
            ("logistic", LogisticRegression(C=0.5, max_iter=2000)),
        ]
    )


def candidate_build(name: str, spec: FeatureSpec, n_samples: int):
    if name == LOGISTIC_CANDIDATE:
        return _logistic(spec)
    return _gradient_boosting(spec, n_samples, name)


def calibration_method(y) -> str:
    y = np.asarray(y)
    smaller = int(min((y == 1).sum(), (y == 0).sum()))
    return "isotonic" if smaller >= ISOTONIC_MIN_CLASS else "sigmoid"


def _selection_sample(y: np.ndarray, max_rows: int) -> np.ndarray:
    """Row positions for model selection: all of them, or a stratified sample of max_rows."""
    if len(y) <= max_rows:
        return np.arange(len(y))
    rng = np.random.default_rng(0)
    picked = [
        rng.choice(np.flatnonzero(y == label), round(max_rows * share), replace=False)
        for label, share in ((1, y.mean()), (0, 1 - y.mean()))
    ]
    return np.sort(np.concatenate(picked))


class InnerCVSelected(ClassifierMixin, BaseEstimator):
    """Pick a candidate by inner cross-validation on the training leads, then calibrate it.

    ``fit`` scores each candidate on ``folds`` stratified folds of the data it is given (the
    training leads of a backtest, never its held-out leads), keeps the one with the best mean
    AUC, and fits it, calibrated, on all of that data. ``chosen_`` names the winner and
    ``selection_`` holds every candidate's inner-CV figures — the "why" the registry records.
    """

    def __init__(
        self,
        spec: FeatureSpec | None = None,
        candidates: tuple[str, ...] = CANDIDATES,
        folds: int = INNER_FOLDS,
        max_rows: int = SELECTION_MAX_ROWS,
    ) -> None:
        self.spec = spec
        self.candidates = candidates
        self.folds = folds
        self.max_rows = max_rows

    def _inner_cv(self, X: pd.DataFrame, y: np.ndarray) -> dict[str, dict]:
        rows = _selection_sample(y, self.max_rows)
        Xs, ys = X.iloc[rows], y[rows]
        folds = int(min(self.folds, (ys == 1).sum(), (ys == 0).sum()))
        if folds < 2 or len(self.candidates) == 1:
            return {}
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
        splits = list(splitter.split(np.zeros(len(ys)), ys))
        results = {}
        for name in self.candidates:
            scores = np.zeros(len(ys))
            for train, test in splits:
                estimator = candidate_build(name, self.spec, len(train))
                estimator.fit(Xs.iloc[train], ys[train])
                scores[test] = estimator.predict_proba(Xs.iloc[test])[:, 1]
            results[name] = {
                "auc": round(roc_auc(ys, scores), 4),
                "capture_top20": round(capture_at(ys, scores, 0.20), 4),
                "folds": folds,
                "leads": len(ys),
            }
        return results

    def fit(self, X: pd.DataFrame, y) -> InnerCVSelected:
        y = np.asarray(y).astype(int)
        self.classes_ = np.array([0, 1])
        self.selection_ = self._inner_cv(X, y)
        if self.selection_:
            # Best mean AUC; on a tie the earlier (simpler, more regularised) candidate.
            self.chosen_ = max(self.candidates, key=lambda n: self.selection_[n]["auc"])
        else:
            self.chosen_ = self.candidates[0]
        self.calibration_ = calibration_method(y)
        self.calibrated_ = CalibratedClassifierCV(
            candidate_build(self.chosen_, self.spec, len(y)),
            method=self.calibration_,
            cv=3,
            # One estimator fit on all rows (what explain.py reads), calibrated on
            # out-of-fold predictions.
            ensemble=False,
        )
        self.calibrated_.fit(X, y)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        return self._odds_corrected(self.calibrated_.predict_proba(X))

    def _odds_corrected(self, probabilities: np.ndarray) -> np.ndarray:
        factor = getattr(self, "odds_factor_", 1.0)  # set by train.bundle_fit; 1: no sample
        if factor != 1.0:
            won = probabilities[:, 1] * factor
            won = won / (won + probabilities[:, 0])
            probabilities = np.column_stack([1.0 - won, won])
        return probabilities

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def describe(self) -> str:
        """What was chosen, short enough for the registry's algorithm column."""
        return f"{CANDIDATE_LABELS[self.chosen_]}, {self.calibration_}"[:60]


def naive_bayes_min_count(n_samples: int) -> int:
    """Odoo ignores values seen in fewer than 50 closed leads; smaller sets scale that down."""
    return int(min(50, max(3, n_samples // 50)))


def scorers_build(spec: FeatureSpec, n_samples: int) -> dict[str, object]:
    return {
        MODEL: InnerCVSelected(spec),
        LOGISTIC: _logistic(spec),
        NAIVE_BAYES: OdooNaiveBayes(
            numeric=tuple(spec.numeric), min_value_count=naive_bayes_min_count(n_samples)
        ),
    }


def raw_model(model) -> Pipeline:
    """The fitted estimator under the calibration (its log-odds explain the ranking).

    Takes the chosen model, or a bare ``CalibratedClassifierCV`` (bundles saved before model
    selection existed).
    """
    calibrated = getattr(model, "calibrated_", model)
    return calibrated.calibrated_classifiers_[0].estimator


def won_from_log_odds(model, log_odds: np.ndarray) -> np.ndarray | None:
    """``model.predict_proba(X)[:, 1]`` from ``raw_model(model).decision_function(X)``.

    Scoring already has the raw model's log-odds (the reasons need them), so the calibrated
    probability is one calibrator call away instead of another pass through every tree. The
    same operations as scikit-learn's ``_CalibratedClassifier.predict_proba`` (binary,
    sigmoid or isotonic, one calibrated classifier). None for any other shape of model: the
    caller then asks ``predict_proba``.
    """
    calibrated = getattr(model, "calibrated_", model)
    classifiers = getattr(calibrated, "calibrated_classifiers_", None)
    if not classifiers or len(classifiers) != 1:
        return None
    (classifier,) = classifiers
    if classifier.method not in ("sigmoid", "isotonic") or len(classifier.calibrators) != 1:
        return None
    if len(classifier.classes) != 2 or not hasattr(classifier.estimator, "decision_function"):
        return None
    won = np.asarray(classifier.calibrators[0].predict(log_odds), dtype=float)
    probabilities = np.column_stack([1.0 - won, won])
    probabilities[(probabilities > 1.0) & (probabilities <= 1.0 + 1e-5)] = 1.0
    if isinstance(model, InnerCVSelected):
        probabilities = model._odds_corrected(probabilities)
    return probabilities[:, 1]


def threads_for(n_samples: int):
    """Limit OpenMP to one thread for small data.

    On a busy 2-core machine, OpenMP's spinning threads turn a 30 ms fit of a few hundred
    leads into seconds; parallelism only pays from tens of thousands of rows.
    """
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    if n_samples >= 50_000:
        return nullcontext()
    return threadpool_limits(limits=1, user_api="openmp")
