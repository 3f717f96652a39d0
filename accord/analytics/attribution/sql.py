"""DuckDB SQL for the attribution models, so that runners push the heavy work into the engine.

Every builder returns ``(sql, params)`` for ``connection.execute(sql, params)``. The SQL reads
two relations (names are parameters of the builders, checked to be plain identifiers):

``touches(journey_id, position, channel_id, ts, is_lead, is_opportunity, is_close)``
    one row per touch; ``position`` orders the touches of a journey, ``ts`` is seconds since
    an epoch (DOUBLE), the flags mark the lead-, opportunity- and close-creating touches;
``journeys(journey_id, converted, value, conversion_ts)``
    one row per journey; ``conversion_ts`` is the conversion time, or the end of the window
    for a journey that did not convert.

The rule-based query returns the credits of the seven models in one pass; the Markov and
Shapley queries return aggregated transitions and coalitions, which the numpy code in
``markov`` and ``shapley`` turns into credits (``markov_credits_from_rows``,
``shapley_credits_from_rows``). The numbers equal those of ``aggregate`` (tested).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from accord.analytics.attribution import markov, shapley
from accord.analytics.attribution.positions import (
    DEFAULT_HALF_LIFE_DAYS,
    POSITION_SHARES,
    RULE_MODELS,
    SECONDS_PER_DAY,
    TIME_DECAY,
)
from accord.core.errors import InvalidInput

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")

#: The SQL name of each position's flag and of "the journey has this position".
_FLAG = {
    "first": ("is_first", "TRUE"),
    "last": ("is_last", "TRUE"),
    "lead": ("is_lead", "has_lead"),
    "opportunity": ("is_opportunity", "has_opportunity"),
    "close": ("is_close", "has_close"),
}


def _relation(name: str, field: str) -> str:
    if not _IDENTIFIER.match(name):
        raise InvalidInput(f"{name!r} is not a plain table name.", field=field)
    return name


def _base(
    touches: str, journeys: str, *, columns: str, converted_only: bool, lookback_days: float | None
) -> tuple[str, dict[str, Any]]:
    where = ["j.converted"] if converted_only else []
    params: dict[str, Any] = {}
    if lookback_days is not None:
        if not lookback_days > 0:
            raise InvalidInput(
                "The lookback window must be a positive number of days.", field="lookback"
            )
        where += ["t.ts <= j.conversion_ts", "t.ts > j.conversion_ts - $lookback"]
        params["lookback"] = lookback_days * SECONDS_PER_DAY
    sql = (
        f"SELECT {columns} FROM {_relation(touches, 'touches')} AS t "
        f"JOIN {_relation(journeys, 'journeys')} AS j ON j.journey_id = t.journey_id"
    )
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql, params


def _weight_sql(model: str) -> str:
    """Per-touch weight of one model, from the columns of the ``shaped`` step."""
    if model == TIME_DECAY:
        return "(decay / decay_total)"
    shares = POSITION_SHARES[model]
    named = shares.named.items()
    raw = [f"{float(share)!r} * CAST({_FLAG[p][0]} AS DOUBLE)" for p, share in named]
    total = [f"{float(share)!r} * CAST({_FLAG[p][1]} AS DOUBLE)" for p, share in named]
    if shares.rest:
        rest = float(shares.rest)
        held = " OR ".join(_FLAG[p][0] for p in shares.named) or "FALSE"
        raw.append(f"CASE WHEN ({held}) THEN 0.0 ELSE {rest!r} / {model}_others END")
        total.append(f"CASE WHEN {model}_others > 0 THEN {rest!r} ELSE 0.0 END")
    return f"(({' + '.join(raw)}) / ({' + '.join(total)}))"


def rule_credits_sql(
    *,
    models: tuple[str, ...] = RULE_MODELS,
    half_life_days: float = DEFAULT_HALF_LIFE_DAYS,
    lookback_days: float | None = None,
    touches: str = "touches",
    journeys: str = "journeys",
) -> tuple[str, dict[str, Any]]:
    """Credits of the rule-based models: ``channel_id, <model>_conversions, <model>_revenue``."""
    unknown = [m for m in models if m not in RULE_MODELS]
    if unknown or not models:
        raise InvalidInput(f"Unknown rule-based models {unknown}.", field="model")
    if not half_life_days > 0:
        raise InvalidInput("The half-life must be a positive number of days.", field="half_life")
    base, params = _base(
        touches,
        journeys,
        columns="t.journey_id, t.position, t.channel_id, t.ts, t.is_lead, t.is_opportunity, "
        "t.is_close, j.value",
        converted_only=True,
        lookback_days=lookback_days,
    )
    params["half_life"] = half_life_days * SECONDS_PER_DAY
    others = []
    for model in models:
        if model == TIME_DECAY:
            continue
        shares = POSITION_SHARES[model]
        held = " OR ".join(_FLAG[p][0] for p in shares.named) or "FALSE"
        others.append(f"sum(CASE WHEN ({held}) THEN 0 ELSE 1 END) OVER j AS {model}_others")
    credited = []
    for model in models:
        weight = _weight_sql(model)
        credited.append(f"sum({weight}) AS {model}_conversions")
        credited.append(f"sum({weight} * value) AS {model}_revenue")
    sql = f"""
