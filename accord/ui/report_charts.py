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
from accord.core.lifecycle import stage_label
from accord.ui.formatting import count_format
from accord.ui.report_labels import month_label

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


def layout_json(figure: go.Figure, *, height: int = 380, **extra) -> str:
    """The figure in Accord's look (transparent, system font, auto margins) as JSON."""
    xaxis = {"automargin": True, **extra.pop("xaxis", {})}
    yaxis = {"automargin": True, **extra.pop("yaxis", {})}
    figure.update_layout(
        margin=extra.pop("margin", {"l": 10, "r": 10, "t": 30, "b": 10}),
        height=height,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font=FONT,
        xaxis=xaxis,
        yaxis=yaxis,
        **extra,
    )
    return figure.to_json()


_layout = layout_json

#: Stage colours: one hue darkening down the funnel (as the funnel chart).
STAGE_COLOURS = ("#93c5fd", "#60a5fa", "#3b82f6", "#2563eb", "#1d4ed8", "#1e3a8a")
LOST_COLOUR = "#cbd5e1"


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r}, {g}, {b}, {alpha})"


def funnel_sankey_json(groups: Sequence[FunnelGroup], stage_labels: Mapping[str, object]) -> str:
    """Channel → lead → ... → customer, left to right, and who stopped after each stage.

    Nodes sit in fixed columns (channels, then the stages in order), each labelled with its
    count; a stage's drop-off goes to a grey "Stopped at <stage>" node under the next one.

    Length: nodes, their fixed positions and the links share one index map built as the
    columns are laid out; it reads best as the one pass Plotly's figure is.
    """
    stages = [s.stage for s in groups[0].steps] if groups else []
    totals = dict.fromkeys(stages, 0)
    for g in groups:
        for step in g.steps:
            totals[step.stage] += step.count
    # Stages no lead reached draw nothing: without them the columns stay evenly spread.
    while stages and not totals[stages[-1]]:
        stages.pop()
    labels: list[str] = []
    colours: list[str] = []
    xs: list[float] = []
    ys: list[float] = []
    source: list[int] = []
    target: list[int] = []
    value: list[float] = []
    link_colours: list[str] = []

    def node(label: str, colour: str, x: float, y: float) -> int:
        labels.append(label)
        colours.append(colour)
        xs.append(x)
        ys.append(y)
        return len(labels) - 1

    def link(a: int, b: int, n: int) -> None:
        if n > 0:
            source.append(a)
            target.append(b)
            value.append(n)
            link_colours.append(_rgba(colours[a] if colours[a] != LOST_COLOUR else "#94a3b8", 0.35))

    column = 1 / (len(stages) + 1) if stages else 1.0
    shown = [g for g in groups if g.steps and g.steps[0].count > 0]
    entering = sum(g.steps[0].count for g in shown) or 1
    channel_at = []
    above = 0
    for i, g in enumerate(shown):
        # Stacked in order, each at the middle of its share of the column.
        middle = (above + g.steps[0].count / 2) / entering
        channel_at.append(
            node(
                f"{g.label} · {count_format(g.steps[0].count)}",
                PALETTE[i % len(PALETTE)],
                0.001,
                0.02 + 0.9 * middle,
            )
        )
        above += g.steps[0].count
    stage_at = {
        s: node(
            f"{stage_labels.get(s, s)} · {count_format(totals[s])}",
            STAGE_COLOURS[min(k, len(STAGE_COLOURS) - 1)],
            column * (k + 1),
            0.3,
        )
        for k, s in enumerate(stages)
    }
    for i, g in enumerate(shown):
        link(channel_at[i], stage_at[stages[0]], g.steps[0].count)
    for k, (here, after) in enumerate(pairwise(stages)):
        link(stage_at[here], stage_at[after], min(totals[after], totals[here]))
        stopped = max(totals[here] - totals[after], 0)
        if stopped:
            lost = node(
                _("Stopped at %(stage)s · %(count)s")
                % {"stage": stage_labels.get(here, here), "count": count_format(stopped)},
                LOST_COLOUR,
                column * (k + 2),
                # Alternate rows, so neighbouring labels never run into each other.
                0.7 if k % 2 else 0.88,
            )
            link(stage_at[here], lost, stopped)
    if stages and totals[stages[-1]]:
        # An invisible node after the last stage: plotly writes the labels of the last
        # column on their left, where they ran into the previous stage's label.
        end = node("", "rgba(0, 0, 0, 0)", 0.999, 0.3)
        source.append(stage_at[stages[-1]])
        target.append(end)
        value.append(totals[stages[-1]] * 1e-6)
        link_colours.append("rgba(0, 0, 0, 0)")
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                "color": colours,
                "x": xs,
                "y": ys,
                "pad": 10,
                "thickness": 18,
                "line": {"color": "#ffffff", "width": 1},
                "hovertemplate": "%{label}<extra></extra>",
            },
            # Explicit colours: without them the flows were drawn white on the white card.
            link={
                "source": source,
                "target": target,
                "value": value,
                "color": link_colours,
            },
            textfont={"size": 12, "color": "#0f172a"},
        )
    )
    # Room on the right for the last column's labels.
    return _layout(figure, height=520, margin={"l": 10, "r": 150, "t": 20, "b": 20})


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
    return _layout(
        figure,
        barmode="stack",
        # The legend above the bars: below, it ran into the slanted model names.
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        xaxis={"automargin": True, "tickangle": -30},
        height=460,
    )


