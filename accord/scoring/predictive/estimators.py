"""The three scorers trained in every run: the chosen model and its two baselines.

* ``model``: histogram gradient boosting (scikit-learn), calibrated so that its output is a
  probability one can read as such (sigmoid for small training sets, isotonic from 1,000);
* ``logistic``: logistic regression on scaled numbers and one-hot categories;
* ``naive_bayes``: the Odoo CRM kind (see ``naive_bayes``).

All take the typed frame of ``features.spec_apply`` and give P(won) from ``predict_proba``.
"""

from __future__ import annotations

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

from accord.scoring.predictive.features import FeatureSpec
from accord.scoring.predictive.naive_bayes import OdooNaiveBayes

MODEL = "model"
LOGISTIC = "logistic"
NAIVE_BAYES = "naive_bayes"
RULE = "rule"
#: Categories beyond this many (by frequency) are pooled, so free text cannot blow up a model.
MAX_CATEGORIES = 50
ISOTONIC_FROM = 1000


def _gradient_boosting(spec: FeatureSpec) -> Pipeline:
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
    booster = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=200,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        categorical_features=mask if any(mask) else None,
        # "auto": early stopping on a held-out 10% from 10,000 leads up, none below.
        early_stopping="auto",
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


def naive_bayes_min_count(n_samples: int) -> int:
    """Odoo ignores values seen in fewer than 50 closed leads; smaller sets scale that down."""
    return int(min(50, max(3, n_samples // 50)))


def scorers_build(spec: FeatureSpec, n_samples: int) -> dict[str, object]:
    method = "isotonic" if n_samples >= ISOTONIC_FROM else "sigmoid"
    return {
        # ensemble=False: one booster fit on all rows (what explain.py reads), calibrated on
        # out-of-fold predictions.
        MODEL: CalibratedClassifierCV(
            _gradient_boosting(spec), method=method, cv=3, ensemble=False
        ),
        LOGISTIC: _logistic(spec),
        NAIVE_BAYES: OdooNaiveBayes(
            numeric=tuple(spec.numeric), min_value_count=naive_bayes_min_count(n_samples)
        ),
    }


def raw_model(calibrated: CalibratedClassifierCV) -> Pipeline:
    """The fitted booster under the calibration (its log-odds explain the ranking)."""
    return calibrated.calibrated_classifiers_[0].estimator


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
