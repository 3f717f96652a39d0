"""The joint plan's page, computed in Python: assumptions beside what was measured, the reverse
funnel by month, channels, scenarios side by side, plan vs actual (with its chart) and the ICP
against the scoring fit rules. The template only renders these rows."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from accord.planning import rules
from accord.planning.actuals import PlanActual
from accord.planning.content import SIZE_BAND_CHOICES, lag_label, rate_label, stage_label
from accord.planning.measured import Measured
from accord.planning.selectors import PlanWorked
from accord.ui.formatting import amount_whole_format, count_format, percent_format
from accord.ui.report_charts import PALETTE, layout_json
from accord.ui.report_labels import month_label


def _count(value: float) -> str:
    return count_format(math.ceil(value - 1e-9))


def _money(value: float | None, currency: str) -> str:
    return "—" if value is None else amount_whole_format(Decimal(str(round(value, 2))), currency)


#: Between the lowest and the highest monthly value (an en dash, as ranges are written).
RANGE_DASH = "\u2013"


def _spread(low: str, high: str) -> str:
    return f"{low}{RANGE_DASH}{high}"


@dataclass(frozen=True)
class AssumptionRow:
    label: str
    assumed: str
    measured: str
    spread: str
    optimistic: bool


def assumption_rows(worked: PlanWorked, measured: Measured | None) -> list[AssumptionRow]:
    content, currency = worked.plan.content, worked.plan.currency
    rows = []
    for key in rules.RATE_KEYS:
        found = measured.rates[key] if measured else None
        assumed = content["rates"][key]
        rows.append(
            AssumptionRow(
                rate_label(key),
                percent_format(assumed),
                percent_format(found.value) if found else "—",
                _spread(percent_format(found.low), percent_format(found.high))
                if found and found.low is not None
                else "—",
                bool(found) and rules.optimistic(assumed=assumed, low=found.low, high=found.high),  # type: ignore[union-attr]
            )
        )
    size = measured.deal_size if measured else None
    rows.append(
        AssumptionRow(
            _("Average deal size"),
            _money(content["deal_size"], currency),
            _money(size.value, currency) if size else "—",
            _spread(_money(size.low, currency), _money(size.high, currency))
            if size and size.low is not None
            else "—",
            bool(size)
            and rules.optimistic(assumed=content["deal_size"], low=size.low, high=size.high),  # type: ignore[union-attr]
        )
    )
    for stage in rules.LAG_STAGES:
        found_lag = measured.lags.get(stage) if measured else None
        rows.append(
            AssumptionRow(
                lag_label(stage),
                count_format(content["lags"][stage]),
                "—" if found_lag is None else count_format(found_lag),
                "—",
                found_lag is not None and content["lags"][stage] < found_lag,
            )
        )
    return rows


def funnel_table(worked: PlanWorked) -> dict[str, Any]:
    months = sorted({m for s in worked.funnel.stages for m in s.by_month})
    return {
        "months": [(m, month_label(m), m not in worked.months) for m in months],
        "rows": [
            (
                stage_label(s.stage),
                [_count(s.by_month[m]) if m in s.by_month else "" for m in months],
                _count(s.total),
            )
            for s in reversed(worked.funnel.stages)
        ],
    }


def channel_rows(worked: PlanWorked, measured: Measured | None) -> list[dict[str, Any]]:
    found = {c.slug: c for c in measured.channels} if measured else {}
    currency = worked.plan.currency
    rows = []
    for assumption, need in zip(worked.channels, worked.channel_needs, strict=True):
        item = worked.plan.content["channels"][assumption.slug]
        seen = found.get(assumption.slug)
        rows.append(
            {
                "slug": assumption.slug,
                "key": assumption.slug in worked.plan.content.get("key_channels", []),
                "budget": _money(item["budget"], currency),
                "needed": _money(need.budget, currency),
                "short": need.budget is not None and need.budget > item["budget"] + 0.5,
                "cpl": _money(assumption.cpl, currency),
                "cpl_measured": _money(seen.cpl, currency) if seen else "—",
                "quality": percent_format(assumption.lead_mql),
                "quality_measured": percent_format(seen.lead_mql) if seen else "—",
                "share": percent_format(need.mqls / (worked.funnel.stage("mql").total or 1)),
                "mqls": _count(need.mqls),
                "leads": _count(need.leads),
            }
        )
    return rows


def scenario_columns(worked: PlanWorked) -> dict[str, Any]:
    currency = worked.plan.currency
    slugs = [c.slug for c in worked.channels]
    columns: list[dict[str, Any]] = []
    for row in worked.scenarios:
        columns.append(
            {
                "name": row.name or _("The plan's budgets"),
                "id": row.scenario.pk if row.scenario else None,
                "budgets": [_money(row.budgets.get(s, 0.0), currency) for s in slugs],
                "spend": _money(row.outcome.spend, currency),
                "mqls": _count(row.outcome.mqls),
                "won": _count(row.outcome.won),
                "revenue": _money(row.outcome.revenue, currency),
                "versus": _money(row.versus_target, currency),
                "short": row.versus_target < 0,
            }
        )
    rows = [(slug, [c["budgets"][i] for c in columns]) for i, slug in enumerate(slugs)]
    return {"budget_rows": rows, "columns": columns}


def icp_view(worked: PlanWorked) -> dict[str, Any]:
    icp = worked.plan.content.get("icp", {})
    warnings = []
    for d in worked.divergences:
        if d.kind == "targeted_low":
            warnings.append(
                _(
                    "The plan targets %(segment)s, but the active scoring profile's fit rules "
                    "give it %(points)s points: these leads will score low."
                )
                % {"segment": d.segment, "points": d.points}
            )
        else:
            warnings.append(
                _(
                    "The fit rules favour %(segment)s (%(points)s points), "
                    "which the plan does not target."
                )
                % {"segment": d.segment, "points": d.points}
            )
    return {
        "description": icp.get("description", ""),
        "size_bands": ", ".join(icp.get("size_bands", [])) or "—",
        "industries": ", ".join(icp.get("industries", [])) or "—",
        "segments": ", ".join(worked.plan.content.get("target_segments", [])) or "—",
        "key_channels": ", ".join(worked.plan.content.get("key_channels", [])) or "—",
        "warnings": warnings,
        "fit_rules": worked.fit_rules,
        "profile": worked.profile_name,
    }


def actual_figure_json(actual: PlanActual) -> str:
    labels = [month_label(r.month) for r in actual.months]
    figure = go.Figure()
    figure.add_bar(
        name=_("Planned revenue"),
        x=labels,
        y=[r.planned["revenue"] for r in actual.months],
        marker={"color": "#cbd5e1"},
    )
    figure.add_bar(
        name=_("Actual revenue"),
        x=labels,
        y=[r.actual.get("revenue") if r.actual else None for r in actual.months],
        marker={"color": PALETTE[0]},
    )
    figure.add_scatter(
        name=_("MQLs needed"),
        x=labels,
        y=[r.planned["mql"] for r in actual.months],
        yaxis="y2",
        mode="lines+markers",
        line={"color": PALETTE[1], "dash": "dash"},
    )
    figure.add_scatter(
        name=_("MQLs"),
        x=labels,
        y=[r.actual.get("mql") if r.actual else None for r in actual.months],
        yaxis="y2",
        mode="lines+markers",
        line={"color": PALETTE[2]},
    )
    return layout_json(
        figure,
        height=340,
        barmode="group",
        yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.2},
    )


def actual_view(actual: PlanActual, currency: str) -> dict[str, Any]:
    stages = [*rules.STAGES, "revenue"]
    gaps = []
    for stage in stages:
        planned, done = actual.stage_gaps[stage]
        show = (lambda v: _money(v, currency)) if stage == "revenue" else _count
        gaps.append(
            {
                "label": _("Revenue") if stage == "revenue" else stage_label(stage),
                "planned": show(planned),
                "actual": show(done),
                "gap": _money(done - planned, currency)
                if stage == "revenue"
                else count_format(round(done - planned)),
                "short": done < planned - 1e-9,
            }
        )
    causes = None
    if actual.causes is not None:
        c = actual.causes
        causes = [
            (_("Volume"), _money(c.volume, currency)),
            (_("Conversion"), _money(c.conversion, currency)),
            (_("Deal size"), _money(c.deal_size, currency)),
            (_("Timing"), _money(c.timing, currency)),
            (_("Total"), _money(c.total, currency)),
        ]
    return {
        "gaps": gaps,
        "channels": [
            {
                "slug": g.slug,
                "planned": _count(g.planned_mqls),
                "actual": count_format(g.actual_mqls),
                "short": g.actual_mqls < g.planned_mqls - 1e-9,
            }
            for g in actual.channel_gaps
        ],
        "revenue_to_date": _money(actual.revenue_to_date, currency),
        "pipeline": _money(actual.open_pipeline, currency),
        "projected": _money(actual.projected, currency),
        "target": _money(actual.target, currency),
        "on_track": actual.projected >= actual.target,
        "causes": causes,
        "figure": json.loads(actual_figure_json(actual)),
        "elapsed": len(actual.elapsed),
    }


def capacity_view(worked: PlanWorked) -> dict[str, Any]:
    c = worked.capacity
    return {
        "peak": _count(c.mqls_needed_peak),
        "capacity": count_format(c.capacity),
        "reps": count_format(c.reps),
        "enough": c.enough,
    }


SIZE_BANDS = SIZE_BAND_CHOICES
