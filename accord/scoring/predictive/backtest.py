"""Backtest metrics: how well each scorer ranks and calibrates the same held-out leads.

Pure functions over arrays (no ORM): ``scorer_metrics`` turns outcomes and scores into the
numbers of the backtest report; ``time_split`` and ``kfold_splits`` choose the held-out leads.
Scores that are not probabilities (the rule score, in points) get ranking metrics only: a
Brier score or a calibration curve of points would be meaningless.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold

DECILES = 10
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class ScorerMetrics:
    name: str
    auc: float
    pr_auc: float
    brier: float | None
    capture_top10: float
    capture_top20: float
    #: Win rate in each decile (best-scored first) divided by the overall win rate.
    lift_by_decile: list[float]
    #: (mean predicted probability, observed win rate) per bin; empty for non-probabilities.
    calibration: list[tuple[float, float]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class BacktestReport:
    split: str  # "time" or "kfold"
    description: str
    n_train: int
    n_test: int
    n_test_won: int
    scorers: list[ScorerMetrics]
    notes: list[str] = field(default_factory=list)
    #: Per training set (one per fold; one for a time split): the candidate chosen as the
    #: model and every candidate's inner-CV figures on that training set.
    selection: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> BacktestReport:
        scorers = [
            ScorerMetrics(**{**s, "calibration": [tuple(p) for p in s.get("calibration", [])]})
            for s in data["scorers"]
        ]
        return cls(**{**data, "scorers": scorers})


def _ranking(scores: np.ndarray) -> np.ndarray:
    """Indices from best to worst score; ties broken by a fixed shuffle, not by input order.

    A rule score gives many leads the same points; breaking ties by the order the leads were
    loaded would flatter or punish it by accident.
    """
    jitter = np.random.default_rng(0).permutation(len(scores))
    return np.lexsort((jitter, -scores))


def roc_auc(y: np.ndarray, scores: np.ndarray) -> float:
    """AUC, or NaN when only one class is present (no ranking to judge)."""
    y = np.asarray(y, dtype=int)
    return float(roc_auc_score(y, scores)) if 0 < y.sum() < len(y) else float("nan")


def capture_at(y: np.ndarray, scores: np.ndarray, share: float) -> float:
    """Share of all wins found among the best-scored ``share`` of leads."""
    wins = y.sum()
    if wins == 0:
        return 0.0
    top = _ranking(scores)[: max(1, round(share * len(y)))]
    return float(y[top].sum() / wins)


def lift_by_decile(y: np.ndarray, scores: np.ndarray, deciles: int = DECILES) -> list[float]:
    base_rate = y.mean()
    if base_rate == 0:
        return [0.0] * deciles
    groups = np.array_split(_ranking(scores), deciles)
    return [float(y[g].mean() / base_rate) if len(g) else 0.0 for g in groups]


def scorer_metrics(
    name: str, y, scores, *, is_probability: bool = True, bins: int = CALIBRATION_BINS
) -> ScorerMetrics:
    y = np.asarray(y, dtype=int)
    scores = np.asarray(scores, dtype=float)
    two_classes = 0 < y.sum() < len(y)
    calibration: list[tuple[float, float]] = []
    brier = None
    if is_probability:
        brier = float(brier_score_loss(y, scores))
        if two_classes:
            observed, predicted = calibration_curve(y, scores, n_bins=bins, strategy="quantile")
            calibration = [(float(p), float(o)) for p, o in zip(predicted, observed, strict=True)]
    return ScorerMetrics(
        name=name,
        auc=roc_auc(y, scores),
        pr_auc=float(average_precision_score(y, scores)) if two_classes else float("nan"),
        brier=brier,
        capture_top10=capture_at(y, scores, 0.10),
        capture_top20=capture_at(y, scores, 0.20),
        lift_by_decile=lift_by_decile(y, scores),
        calibration=calibration,
    )


def time_split(
    created: np.ndarray, cutoff: datetime | np.datetime64 | None, *, test_share: float = 0.2
) -> tuple[np.ndarray, np.ndarray, np.datetime64]:
    """Train on leads created before the cutoff, test on the rest (default: newest 20%)."""
    created = np.asarray(created, dtype="datetime64[us]")
    if cutoff is None:
        ordered = np.sort(created)
        cutoff_value = ordered[min(len(ordered) - 1, int(len(ordered) * (1 - test_share)))]
    else:
        # numpy's stubs accept a datetime or a datetime64, each alone, not their union.
        cutoff_value = np.datetime64(cutoff, "us")  # type: ignore[call-overload]
    test = created >= cutoff_value
    return np.flatnonzero(~test), np.flatnonzero(test), cutoff_value


def kfold_splits(y: np.ndarray, folds: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds, shuffled with a fixed seed so that a rerun gives the same report."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0)
    yield from splitter.split(np.zeros(len(y)), y)
