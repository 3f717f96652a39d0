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
        facts = con.execute(q.facts_sql(scope), params).df()
        no_rate = int(facts["rate"].isna().sum())
        facts = facts[facts["rate"].notna()].copy()
        for column in MONEY:
            facts[column] = facts[column].astype("float64") * facts["rate"]
        links = con.execute(q.links_sql(scope), _only(params, scope)).df()
        links = links[links["deal_id"].isin(facts["deal_id"])]
        promos = self._promotions(con, company)
        facts = _with_promotion_costs(facts, links, promos)
        min_closed = query.min_closed
        full = facts[~facts["promoted"]]
        groups = [
            group_figures(FULL_PRICE, "Full price", full, min_closed),
            group_figures(ANY_PROMOTION, "Any promotion", facts[facts["promoted"]], min_closed),
        ]
        matched = [
            matched_comparison(
                ANY_PROMOTION, "Any promotion", facts[facts["promoted"]], full, min_closed
            )
        ]
        used = [p for p in promos if p.key in set(links["promotion_id"].astype(str))]
        for promo in used:
            ids = links.loc[links["promotion_id"].astype(str) == promo.key, "deal_id"]
            deals = facts[facts["deal_id"].isin(ids)]
            groups.append(group_figures(promo.key, promo.name, deals, min_closed))
            matched.append(matched_comparison(promo.key, promo.name, deals, full, min_closed))
        bands = [
            group_figures(key, key, facts[_band_mask(facts, low, high)], min_closed)
            for key, low, high in BANDS
        ]
        labels = {g.key: g.label for g in groups}
        members = {FULL_PRICE: full, ANY_PROMOTION: facts[facts["promoted"]]}
        for promo in used:
            ids = links.loc[links["promotion_id"].astype(str) == promo.key, "deal_id"]
            members[promo.key] = facts[facts["deal_id"].isin(ids)]
        compared = [g for g in groups if g.deals] + [m for m in matched if m.matched_deals]
        return PromotionsResult(
            query=query,
            currency=company,
            promotions=tuple(used),
            groups=tuple(groups),
            bands=tuple(bands),
            matched=tuple(matched),
            mix=mix_rows(members, labels),
            retention=retention_rows(con, members, labels),
            approvals=approval_rows(con, q.APPROVALS_SQL.format(scope=scope), _only(params, scope)),
            reps=self._reps(con, facts, min_closed),
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
        self, con: duckdb.DuckDBPyConnection, facts: pd.DataFrame, min_closed: int
    ) -> tuple[GroupFigures, ...]:
        names = dict(con.execute("SELECT id, username FROM users").fetchall())
        rows = [
            group_figures(str(owner), names.get(owner, str(owner)), deals, min_closed)
            for owner, deals in facts.groupby("owner_id")
        ]
        rows.sort(key=lambda r: (-(r.avg_discount or 0), r.label))
        return tuple(rows)


def _only(params: dict[str, Any], sql: str) -> dict[str, Any]:
    """The parameters ``sql`` names (DuckDB refuses unused ones)."""
    return {k: v for k, v in params.items() if f"${k}" in sql}


def _band_mask(facts: pd.DataFrame, low: float, high: float) -> pd.Series:
    rate = facts["discount_rate"].fillna(0.0)
    return (rate > low) & (rate <= high + 1e-9) if low >= 0 else rate <= 1e-9


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
