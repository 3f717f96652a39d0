"""Weight rules of the seven rule-based attribution models for one journey.

A journey is the ordered list of touches that led to one conversion. Each rule returns one
weight per touch; the weights sum to 1. These functions are the reference definition: the
vectorised code in ``aggregate`` and the SQL in ``sql`` compute the same numbers for millions
of journeys at once, and the tests hold them to these.

Position-based models (HubSpot's weights) name positions and give each a share:

==========  =====  ====  ===========  =====  ====
model       first  lead  opportunity  close  rest
==========  =====  ====  ===========  =====  ====
first_touch 1
last_touch                                   (last: 1)
linear                                       1
u_shaped    40%    40%                       20%
w_shaped    30%    30%   30%                 10%
full_path   22.5%  22.5% 22.5%        22.5%  10%
==========  =====  ====  ===========  =====  ====

("lead" is the touch that created the lead, "opportunity" the one at which the deal was
created, "close" the one at which it was won; "rest" is spread evenly over the touches that
hold no named position.)

The coinciding-positions rule, stated once and used everywhere:

1. every named position present in the journey gives its share to the touch at that position;
   when several positions fall on the same touch (a lead created on the first visit), that
   touch gets the sum of their shares;
2. the rest share is spread evenly over the touches that hold no named position;
3. a share with nowhere to go — a named position the journey does not have (the conversion is
   reaching MQL, so there is no opportunity touch yet; or that touch lies outside the lookback
   window), or a rest share when every touch holds a named position — is not given out, and
   the shares that were given out are scaled up in proportion so that they sum to 1.

So a one-touch journey gives that touch 100% under every model; a two-touch U-shaped journey
(first, then lead creation) gives 50%/50%; a three-touch W-shaped journey gives a third each
(HubSpot documents both).

Time decay: a touch's weight halves for every half-life it lies before the conversion
(2 ** -(age / half_life)), normalised to sum to 1. The conversion time cancels in the
normalisation (2 ** (t_i / h) / sum_j 2 ** (t_j / h)), so the rule only needs the touch times;
it is accepted for readability and to check that no touch comes after the conversion.

Position weights are exact ``Fraction`` values; time-decay weights are floats (powers of two
of arbitrary exponents are irrational).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from accord.core.errors import InvalidInput

SECONDS_PER_DAY = 86_400.0
DEFAULT_HALF_LIFE_DAYS = 7.0

FIRST_TOUCH = "first_touch"
LAST_TOUCH = "last_touch"
LINEAR = "linear"
TIME_DECAY = "time_decay"
U_SHAPED = "u_shaped"
W_SHAPED = "w_shaped"
FULL_PATH = "full_path"

#: The seven rule-based models, in the order reports show them.
RULE_MODELS = (FIRST_TOUCH, LAST_TOUCH, LINEAR, TIME_DECAY, U_SHAPED, W_SHAPED, FULL_PATH)

#: Named positions a share can go to.
POSITIONS = ("first", "last", "lead", "opportunity", "close")


@dataclass(frozen=True)
class PositionShares:
    """The shares of one position-based model: named positions and the rest."""

    named: dict[str, Fraction]
    rest: Fraction


_P = Fraction

POSITION_SHARES: dict[str, PositionShares] = {
    FIRST_TOUCH: PositionShares({"first": _P(1)}, _P(0)),
    LAST_TOUCH: PositionShares({"last": _P(1)}, _P(0)),
    LINEAR: PositionShares({}, _P(1)),
    U_SHAPED: PositionShares({"first": _P(2, 5), "lead": _P(2, 5)}, _P(1, 5)),
    W_SHAPED: PositionShares(
        {"first": _P(3, 10), "lead": _P(3, 10), "opportunity": _P(3, 10)}, _P(1, 10)
    ),
    FULL_PATH: PositionShares(
        {"first": _P(9, 40), "lead": _P(9, 40), "opportunity": _P(9, 40), "close": _P(9, 40)},
        _P(1, 10),
    ),
}


def _check_index(name: str, index: int | None, n_touches: int) -> None:
    if index is not None and not 0 <= index < n_touches:
        raise InvalidInput(
            f"{name} must be the index of a touch of the journey (0..{n_touches - 1}).",
            field=name,
        )


def position_weights(
    model: str,
    *,
    n_touches: int,
    lead_index: int | None = None,
    opportunity_index: int | None = None,
    close_index: int | None = None,
) -> tuple[Fraction, ...]:
    """Exact per-touch weights of a position-based model (every model but time decay)."""
    shares = POSITION_SHARES.get(model)
    if shares is None:
        raise InvalidInput(f"Unknown position-based model {model!r}.", field="model")
    if n_touches < 1:
        raise InvalidInput("A journey needs at least one touch.", field="n_touches")
    _check_index("lead_index", lead_index, n_touches)
    _check_index("opportunity_index", opportunity_index, n_touches)
    _check_index("close_index", close_index, n_touches)

    at = {
        "first": 0,
        "last": n_touches - 1,
        "lead": lead_index,
        "opportunity": opportunity_index,
        "close": close_index,
    }
    raw = [Fraction(0)] * n_touches
    held = [False] * n_touches
    for position, share in shares.named.items():
        index = at[position]
        if index is None:
            continue  # rule 3: the journey does not have this position
        raw[index] += share
        held[index] = True
    # Positions a model does not name (the lead touch under first touch) are ordinary touches.
    others = [i for i in range(n_touches) if not held[i]]
    if others and shares.rest:
        for i in others:
            raw[i] += shares.rest / len(others)
    total = sum(raw, Fraction(0))
    return tuple(weight / total for weight in raw)


def time_decay_weights(
    touch_times: Sequence[float],
    *,
    conversion_time: float | None = None,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
) -> tuple[float, ...]:
    """Per-touch weights halving every ``half_life_days`` before the conversion.

    Times are seconds (any epoch). Computed relative to the latest touch so that old
    journeys never underflow to all-zero weights; the result is the same as relative to the
    conversion time.
    """
    if not touch_times:
        raise InvalidInput("A journey needs at least one touch.", field="touch_times")
    if not half_life_days > 0:
        raise InvalidInput("The half-life must be a positive number of days.", field="half_life")
    latest = max(touch_times)
    if conversion_time is not None and latest > conversion_time:
        raise InvalidInput("A touch comes after the conversion.", field="touch_times")
    half_life = half_life_days * SECONDS_PER_DAY
    raw = [2.0 ** ((t - latest) / half_life) for t in touch_times]
    total = sum(raw)
    return tuple(w / total for w in raw)
