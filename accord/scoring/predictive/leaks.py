"""Features that would make a model look good and score badly: identifiers and leaks.

Run on the training leads before anything is fitted (``suspects_find``); every suspect is
excluded from the model unless an admin keeps it (``--keep-feature NAME`` or the setting
``SCORING_KEEP_FEATURES``). Four detectors, each a pure function over arrays:

* ``identifiers``: a category with about one lead per value (a record id, an e-mail) — a
  model can only memorise it;
* ``monotone_ids``: a whole number, nearly unique, that rises (or falls) with the leads'
  creation order — a record number read as a quantity;
* ``outcome_predictors``: a column that on its own ranks won above lost leads almost
  perfectly in cross-validation (AUC >= ``LEAK_AUC``) — a field sales fills in with the
  outcome ("contract signed", "reason lost") rather than anything known at the snapshot;
* ``late_fills``: a column much more often filled on closed (or won) leads than on open ones
  — filled after the snapshot, as the lead moved on.

Detection runs on every closed lead used for training, so in a backtest it has seen the
held-out leads' outcomes too: it only ever removes columns (it fits nothing the model uses),
and a column it removes is removed for every fold alike.

Properties carry no history (no "set at" time per value), so "filled after the snapshot" is
judged by these fill rates, not by timestamps. Touch aggregates are computed as of the
snapshot by construction and are not checked for late filling.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from accord.scoring.predictive.backtest import roc_auc
from accord.scoring.predictive.features import FeatureSpec

IDENTIFIER = "identifier"
MONOTONE_ID = "monotone_id"
OUTCOME_PREDICTOR = "predicts_outcome"
LATE_FILL = "filled_late"
#: A column needs this many present values before it is judged at all.
MIN_PRESENT = 20
#: Distinct values per present value from which a column is "about one lead per value".
UNIQUE_SHARE = 0.9
#: |Spearman correlation| with the creation order from which a number is "monotone".
MONOTONE_RHO = 0.9
#: Cross-validated AUC of a single column from which it "predicts the outcome alone".
LEAK_AUC = 0.95
#: A column is "filled late" when its fill rate on open leads is at most this share of its
#: rate on closed (or won) leads, that rate being at least ``LATE_FILL_MIN_RATE``.
LATE_FILL_RATIO = 0.25
LATE_FILL_MIN_RATE = 0.2
#: Open leads needed to compare fill rates.
MIN_OPEN = 20
_BINS = 20
_FOLDS = 5


@dataclass(frozen=True)
class Suspect:
    feature: str
    reason: str  # one of the constants above
    detail: str  # the figures behind the reason, in English (stored with the model)
    excluded: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


def _present(column: pd.Series) -> pd.Series:
    return column[column.notna()]


def identifiers(X: pd.DataFrame, spec: FeatureSpec) -> list[Suspect]:
    found = []
    for name in spec.categorical:
        present = _present(X[name])
        if len(present) < MIN_PRESENT:
            continue
        distinct = present.nunique()
        if distinct >= UNIQUE_SHARE * len(present):
            found.append(
                Suspect(
                    name,
                    IDENTIFIER,
                    f"{distinct:,} distinct values in {len(present):,} leads "
                    "(about one lead per value: an identifier, nothing to learn)",
                )
            )
    return found


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra = pd.Series(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


def monotone_ids(X: pd.DataFrame, spec: FeatureSpec, order: np.ndarray) -> list[Suspect]:
    """``order``: each lead's position in creation order (ties broken by id)."""
    found = []
    for name in spec.numeric:
        values = X[name].to_numpy(dtype=float)
        present = np.isfinite(values)
        if present.sum() < MIN_PRESENT:
            continue
        kept = values[present]
        if not np.all(kept == np.round(kept)):
            continue
        if len(np.unique(kept)) < UNIQUE_SHARE * len(kept):
            continue
        rho = _spearman(kept, np.asarray(order)[present])
        if abs(rho) >= MONOTONE_RHO:
            found.append(
                Suspect(
                    name,
                    MONOTONE_ID,
                    f"whole numbers, {len(np.unique(kept)):,} distinct in {len(kept):,} leads, "
                    f"{'rising' if rho > 0 else 'falling'} with creation order "
                    f"(Spearman {rho:.2f}): a record number, not a quantity",
                )
            )
    return found


