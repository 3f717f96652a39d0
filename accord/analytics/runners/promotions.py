"""Promotions: do discounts buy revenue or destroy it?

For the deals of the period (cohort mode: created in it; period mode: closed in it), with
each promotion, with any, and at full price, and by depth of discount: win rate, cycle,
average discount, the price waterfall of the won deals down to pocket margin (list -
discounts - promotion costs - cost), the segment mix of the customers won (size band,
industry, country, fit grade of the lead), repeat purchase and churn of the customers won on
promotion vs at full price; each promotion against *matched* full-price deals (same pipeline,
industry, size band, stage reached, quarter) with the break-even lift m / (m - d) beside
the measured lift; requested vs approved discounts by the ladder's rung; and per rep, who
discounts most and whether it pays.

Reads only the analytics copy. Money in the company currency (``ACCORD_COMPANY_CURRENCY``),
converted by the dated exchange rates; deals in a currency without a rate are left out and
counted. A promotion's fixed cost is spread evenly over its won deals of the report, and
its cost per deal charged to each won deal. Intervals: see ``promotions_stats``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from django.conf import settings

from accord.analytics.filters import ReportFilters
from accord.analytics.runners import promotions_sql as q
from accord.analytics.runners.base import run_read
from accord.analytics.runners.promotions_extra import (
    ApprovalRow,
    MixRow,
    RetentionRow,
    approval_rows,
    mix_rows,
    retention_rows,
)
from accord.analytics.runners.promotions_stats import (
    Facts,
    GroupFigures,
    MatchedComparison,
    group_figures,
    matched_comparison,
)
from accord.core.errors import InvalidInput

#: Discount depth bands: (key, lowest fraction exclusive, highest inclusive); "0" is none.
BANDS: tuple[tuple[str, float, float], ...] = (
    ("0%", -1.0, 0.0),
    ("0-10%", 0.0, 0.10),
    ("10-20%", 0.10, 0.20),
    ("20-30%", 0.20, 0.30),
    ("30%+", 0.30, 1.0),
)
FULL_PRICE = "full_price"
ANY_PROMOTION = "any_promotion"
MONEY = ("list_amount", "discount", "net", "cost")
FLAGS = ("won", "closed", "has_lines", "flagged")


@dataclass(frozen=True)
class PromotionsQuery:
    filters: ReportFilters
    pipeline: str | None = None
    #: Groups with fewer closed deals than this are flagged too small to compare.
    min_closed: int = 30

    def __post_init__(self) -> None:
        if not 1 <= self.min_closed <= 10_000:
            raise InvalidInput("The minimum group size is 1 to 10,000.", field="min_closed")


@dataclass(frozen=True)
class PromotionInfo:
    key: str
    name: str
    code: str
    starts_on: date
    ends_on: date | None
    discount_kind: str
    discount_value: float
    fixed_cost: float
    cost_per_deal: float
    campaign: str | None


@dataclass(frozen=True)
class PromotionsResult:
    query: PromotionsQuery
    currency: str
    promotions: tuple[PromotionInfo, ...]
    #: Full price, any promotion, then each promotion used by the report's deals.
    groups: tuple[GroupFigures, ...]
    bands: tuple[GroupFigures, ...]
    matched: tuple[MatchedComparison, ...]
    mix: tuple[MixRow, ...]
    retention: tuple[RetentionRow, ...]
    approvals: tuple[ApprovalRow, ...]
    #: Per rep, the deepest average discount first.
    reps: tuple[GroupFigures, ...]
    deals: int
    deals_without_rate: int
    won_without_lines: int
    #: Some compared group has fewer closed deals than ``query.min_closed``.
    too_small: bool
    data_as_of: datetime | None
    notes: tuple[str, ...] = ()


class PromotionsRunner:
    def __init__(self, query: PromotionsQuery):
        self.query = query

    def run(self) -> PromotionsResult:
        return run_read(self.query.filters, self._run)

    def _run(self, con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> PromotionsResult:
        query = self.query
        company = str(getattr(settings, "COMPANY_CURRENCY", "USD"))
        if (
            query.pipeline
            and not con.execute(
                "SELECT count(*) FROM pipelines WHERE key = ?", [query.pipeline]
            ).fetchall()[0][0]
        ):
            raise InvalidInput(f"There is no pipeline {query.pipeline!r}.", field="pipeline")
        scope, params = q.scope_sql(query.filters, pipeline=query.pipeline)
        params = {**params, "company": company}
        # Through numpy: twice as fast as ``.df()`` on the text columns.
        facts = pd.DataFrame(con.execute(q.facts_sql(scope), params).fetchnumpy())
        # Conditions come back as booleans from DuckDB and as 0/1 from ClickHouse.
        facts[list(FLAGS)] = facts[list(FLAGS)].astype(bool)
        no_rate = int(facts["rate"].isna().sum())
        facts = facts[facts["rate"].notna()].copy()
        for column in MONEY:
            facts[column] = facts[column].astype("float64") * facts["rate"]
        links = con.execute(q.links_sql(scope), _only(params, scope)).df()
        links = links[links["deal_id"].isin(facts["deal_id"])]
        promos = self._promotions(con, company)
        facts = _with_promotion_costs(facts, links, promos)
        arrays = Facts.of(facts)
        # The matched comparison's cells, numbered 0..n-1 from their hashes.
        cells = np.unique(facts["cell"].to_numpy(dtype="uint64"), return_inverse=True)[1]
        min_closed = query.min_closed
        promoted = facts["promoted"].to_numpy(dtype=bool)
        members = {FULL_PRICE: ~promoted, ANY_PROMOTION: promoted}
        labels = {FULL_PRICE: "Full price", ANY_PROMOTION: "Any promotion"}
        deal_ids = facts["deal_id"].to_numpy()
        used = []
        for promo in promos:
            ids = links.loc[links["promotion_id"] == int(promo.key), "deal_id"].to_numpy()
            if len(ids):
                used.append(promo)
                members[promo.key] = np.isin(deal_ids, ids)
                labels[promo.key] = promo.name
        groups = [group_figures(k, labels[k], arrays, mask, min_closed)
                  for k, mask in members.items()]  # fmt: skip
        matched = [
            matched_comparison(k, labels[k], arrays, cells, mask, ~promoted, min_closed)
            for k, mask in members.items()
            if k != FULL_PRICE
        ]
        rate = np.nan_to_num(arrays.discount_rate, nan=0.0)
        bands = [
            group_figures(key, key, arrays, _band_mask(rate, low, high), min_closed)
            for key, low, high in BANDS
        ]
        compared = [g for g in groups if g.deals] + [m for m in matched if m.matched_deals]
        return PromotionsResult(
            query=query,
            currency=company,
            promotions=tuple(used),
            groups=tuple(groups),
            bands=tuple(bands),
            matched=tuple(matched),
            mix=mix_rows(facts, members, labels),
            retention=retention_rows(con, facts, members, labels),
            approvals=approval_rows(con, q.APPROVALS_SQL.format(scope=scope), _only(params, scope)),
            reps=self._reps(con, facts, arrays, min_closed),
            deals=len(facts),
            deals_without_rate=no_rate,
            won_without_lines=int((facts["won"] & ~facts["has_lines"]).sum()),
            too_small=any(g.too_small for g in compared),
            data_as_of=as_of,
            notes=_notes(no_rate, facts, company),
        )

    def _promotions(self, con: duckdb.DuckDBPyConnection, company: str) -> list[PromotionInfo]:
        rows = con.execute(q.PROMOTIONS_SQL, {"company": company}).fetchall()
        return [
            PromotionInfo(
                key=str(pid), name=name, code=code, starts_on=starts, ends_on=ends,
                discount_kind=kind, discount_value=float(value or 0),
                fixed_cost=float(fixed or 0), cost_per_deal=float(per_deal or 0),
                campaign=campaign,
            )
            for pid, name, code, starts, ends, kind, value, fixed, per_deal, campaign in rows
        ]  # fmt: skip

    def _reps(
        self,
        con: duckdb.DuckDBPyConnection,
        facts: pd.DataFrame,
        arrays: Facts,
        min_closed: int,
    ) -> tuple[GroupFigures, ...]:
        """Per owner: the deals sorted by owner once, each rep's a slice of them."""
        names = dict(con.execute("SELECT id, username FROM users").fetchall())
        owners = facts["owner_id"].to_numpy(dtype="float64", na_value=np.nan)
        order = np.argsort(owners, kind="stable")
        ordered, sorted_owners = arrays.take(order), owners[order]
        keys, starts = np.unique(sorted_owners, return_index=True)
        bounds = [*starts[1:], len(sorted_owners)] if len(starts) else []
        rows = []
        for owner, first, after in zip(keys, starts, bounds, strict=True):
            key = "" if np.isnan(owner) else str(int(owner))
            label = names.get(int(owner), key) if key else "(none)"
            rows.append(group_figures(key, label, ordered, slice(first, after), min_closed))
        rows.sort(key=lambda r: (-(r.avg_discount or 0), r.label))
        return tuple(rows)


