"""The three scorers trained in every run: the chosen model and its two baselines.

* ``model``: chosen per training set by ``InnerCVSelected`` among a few candidates — a
  regularised logistic regression on splines of the numbers and one-hot categories (rare ones
  grouped), two regularised histogram gradient boostings (shallow and deeper trees, early
  stopping on an inner validation split), and a blend of the two best of them (their log-odds
  averaged) — by repeated stratified cross-validation on the training leads only, then
  calibrated so that its output reads as a probability (Platt's sigmoid, or isotonic with the
  raw score as tie-breaker once both classes have ``ISOTONIC_MIN_CLASS`` leads);
* ``logistic``: logistic regression on scaled numbers and one-hot categories;
* ``naive_bayes``: the Odoo CRM kind (see ``naive_bayes``).

Selection rule (why a candidate wins): the blend is preferred — averaging a linear and a tree
model lowers the variance that made a single winner of inner CV lose on unseen data — unless a
single candidate's mean AUC beats it by more than one standard error of the best mean (the
one-standard-error rule, in the order blend, logistic, shallow, deep). ``--model`` forces one.

All take the typed frame of ``features.spec_apply`` and give P(won) from ``predict_proba``.

Length: the estimator classes here (``InnerCVSelected``, ``LogOddsBlend``,
``TieBrokenIsotonic``) are pickled into every saved model by their module path; moving one
out would make the models already trained unloadable, so they stay with what builds them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    OneHotEncoder,
    OrdinalEncoder,
    QuantileTransformer,
    SplineTransformer,
    StandardScaler,
)

from accord.scoring.predictive.backtest import capture_at, roc_auc
from accord.scoring.predictive.features import FeatureSpec
from accord.scoring.predictive.naive_bayes import OdooNaiveBayes

MODEL = "model"
LOGISTIC = "logistic"
NAIVE_BAYES = "naive_bayes"
RULE = "rule"
#: Categories beyond this many (by frequency) are pooled, so free text cannot blow up a model.
MAX_CATEGORIES = 50
#: Isotonic calibration is a step function: with few leads of a class its steps are coarse.
#: Sigmoid keeps the ranking; isotonic only pays once both classes are plentiful, and then
#: gets the raw score as a tie-breaker (``TieBrokenIsotonic``) so that it keeps it too.
ISOTONIC_MIN_CLASS = 1000

# Candidates for the chosen model. Generic settings, not tuned to one dataset: "shallow" is
# heavily regularised (few leaves, large leaves, strong L2), "deep" is scikit-learn-like.
BOOSTING_SHALLOW = "boosting_shallow"
BOOSTING_DEEP = "boosting_deep"
LOGISTIC_CANDIDATE = "logistic_l2"
BLEND = "blend"
_BOOSTING = {
    BOOSTING_SHALLOW: {"learning_rate": 0.03, "max_leaf_nodes": 4, "l2_regularization": 5.0},
    BOOSTING_DEEP: {"learning_rate": 0.05, "max_leaf_nodes": 15, "l2_regularization": 1.0},
}
#: The single candidates, simplest first (the one-standard-error rule's order after the blend).
SINGLE_CANDIDATES = (LOGISTIC_CANDIDATE, BOOSTING_SHALLOW, BOOSTING_DEEP)
#: Every candidate, in the order of preference of the one-standard-error rule.
CANDIDATES = (BLEND, *SINGLE_CANDIDATES)
CANDIDATE_LABELS = {
    BOOSTING_SHALLOW: "HistGradientBoosting, 4 leaves",
    BOOSTING_DEEP: "HistGradientBoosting, 15 leaves",
    LOGISTIC_CANDIDATE: "logistic regression (splines, one-hot)",
    BLEND: "blend",
}
#: Members of a blend when there was no contest to rank the single candidates.
DEFAULT_BLEND = (LOGISTIC_CANDIDATE, BOOSTING_SHALLOW)
#: Below this many training leads the boosting has a fixed number of rounds: an early-stopping
#: split of a few dozen leads would stop on noise.
EARLY_STOPPING_FROM = 500
#: Inner CV: this many folds (fewer when the smaller class has fewer leads: every fold needs
#: one of each), repeated ``INNER_REPEATS`` times below ``REPEAT_BELOW`` leads of the smaller
#: class, where one split's luck decides most.
INNER_FOLDS = 5
INNER_REPEATS = 2
REPEAT_BELOW = 500
#: Below this many won (or lost) leads the quality figures are shaky: training warns.
FEW_POSITIVES = 100
#: Model selection runs on a stratified sample of at most this many leads, so that training on
#: a million leads does not pay for (folds x candidates) full fits; the final fit uses all.
SELECTION_MAX_ROWS = 20_000
#: Resamples of the bootstrap confidence interval of the cross-validated AUC.
BOOTSTRAP_RESAMPLES = 200
#: Categories seen fewer times than this in the training leads are one "rare" category for
#: the linear candidate (OneHotEncoder's infrequent group).
RARE_CATEGORY = 10


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


def _one_hot(min_frequency: int) -> Pipeline:
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="constant", fill_value="(missing)")),
            (
                "onehot",
                OneHotEncoder(
                    handle_unknown="infrequent_if_exist",
                    min_frequency=min_frequency,
                    max_categories=MAX_CATEGORIES,
                ),
            ),
        ]
    )


def _logistic(spec: FeatureSpec) -> Pipeline:
    """The baseline: scaled numbers and one-hot categories, as anyone would fit it."""
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
        steps.append(("cat", _one_hot(5), spec.categorical))
    return Pipeline(
        [
            ("columns", ColumnTransformer(steps)),
            ("logistic", LogisticRegression(C=0.5, max_iter=2000)),
        ]
    )


def _logistic_splines(spec: FeatureSpec, n_samples: int) -> Pipeline:
    """The linear candidate: a spline of each number and one-hot categories, rare ones pooled.

    Numbers go through their quantiles first: counts with many equal values and long tails
    would give a spline on the raw scale duplicate or wasted knots. Splines let a number act
    non-linearly (a sweet spot of company size) while the model stays additive and readable.
    """
    steps = []
    if spec.numeric:
        numbers = Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", add_indicator=True)),
                (
                    "quantiles",
                    QuantileTransformer(n_quantiles=min(100, max(10, n_samples // 10))),
                ),
                ("spline", SplineTransformer(n_knots=4, degree=2)),
                ("scale", StandardScaler()),
            ]
        )
        steps.append(("num", numbers, spec.numeric))
    if spec.categorical:
        steps.append(("cat", _one_hot(RARE_CATEGORY), spec.categorical))
    return Pipeline(
        [
            ("columns", ColumnTransformer(steps)),
            ("logistic", LogisticRegression(C=0.1, max_iter=3000)),
        ]
    )


class LogOddsBlend(ClassifierMixin, BaseEstimator):
    """Several candidates fitted on the same leads; the log-odds of the blend are their mean.

    Averaging log-odds (not probabilities) keeps ``decision_function``, so the calibration and
    the reasons (``explain``: a swap's effect on the mean is the mean of its effects) work on
    the blend as on any single model.
    """

    def __init__(
        self, spec: FeatureSpec | None = None, members: tuple[str, ...] = (), n_samples: int = 0
    ) -> None:
        self.spec = spec
        self.members = members
        self.n_samples = n_samples

    def fit(self, X: pd.DataFrame, y) -> LogOddsBlend:
        y = np.asarray(y).astype(int)
        self.classes_ = np.array([0, 1])
        n = self.n_samples or len(y)
        self.members_ = [candidate_build(m, self.spec, n).fit(X, y) for m in self.members]
        return self

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        return log_odds_mean([m.decision_function(X) for m in self.members_])

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        won = expit(self.decision_function(X))
        return np.column_stack([1.0 - won, won])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.decision_function(X) >= 0).astype(int)


def log_odds_mean(parts: list[np.ndarray]) -> np.ndarray:
    """The blend's log-odds from its members' (one definition: ``explain`` reuses it)."""
    total = np.zeros_like(np.asarray(parts[0], dtype=float))
    for part in parts:
        total = total + part
    return total / len(parts)


def candidate_build(
    name: str, spec: FeatureSpec | None, n_samples: int, members: tuple[str, ...] = DEFAULT_BLEND
):
    if spec is None:  # scikit-learn builds estimators without arguments (clone); fit needs one
        raise ValueError("A candidate needs the feature spec it encodes.")
    if name == LOGISTIC_CANDIDATE:
        return _logistic_splines(spec, n_samples)
    if name == BLEND:
        return LogOddsBlend(spec, tuple(members), n_samples)
    return _gradient_boosting(spec, n_samples, name)


def calibration_method(y) -> str:
    y = np.asarray(y)
    smaller = int(min((y == 1).sum(), (y == 0).sum()))
    return "isotonic" if smaller >= ISOTONIC_MIN_CLASS else "sigmoid"


class TieBrokenIsotonic:
    """A fitted isotonic calibrator whose flat steps are tilted by the raw score.

    Isotonic regression is a step function: thousands of leads share a handful of
    probabilities and sorting by probability leaves big unordered blocks. This adds a tiny
    strictly increasing function of the raw score (at most ``TILT`` either way, after shrinking
    the steps by as much so the result stays inside (0, 1)), so every distinct raw score keeps
    a distinct probability in the same order, while the calibration moves by at most 2 x TILT.
    """

    TILT = 1e-4

    def __init__(self, isotonic, raw: np.ndarray) -> None:
        self.isotonic = isotonic
        raw = np.asarray(raw, dtype=float)
        self.center = float(np.median(raw))
        self.scale = float(np.std(raw)) or 1.0

    def predict(self, raw) -> np.ndarray:
        raw = np.asarray(raw, dtype=float)
        steps = np.asarray(self.isotonic.predict(raw), dtype=float)
        # arctan never saturates to exactly ±1 within float range the way tanh does.
        tilt = np.arctan((raw - self.center) / self.scale) / (np.pi / 2)
        return (1.0 - 2.0 * self.TILT) * steps + self.TILT + self.TILT * tilt


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


def inner_folds(y: np.ndarray, folds: int = INNER_FOLDS) -> tuple[int, int]:
    """(folds, repeats) of the inner CV: never more folds than leads of the smaller class."""
    smaller = int(min((y == 1).sum(), (y == 0).sum()))
    return int(min(folds, smaller)), INNER_REPEATS if smaller < REPEAT_BELOW else 1


def auc_interval(y: np.ndarray, scores: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES):
    """A 95% percentile-bootstrap interval of the AUC of ``scores`` (resampling the leads)."""
    rng = np.random.default_rng(0)
    aucs = []
    for _ in range(resamples):
        rows = rng.integers(0, len(y), len(y))
        auc = roc_auc(y[rows], scores[rows])
        if auc == auc:
            aucs.append(auc)
    if not aucs:
        return float("nan"), float("nan")
    low, high = np.percentile(aucs, [2.5, 97.5])
    return float(low), float(high)


def selection_choose(results: dict[str, dict], order: tuple[str, ...] = CANDIDATES) -> str:
    """The one-standard-error rule: the first candidate of ``order`` whose mean AUC is within
    one standard error of the best mean."""
    best = max(results, key=lambda n: results[n]["auc"])
    floor = results[best]["auc"] - results[best]["auc_se"]
    return next(n for n in order if n in results and results[n]["auc"] >= floor)


class InnerCVSelected(ClassifierMixin, BaseEstimator):
    """Pick a candidate by repeated inner cross-validation on the training leads, calibrate it.

    ``fit`` scores each single candidate on ``folds`` stratified folds, ``repeats`` times, of
    the data it is given (the training leads of a backtest, never its held-out leads), builds
    the blend of the two best from the same out-of-fold log-odds (no extra fits), applies the
    one-standard-error rule (``selection_choose``), and fits the winner, calibrated, on all of
    that data. ``chosen_`` names the winner, ``selection_`` holds every candidate's figures,
    ``reason_`` says in words why it won and ``estimate_`` is the winner's cross-validated AUC
    with a bootstrap 95% interval — the "why" and the honest figure the registry records.
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

    def _inner_cv(self, X: pd.DataFrame, y: np.ndarray) -> tuple[dict[str, dict], dict]:
        rows = _selection_sample(y, self.max_rows)
        Xs, ys = X.iloc[rows], y[rows]
        folds, repeats = inner_folds(ys, self.folds)
        if folds < 2:
            return {}, {}
        # A blend needs every single candidate ranked; a forced single candidate still gets
        # its cross-validated figure (the honest estimate), with nothing to choose.
        singles = [c for c in SINGLE_CANDIDATES if c in self.candidates or BLEND in self.candidates]
        splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=0)
        splits = list(splitter.split(np.zeros(len(ys)), ys))
        # Out-of-fold log-odds per candidate and repeat; per-fold AUCs for the standard error.
        oof = {name: np.zeros((repeats, len(ys))) for name in singles}
        for k, (train, test) in enumerate(splits):
            for name in singles:
                estimator = candidate_build(name, self.spec, len(train))
                estimator.fit(Xs.iloc[train], ys[train])
                oof[name][k // folds, test] = estimator.decision_function(Xs.iloc[test])
        results = {name: _figures(ys, oof[name], splits, folds) for name in singles}
        if BLEND in self.candidates:
            members = tuple(sorted(singles, key=lambda n: -results[n]["auc"])[:2])
            oof[BLEND] = log_odds_mean([oof[m] for m in members])
            results[BLEND] = {**_figures(ys, oof[BLEND], splits, folds), "members": list(members)}
        return results, oof

    def fit(self, X: pd.DataFrame, y) -> InnerCVSelected:
        y = np.asarray(y).astype(int)
        self.classes_ = np.array([0, 1])
        self.selection_, oof = self._inner_cv(X, y)
        self.members_ = DEFAULT_BLEND
        contest = {n: r for n, r in self.selection_.items() if n in self.candidates}
        if len(self.candidates) > 1 and contest:
            self.chosen_ = selection_choose(contest)
            self.reason_ = _reason(self.chosen_, contest)
        else:
            self.chosen_ = self.candidates[0]
            self.reason_ = (
                f"{self.chosen_} was forced (--model)"
                if len(self.candidates) == 1
                else f"too few leads of one class to cross-validate; {self.chosen_} by default"
            )
        if self.chosen_ == BLEND and BLEND in self.selection_:
            self.members_ = tuple(self.selection_[BLEND]["members"])
        self.estimate_ = self._estimate(X, y, oof)
        self.calibration_ = calibration_method(y)
        self.calibrated_ = CalibratedClassifierCV(
            candidate_build(self.chosen_, self.spec, len(y), self.members_),
            method=self.calibration_,
            cv=3,
            # One estimator fit on all rows (what explain.py reads), calibrated on
            # out-of-fold predictions.
            ensemble=False,
        )
        self.calibrated_.fit(X, y)
        if self.calibration_ == "isotonic":
            classifier = self.calibrated_.calibrated_classifiers_[0]
            raw = classifier.estimator.decision_function(X)
            classifier.calibrators[0] = TieBrokenIsotonic(classifier.calibrators[0], raw)
        return self

    def _estimate(self, X: pd.DataFrame, y: np.ndarray, oof: dict) -> dict:
        """The chosen candidate's cross-validated AUC, with a bootstrap 95% interval."""
        figures = self.selection_.get(self.chosen_)
        if not figures or self.chosen_ not in oof:
            return {}
        ys = y[_selection_sample(y, self.max_rows)]
        low, high = auc_interval(ys, oof[self.chosen_][0])
        return {
            "auc": figures["auc"],
            "auc_low": round(low, 4),
            "auc_high": round(high, 4),
            "auc_se": figures["auc_se"],
            "folds": figures["folds"],
            "repeats": figures["repeats"],
            "leads": figures["leads"],
            "won": int(ys.sum()),
            "few_positives": bool(min(ys.sum(), len(ys) - ys.sum()) < FEW_POSITIVES),
        }

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
        label = CANDIDATE_LABELS[self.chosen_]
        if self.chosen_ == BLEND:
            label = "blend of " + " + ".join(_SHORT[m] for m in self.members_)
        return f"{label}, {self.calibration_}"[:60]


_SHORT = {
    LOGISTIC_CANDIDATE: "logistic",
    BOOSTING_SHALLOW: "boosting 4 leaves",
    BOOSTING_DEEP: "boosting 15 leaves",
}


def _figures(y: np.ndarray, oof: np.ndarray, splits: list, folds: int) -> dict:
    """Mean and standard error of the per-fold AUCs, and the pooled top-20% capture."""
    per_fold = [roc_auc(y[test], oof[k // folds, test]) for k, (_, test) in enumerate(splits)]
    aucs = np.array([a for a in per_fold if a == a])  # NaN: a fold with one class
    se = float(aucs.std(ddof=1) / np.sqrt(len(aucs))) if len(aucs) > 1 else 0.0
    return {
        "auc": round(float(aucs.mean()), 4) if len(aucs) else float("nan"),
        "auc_se": round(se, 4),
        "capture_top20": round(capture_at(y, oof[0], 0.20), 4),
        "folds": folds,
        "repeats": len(oof),
        "leads": len(y),
    }


def _reason(chosen: str, results: dict[str, dict]) -> str:
    best = max(results, key=lambda n: results[n]["auc"])
    top = results[best]
    figure = f"mean AUC {results[chosen]['auc']:.3f}"
    if chosen == best:
        return f"{chosen}: best {figure} in inner CV"
    return (
        f"{chosen}: {figure}, within one standard error ({top['auc_se']:.3f}) of the best "
        f"({best}, {top['auc']:.3f}), and preferred by the one-standard-error rule"
    )


def naive_bayes_min_count(n_samples: int) -> int:
    """Odoo ignores values seen in fewer than 50 closed leads; smaller sets scale that down."""
    return int(min(50, max(3, n_samples // 50)))


def scorers_build(
    spec: FeatureSpec, n_samples: int, candidates: tuple[str, ...] = CANDIDATES
) -> dict[str, Any]:
    """The model (among ``candidates``; one forces it) and both baselines, unfitted."""
    return {
        MODEL: InnerCVSelected(spec, candidates=tuple(candidates)),
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
