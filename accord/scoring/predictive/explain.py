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
at training time) are tried for each lead; for the boosting, the columns are encoded once and
only leads whose value differs from the reference are predicted again (``_booster_effects``),
and ``reasons_json`` picks and encodes every lead's reasons with array operations.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from accord.scoring.predictive.features import NUMERIC, FeatureSpec

EXPLAIN_FEATURES = 8
REASONS_PER_SIDE = 3
_SAMPLE = 2000
_MIN_EFFECT = 1e-6
_PROBE_ROWS = 256


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
    """Per lead and explained feature: raw(x) - raw(x with the feature at its reference)."""
    return log_odds_and_effects(raw_model, X, names, refs)[1]


def log_odds_and_effects(
    raw_model, X: pd.DataFrame, names: list[str], refs: dict
) -> tuple[np.ndarray, np.ndarray]:
    """raw(x) of every lead, and the effects of ``names`` on it, from one pass of the model.

    raw(x) is exactly ``raw_model.decision_function(X)`` (same float operations, in the same
    order), so the caller can calibrate it into the probability instead of predicting again.
    """
    members = getattr(raw_model, "members_", None)
    if members is not None:
        # A blend's log-odds are its members' mean, so a swap's effect is their effects' mean.
        from accord.scoring.predictive.estimators import log_odds_mean

        each = [log_odds_and_effects(member, X, names, refs) for member in members]
        return log_odds_mean([e[0] for e in each]), log_odds_mean([e[1] for e in each])
    parts = _booster_parts(raw_model)
    if parts is not None:
        return _booster_effects(*parts, X, names, refs)
    return _swapped(raw_model, X, names, refs)


def effects_swapped(raw_model, X: pd.DataFrame, names: list[str], refs: dict) -> np.ndarray:
    """The effects by definition: one prediction of every lead per swapped feature."""
    return _swapped(raw_model, X, names, refs)[1]


def _swapped(
    raw_model, X: pd.DataFrame, names: list[str], refs: dict
) -> tuple[np.ndarray, np.ndarray]:
    base = raw_model.decision_function(X)
    effects = np.zeros((len(X), len(names)))
    for j, name in enumerate(names):
        swapped = X.copy(deep=False)
        swapped[name] = pd.Series([refs[name]] * len(X), index=X.index, dtype=X[name].dtype)
        effects[:, j] = base - raw_model.decision_function(swapped)
    return base, effects


def _booster_parts(raw_model: Any) -> tuple[Any, Any, dict[str, int]] | None:
    """(column transformer, booster, encoded position of each input column) of the boosting
    pipeline of ``estimators``; None for any other model (the generic path serves it)."""
    steps = getattr(raw_model, "named_steps", {})
    columns, booster = steps.get("columns"), steps.get("booster")
    if columns is None or booster is None or len(steps) != 2:
        return None
    position: dict[str, int] = {}
    for _, transformer, inputs in columns.transformers_:
        if transformer == "drop" or not isinstance(inputs, list):
            if transformer == "drop":
                continue
            return None
        for name in inputs:
            position[name] = len(position)
    return columns, booster, position


def _booster_effects(columns, booster, position, X, names, refs) -> tuple[np.ndarray, np.ndarray]:
    """The generic effects, computed once per encoded matrix instead of once per swap.

    The columns are encoded once (the encoders work value by value, so an encoded swap is
    the swap encoded), and only the leads whose value differs from the reference are
    predicted again: for the others the swap changes nothing and the effect is exactly 0.
    A binary histogram booster is cheaper still (``_tree_effects``).
    """
    Z = columns_encoded(columns, X)
    reference = X.iloc[:1].copy()
    for name in names:
        reference[name] = pd.Series([refs[name]], index=reference.index, dtype=X[name].dtype)
    Z_ref = np.asarray(columns.transform(reference), dtype=float)[0]
    positions = [position[name] for name in names]
    from_trees = _tree_effects(booster, Z, Z_ref, positions)
    if from_trees is not None:
        return from_trees
    base = booster.decision_function(Z)
    effects = np.zeros((len(X), len(names)))
    for j, c in enumerate(positions):
        column, ref = Z[:, c], Z_ref[c]
        differs = _differs(column, ref)
        if differs.any():
            swapped = Z[differs]
            swapped[:, c] = ref
            effects[differs, j] = base[differs] - booster.decision_function(swapped)
    return base, effects


