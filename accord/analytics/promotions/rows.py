"""The promotion report as tables: the main one (each promotion, any promotion and full
price side by side: what CSV exports and the CLI prints first) and its further sections,
shared by ``accord report promotions`` and the page's CSV."""

from __future__ import annotations

from typing import Any

from accord.analytics.runners.promotions import PromotionsResult
from accord.analytics.runners.promotions_stats import GroupFigures


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _num(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def group_row(g: GroupFigures, first: str = "group") -> dict[str, Any]:
    return {
        first: g.label,
        "deals": g.deals,
        "closed": g.closed,
        "won": g.won,
        "win_rate_pct": _pct(g.win_rate),
        "win_rate_low_pct": _pct(g.win_rate_low),
        "win_rate_high_pct": _pct(g.win_rate_high),
        "cycle_days": _num(g.cycle_days, 1),
        "avg_discount_pct": _pct(g.avg_discount),
        "list_amount": _money(g.list_amount),
        "discounts": _money(g.discounts),
        "revenue": _money(g.revenue),
        "promotion_costs": _money(g.promotion_costs),
        "cost": _money(g.cost),
        "pocket_margin": _money(g.pocket_margin),
        "pocket_margin_pct": _pct(g.pocket_margin_rate),
        "pocket_margin_per_won": _money(g.pocket_margin_per_won),
        "pocket_margin_per_closed": _money(g.pocket_margin_per_closed),
        "too_small": g.too_small,
    }


def promotion_rows(r: PromotionsResult) -> list[dict[str, Any]]:
    return [group_row(g) for g in r.groups]


def promotion_sections(r: PromotionsResult) -> list[tuple[str, list[dict[str, Any]]]]:
    """(title, rows) of every section after the main table."""
    matched = [
        {"promotion": m.label, "matched_deals": m.matched_deals,
         "unmatched_deals": m.unmatched_deals, "control_deals": m.control_deals,
         "win_rate_pct": _pct(m.win_rate), "control_win_rate_pct": _pct(m.control_win_rate),
         "measured_lift": _num(m.measured_lift), "raw_lift": _num(m.raw_lift),
         "margin_pct": _pct(m.margin_rate), "give_away_pct": _pct(m.give_away_rate),
         "break_even_lift": _num(m.break_even_lift), "pays": m.pays, "too_small": m.too_small}
        for m in r.matched
    ]  # fmt: skip
    mix = [
        {"group": m.label, "dimension": m.dimension, "value": m.value, "won": m.won,
         "share_pct": _pct(m.share)}
        for m in r.mix
    ]  # fmt: skip
    retention = [
        {"group": x.label, "customers": x.customers, "with_later_deals": x.with_later_deals,
         "repeat": x.repeat, "repeat_pct": _pct(x.repeat_rate), "churned": x.churned,
         "churn_pct": _pct(x.churn_rate)}
        for x in r.retention
    ]  # fmt: skip
    approvals = [
        {"level": a.level, "requests": a.requests, "approved": a.approved,
         "rejected": a.rejected, "pending": a.pending, "withdrawn": a.withdrawn,
         "avg_requested_pct": _num(a.avg_requested_pct),
         "avg_approved_requested_pct": _num(a.avg_approved_requested_pct),
         "avg_approved_pct": _num(a.avg_approved_pct),
         "approval_rate_pct": _pct(a.approval_rate)}
        for a in r.approvals
    ]  # fmt: skip
    return [
        ("discount bands", [group_row(b, "band") for b in r.bands]),
        ("matched comparison", matched),
        ("segment mix of won deals", mix),
        ("repeat purchase and churn", retention),
        ("requested vs approved discounts", approvals),
        ("reps", [group_row(g, "rep") for g in r.reps]),
    ]
