"""What the forecast page shows: the runner's result as formatted tables and two figures.

Views only parse the form, run the report and hand ``forecast_page`` its result; every
number is formatted here for the active language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.analytics.pickers import user_names
from accord.analytics.runners.forecast import ForecastResult
from accord.pipeline.forecast.accuracy import DRIFT_MIN_DEALS, DRIFT_TOLERANCE
from accord.ui.forecast_charts import range_figure_json, waterfall_figure_json
from accord.ui.formatting import amount_whole_format, count_format, percent_format


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = True
    #: A CSS modifier: "flag" (drift, below coverage), "best" (most accurate).
    mark: str = ""


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    note: str
    headers: list[str]
    rows: list[list[Cell]]
    empty: str = ""
    #: Where this table downloads as CSV ('' when it does not).
    export_url: str = ""


@dataclass(frozen=True)
class ForecastPage:
    tables: list[Table]
    #: Plotly figures as data (the template embeds them with json_script).
    waterfall_json: dict | None
    range_json: dict | None
    waterfall_title: str
    model_note: str | None
    headline: list[tuple[str, str]] = field(default_factory=list)


def _money(value: float | None, currency: str) -> str:
    if value is None:
        return "—"
    return amount_whole_format(Decimal(str(round(value, 2))), currency)


def _text(value: str) -> Cell:
    return Cell(value, numeric=False)


class _Builder:
    def __init__(self, result: ForecastResult):
        self.r = result
        self.currency = result.query.currency
        self.names = user_names()

    def m(self, value: float | None) -> Cell:
        return Cell(_money(value, self.currency))

    def main(self) -> Table:
        r = self.r
        group = {"owner": _("Rep"), "team": _("Team"), "pipeline": _("Pipeline"),
                 "none": _("Total")}[r.query.group_by]  # fmt: skip
        headers = [
            _("Period"), group, _("Open deals"), _("Open pipeline"), _("Stage-weighted"),
            _("Model-weighted"), _("Won"), _("Commit"), _("Best case"), _("Quota"),
            _("Attainment"), _("Coverage"),
        ]  # fmt: skip
        rows = []
        for row in r.rows:
            label = row.label
            if r.query.group_by == "owner":
                label = self.names.get(row.label, row.label)
            if row.label == "all":
                label = _("All")
            coverage = "—" if row.coverage is None else f"{row.coverage:.2f}\u00d7"
            rows.append([
                _text(row.period_label), _text(label), Cell(count_format(row.open_deals)),
                self.m(row.open_amount), self.m(row.stage_weighted), self.m(row.model_weighted),
                self.m(row.closed), self.m(row.forecast_commit), self.m(row.forecast_best_case),
                self.m(row.quota), Cell(percent_format(row.attainment)),
                Cell(coverage, mark="flag" if row.coverage_ok is False else ""),
            ])  # fmt: skip
        needed = "—" if r.coverage_needed is None else f"{r.coverage_needed:.2f}\u00d7"
        note = _(
            "Won deals count in the month or quarter they closed in, open ones in that of "
            "their close date. Stage-weighted: the amount times the stage's probability; "
            "model-weighted: the amount times the predictive model's win probability of the "
            "deal's lead. Commit and best case roll up as in Salesforce: commit is won plus "
            "the deals called commit, best case adds those called best case. "
            "Coverage: open pipeline (not omitted) over what is left of the quota; the team "
            "needs %(needed)s (one over its win rate of %(rate)s over the last year, by amount)."
        ) % {"needed": needed, "rate": percent_format(r.win_rate)}
        return Table("forecast", _("Forecast by period"), note, headers, rows,
                     _("No deals close in these periods."))  # fmt: skip

    def accuracy(self) -> Table:
        r = self.r
        names = {
            "stage_weighted": _("Stage-weighted"),
            "model_weighted": _("Model-weighted"),
            "submitted": _("Reps' submissions"),
            "adjusted": _("Managers' adjusted"),
        }
        headers = [_("Period"), _("Won"), *names.values()]
        rows = [
            [_text(s.period_label), self.m(s.actual), self.m(s.stage_weighted),
             self.m(s.model_weighted), self.m(s.submitted), self.m(s.adjusted)]
            for s in r.scores
        ]  # fmt: skip
        by_method = {a.method: a for a in r.accuracy}
        rows.append(
            [_text(_("Error (MAPE)")), _text("")]
            + [Cell(percent_format(by_method[k].mape),
                    mark="best" if k == r.most_accurate else "") for k in names]
        )  # fmt: skip
        rows.append(
            [_text(_("Bias")), _text("")]
            + [Cell(_signed_percent(by_method[k].bias)) for k in names]
        )
        note = _(
            "Each method's forecast at the start of a past period (reps' and managers': the "
            "first submission of the period) beside what was won in it. Error: the mean "
            "absolute percentage error; bias: plus means it promised too much, minus too "
            "little. The most accurate method is marked."
        )
        empty = _("No past period in the range yet.")
        return Table("accuracy", _("Forecast vs actual"), note, headers,
                     rows if r.scores else [], empty)  # fmt: skip

    def simulation(self) -> Table:
        r = self.r
        headers = [_("Period"), "P10", "P50", "P90", _("Won"), _("Error of P50"),
                   _("Within P10 to P90")]  # fmt: skip
        rows = [
            [_text(b.period_label), self.m(b.p10), self.m(b.p50), self.m(b.p90),
             self.m(b.actual), Cell(percent_format(b.error_pct)),
             _text(_("yes") if b.within else _("no"))]
            for b in r.backtest
        ]  # fmt: skip
        if r.simulation is not None:
            s = r.simulation
            rows.append(
                [_text(s.period_label + " " + _("(now)")), self.m(s.p10), self.m(s.p50),
                 self.m(s.p90), self.m(s.already_won), _text(""), _text("")]
            )  # fmt: skip
        note = _(
            "%(sims)s simulated periods (seed %(seed)s): each open deal is won with its stage's "
            "measured chance, within the period by the measured days from its stage to won; "
            "plus new business as in past periods. Past periods are backtested from what was "
            "known at their start. Mean error of P50: %(mape)s."
        ) % {
            "sims": count_format(r.query.simulations),
            "seed": r.query.seed,
            "mape": percent_format(r.backtest_mape),
        }
        return Table("simulation", _("Probabilistic forecast"), note, headers, rows,
                     _("Not enough history to simulate."))  # fmt: skip

    def stages(self) -> Table:
        headers = [_("Pipeline"), _("Stage"), _("Configured"), _("Measured"),
                   _("Closed deals"), _("Drift")]  # fmt: skip
        rows = [
            [_text(s.pipeline), _text(s.name), Cell(percent_format(s.configured)),
             Cell(percent_format(s.measured)), Cell(count_format(s.deals)),
             Cell(_("drifted") if s.drift else "—", numeric=False,
                  mark="flag" if s.drift else "")]
            for s in self.r.stages
        ]  # fmt: skip
        note = _(
            "Measured: the share of the closed deals that passed through the stage that were "
            "won. Drift: more than %(tolerance)s points apart, on at least %(deals)s deals."
        ) % {"tolerance": round(DRIFT_TOLERANCE * 100), "deals": DRIFT_MIN_DEALS}
        return Table("stages", _("Stage probabilities"), note, headers, rows)

    def slipped(self) -> Table:
        headers = [_("Period"), _("Deal"), _("Owner"), _("Amount"), _("Close date was"),
                   _("Close date now")]  # fmt: skip
        users = _owner_names()
        rows = [
            [_text(s.period_label), _text(s.name), _text(users.get(s.owner_id or 0, "—")),
             self.m(s.amount), _text(s.old_close.isoformat()), _text(s.new_close.isoformat())]
            for s in self.r.slipped
        ]  # fmt: skip
        note = _("Deals whose close date moved past the end of the period (largest first).")
        return Table("slipped", _("Slipped deals"), note, headers, rows, _("No slipped deals."))


def _owner_names() -> dict[int, str]:
    return {u.pk: u.get_full_name() or u.username for u in User.objects.all()}


def _signed_percent(value: float | None) -> str:
    if value is None:
        return "—"
    text = percent_format(abs(value))
    return f"+{text}" if value > 0 else (f"\u2212{text}" if value < 0 else text)


def forecast_page(result: ForecastResult) -> ForecastPage:
    b = _Builder(result)
    waterfall_json = None
    if result.waterfall and any(w.amount or w.deals for w in result.waterfall):
        texts = [_money(w.amount, result.query.currency) for w in result.waterfall]
        waterfall_json = json.loads(waterfall_figure_json(result.waterfall, texts))
    range_json = None
    if result.simulation is not None or result.backtest:
        range_json = json.loads(
            range_figure_json(
                result.simulation, result.backtest, (_("P10 to P90"), "P50", _("Won"))
            )
        )
    return ForecastPage(
        tables=[b.main(), b.accuracy(), b.simulation(), b.stages(), b.slipped()],
        waterfall_json=waterfall_json,
        range_json=range_json,
        waterfall_title=_("Pipeline movement in %(period)s")
        % {"period": result.waterfall_period or "—"},
        model_note=None
        if result.model_active
        else _("No predictive model is active: the model-weighted column stays empty."),
    )
