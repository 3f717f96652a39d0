"""Pure rules of reviews and audits: the stratified sample, who rates what, the audit score.

**The sampling rule.** The population is the period's hand-offs (leads whose first MQL move
falls in the period; test leads never), split into strata by source channel. Every stratum
gets the same allocation — ``min(N, its size)`` — rather than a share proportional to its
size, so a channel with 12 hand-offs is as present as one with 1,200 (a proportional sample
of 40 would give it none). Within a stratum the leads are ordered by id and shuffled with a
random generator seeded by ``(seed, channel)``: the same seed over the same hand-offs draws the
same sample, and adding a channel does not change another channel's draw.

**Who rates what.** Sampled leads are dealt to the raters in turn (round robin over the
sample in stratum order), so everyone gets about the same number and each channel's leads are
spread across raters. A share of the items (``overlap_pct``, evenly spread: every k-th item)
goes to a second rater as well — the next one in turn — so that agreement between raters can
be measured (``analytics.agreement``).

**The audit score.** Each checklist item has a weight; an item is passed, failed or not
applicable. Score = 100 x (weight of passed items) / (weight of applicable items); with no
applicable item there is no score.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "na"


@dataclass(frozen=True)
class Candidate:
    lead_id: int
    channel_id: int | None


def sample_stratified(
    candidates: Sequence[Candidate], *, per_channel: int, seed: int
) -> list[Candidate]:
    """``min(per_channel, size)`` leads of each channel, reproducibly (see the module)."""
    strata: dict[int | None, list[Candidate]] = {}
    for candidate in candidates:
        strata.setdefault(candidate.channel_id, []).append(candidate)
    picked: list[Candidate] = []
    for channel_id in sorted(strata, key=lambda c: (c is None, c or 0)):
        members = sorted(strata[channel_id], key=lambda c: c.lead_id)
        random.Random(f"{seed}:{channel_id}").shuffle(members)
        picked.extend(sorted(members[:per_channel], key=lambda c: c.lead_id))
    return picked


def raters_deal(
    item_count: int, rater_ids: Sequence[int], *, overlap_pct: int
) -> list[tuple[int, ...]]:
    """For each item (in order), the raters asked to rate it (see the module)."""
    if not rater_ids:
        return [() for _ in range(item_count)]
    raters = list(rater_ids)
    every = _overlap_step(overlap_pct) if len(raters) > 1 else 0
    dealt: list[tuple[int, ...]] = []
    for index in range(item_count):
        first = raters[index % len(raters)]
        if every and index % every == 0:
            dealt.append((first, raters[(index + 1) % len(raters)]))
        else:
            dealt.append((first,))
    return dealt


def _overlap_step(overlap_pct: int) -> int:
    """Every k-th item is rated twice, k = round(100 / pct); 0 for none."""
    if overlap_pct <= 0:
        return 0
    return max(1, round(100 / overlap_pct))


def audit_score(results: Mapping[int, str], weights: Mapping[int, int]) -> float | None:
    """Weighted share of passed items among applicable ones, 0-100 (None: none applicable)."""
    applicable = [item for item, outcome in results.items() if outcome != NOT_APPLICABLE]
    total = sum(weights[item] for item in applicable)
    if not total:
        return None
    passed = sum(weights[item] for item in applicable if results[item] == PASS)
    return round(100 * passed / total, 1)
