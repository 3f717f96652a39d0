"""The promotion report as tables: the main one (each promotion, any promotion and full
price side by side: what the CLI prints first and the page's CSV gives by default) and its
further sections, shared by ``accord report promotions`` and the page's CSV and workbook.

Each table's column keys are stated once, with its rows built against them (``zip(...,
strict=True)``), so an export of an empty table still has its header."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accord.analytics.runners.promotions import ANY_PROMOTION, FULL_PRICE, PromotionsResult
from accord.analytics.runners.promotions_extra import ApprovalRow, MixRow, RetentionRow
from accord.analytics.runners.promotions_stats import GroupFigures, MatchedComparison

GROUP_KEYS = (
    "group", "deals", "closed", "won", "win_rate_pct", "win_rate_low_pct", "win_rate_high_pct",
    "cycle_days", "avg_discount_pct", "list_amount", "discounts", "revenue", "promotion_costs",
    "cost", "pocket_margin", "pocket_margin_pct", "pocket_margin_per_won",
    "pocket_margin_per_closed", "too_small",
)  # fmt: skip
MATCHED_KEYS = (
    "promotion", "matched_deals", "unmatched_deals", "control_deals", "win_rate_pct",
    "control_win_rate_pct", "measured_lift", "raw_lift", "margin_pct", "give_away_pct",
    "break_even_lift", "pays", "too_small",
)  # fmt: skip
MIX_KEYS = ("group", "dimension", "value", "won", "share_pct")
RETENTION_KEYS = (
    "group", "customers", "with_later_deals", "repeat", "repeat_pct", "churned", "churn_pct",
)  # fmt: skip
APPROVAL_KEYS = (
    "level", "requests", "approved", "rejected", "pending", "withdrawn", "avg_requested_pct",
    "avg_approved_requested_pct", "avg_approved_pct", "approval_rate_pct",
)  # fmt: skip


def _money(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _num(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _group(key: str, label: str) -> str:
    """The group's name in the reader's language (a promotion keeps its own name)."""
    names = {FULL_PRICE: gettext("Full price"), ANY_PROMOTION: gettext("Any promotion")}
    return names.get(key, label)


def _row(keys: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(keys, values, strict=True))


def _group_keys(first: str) -> tuple[str, ...]:
    return (first, *GROUP_KEYS[1:])


def group_row(g: GroupFigures, first: str = "group") -> dict[str, Any]:
    values = (
        _group(g.key, g.label), g.deals, g.closed, g.won, _pct(g.win_rate), _pct(g.win_rate_low),
        _pct(g.win_rate_high), _num(g.cycle_days, 1), _pct(g.avg_discount),
        _money(g.list_amount), _money(g.discounts), _money(g.revenue),
        _money(g.promotion_costs), _money(g.cost), _money(g.pocket_margin),
        _pct(g.pocket_margin_rate), _money(g.pocket_margin_per_won),
        _money(g.pocket_margin_per_closed), g.too_small,
    )  # fmt: skip
    return _row(_group_keys(first), values)


def _matched_row(m: MatchedComparison) -> dict[str, Any]:
    values = (
        _group(m.key, m.label), m.matched_deals, m.unmatched_deals, m.control_deals,
        _pct(m.win_rate), _pct(m.control_win_rate), _num(m.measured_lift), _num(m.raw_lift),
        _pct(m.margin_rate), _pct(m.give_away_rate), _num(m.break_even_lift), m.pays, m.too_small,
    )  # fmt: skip
    return _row(MATCHED_KEYS, values)


def _mix_row(m: MixRow) -> dict[str, Any]:
    return _row(MIX_KEYS, (_group(m.group, m.label), m.dimension, m.value, m.won, _pct(m.share)))


def _retention_row(x: RetentionRow) -> dict[str, Any]:
    values = (
        _group(x.group, x.label), x.customers, x.with_later_deals, x.repeat,
        _pct(x.repeat_rate), x.churned, _pct(x.churn_rate),
    )  # fmt: skip
    return _row(RETENTION_KEYS, values)


def _approval_row(a: ApprovalRow) -> dict[str, Any]:
    values = (
        a.level, a.requests, a.approved, a.rejected, a.pending, a.withdrawn,
        _num(a.avg_requested_pct), _num(a.avg_approved_requested_pct), _num(a.avg_approved_pct),
        _pct(a.approval_rate),
    )  # fmt: skip
    return _row(APPROVAL_KEYS, values)


def promotion_rows(r: PromotionsResult) -> list[dict[str, Any]]:
    return [group_row(g) for g in r.groups]


@dataclass(frozen=True)
class PromotionTable:
    """One table of the report: ``key`` names it in the export's URL, ``title`` heads it (a
    sheet of the workbook), ``columns`` are its rows' keys."""

    key: str
    title: Any  # a lazy translation: read in the language of whoever exports it
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]


def promotion_tables(r: PromotionsResult) -> list[PromotionTable]:
    """Every table of the report, the main one first."""
    return [
        PromotionTable("groups", _("Promotions and full price"), GROUP_KEYS, promotion_rows(r)),
        PromotionTable(
            "bands",
            _("Discount bands"),
            _group_keys("band"),
            [group_row(b, "band") for b in r.bands],
        ),
        PromotionTable(
            "matched", _("Matched comparison"), MATCHED_KEYS, [_matched_row(m) for m in r.matched]
        ),
        PromotionTable(
            "mix", _("Segment mix of won deals"), MIX_KEYS, [_mix_row(m) for m in r.mix]
        ),
        PromotionTable(
            "retention",
            _("Repeat purchase and churn"),
            RETENTION_KEYS,
            [_retention_row(x) for x in r.retention],
        ),
        PromotionTable(
            "approvals",
            _("Requested vs approved discounts"),
            APPROVAL_KEYS,
            [_approval_row(a) for a in r.approvals],
        ),
        PromotionTable(
            "reps", _("Reps"), _group_keys("rep"), [group_row(g, "rep") for g in r.reps]
        ),
    ]


#: The tables' keys, in the report's order (what ``?table=`` accepts).
TABLE_KEYS = ("groups", "bands", "matched", "mix", "retention", "approvals", "reps")


def promotion_sections(r: PromotionsResult) -> list[tuple[str, list[dict[str, Any]]]]:
    """(title, rows) of every section after the main table."""
    return [(str(t.title), t.rows) for t in promotion_tables(r)[1:]]
