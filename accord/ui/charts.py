"""Plotly figures for the web pages, built in Python; the page only hands them to plotly.js."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

# One hue darkening down the funnel: the eye reads the narrowing, not a rainbow.
FUNNEL_COLOURS = ("#93c5fd", "#60a5fa", "#3b82f6", "#2563eb", "#1d4ed8", "#1e3a8a")


def funnel_figure_json(labels: Sequence[str], counts: Sequence[int], texts: Sequence[str]) -> str:
    """A horizontal funnel: one bar per stage, its text already formatted for the locale."""
    colours = [FUNNEL_COLOURS[i % len(FUNNEL_COLOURS)] for i in range(len(labels))]
    figure = go.Figure(
        go.Funnel(
            y=list(labels),
            x=list(counts),
            text=list(texts),
            textinfo="text",
            # Inside while the text fits, beside the bar when it does not (never shrunk).
            textposition="auto",
            constraintext="none",
            insidetextfont={"color": "#ffffff"},
            outsidetextfont={"color": "#0f172a"},
            hovertemplate="%{y}: %{text}<extra></extra>",
            marker={"color": colours},
            connector={"line": {"color": "#cbd5e1", "width": 1}, "fillcolor": "#eff6ff"},
        )
    )
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=360,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        yaxis={"automargin": True},
        showlegend=False,
    )
    return figure.to_json()