def _codes(column: pd.Series, numeric: bool) -> np.ndarray:
    """Each lead's group: a quantile bin of a number, or the category; missing its own."""
    if numeric:
        values = column.to_numpy(dtype=float)
        present = np.isfinite(values)
        codes = np.full(len(values), -1)
        kept = values[present]
        distinct = np.unique(kept)
        if len(distinct) <= _BINS:  # few values: each its own group
            codes[present] = np.searchsorted(distinct, kept)
        elif present.any():
            # Left-closed bins: a value equal to an edge (0 when most values are 0) stays
            # apart from the values just above it.
            edges = np.unique(np.quantile(kept, np.linspace(0, 1, _BINS + 1)[1:-1]))
            codes[present] = np.searchsorted(edges, kept, side="left")
        return codes
    return pd.factorize(column, use_na_sentinel=True)[0]


def single_feature_auc(codes: np.ndarray, y: np.ndarray) -> float:
    """Cross-validated AUC of one grouped column: each held-out lead scored by its group's
    win rate in the other folds (smoothed toward the overall rate; unseen groups get it)."""
    folds = int(min(_FOLDS, (y == 1).sum(), (y == 0).sum()))
    if folds < 2:
        return float("nan")
    scores = np.zeros(len(y))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    for train, test in splitter.split(np.zeros(len(y)), y):
        prior = y[train].mean()
        frame = pd.DataFrame({"code": codes[train], "won": y[train]})
        stats = frame.groupby("code")["won"].agg(["sum", "count"])
        rate = (stats["sum"] + prior) / (stats["count"] + 1.0)
        scores[test] = pd.Series(codes[test]).map(rate).fillna(prior).to_numpy()
    return roc_auc(y, scores)


def outcome_predictors(X: pd.DataFrame, spec: FeatureSpec, y: np.ndarray) -> list[Suspect]:
    found = []
    numeric = set(spec.numeric)
    for name in spec.names:
        auc = single_feature_auc(_codes(X[name], name in numeric), y)
        if auc == auc and auc >= LEAK_AUC:
            found.append(
                Suspect(
                    name,
                    OUTCOME_PREDICTOR,
                    f"alone ranks won above lost leads with cross-validated AUC {auc:.3f}: "
                    "it most likely records the outcome rather than anything known before it",
                )
            )
    return found


def late_fills(
    X: pd.DataFrame, spec: FeatureSpec, y: np.ndarray, open_X: pd.DataFrame | None
) -> list[Suspect]:
    """Columns filled far more often on closed or won leads than on open ones."""
    if open_X is None or len(open_X) < MIN_OPEN:
        return []
    found = []
    for name in spec.names:
        if name.startswith("touch.") or name not in open_X:
            continue
        filled = X[name].notna().to_numpy()
        closed_rate = float(filled.mean())
        won_rate = float(filled[y == 1].mean()) if (y == 1).any() else 0.0
        open_rate = float(open_X[name].notna().mean())
        rate, among = max((closed_rate, "closed"), (won_rate, "won"))
        if rate >= LATE_FILL_MIN_RATE and open_rate <= LATE_FILL_RATIO * rate:
            found.append(
                Suspect(
                    name,
                    LATE_FILL,
                    f"filled on {rate:.0%} of {among} leads but {open_rate:.0%} of open ones: "
                    "most likely filled in after the snapshot, as the lead moved on",
                )
            )
    return found


def suspects_find(
    *,
    X: pd.DataFrame,
    spec: FeatureSpec,
    y: np.ndarray,
    order: np.ndarray,
    open_X: pd.DataFrame | None = None,
    keep: tuple[str, ...] = (),
) -> list[Suspect]:
    """Every suspect column, one entry per column (first reason found), kept ones marked."""
    y = np.asarray(y, dtype=int)
    found: dict[str, Suspect] = {}
    for suspect in [
        *identifiers(X, spec),
        *monotone_ids(X, spec, order),
        *outcome_predictors(X, spec, y),
        *late_fills(X, spec, y, open_X),
    ]:
        found.setdefault(suspect.feature, suspect)
    return [
        Suspect(s.feature, s.reason, s.detail, excluded=s.feature not in keep)
        for s in found.values()
    ]


def creation_order(created: np.ndarray, lead_ids: np.ndarray) -> np.ndarray:
    """Each lead's position when sorted by creation time, then id."""
    order = np.lexsort((np.asarray(lead_ids), np.asarray(created).astype("datetime64[us]")))
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    return position
