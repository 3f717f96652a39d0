"""The Odoo-style naive-Bayes baseline, as a scikit-learn estimator.

Odoo CRM's predictive lead scoring keeps, per field, a table of (value, won count, lost count)
and scores a lead with Bayes' rule under the naive independence assumption:

    P(won | x) = P(won) * prod_i P(x_i | won) / (same + P(lost) * prod_i P(x_i | lost))

with every count smoothed by +0.1, values seen in fewer than ``min_value_count`` closed leads
ignored (too rare to trust), unseen or missing values ignored, and the result kept off 0 and 1
(Odoo clamps to 0.01-0.99). It is the baseline every predictive model here has to beat.

Numbers are not categories, so numeric columns with more than ``max_distinct`` values are cut
into quantile bins learnt at fit time; the bins then play the part of Odoo's field values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

SMOOTHING = 0.1
PROBABILITY_FLOOR = 0.01
PROBABILITY_CEILING = 0.99


class OdooNaiveBayes(ClassifierMixin, BaseEstimator):
    """Naive Bayes over per-field value frequency tables (Odoo CRM's lead probability).

    ``X`` is a DataFrame; ``numeric`` names its numeric columns (all others are categorical).
    """

    def __init__(
        self,
        numeric: tuple[str, ...] = (),
        min_value_count: int = 50,
        max_distinct: int = 20,
        n_bins: int = 10,
    ) -> None:
        self.numeric = numeric
        self.min_value_count = min_value_count
        self.max_distinct = max_distinct
        self.n_bins = n_bins

    # --- discretisation -------------------------------------------------------------------

    def _bin_edges(self, column: pd.Series) -> np.ndarray | None:
        values = pd.to_numeric(column, errors="coerce").dropna()
        if values.nunique() <= self.max_distinct:
            return None  # few distinct numbers: each one is a value, as in Odoo
        edges = np.unique(np.quantile(values, np.linspace(0, 1, self.n_bins + 1)[1:-1]))
        return edges

    def _values(self, X: pd.DataFrame, name: str) -> np.ndarray:
        """The column as an array of hashable value keys, None where missing."""
        column = X[name]
        if name in self.numeric:
            numbers = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
            edges = self.bin_edges_.get(name)
            keys = numbers if edges is None else np.searchsorted(edges, numbers, side="right")
            out = np.asarray(keys, dtype=object)
            out[np.isnan(numbers)] = None
            return out
        out = column.astype(object).to_numpy(copy=True)
        out[pd.isna(column).to_numpy()] = None
        return out

    # --- estimator API --------------------------------------------------------------------

    def fit(self, X: pd.DataFrame, y) -> OdooNaiveBayes:
        y = np.asarray(y).astype(int)
        self.classes_ = np.array([0, 1])
        self.columns_ = list(X.columns)
        self.bin_edges_ = {name: self._bin_edges(X[name]) for name in self.numeric if name in X}
        self.prior_won_ = float(y.sum()) / max(1, len(y))
        # tables_[field] = {value: (P(value | won), P(value | lost))}
        self.tables_: dict[str, dict[object, tuple[float, float]]] = {}
        for name in self.columns_:
            frame = pd.DataFrame({"v": self._values(X, name), "y": y}).dropna(subset=["v"])
            if frame.empty:
                continue
            counts = frame.groupby("v")["y"].agg(["sum", "count"])
            counts = counts[counts["count"] >= self.min_value_count]
            if counts.empty:
                continue
            won = counts["sum"].astype(float) + SMOOTHING
            lost = (counts["count"] - counts["sum"]).astype(float) + SMOOTHING
            p_won, p_lost = won / won.sum(), lost / lost.sum()
            self.tables_[name] = {
                value: (float(p_won[value]), float(p_lost[value])) for value in counts.index
            }
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        n = len(X)
        # Sums of logs, not products: 85 factors of ~0.1 underflow a float.
        log_won = np.full(n, np.log(max(self.prior_won_, 1e-12)))
        log_lost = np.full(n, np.log(max(1.0 - self.prior_won_, 1e-12)))
        for name, table in self.tables_.items():
            values = pd.Series(self._values(X, name))
            p_won = values.map({k: v[0] for k, v in table.items()}).to_numpy(dtype=float)
            p_lost = values.map({k: v[1] for k, v in table.items()}).to_numpy(dtype=float)
            known = ~np.isnan(p_won)  # rare, unseen or missing values contribute nothing
            log_won[known] += np.log(p_won[known])
            log_lost[known] += np.log(p_lost[known])
        won = 1.0 / (1.0 + np.exp(log_lost - log_won))
        won = np.clip(won, PROBABILITY_FLOOR, PROBABILITY_CEILING)
        return np.column_stack([1.0 - won, won])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)