def columns_encoded(columns, X: pd.DataFrame) -> np.ndarray:
    """``columns.transform(X)`` as floats, each ordinal encoder run on distinct values only.

    An ordinal encoder answers value by value, so a column's codes are its distinct values'
    codes spread back to the rows: pandas hashes the column once, where scikit-learn checks
    every value in Python (~1 s per 50,000 leads). Any other transformer than pass-through
    and ordinal encoding: the transformer itself, on every row.
    """
    from sklearn.preprocessing import OrdinalEncoder

    if X.empty:
        return np.asarray(columns.transform(X), dtype=float)
    pieces = []
    for _, transformer, inputs in columns.transformers_:
        if transformer == "drop":
            continue
        if transformer == "passthrough" and isinstance(inputs, list):
            pieces.append(X[inputs].to_numpy(dtype=float))
            continue
        if not isinstance(transformer, OrdinalEncoder) or not isinstance(inputs, list):
            return np.asarray(columns.transform(X), dtype=float)
        factorized = [pd.factorize(X[name], use_na_sentinel=False) for name in inputs]
        height = max(len(uniques) for _, uniques in factorized)
        distinct = pd.DataFrame(
            {
                # Shorter columns repeat their values to the common height (any value will do).
                name: pd.Series(
                    np.resize(np.asarray(uniques, dtype=object), height), dtype=X[name].dtype
                )
                for name, (_, uniques) in zip(inputs, factorized, strict=True)
            }
        )
        codes = np.asarray(transformer.transform(distinct), dtype=float)
        pieces.append(np.column_stack([codes[rows, j] for j, (rows, _) in enumerate(factorized)]))
    return np.hstack(pieces) if pieces else np.zeros((len(X), 0))


def _differs(column: np.ndarray, ref: float) -> np.ndarray:
    return ~((column == ref) | (np.isnan(column) & np.isnan(ref)))


def _tree_effects(booster, Z, Z_ref, positions) -> tuple[np.ndarray, np.ndarray] | None:
    """The same effects from the trees that split on each feature only.

    A boosted model's log-odds are a constant plus one value per tree, and a tree that never
    splits on feature j gives a lead the same value whatever j is. So the effect of j is the
    sum, over the trees that split on j, of (tree(x) - tree(x with j swapped)). Most of a
    model's trees split on a few of its features (measured: the 8 explained features of the
    demo's model are in 7% to 74% of its 223 trees, 28% on average), so this predicts about
    a third as many trees as swapping against the whole model.

    It uses scikit-learn's histogram booster's own tree predictors (private attributes, so
    it checks itself): None, for the generic path, unless the model is a binary
    ``HistGradientBoostingClassifier`` whose trees sum back to its own log-odds here.
    """
    trees = _binary_trees(booster)
    if trees is None:
        return None
    # The booster orders its inputs categorical first (its own encoder), then numeric.
    inner = booster._preprocess_X(Z, reset=False)
    inner_ref = booster._preprocess_X(Z_ref[None, :], reset=False)[0]
    order = _inner_order(booster)
    # The trees read bins (one byte per value, column by column), as they did in training:
    # about three times faster than reading the float rows, and the same leaves (see _binned).
    bins, bins_ref = _binned(booster, inner), _binned(booster, inner_ref[None, :])[0]
    missing = booster._bin_mapper.missing_values_bin_idx_
    from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

    n_threads = _openmp_effective_n_threads()

    def predict(tree, rows: np.ndarray) -> np.ndarray:
        return tree.predict_binned(rows, missing, n_threads)

    per_tree = np.empty((len(trees), len(Z)))
    for t, tree in enumerate(trees):
        per_tree[t] = predict(tree, bins)
    # The log-odds as the booster adds them up: its baseline, then tree after tree (the same
    # float operations in the same order, so equal to its decision_function bit for bit).
    base = np.full(len(Z), booster._baseline_prediction.ravel()[0])
    for values in per_tree:
        base += values
    # The self-check, on a few leads: the trees must add up to the booster's own log-odds.
    probe = slice(0, _PROBE_ROWS)
    if not np.array_equal(base[probe], booster.decision_function(Z[probe])):
        return None
    effects = np.zeros((len(Z), len(positions)))
    for j, c in enumerate(positions):
        k = order[c]
        users = np.array([t for t, tree in enumerate(trees) if _splits_on(tree, k)], dtype=int)
        # Same bin, same leaves: only leads whose bin differs from the reference's can move.
        rows = np.flatnonzero(bins[:, k] != bins_ref[k])
        if not len(users) or not len(rows):
            continue
        swapped = np.asfortranarray(bins[rows])
        swapped[:, k] = bins_ref[k]
        # The users' sum for every lead as one matrix-vector product (BLAS), then the rows
        # needed: cheaper than gathering a users x rows block of the per-tree values.
        used = np.zeros(len(trees))
        used[users] = 1.0
        before = (used @ per_tree)[rows]
        after = sum(predict(trees[t], swapped) for t in users.tolist())
        effects[rows, j] = before - after
    return base, effects


def _binned(booster, inner: np.ndarray) -> np.ndarray:
    """The booster's bins of its (reordered) input rows, Fortran-ordered as its trees read them.

    A numeric value's bin is the count of bin thresholds below it, so "bin <= split bin" is
    "value <= split threshold": the leaves the float rows reach. A category the booster never
    saw would land in a neighbour's bin (scikit-learn's binner assumes known categories) where
    its float predictor sends it the way of missing values. The booster's own input encoding
    already makes unseen categories missing; this guard keeps both agreeing if it ever does not.
    """
    mapper = booster._bin_mapper
    categorical = np.flatnonzero(mapper.is_categorical_)
    if len(categorical):
        inner = np.array(inner, dtype=float)
        for f in categorical.tolist():
            column = inner[:, f]
            unknown = ~np.isin(column, mapper.bin_thresholds_[f]) & ~np.isnan(column)
            column[unknown] = np.nan
    return mapper.transform(inner)


