"""Plotly figures of the forecast page: the period's pipeline waterfall, and the simulated
range of the won amount beside past periods' backtests (JSON strings)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.translation import gettext_lazy as _

from accord.analytics.runners.forecast_parts import BacktestRow, Simulation, WaterfallStep
from accord.ui.report_charts import layout_json

WATERFALL_LABELS = {
    "start": _("Start"),
    "new": _("New"),
    "moved_in": _("Moved in"),
    "moved_out": _("Moved out"),
    "won": _("Won"),
    "lost": _("Lost"),
    "changed": _("Amount changes"),
    "end": _("End"),
}
#: How each step moves the pipeline: + adds, - takes away; totals stand on their own.
_SIGN = {"new": 1, "moved_in": 1, "moved_out": -1, "won": -1, "lost": -1, "changed": 1}


def waterfall_figure_json(steps: Sequence[WaterfallStep], texts: Sequence[str]) -> str:
    """Start, the flows in and out of the period's pipeline, and where it ends."""
    measures, values = [], []
    for step in steps:
        if step.step in ("start", "end"):
            measures.append("absolute" if step.step == "start" else "total")
            values.append(step.amount if step.step == "start" else 0)
        else:
            measures.append("relative")
            values.append(_SIGN[step.step] * step.amount)
    figure = go.Figure(
        go.Waterfall(
            x=[str(WATERFALL_LABELS[s.step]) for s in steps],
            y=values,
            measure=measures,
            text=list(texts),
            textposition="outside",
            hovertemplate="%{x}: %{text}<extra></extra>",
            increasing={"marker": {"color": "#10b981"}},
            decreasing={"marker": {"color": "#ef4444"}},
            totals={"marker": {"color": "#2563eb"}},
            connector={"line": {"color": "#cbd5e1", "width": 1}},
        )
    )
    return layout_json(figure, height=360, showlegend=False, yaxis={"rangemode": "tozero"})


def range_figure_json(
    simulation: Simulation | None,
    backtest: Sequence[BacktestRow],
    labels: tuple[str, str, str],
) -> str:
    """P10-P90 bars with the P50 mark per period; a backtested period's actual as a dot."""
    rows: list[tuple[str, float, float, float, float | None]] = [
        (b.period_label, b.p10, b.p50, b.p90, b.actual) for b in backtest
    ]
    if simulation is not None:
        rows.append((simulation.period_label, simulation.p10, simulation.p50, simulation.p90,
                     None))  # fmt: skip
    x = [r[0] for r in rows]
    range_label, median_label, actual_label = labels
    figure = go.Figure()
    figure.add_bar(
        x=x,
        y=[r[3] - r[1] for r in rows],  # the bar spans P10 to P90
        base=[r[1] for r in rows],
        name=range_label,
        marker={"color": "#bfdbfe"},
        hoverinfo="skip",
    )
    figure.add_scatter(
        x=x, y=[r[2] for r in rows], mode="markers", name=median_label,
        marker={"color": "#1d4ed8", "symbol": "line-ew-open", "size": 28, "line": {"width": 3}},
    )  # fmt: skip
    figure.add_scatter(
        x=[r[0] for r in rows if r[4] is not None],
        y=[r[4] for r in rows if r[4] is not None],
        mode="markers",
        name=actual_label,
        marker={"color": "#f59e0b", "size": 11},
    )
    return layout_json(
        figure, height=340, legend={"orientation": "h", "y": -0.15}, yaxis={"rangemode": "tozero"}
    )
