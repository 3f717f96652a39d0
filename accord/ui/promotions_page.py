"""What the promotion page shows: the runner's result as formatted tables, a verdict per
promotion and three figures. Every number is formatted here for the active language."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.translation import gettext as _

from accord.analytics.runners.promotions import ANY_PROMOTION, FULL_PRICE, PromotionsResult
from accord.analytics.runners.promotions_stats import GroupFigures, MatchedComparison
from accord.pipeline.models import SizeBand
from accord.ui.forecast_page import Cell, Table
from accord.ui.formatting import amount_whole_format, count_format, percent_format
from accord.ui.promotions_charts import mix_figure_json, waterfall_figure_json, win_rate_figure_json


@dataclass(frozen=True)
class PromotionsPage:
    tables: list[Table]
    #: One sentence per promotion: does it pay?
    verdicts: list[tuple[str, str]]
    win_rate_json: dict | None
    waterfall_json: dict | None
    mix_json: dict | None
    currency: str
    warning: str | None
    notes: list[str] = field(default_factory=list)
    empty: bool = False
    #: Where every table downloads as one workbook ('' when it does not).
    workbook_url: str = ""


def _text(value: str) -> Cell:
    return Cell(value, numeric=False)


def _times(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}\u00d7"


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _interval(rate: float | None, low: float | None, high: float | None) -> str:
    if rate is None:
        return "—"
    if low is None or high is None:
        return percent_format(rate)
    return f"{percent_format(rate)} ({percent_format(low)}\u2013{percent_format(high)})"


class _Builder:
    def __init__(self, result: PromotionsResult):
        self.r = result
        self.currency = result.currency

    def m(self, value: float | None) -> Cell:
        if value is None:
            return Cell("—")
        return Cell(amount_whole_format(Decimal(str(round(value, 2))), self.currency))

    def label(self, g: GroupFigures | MatchedComparison) -> str:
        return {FULL_PRICE: _("Full price"), ANY_PROMOTION: _("Any promotion")}.get(g.key, g.label)

    def _group_cells(self, g: GroupFigures, label: str) -> list[Cell]:
        small = "flag" if g.too_small else ""
        return [
            Cell(label + (" *" if g.too_small else ""), numeric=False, mark=small),
            Cell(count_format(g.closed)),
            Cell(count_format(g.won)),
            Cell(_interval(g.win_rate, g.win_rate_low, g.win_rate_high)),
            Cell(_days(g.cycle_days)),
            Cell(percent_format(g.avg_discount)),
            self.m(g.revenue),
            self.m(g.pocket_margin),
            Cell(percent_format(g.pocket_margin_rate)),
            self.m(g.pocket_margin_per_closed),
        ]

    def _group_headers(self, first: str) -> list[str]:
        return [
            first,
            _("Closed"),
            _("Won"),
            _("Win rate (interval at 95%)"),
            _("Days to win"),
            _("Average discount"),
            _("Revenue"),
            _("Pocket margin"),
            _("Pocket margin %"),
            _("Pocket margin per closed deal"),
        ]

    def groups(self) -> Table:
        rows = [self._group_cells(g, self.label(g)) for g in self.r.groups if g.deals]
        note = _(
            "Deals that used a promotion (linked by hand, through a line item or by its code) "
            "beside those at full price. Win rate: won over closed, with Wilson's 95%% "
            "interval. Pocket margin: revenue after discounts, less the promotion's costs "
            "(cost per deal, and its fixed cost spread over its won deals) and the products' "
            "cost. Per closed deal: what an opportunity is worth on average, lost ones "
            "included. * fewer than %(n)s closed deals: too few to compare."
        ) % {"n": self.r.query.min_closed}
        return Table(
            "groups",
            _("Promotions against full price"),
            note,
            self._group_headers(_("Deals")),
            rows,
            _("No deals in this period."),
        )

    def matched(self) -> Table:
        headers = [
            _("Promotion"),
            _("Promotion deals matched"),
            _("Full-price deals matched"),
            _("Win rate"),
            _("Matched full-price win rate"),
            _("Measured lift"),
            _("Lift against all full-price deals"),
            _("Break-even lift"),
            _("Pays?"),
        ]
        rows = []
        for m in self.r.matched:
            if not m.matched_deals and not m.unmatched_deals:
                continue
            verdict = "—" if m.pays is None else (_("yes") if m.pays else _("no"))
            rows.append(
                [
                    Cell(
                        self.label(m) + (" *" if m.too_small else ""),
                        numeric=False,
                        mark="flag" if m.too_small else "",
                    ),
                    Cell(count_format(m.matched_deals)),
                    Cell(count_format(m.control_deals)),
                    Cell(percent_format(m.win_rate)),
                    Cell(percent_format(m.control_win_rate)),
                    Cell(_times(m.measured_lift)),
                    Cell(_times(m.raw_lift)),
                    Cell(
                        _times(m.break_even_lift)
                        if m.margin_rate is None or m.break_even_lift
                        else _("never")
                    ),
                    Cell(
                        verdict,
                        numeric=False,
                        mark="flag" if m.pays is False else ("best" if m.pays else ""),
                    ),
                ]
            )
        note = _(
            "Discounts go to deals already at risk, so each promotion deal is compared with "
            "full-price deals of the same pipeline, industry, size band, furthest stage "
            "reached and quarter (coarsened exact matching; promotion deals with no such "
            "deal are left out). Break-even lift: with margin m at list price and give-away "
            "d (discounts and promotion costs, of list), the win rate must rise by m / (m - d) "
            "for the promotion to keep the margin it gives away."
        )
        return Table(
            "matched",
            _("Matched comparison and break-even"),
            note,
            headers,
            rows,
            _("No promotion deals closed in this period."),
        )

    def waterfall(self) -> Table:
        headers = [
            _("Deals"),
            _("List price"),
            _("Discounts"),
            _("Revenue"),
            _("Promotion costs"),
            _("Cost"),
            _("Pocket margin"),
        ]
        rows = [
            [
                _text(self.label(g)),
                self.m(g.list_amount),
                self.m(_minus(g.discounts)),
                self.m(g.revenue),
                self.m(_minus(g.promotion_costs)),
                self.m(_minus(g.cost)),
                self.m(g.pocket_margin),
            ]
            for g in self.r.groups
            if g.won
        ]
        note = _("The won deals' price waterfall, in %(currency)s.") % {"currency": self.currency}
        return Table(
            "waterfall",
            _("Price waterfall"),
            note,
            headers,
            rows,
            _("No deals won in this period."),
        )

    def bands(self) -> Table:
        rows = [self._group_cells(b, b.label) for b in self.r.bands if b.deals]
        note = _(
            "Deals by the depth of their discount (of list price). A raw view: deeper "
            "discounts often go to deals already in trouble — see the matched comparison."
        )
        return Table(
            "bands",
            _("By discount depth"),
            note,
            self._group_headers(_("Discount")),
            rows,
            _("No deals in this period."),
        )

    def mix(self) -> Table:
        groups = [g for g in self.r.groups if g.won]
        headers = [_("Segment"), _("Value"), *(self.label(g) for g in groups)]
        names = {
            "size": _("Size"),
            "industry": _("Industry"),
            "region": _("Country"),
            "grade": _("Fit grade at hand-off"),
        }
        shares = {(x.group, x.dimension, x.value): x.share for x in self.r.mix}
        rows = []
        for dimension, title in names.items():
            values = sorted({x.value for x in self.r.mix if x.dimension == dimension})
            for value in values:
                rows.append(
                    [_text(title), _text(_value_label(dimension, value))]
                    + [
                        Cell(percent_format(shares.get((g.key, dimension, value), 0.0)))
                        for g in groups
                    ]
                )
        note = _("Who each group's won deals are: the share of its won deals per segment.")
        return Table(
            "mix",
            _("Customer mix of the deals won"),
            note,
            headers,
            rows,
            _("No deals won in this period."),
        )

    def retention(self) -> Table:
        headers = [
            _("Customers won"),
            _("Customers"),
            _("With a later deal"),
            _("Bought again"),
            _("Churned"),
        ]
        labels = {g.key: self.label(g) for g in self.r.groups}
        rows = [
            [
                _text(labels.get(x.group, x.label)),
                Cell(count_format(x.customers)),
                Cell(count_format(x.with_later_deals)),
                Cell(_interval(x.repeat_rate, x.repeat_rate_low, x.repeat_rate_high)),
                Cell(_interval(x.churn_rate, x.churn_rate_low, x.churn_rate_high)),
            ]
            for x in self.r.retention
        ]
        note = _(
            "Accounts won in the period, by how they were first won. Bought again: a later "
            "deal of the account won (of all the customers). Churned: the account's latest "
            "later deal was lost (of those with a later closed deal). Intervals at 95%."
        )
        return Table(
            "retention",
            _("Repeat purchase and churn"),
            note,
            headers,
            rows,
            _("No later deals of these customers yet."),
        )

    def approvals(self) -> Table:
        levels = {
            "rep": _("The rep"),
            "manager": _("Head of sales"),
            "admin": _("Administrator"),
            "all": _("All"),
        }
        headers = [
            _("Approved by"),
            _("Requests"),
            _("Approved"),
            _("Rejected"),
            _("Pending"),
            _("Average requested"),
            _("Average approved"),
            _("Approval rate"),
        ]
        rows = [
            [
                _text(str(levels.get(a.level, a.level))),
                Cell(count_format(a.requests)),
                Cell(count_format(a.approved)),
                Cell(count_format(a.rejected)),
                Cell(count_format(a.pending)),
                Cell(_pct_points(a.avg_requested_pct)),
                Cell(_pct_points(a.avg_approved_pct)),
                Cell(percent_format(a.approval_rate)),
            ]
            for a in self.r.approvals
        ]
        note = _(
            "Discounts above a rep's rung of the approval ladder, asked for and decided, by the "
            "rung they needed. Average approved: what the approved requests were granted."
        )
        return Table(
            "approvals",
            _("Requested vs approved discounts"),
            note,
            headers,
            rows,
            _("No discount needed approval in this period."),
        )

    def reps(self) -> Table:
        rows = [self._group_cells(g, g.label) for g in self.r.reps]
        note = _(
            "Who discounts most (deepest average discount first), and whether it pays: "
            "compare the pocket margin per closed deal."
        )
        return Table(
            "reps",
            _("Per rep"),
            note,
            self._group_headers(_("Rep")),
            rows,
            _("No deals in this period."),
        )


def _minus(value: float) -> float:
    """A step the waterfall takes away (never a "-0")."""
    return -value if value else 0.0


def _pct_points(value: float | None) -> str:
    return "—" if value is None else percent_format(value / 100)


def _value_label(dimension: str, value: str) -> str:
    if not value:
        return _("(not known)")
    if dimension == "size":
        return str(dict(SizeBand.choices).get(value, value))
    return value


def _verdict(b: _Builder, m: MatchedComparison) -> str:
    if not m.matched_deals:
        return _("no full-price deals alike to compare with.")
    values = {
        "rate": percent_format(m.win_rate),
        "control": percent_format(m.control_win_rate),
        "lift": _times(m.measured_lift),
        "needed": _times(m.break_even_lift),
    }
    if m.break_even_lift is None:
        text = (
            _(
                "wins %(rate)s against %(control)s of matched full-price deals (%(lift)s), but "
                "gives away more than the whole margin: no lift pays for it."
            )
            % values
        )
    elif m.pays:
        text = (
            _(
                "wins %(rate)s against %(control)s of matched full-price deals (%(lift)s); "
                "it needs %(needed)s to pay for its give-away: it pays."
            )
            % values
        )
    else:
        text = (
            _(
                "wins %(rate)s against %(control)s of matched full-price deals (%(lift)s); "
                "it needs %(needed)s to pay for its give-away: it does not pay."
            )
            % values
        )
    if m.too_small:
        text += " " + _("Too few deals to be sure.")
    return text


def promotions_page(
    result: PromotionsResult,
    *,
    export_urls: Mapping[str, str] | None = None,
    workbook_url: str = "",
) -> PromotionsPage:
    """The page of ``result``; ``export_urls``: each table's CSV download, by table key."""
    b = _Builder(result)
    shown = [g for g in result.groups if g.closed]
    labels = [b.label(g) for g in shown]
    win_json = json.loads(win_rate_figure_json(shown, labels)) if shown else None
    won = [g for g in result.groups if g.won]
    waterfall_json = None
    if won:
        steps = (_("Pocket margin"), _("Cost"), _("Promotion costs"), _("Discounts"))
        waterfall_json = json.loads(waterfall_figure_json(won, [b.label(g) for g in won], steps))
    mix_json = None
    if won:
        series = [
            (
                b.label(g),
                {
                    x.value: x.share
                    for x in result.mix
                    if x.group == g.key and x.dimension == "size"
                },
            )
            for g in won
        ]
        values = [(v, _value_label("size", v)) for v in ("small", "mid", "large", "")]
        mix_json = json.loads(mix_figure_json(series, values))
    # Each promotion's verdict; with none named (deals only flagged), any promotion's.
    closed = [m for m in result.matched if m.matched_deals or m.unmatched_deals]
    named = [m for m in closed if m.key != ANY_PROMOTION]
    verdicts = [(b.label(m), _verdict(b, m)) for m in (named or closed)]
    warning = None
    if result.too_small:
        warning = _(
            "Some groups have fewer than %(n)s closed deals (marked *): too small to compare; "
            "their differences may be chance. Widen the period or lower the smallest group."
        ) % {"n": result.query.min_closed}
    notes = []
    if result.deals_without_rate:
        notes.append(
            _(
                "%(n)s deal(s) in a currency without an exchange rate are left out; "
                "add the rates under Settings."
            )
            % {"n": result.deals_without_rate}
        )
    if result.won_without_lines:
        notes.append(
            _("%(n)s won deal(s) have no line items: their cost is not known and counts as zero.")
            % {"n": result.won_without_lines}
        )
    tables = [
        b.groups(),
        b.matched(),
        b.waterfall(),
        b.bands(),
        b.mix(),
        b.retention(),
        b.approvals(),
        b.reps(),
    ]
    urls = export_urls or {}
    return PromotionsPage(
        tables=[replace(t, export_url=urls.get(t.key, "")) for t in tables],
        workbook_url=workbook_url,
        verdicts=verdicts,
        win_rate_json=win_json,
        waterfall_json=waterfall_json,
        mix_json=mix_json,
        currency=result.currency,
        warning=warning,
        notes=notes,
        empty=not result.deals,
    )
