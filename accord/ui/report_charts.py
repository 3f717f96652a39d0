"""Plotly figures of the report pages, built in Python from runner results (JSON strings)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from accord.analytics.runners.attribution import AttributionResult
from accord.analytics.runners.funnel import FunnelGroup
from accord.analytics.runners.kpis import KpisResult
from accord.analytics.runners.quality import QualityResult
from accord.analytics.runners.reps import RepsResult
from accord.analytics.runners.velocity import VelocityResult

FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13}
PALETTE = (
    "#2563eb",
    "#f59e0b",
    "#10b981",
    "#ef4444",
    "#8b5cf6",
    "#06b6d4",
    "#84cc16",
    "#ec4899",
    "#64748b",
    "#0ea5e9",
)


def _layout(figure: go.Figure, **extra) -> str:
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        height=380,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font=FONT,
        yaxis={"automargin": True},
        xaxis={"automargin": True},
        **extra,
    )
    return figure.to_json()


def funnel_sankey_json(groups: Sequence[FunnelGroup], stage_labels: Mapping[str, object]) -> str:
    """Channel → lead → ... → customer, with the leads lost after each stage as the outcome."""
    stages = [s.stage for s in groups[0].steps] if groups else []
    channels = [g.label for g in groups]
    lost = _("Not converted")
    nodes = channels + [str(stage_labels.get(s, s)) for s in stages] + [lost]
    stage_at = {s: len(channels) + i for i, s in enumerate(stages)}
    lost_at = len(nodes) - 1
    source: list[int] = []
    target: list[int] = []
    value: list[int] = []

    def link(a: int, b: int, n: int) -> None:
        if n > 0:
            source.append(a)
            target.append(b)
            value.append(n)

    totals = dict.fromkeys(stages, 0)
    for i, g in enumerate(groups):
        for step in g.steps:
            totals[step.stage] += step.count
        if g.steps:
            link(i, stage_at[stages[0]], g.steps[0].count)
    for here, after in pairwise(stages):
        link(stage_at[here], stage_at[after], min(totals[after], totals[here]))
        link(stage_at[here], lost_at, max(totals[here] - totals[after], 0))
    figure = go.Figure(
        go.Sankey(
            node={"label": nodes, "pad": 14, "thickness": 16, "color": "#3b82f6"},
            # An explicit colour: without it the flows were drawn white on the white card,
            # leaving only the node bars visible.
            link={
                "source": source,
                "target": target,
                "value": value,
                "color": "rgba(59, 130, 246, 0.25)",
            },
        )
    )
    return _layout(figure)


def attribution_bars_json(result: AttributionResult, model_labels: dict, *, revenue: bool) -> str:
    """One stacked bar per model, split by channel: every bar sums to the same total."""
    models = result.models
    labels = sorted({r.label for m in models for r in m.rows})
    figure = go.Figure()
    for i, label in enumerate(labels):
        values = []
        for m in models:
            row = next((r for r in m.rows if r.label == label), None)
            values.append(0.0 if row is None else (row.revenue if revenue else row.conversions))
        figure.add_trace(
            go.Bar(
                name=label,
                x=[str(model_labels.get(m.model, m.model)) for m in models],
                y=values,
                marker={"color": PALETTE[i % len(PALETTE)]},
            )
        )
    return _layout(figure, barmode="stack", legend={"orientation": "h"})


def kpi_series_json(result: KpisResult) -> str:
    """Spend and revenue per month (the result grouped by month)."""
    months = [r.label for r in result.rows]
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            name=_("Spend"),
            x=months,
            y=[r.spend or 0 for r in result.rows],
            marker={"color": PALETTE[3]},
        )
    )
    figure.add_trace(
        go.Scatter(
            name=_("Revenue"),
            x=months,
            y=[r.revenue for r in result.rows],
            mode="lines+markers",
            line={"color": PALETTE[2]},
        )
    )
    return _layout(figure, legend={"orientation": "h"})


def bars_json(labels: Sequence[str], values: Sequence[float | None], *, name: str) -> str:
    figure = go.Figure(
        go.Bar(
            name=name,
            x=list(labels),
            y=[0 if v is None else v for v in values],
            marker={"color": PALETTE[0]},
        )
    )
    return _layout(figure, yaxis_title=name)


def quality_json(result: QualityResult) -> str:
    return bars_json(
        [r.label for r in result.rows],
        [None if r.acceptance_rate is None else r.acceptance_rate * 100 for r in result.rows],
        name=_("Acceptance %"),
    )


def quality_quadrant_json(result: QualityResult) -> str:
    """Volume against quality: one dot per group, split at the medians the quadrants use.

    Right of the vertical line: high volume; above the horizontal one: high acceptance.
    The dot's colour is sales' average rating (grey without ratings).
    """
    rows = result.rows
    rated = [r for r in rows if r.average_rating is not None]
    figure = go.Figure()
    for dots, coloured in ((rated, True), ([r for r in rows if r.average_rating is None], False)):
        if not dots:
            continue
        marker: dict = {"size": 14, "line": {"width": 1, "color": "#1f2937"}}
        if coloured:
            marker.update(
                color=[r.average_rating for r in dots],
                cmin=1,
                cmax=5,
                colorscale="RdYlGn",
                colorbar={"title": {"text": _("Average rating")}},
            )
        else:
            marker["color"] = "#9ca3af"
        figure.add_trace(
            go.Scatter(
                x=[r.mqls for r in dots],
                y=[(r.acceptance_rate or 0) * 100 for r in dots],
                mode="markers+text",
                text=[r.label for r in dots],
                textposition="top center",
                customdata=[
                    [r.ratings, "—" if r.average_rating is None else f"{r.average_rating:.2f}"]
                    for r in dots
                ],
                hovertemplate=(
                    "%{text}<br>"
                    + _("MQLs")
                    + ": %{x}<br>"
                    + _("Acceptance %")
                    + ": %{y:.1f}<br>"
                    + _("Ratings")
                    + ": %{customdata[0]} · %{customdata[1]}<extra></extra>"
                ),
                marker=marker,
                showlegend=False,
            )
        )
    line = {"dash": "dash", "color": "#64748b", "width": 1}
    figure.add_vline(x=result.volume_cut, line=line)
    figure.add_hline(y=result.quality_cut * 100, line=line)
    return _layout(figure, xaxis_title=_("MQLs"), yaxis_title=_("Acceptance %"))


def velocity_json(result: VelocityResult) -> str:
    return bars_json(
        [s.stage for s in result.stages],
        [s.hours.median for s in result.stages],
        name=_("Median hours in stage"),
    )


def reps_json(result: RepsResult) -> str:
    return bars_json(
        [r.username for r in result.rows],
        [r.first_contact.hours.median for r in result.rows],
        name=_("Median hours to first contact"),
    )
