"""Plotly figures of the promotion page (JSON strings): win rate with its 95 % interval per
group, the price waterfall per 100 of list price, and the size mix of the customers won."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from accord.analytics.runners.promotions_stats import GroupFigures
from accord.ui.report_charts import layout_json

FULL_COLOUR = "#64748b"
PROMO_COLOUR = "#f59e0b"


def win_rate_figure_json(groups: Sequence[GroupFigures], labels: Sequence[str]) -> str:
    """Each group's win rate (percent) with Wilson's 95 % interval as error bars."""
    rates = [100 * (g.win_rate or 0) for g in groups]
    figure = go.Figure(
        go.Bar(
            x=list(labels),
            y=rates,
            marker={
                "color": [FULL_COLOUR if g.key == "full_price" else PROMO_COLOUR for g in groups]
            },
            error_y={
                "type": "data",
                "symmetric": False,
                "array": [100 * ((g.win_rate_high or 0) - (g.win_rate or 0)) for g in groups],
                "arrayminus": [100 * ((g.win_rate or 0) - (g.win_rate_low or 0)) for g in groups],
                "color": "#334155",
            },
            text=[f"{r:.0f}%" for r in rates],
            textposition="inside",
            hovertemplate="%{x}: %{y:.1f}%<extra></extra>",
        )
    )
    return layout_json(
        figure, height=320, showlegend=False, yaxis={"range": [0, 100], "ticksuffix": "%"}
    )


def waterfall_figure_json(
    groups: Sequence[GroupFigures], labels: Sequence[str], steps: tuple[str, str, str, str]
) -> str:
    """Per 100 of list price of the won deals: pocket margin, cost, promotion costs and
    discounts stacked, one bar per group (where the list price goes)."""
    shown = [(g, label) for g, label in zip(groups, labels, strict=True) if g.list_amount > 0]
    figure = go.Figure()
    parts = (
        ("pocket_margin", "#10b981"),
        ("cost", "#94a3b8"),
        ("promotion_costs", "#f97316"),
        ("discounts", "#ef4444"),
    )
    for (attr, colour), name in zip(parts, steps, strict=True):
        values = [100 * getattr(g, attr) / g.list_amount for g, _label in shown]
        figure.add_bar(
            y=[label for _g, label in shown],
            x=values,
            name=name,
            orientation="h",
            marker={"color": colour},
            text=[f"{v:.0f}" for v in values],
            textposition="inside",
            hovertemplate=name + ": %{x:.1f}<extra></extra>",
        )
    return layout_json(
        figure,
        height=120 + 46 * len(shown),
        barmode="stack",
        legend={"orientation": "h", "y": -0.25},
        xaxis={"range": [0, 100]},
        yaxis={"autorange": "reversed"},
    )


def mix_figure_json(
    series: Sequence[tuple[str, dict[str, float]]], values: Sequence[tuple[str, str]]
) -> str:
    """Share of each group's won deals per value (e.g. size band), stacked to 100 %.

    ``series``: (group label, {value: share}); ``values``: (value, its label) in order."""
    colours = ("#bfdbfe", "#60a5fa", "#1d4ed8", "#cbd5e1", "#94a3b8")
    figure = go.Figure()
    for index, (value, name) in enumerate(values):
        shares = [100 * shares.get(value, 0.0) for _label, shares in series]
        figure.add_bar(
            y=[label for label, _s in series],
            x=shares,
            name=name,
            orientation="h",
            marker={"color": colours[index % len(colours)]},
            text=[f"{s:.0f}%" if s >= 5 else "" for s in shares],
            textposition="inside",
            hovertemplate=name + ": %{x:.1f}%<extra></extra>",
        )
    return layout_json(
        figure,
        height=120 + 46 * len(series),
        barmode="stack",
        legend={"orientation": "h", "y": -0.25},
        xaxis={"range": [0, 100], "ticksuffix": "%"},
        yaxis={"autorange": "reversed"},
    )