def kpi_series_json(result: KpisResult) -> str:
    """Spend and revenue per month (the result grouped by month)."""
    # Month names in the page's language (plotly would print "Jan 2026" in every language).
    months = [month_label(r.label) for r in result.rows]
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


def bars_json(
    labels: Sequence[str], values: Sequence[float | None], *, name: str, colour: str = PALETTE[0]
) -> str:
    """Horizontal bars: long names read on the left and never collide, whatever their number."""
    figure = go.Figure(
        go.Bar(
            name=name,
            y=list(labels),
            x=[0 if v is None else v for v in values],
            orientation="h",
            marker={"color": colour},
            hovertemplate="%{y}: %{x:.1f}<extra></extra>",
        )
    )
    height = max(240, 60 + 28 * len(labels))
    return _layout(
        figure, height=height, xaxis_title=name, yaxis={"automargin": True, "autorange": "reversed"}
    )


def quality_json(result: QualityResult) -> str:
    return bars_json(
        [r.label for r in result.rows],
        [None if r.acceptance_rate is None else r.acceptance_rate * 100 for r in result.rows],
        name=_("Acceptance %"),
    )


_POSITIONS = ("top center", "bottom center", "middle right", "middle left")


def _label_positions(points: Sequence[tuple[float, float]]) -> list[str]:
    """Where each dot's label goes: neighbours (in x order) take turns above, below and to
    the sides, so names of dots close together do not print over each other."""
    order = sorted(range(len(points)), key=lambda i: points[i])
    positions = [""] * len(points)
    for rank, i in enumerate(order):
        positions[i] = _POSITIONS[rank % len(_POSITIONS)]
    return positions


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
                textposition=_label_positions([(r.mqls, r.acceptance_rate or 0) for r in dots]),
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
        [stage_label(s.stage) for s in result.stages],
        [None if s.hours.median is None else s.hours.median / 24 for s in result.stages],
        name=_("Median days in stage"),
    )


def reps_json(result: RepsResult) -> str:
    return bars_json(
        [r.username for r in result.rows],
        [r.first_contact.hours.median for r in result.rows],
        name=_("Median hours to first contact"),
    )


def rejection_reasons_json(result: QualityResult) -> str:
    """Why sales rejected MQLs, the most frequent reason first."""
    return bars_json(
        [r.reason for r in result.reasons],
        [r.count for r in result.reasons],
        name=_("Rejected MQLs"),
        colour=PALETTE[3],
    )