WITH base AS ({base}),
positioned AS (
    SELECT *,
        position = min(position) OVER j AS is_first,
        position = max(position) OVER j AS is_last,
        bool_or(is_lead) OVER j AS has_lead,
        bool_or(is_opportunity) OVER j AS has_opportunity,
        bool_or(is_close) OVER j AS has_close,
        pow(2.0, (ts - max(ts) OVER j) / $half_life) AS decay
    FROM base
    WINDOW j AS (PARTITION BY journey_id)
),
shaped AS (
    SELECT *,
        {", ".join(["sum(decay) OVER j AS decay_total", *others])}
    FROM positioned
    WINDOW j AS (PARTITION BY journey_id)
)
SELECT channel_id, {", ".join(credited)}
FROM shaped
GROUP BY channel_id
ORDER BY channel_id
"""
    return sql, params


def markov_transitions_sql(
    *,
    n_channels: int,
    order: int = 1,
    lookback_days: float | None = None,
    touches: str = "touches",
    journeys: str = "journeys",
) -> tuple[str, dict[str, Any]]:
    """Aggregated transitions ``from_code, to_code, n`` in ``markov.state_code`` codes."""
    if order < 1 or order * np.log2(n_channels + 1) >= 30:
        raise InvalidInput("The order must be at least 1 and not too high.", field="order")
    base, params = _base(
        touches,
        journeys,
        columns="t.journey_id, t.position, t.channel_id, j.converted",
        converted_only=False,
        lookback_days=lookback_days,
    )
    radix = n_channels + 1

    def digit(lag: int, power: int) -> str:
        """Channel ``lag`` touches back, + 1 (0 before the journey), times radix**power."""
        if lag == 0:
            return f"(channel_id + 1) * {radix**power}"
        return f"coalesce(lag(channel_id, {lag}) OVER w + 1, 0) * {radix**power}"

    # One ordered window pass gives each touch its state and its predecessor's state (the
    # channels one step further back; 0, the start, when there is none); the small grouped
    # result is materialised and read twice for the inner and the absorbing transitions.
    code = " + ".join(digit(lag, lag) for lag in range(order))
    from_code = " + ".join(digit(lag, lag - 1) for lag in range(1, order + 1))
    sql = f"""
WITH base AS ({base}),
coded AS (
    SELECT converted,
        CAST({code} AS BIGINT) AS code,
        CAST({from_code} AS BIGINT) AS from_code,
        lead(channel_id) OVER w IS NULL AS is_last
    FROM base
    WINDOW w AS (PARTITION BY journey_id ORDER BY position)
),
grouped AS MATERIALIZED (
    SELECT from_code, code, is_last, converted, count(*) AS n
    FROM coded
    GROUP BY from_code, code, is_last, converted
),
steps AS (
    SELECT from_code, code AS to_code, n FROM grouped
    UNION ALL
    SELECT code AS from_code,
        CASE WHEN converted THEN {markov.CONVERSION} ELSE {markov.NULL} END AS to_code, n
    FROM grouped
    WHERE is_last
)
SELECT from_code, to_code, CAST(sum(n) AS BIGINT) AS n
FROM steps
GROUP BY from_code, to_code
ORDER BY from_code, to_code
"""
    return sql, params


def shapley_coalitions_sql(
    *,
    lookback_days: float | None = None,
    touches: str = "touches",
    journeys: str = "journeys",
) -> tuple[str, dict[str, Any]]:
    """Channel sets of converting journeys: ``mask, conversions, revenue`` (channel ids < 64)."""
    base, params = _base(
        touches,
        journeys,
        columns="t.journey_id, t.channel_id, j.value",
        converted_only=True,
        lookback_days=lookback_days,
    )
    sql = f"""
WITH base AS ({base}),
sets AS (
    SELECT journey_id,
        bit_or(CAST(1 AS UBIGINT) << CAST(channel_id AS INTEGER)) AS mask,
        any_value(value) AS value
    FROM base
    GROUP BY journey_id
)
SELECT mask, CAST(count(*) AS DOUBLE) AS conversions, sum(value) AS revenue
FROM sets
GROUP BY mask
ORDER BY mask
"""
    return sql, params


def totals_sql(
    *,
    lookback_days: float | None = None,
    touches: str = "touches",
    journeys: str = "journeys",
) -> tuple[str, dict[str, Any]]:
    """Conversions and revenue of the converting journeys with a touch (what credits sum to)."""
    base, params = _base(
        touches,
        journeys,
        columns="DISTINCT t.journey_id, j.value",
        converted_only=True,
        lookback_days=lookback_days,
    )
    sql = f"SELECT CAST(count(*) AS DOUBLE), coalesce(sum(value), 0.0) FROM ({base})"
    return sql, params


def markov_credits_from_rows(
    rows: dict[str, np.ndarray],
    *,
    n_channels: int,
    total_conversions: float,
    total_revenue: float,
) -> markov.MarkovCredits:
    """Credits from the columns of ``markov_transitions_sql`` (``fetchnumpy()``)."""
    chain = markov.chain_from_transitions(
        rows["from_code"], rows["to_code"], rows["n"], n_channels=n_channels
    )
    return markov.markov_credits(
        chain,
        n_channels=n_channels,
        total_conversions=total_conversions,
        total_revenue=total_revenue,
    )


def shapley_credits_from_rows(
    rows: dict[str, np.ndarray], *, n_channels: int
) -> tuple[np.ndarray, np.ndarray]:
    """Simplified Shapley conversions and revenue from ``shapley_coalitions_sql`` columns."""
    masks = np.asarray(rows["mask"], dtype=np.uint64)
    return (
        shapley.simplified_shapley(masks, rows["conversions"], n_channels=n_channels),
        shapley.simplified_shapley(masks, rows["revenue"], n_channels=n_channels),
    )
