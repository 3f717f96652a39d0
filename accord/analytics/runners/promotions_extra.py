"""The promotion report's other sections: the segment mix of the customers each group won,
their repeat purchase and churn, and requested vs approved discounts by the ladder's rung."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from accord.analytics.runners.promotions_stats import ratio, wilson

#: The segment dimensions of the mix: (key, column of the deal facts).
MIX_DIMENSIONS = (("size", "size_band"), ("industry", "industry"), ("region", "region"),
                  ("grade", "grade"))  # fmt: skip
LEVELS = ("rep", "manager", "admin")


@dataclass(frozen=True)
class MixRow:
    group: str
    label: str
    dimension: str
    #: '' when the account (or lead) does not say.
    value: str
    won: int
    #: Of the group's won deals.
    share: float


def mix_rows(
    facts: pd.DataFrame, members: dict[str, np.ndarray], labels: dict[str, str]
) -> tuple[MixRow, ...]:
    """Who each group's won deals are: share of won deals per size band, industry, country
    and fit grade (``members``: each group's mask over ``facts``)."""
    won = facts["won"].to_numpy(dtype=bool)
    coded = {
        dimension: pd.factorize(facts[column].fillna("").astype(str), sort=True)
        for dimension, column in MIX_DIMENSIONS
    }
    rows = []
    for key, mask in members.items():
        chosen = mask & won
        total = int(chosen.sum())
        if not total:
            continue
        for dimension, _column in MIX_DIMENSIONS:
            codes, values = coded[dimension]
            counts = np.bincount(codes[chosen], minlength=len(values))
            for index in sorted(np.flatnonzero(counts), key=lambda i: (-counts[i], values[i])):
                count = int(counts[index])
                rows.append(
                    MixRow(key, labels[key], dimension, str(values[index]), count, count / total)
                )
    return tuple(rows)


@dataclass(frozen=True)
class RetentionRow:
    group: str
    label: str
    #: Accounts whose first won deal of the group is in the report.
    customers: int
    #: Of those, with a deal opened after that win; with a later deal won; whose latest
    #: later closed deal was lost (churned).
    with_later_deals: int
    repeat: int
    churned: int
    repeat_rate: float | None
    repeat_rate_low: float | None
    repeat_rate_high: float | None
    #: Churned over customers with a later closed deal.
    churn_rate: float | None
    churn_rate_low: float | None
    churn_rate_high: float | None


#: Per group: its customers (their first won deal of the group) and what the account did
#: after that win, in or out of the report's period.
RETENTION_SQL = """
WITH owned AS (
    SELECT d.id, coalesce(d.account_id, c.account_id) AS account_id, d.stage, d.created_at,
        d.closed_at
    FROM deals d LEFT JOIN leads l ON l.id = d.lead_id LEFT JOIN contacts c ON c.id = l.contact_id
),
later AS (
    SELECT f.g, f.account_id, o.stage,
        row_number() OVER (PARTITION BY f.g, f.account_id ORDER BY o.closed_at DESC NULLS LAST,
            o.id DESC) AS latest
    FROM promo_customers f
    JOIN owned o ON o.account_id = f.account_id AND o.created_at > f.closed_at
        AND o.id <> f.deal_id
),
per AS (
    SELECT g, account_id, bool_or(stage = 'won') AS repeat,
        bool_or(stage = 'lost' AND latest = 1) AS churned,
        bool_or(stage IN ('won', 'lost')) AS closed_later
    FROM later GROUP BY g, account_id
)
SELECT f.g, count(*) AS customers, count(p.account_id) AS with_later,
    count(*) FILTER (WHERE p.repeat) AS repeat, count(*) FILTER (WHERE p.churned) AS churned,
    count(*) FILTER (WHERE p.closed_later) AS closed_later
FROM promo_customers f LEFT JOIN per p USING (g, account_id)
GROUP BY f.g
"""


def retention_rows(
    con: duckdb.DuckDBPyConnection,
    facts: pd.DataFrame,
    members: dict[str, np.ndarray],
    labels: dict[str, str],
) -> tuple[RetentionRow, ...]:
    """Repeat purchase and churn of the customers each group won: any deal of the account
    opened after the first win counts; churned: the latest of those closed was lost."""
    won = facts["won"].to_numpy(dtype=bool) & (facts["account_id"].to_numpy() > 0)
    narrow = facts[["account_id", "deal_id", "closed_at"]]
    firsts = []
    for key, mask in members.items():
        part = narrow[mask & won].sort_values(["closed_at", "deal_id"])
        firsts.append(part.drop_duplicates("account_id").assign(g=key))
    customers = pd.concat(firsts)
    if customers.empty:
        return ()
    con.register("promo_customers", customers)
    try:
        found = {row[0]: row[1:] for row in con.execute(RETENTION_SQL).fetchall()}
    finally:
        con.unregister("promo_customers")
    rows = []
    for key in members:
        if key not in found:
            continue
        n, with_later, repeat, churned, closed_later = (int(v) for v in found[key])
        r_low, r_high = wilson(repeat, n)
        c_low, c_high = wilson(churned, closed_later)
        rows.append(
            RetentionRow(
                group=key, label=labels[key], customers=n, with_later_deals=with_later,
                repeat=repeat, churned=churned, repeat_rate=ratio(repeat, n),
                repeat_rate_low=r_low, repeat_rate_high=r_high,
                churn_rate=ratio(churned, closed_later), churn_rate_low=c_low,
                churn_rate_high=c_high,
            )
        )  # fmt: skip
    return tuple(rows)


@dataclass(frozen=True)
class ApprovalRow:
    #: The ladder's rung the discount needed ("rep", "manager", "admin"), or "all".
    level: str
    requests: int
    approved: int
    rejected: int
    pending: int
    withdrawn: int
    #: Mean requested percent; mean approved percent of the approved ones (and what they
    #: asked for), so the cut approvers make shows.
    avg_requested_pct: float | None
    avg_approved_requested_pct: float | None
    avg_approved_pct: float | None
    approval_rate: float | None


def approval_rows(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]
) -> tuple[ApprovalRow, ...]:
    """``sql``: the approvals of the report's deals (``promotions_sql.APPROVALS_SQL``)."""
    found = con.execute(
        f"""
WITH a AS ({sql})
SELECT CASE WHEN grouping(required_level) = 1 THEN 'all' ELSE required_level END,
    count(*), count(*) FILTER (WHERE status = 'approved'),
    count(*) FILTER (WHERE status = 'rejected'), count(*) FILTER (WHERE status = 'pending'),
    count(*) FILTER (WHERE status = 'withdrawn'), avg(requested_percent),
    avg(requested_percent) FILTER (WHERE status = 'approved'),
    avg(approved_percent) FILTER (WHERE status = 'approved')
FROM a GROUP BY GROUPING SETS ((required_level), ())""",
        params,
    ).fetchall()
    if not found or not found[0][1]:
        return ()
    rank = {level: i for i, level in enumerate((*LEVELS, "all"))}
    found.sort(key=lambda r: (rank.get(r[0], len(LEVELS) - 0.5), r[0]))
    return tuple(
        ApprovalRow(
            level=level, requests=int(n), approved=int(approved), rejected=int(rejected),
            pending=int(pending), withdrawn=int(withdrawn),
            avg_requested_pct=_float(asked), avg_approved_requested_pct=_float(asked_ok),
            avg_approved_pct=_float(granted),
            approval_rate=ratio(int(approved), int(approved) + int(rejected)),
        )
        for level, n, approved, rejected, pending, withdrawn, asked, asked_ok, granted in found
    )  # fmt: skip


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
