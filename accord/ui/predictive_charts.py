"""Plotly figures of the backtest page: calibration curves and lift by decile."""

from __future__ import annotations

import plotly.graph_objects as go

from accord.ui.charts import FUNNEL_COLOURS

COLOURS = {"model": "#1d4ed8", "logistic": "#f59e0b", "naive_bayes": "#10b981", "rule": "#94a3b8"}
_LAYOUT = {
    "margin": {"l": 50, "r": 10, "t": 10, "b": 45},
    "height": 340,
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
    "legend": {"orientation": "h", "y": -0.2},
}


def calibration_figure_json(scorers: list[dict], labels: dict, axis: dict) -> str:
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[0, 1], y=[0, 1], mode="lines", name=str(axis["perfect"]),
            line={"color": "#cbd5e1", "dash": "dash"}, hoverinfo="skip",
        )
    )  # fmt: skip
    for s in scorers:
        if not s["calibration"]:
            continue
        predicted, observed = zip(*s["calibration"], strict=True)
        figure.add_trace(
            go.Scatter(
                x=list(predicted), y=list(observed), mode="lines+markers",
                name=str(labels[s["name"]]),
                line={"color": COLOURS.get(s["name"], FUNNEL_COLOURS[0])},
            )
        )  # fmt: skip
    figure.update_layout(
        **_LAYOUT,
        xaxis={"title": str(axis["predicted"]), "range": [0, 1]},
        yaxis={"title": str(axis["observed"]), "range": [0, 1]},
    )
    return figure.to_json()


def lift_figure_json(scorers: list[dict], labels: dict, axis: dict) -> str:
    figure = go.Figure()
    deciles = [str(i) for i in range(1, 11)]
    for s in scorers:
        figure.add_trace(
            go.Bar(
                x=deciles, y=s["lift_by_decile"], name=str(labels[s["name"]]),
                marker={"color": COLOURS.get(s["name"], FUNNEL_COLOURS[0])},
            )
        )  # fmt: skip
    figure.add_hline(y=1, line={"color": "#64748b", "dash": "dot"})
    figure.update_layout(
        **_LAYOUT,
        barmode="group",
        xaxis={"title": str(axis["decile"])},
        yaxis={"title": str(axis["lift"])},
    )
    return figure.to_json()
