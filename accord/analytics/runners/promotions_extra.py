"""The promotion report's other sections: the segment mix of the customers each group won,
their repeat purchase and churn, and requested vs approved discounts by the ladder's rung."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
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


def mix_rows(members: dict[str, pd.DataFrame], labels: dict[str, str]) -> tuple[MixRow, ...]:
    """Who each group's won deals are: share of won deals per size band, industry, country
    and fit grade."""
    rows = []
    for key, deals in members.items():
        won = deals[deals["won"]]
        if won.empty:
            continue
        for dimension, column in MIX_DIMENSIONS:
            counts = won[column].fillna("").value_counts()
            for value in sorted(counts.index, key=lambda v: (-int(counts[v]), str(v))):
                rows.append(
                    MixRow(key, labels[key], dimension, str(value), int(counts[value]),
                           int(counts[value]) / len(won))
                )  # fmt: skip
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


LATER_SQL = """
SELECT coalesce(d.account_id, c.account_id) AS account_id, d.id AS later_id, d.stage,
    d.created_at AS later_created, d.closed_at AS later_closed
FROM deals d LEFT JOIN leads l ON l.id = d.lead_id LEFT JOIN contacts c ON c.id = l.contact_id
WHERE coalesce(d.account_id, c.account_id) IN (SELECT account_id FROM promo_customers)
"""


def retention_rows(
    con: duckdb.DuckDBPyConnection, members: dict[str, pd.DataFrame], labels: dict[str, str]
) -> tuple[RetentionRow, ...]:
    """Repeat purchase and churn of the customers each group won (any deal of the account
    opened after the first win counts, in or out of the report's period)."""
    firsts = {}
    for key, deals in members.items():
        won = deals[deals["won"] & (deals["account_id"] > 0)]
        won = won.sort_values(["closed_at", "deal_id"]).drop_duplicates("account_id")
        firsts[key] = won[["account_id", "deal_id", "closed_at"]]
    accounts = pd.concat(firsts.values())["account_id"].drop_duplicates().to_frame()
    if accounts.empty:
        return ()
    con.register("promo_customers", accounts)
    try:
        later = con.execute(LATER_SQL).df()
    finally:
        con.unregister("promo_customers")
    rows = []
    for key, first in firsts.items():
        if first.empty:
            continue
        pairs = first.merge(later, on="account_id")
        pairs = pairs[(pairs["later_id"] != pairs["deal_id"])
                      & (pairs["later_created"] > pairs["closed_at"])]  # fmt: skip
        closed = pairs[pairs["stage"].isin(["won", "lost"])].sort_values("later_closed")
        last = closed.drop_duplicates("account_id", keep="last")
        customers = len(first)
        repeat = int(pairs.loc[pairs["stage"] == "won", "account_id"].nunique())
        churned = int((last["stage"] == "lost").sum())
        with_closed = len(last)
        r_low, r_high = wilson(repeat, customers)
        c_low, c_high = wilson(churned, with_closed)
        rows.append(
            RetentionRow(
                group=key, label=labels[key], customers=customers,
                with_later_deals=int(pairs["account_id"].nunique()), repeat=repeat,
                churned=churned, repeat_rate=ratio(repeat, customers), repeat_rate_low=r_low,
                repeat_rate_high=r_high, churn_rate=ratio(churned, with_closed),
                churn_rate_low=c_low, churn_rate_high=c_high,
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
    frame = con.execute(sql, params).df()
    if frame.empty:
        return ()
    rows = []
    levels = [lv for lv in LEVELS if lv in set(frame["required_level"])]
    extra = sorted(set(frame["required_level"]) - set(LEVELS))
    for level in [*levels, *extra, "all"]:
        part = frame if level == "all" else frame[frame["required_level"] == level]
        status = part["status"]
        approved = part[status == "approved"]
        decided = int(status.isin(["approved", "rejected"]).sum())
        rows.append(
            ApprovalRow(
                level=level, requests=len(part), approved=len(approved),
                rejected=int((status == "rejected").sum()),
                pending=int((status == "pending").sum()),
                withdrawn=int((status == "withdrawn").sum()),
                avg_requested_pct=_mean(part["requested_percent"]),
                avg_approved_requested_pct=_mean(approved["requested_percent"]),
                avg_approved_pct=_mean(approved["approved_percent"]),
                approval_rate=ratio(len(approved), decided),
            )
        )  # fmt: skip
    return tuple(rows)


def _mean(values: pd.Series) -> float | None:
    values = values.dropna()
    return float(values.mean()) if len(values) else None
