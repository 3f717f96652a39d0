"""Inter-rater agreement on a hand-built set, checked against the formula worked by hand."""

import pytest

from accord.analytics.agreement import TOO_FEW, TRUSTED, UNTRUSTED, agreement_of, weighted_kappa


def test_quadratic_weighted_kappa_matches_the_hand_computation():
    # Pairs (1,2) and (3,3), both orders: observed weighted disagreement 2 * (1/4) * (1/16)
    # = 1/32; pooled ratings 1: 1/4, 2: 1/4, 3: 1/2 give an expected one of
    # 2 * Var / 16 = 2 * 0.6875 / 16 = 11/128; kappa = 1 - (1/32) / (11/128) = 7/11.
    assert weighted_kappa([(1, 2), (3, 3)]) == pytest.approx(7 / 11)
    result = agreement_of([[1, 2], [3, 3], [4]])
    assert (result.leads, result.pairs) == (2, 2)
    assert result.kappa == pytest.approx(7 / 11)
    assert result.trust == TOO_FEW  # two leads rated twice are too few to judge


def test_a_lead_rated_three_times_gives_three_pairs():
    assert agreement_of([[2, 3, 4]]).pairs == 3


def test_raters_who_agree_are_trusted_and_ones_who_do_not_are_flagged():
    close = agreement_of([[1, 1], [2, 2], [3, 4], [4, 4], [5, 5]])
    assert close.trust == TRUSTED and close.kappa > 0.9
    apart = agreement_of([[1, 5], [5, 1], [2, 4], [4, 2], [3, 3]])
    assert apart.trust == UNTRUSTED and apart.kappa < 0
    same = agreement_of([[4, 4]] * 5)
    assert (same.kappa, same.trust) == (1.0, TRUSTED)  # nobody disagreed
    assert agreement_of([]).kappa is None