def _only(params: dict[str, Any], sql: str) -> dict[str, Any]:
    """The parameters ``sql`` names (DuckDB refuses unused ones)."""
    return {k: v for k, v in params.items() if f"${k}" in sql}


def _band_mask(rate: np.ndarray, low: float, high: float) -> np.ndarray:
    """Bounds to within 1e-9 (a discount rounded to the cent is not exactly 20 %)."""
    return (rate > low + 1e-9) & (rate <= high + 1e-9) if low >= 0 else rate <= 1e-9


def _with_promotion_costs(
    facts: pd.DataFrame, links: pd.DataFrame, promos: list[PromotionInfo]
) -> pd.DataFrame:
    """Mark promoted deals; charge each won one its promotions' costs; its pocket margin."""
    facts = facts.copy()
    facts["promoted"] = facts["flagged"] | facts["deal_id"].isin(links["deal_id"])
    won_links = links[links["deal_id"].isin(facts.loc[facts["won"], "deal_id"])]
    costs = pd.DataFrame(
        {
            "promotion_id": [int(p.key) for p in promos],
            "cost_per_deal": [p.cost_per_deal for p in promos],
            "fixed_cost": [p.fixed_cost for p in promos],
        }
    )
    charged = won_links.merge(costs, on="promotion_id")
    per_promo = charged.groupby("promotion_id")["deal_id"].transform("count")
    charged["share"] = charged["cost_per_deal"] + charged["fixed_cost"] / per_promo
    charge = charged.groupby("deal_id")["share"].sum()
    facts["promotion_cost"] = facts["deal_id"].map(charge).fillna(0.0).astype("float64")
    facts.loc[~facts["won"], "promotion_cost"] = 0.0
    facts["pocket_margin"] = facts["net"] - facts["promotion_cost"] - facts["cost"]
    listed = facts["list_amount"].where(facts["list_amount"] > 0)
    facts["discount_rate"] = facts["discount"] / listed
    return facts


def _notes(no_rate: int, facts: pd.DataFrame, company: str) -> tuple[str, ...]:
    notes = []
    if no_rate:
        notes.append(
            f"{no_rate} deal(s) in a currency without an exchange rate to {company} are left out."
        )
    missing = int((facts["won"] & ~facts["has_lines"]).sum())
    if missing:
        notes.append(
            f"{missing} won deal(s) have no line items: their cost is unknown and counted as 0."
        )
    return tuple(notes)