def _binary_trees(booster) -> list | None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    if type(booster) is not HistGradientBoostingClassifier:
        return None
    if getattr(booster, "n_trees_per_iteration_", None) != 1:
        return None
    predictors = getattr(booster, "_predictors", None)
    if not predictors or any(len(iteration) != 1 for iteration in predictors):
        return None
    return [iteration[0] for iteration in predictors]


def _inner_order(booster) -> np.ndarray:
    """For each input column, its index among the booster's own (reordered) columns."""
    categorical = getattr(booster, "is_categorical_", None)
    n = booster.n_features_in_
    if categorical is None or getattr(booster, "_preprocessor", None) is None:
        return np.arange(n)
    categorical = np.asarray(categorical, dtype=bool)
    inner_to_input = np.r_[np.flatnonzero(categorical), np.flatnonzero(~categorical)]
    order = np.empty(n, dtype=int)
    order[inner_to_input] = np.arange(n)
    return order


def _splits_on(tree, k: int) -> bool:
    nodes = tree.nodes
    return bool(((nodes["feature_idx"] == k) & (nodes["is_leaf"] == 0)).any())


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


def _reason_order(effects: np.ndarray) -> np.ndarray:
    """Per lead, features from the largest effect to the smallest; equal effects by position.

    Effects are compared at 1e-9: two features with the same effect in exact arithmetic (a
    blend's effects are a mean, summed in another order by the fast path) must not swap
    places on the last bit of a float.
    """
    return np.argsort(-np.round(effects, 9), axis=1, kind="stable")


def reasons_compute(
    raw_model, X: pd.DataFrame, names: list[str], refs: dict, per_side: int = REASONS_PER_SIDE
) -> list[list[dict]]:
    """Per lead, up to ``per_side`` reasons up and down: feature, label, value, effect.

    The reference path, lead by lead and swap by swap (tests compare ``reasons_json`` with
    it); scoring many leads uses ``reasons_json``.
    """
    if not names or X.empty:
        return [[] for _ in range(len(X))]
    effects = effects_swapped(raw_model, X, names, refs)
    values = {name: X[name].to_numpy() for name in names}
    out: list[list[dict]] = []
    order = _reason_order(effects)
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


def _encoded_values(column: np.ndarray) -> list[str]:
    """Each cell's ``"value"`` as JSON text, as ``json.dumps(_display(value))`` writes it.

    Encoded once per distinct value (counts, categories and medians repeat a lot), then
    spread to the cells by their codes.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    plain = np.asarray(uniques).tolist()  # Python numbers: json cannot write numpy's
    texts = np.array([json.dumps(_display(value)) for value in plain] + ["null"], dtype=object)
    return texts[codes].tolist()  # code -1 (None, NaN) picks the trailing "null"


def reasons_json(
    raw_model, X: pd.DataFrame, names: list[str], refs: dict, per_side: int = REASONS_PER_SIDE
) -> list[str]:
    """``reasons_compute`` for many leads at once, each lead's list as JSON text.

    The same reasons, in the same order, with the same rounding: the effects of every lead are
    one matrix, the ups and downs are picked by array operations, and the text of a reason is
    assembled from pieces encoded once per feature and value.
    """
    if not names or X.empty:
        return ["[]"] * len(X)
    return reasons_from_effects(_effects(raw_model, X, names, refs), X, names, per_side)


def reasons_from_effects(
    effects: np.ndarray, X: pd.DataFrame, names: list[str], per_side: int = REASONS_PER_SIDE
) -> list[str]:
    """``reasons_json`` from effects already computed (``log_odds_and_effects``)."""
    if not names or X.empty:
        return ["[]"] * len(X)
    # Stable descending order, as reasons_compute: ups are the leading positives, downs the
    # trailing negatives read from the end.
    order = _reason_order(effects)
    rows = np.arange(len(X))[:, None]
    ups = order[:, :per_side]
    downs = order[:, ::-1][:, :per_side]
    up_ok = effects[rows, ups] > _MIN_EFFECT
    down_ok = effects[rows, downs] < -_MIN_EFFECT
    picked = np.concatenate([ups, downs], axis=1)
    keep = np.concatenate([up_ok, down_ok], axis=1)
    prefixes = [
        '{"feature": ' + json.dumps(name) + ', "label": ' + json.dumps(feature_label(name))
        for name in names
    ]
    values = [_encoded_values(X[name].to_numpy()) for name in names]
    chosen_effects = effects[rows, picked].tolist()
    out = []
    for i, (features, kept, effect_row) in enumerate(
        zip(picked.tolist(), keep.tolist(), chosen_effects, strict=True)
    ):
        parts = [
            f'{prefixes[j]}, "value": {values[j][i]}, "effect": {round(e, 4)!r}}}'
            for j, ok, e in zip(features, kept, effect_row, strict=True)
            if ok
        ]
        out.append("[" + ", ".join(parts) + "]")
    return out
