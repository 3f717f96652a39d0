"""The sampling rule, the dealing of leads to raters and the audit score (pure)."""

from collections import Counter

import pytest

from accord.quality.rules import Candidate, audit_score, raters_deal, sample_stratified


def _population() -> list[Candidate]:
    # A big channel (1: 100 hand-offs), a small one (2: 3), leads without a channel (4).
    big = [Candidate(i, 1) for i in range(1, 101)]
    small = [Candidate(i, 2) for i in range(101, 104)]
    none = [Candidate(i, None) for i in range(104, 108)]
    return big + small + none


def test_every_channel_gets_the_same_allocation_and_small_ones_all_they_have():
    picked = sample_stratified(_population(), per_channel=5, seed=7)
    per_channel = Counter(c.channel_id for c in picked)
    assert per_channel == {1: 5, 2: 3, None: 4}
    # A proportional sample of 12 would give the 3-lead channel nothing (12 * 3 / 107 < 1).
    assert len(picked) == 12


def test_the_same_seed_draws_the_same_sample_and_another_seed_another():
    first = sample_stratified(_population(), per_channel=5, seed=7)
    again = sample_stratified(list(reversed(_population())), per_channel=5, seed=7)
    other = sample_stratified(_population(), per_channel=5, seed=8)
    assert first == again
    assert [c.lead_id for c in first if c.channel_id == 1] != [
        c.lead_id for c in other if c.channel_id == 1
    ]


def test_adding_a_channel_leaves_the_other_channels_draw_alone():
    before = sample_stratified(_population(), per_channel=5, seed=3)
    after = sample_stratified([*_population(), Candidate(500, 9)], per_channel=5, seed=3)
    assert [c for c in after if c.channel_id != 9] == before


def test_raters_are_dealt_in_turn_with_every_fifth_item_rated_twice():
    dealt = raters_deal(10, [11, 12, 13], overlap_pct=20)
    assert dealt == [
        (11, 12),
        (12,),
        (13,),
        (11,),
        (12,),
        (13, 11),
        (11,),
        (12,),
        (13,),
        (11,),
    ]
    assert raters_deal(3, [11], overlap_pct=50) == [(11,), (11,), (11,)]  # one rater: no pairs
    assert raters_deal(2, [11, 12], overlap_pct=0) == [(11,), (12,)]


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ({1: "pass", 2: "pass", 3: "pass"}, 100.0),
        ({1: "pass", 2: "fail", 3: "pass"}, 66.7),  # (3 + 1) / (3 + 2 + 1)
        ({1: "fail", 2: "pass", 3: "na"}, 40.0),  # 2 / (3 + 2): n/a leaves the denominator
        ({1: "na", 2: "na", 3: "na"}, None),
    ],
)
def test_audit_score_is_the_weighted_share_of_applicable_items_passed(results, expected):
    assert audit_score(results, {1: 3, 2: 2, 3: 1}) == expected
