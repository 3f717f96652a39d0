"""Top reasons for each lead's probability: which features pushed it up or down most.

Method ("replace with the typical value"): for a feature j, the effect on lead x is

    raw(x) - raw(x with feature j set to its reference value)

where raw is the booster's log-odds (before calibration, which is monotone and so keeps every
sign) and the reference is the training median (numbers) or most common value (categories).
It answers a question a rep can check — "had this lead looked typical on j, would it score
lower or higher?" — using the real model, not a surrogate. It ignores interactions between
features (each is swapped alone), which is the honest price of being cheap.

Cost: one extra prediction per explained feature. So that a million leads stay fast, only the
``EXPLAIN_FEATURES`` features with the largest mean effect on a training sample (computed once,
at training time) are tried for each lead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from accord.scoring.predictive.features import NUMERIC, FeatureSpec

EXPLAIN_FEATURES = 8
REASONS_PER_SIDE = 3
_SAMPLE = 2000
_MIN_EFFECT = 1e-6


def references(X: pd.DataFrame, spec: FeatureSpec) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, kind in spec.columns:
        column = X[name]
        if kind == NUMERIC:
            median = column.median()
            out[name] = float(median) if pd.notna(median) else np.nan
        else:
            mode = column.dropna().mode()
            out[name] = mode.iloc[0] if len(mode) else np.nan
    return out


def _effects(raw_model, X: pd.DataFrame, names: list[str], refs: dict) -> np.ndarray:
    base = raw_model.decision_function(X)
    effects = np.zeros((len(X), len(names)))
    for j, name in enumerate(names):
        swapped = X.copy(deep=False)
        swapped[name] = pd.Series([refs[name]] * len(X), index=X.index, dtype=X[name].dtype)
        effects[:, j] = base - raw_model.decision_function(swapped)
    return effects


def explain_features_choose(
    raw_model, X: pd.DataFrame, spec: FeatureSpec, refs: dict, k: int = EXPLAIN_FEATURES
) -> list[str]:
    """The k features whose swap moves the training leads' log-odds most, on average."""
    sample = X.sample(n=min(_SAMPLE, len(X)), random_state=0) if len(X) > _SAMPLE else X
    names = spec.names
    mean_effect = np.abs(_effects(raw_model, sample, names, refs)).mean(axis=0)
    order = np.argsort(-mean_effect, kind="stable")
    return [names[i] for i in order[:k] if mean_effect[i] > _MIN_EFFECT]


def feature_label(name: str) -> str:
    """A readable name: "touch.type.webinar" -> "touches: webinar"; properties keep theirs."""
    for prefix, label in (
        ("lead.prop.", ""),
        ("contact.prop.", "contact "),
        ("account.prop.", "account "),
        ("touch.type.", "touches: "),
        ("touch.channel.", "touches from "),
    ):
        if name.startswith(prefix):
            return f"{label}{name[len(prefix) :]}"
    return name.replace("touch.", "touch ").replace(".", " ").replace("_", " ")


def _display(value) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float):
        return round(float(value), 2)
    return value


def reasons_compute(
    raw_model, X: pd.DataFrame, names: list[str], refs: dict, per_side: int = REASONS_PER_SIDE
) -> list[list[dict]]:
    """Per lead, up to ``per_side`` reasons up and down: feature, label, value, effect."""
    if not names or X.empty:
        return [[] for _ in range(len(X))]
    effects = _effects(raw_model, X, names, refs)
    values = {name: X[name].to_numpy() for name in names}
    out: list[list[dict]] = []
    order = np.argsort(-effects, axis=1, kind="stable")
    for i in range(len(X)):
        row = effects[i]
        ups = [j for j in order[i] if row[j] > _MIN_EFFECT][:per_side]
        downs = [j for j in order[i][::-1] if row[j] < -_MIN_EFFECT][:per_side]
        out.append(
            [
                {
                    "feature": names[j],
                    "label": feature_label(names[j]),
                    "value": _display(values[names[j]][i]),
                    "effect": round(float(row[j]), 4),
                }
                for j in ups + downs
            ]
        )
    return out
