"""Inter-rater agreement on 1-5 lead-quality ratings: quadratic-weighted Cohen's kappa.

Ratings are ordinal, so a 4 against a 5 is a smaller disagreement than a 1 against a 5:
the quadratic weights of scikit-learn's ``cohen_kappa_score`` say so. Cohen's kappa is
defined for two fixed raters; in a review different pairs of people rate different leads, so
every pair of ratings of one lead is taken in both orders (a rater-symmetric kappa, which is
then Scott's pi with the same weights: both marginals are the pooled distribution of ratings).

Trust: a channel's quality score is trusted only when at least ``MIN_PAIRS`` of its leads
were rated twice and their agreement reaches ``TRUSTED_KAPPA`` (0.4, the bottom of
"moderate" on Landis and Koch's scale); below that it is flagged untrusted, and with fewer
pairs there is too little to judge.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

SCALE = (1, 2, 3, 4, 5)
MIN_PAIRS = 5
TRUSTED_KAPPA = 0.4

TRUSTED = "trusted"
UNTRUSTED = "untrusted"
TOO_FEW = "too_few"


@dataclass(frozen=True)
class Agreement:
    #: Leads rated by two people or more.
    leads: int
    #: Pairs of ratings compared (a lead rated three times gives three pairs).
    pairs: int
    #: Quadratic-weighted kappa (1.0 when every pair agrees); None without pairs.
    kappa: float | None
    #: TRUSTED, UNTRUSTED or TOO_FEW.
    trust: str


def rating_pairs(ratings_per_lead: Iterable[Sequence[int]]) -> list[tuple[int, int]]:
    """Every pair of ratings of one lead (leads rated once give none)."""
    pairs: list[tuple[int, int]] = []
    for ratings in ratings_per_lead:
        pairs.extend(combinations(ratings, 2))
    return pairs


def weighted_kappa(pairs: Sequence[tuple[int, int]]) -> float | None:
    """Quadratic-weighted kappa of the pairs, both orders counted (see the module)."""
    if not pairs:
        return None
    # scikit-learn loads in about a second; only pages that show agreement pay for it.
    from sklearn.metrics import cohen_kappa_score

    if all(a == b for a, b in pairs):
        return 1.0  # nobody disagreed: perfect agreement, whatever chance would give
    first = [a for a, b in pairs] + [b for a, b in pairs]
    second = [b for a, b in pairs] + [a for a, b in pairs]
    value = float(cohen_kappa_score(first, second, labels=list(SCALE), weights="quadratic"))
    return None if math.isnan(value) else value


def agreement_of(ratings_per_lead: Iterable[Sequence[int]]) -> Agreement:
    multi = [list(r) for r in ratings_per_lead if len(r) >= 2]
    pairs = rating_pairs(multi)
    kappa = weighted_kappa(pairs)
    if len(multi) < MIN_PAIRS or kappa is None:
        trust = TOO_FEW
    elif kappa >= TRUSTED_KAPPA:
        trust = TRUSTED
    else:
        trust = UNTRUSTED
    return Agreement(leads=len(multi), pairs=len(pairs), kappa=kappa, trust=trust)
