"""Speed-to-lead page model: the bands per rep, team or channel as shares, and a stacked bar
chart of them (the same colours from fast to never, so the eye reads the green share)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from accord.analytics.runners.speed import SpeedResult, SpeedRow
from accord.ui.formatting import count_format, percent_format

BAND_COLOURS = ("#15803d", "#65a30d", "#ca8a04", "#dc2626", "#94a3b8")


@dataclass(frozen=True)
class SpeedLine:
    label: str
    leads: str
    shares: tuple[str, ...]
    median: str


@dataclass(frozen=True)
class SpeedView:
    bands: tuple[str, ...]
    lines: tuple[SpeedLine, ...]
    total: SpeedLine
    #: The Plotly figure as a dict (the page's json_script hands it to accord.js).
    figure: dict
    data_as_of: object
    empty: bool


def band_labels() -> tuple[str, ...]:
    return (
        _("within 5 min"),
        _("5-30 min"),
        _("30-60 min"),
        _("over 1 hour"),
        _("not yet"),
    )


def _counts(row: SpeedRow) -> tuple[int, ...]:
    return (row.within_5, row.within_30, row.within_60, row.over_60, row.not_yet)


def _minutes(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 120:
        return _("%(n)s min") % {"n": count_format(round(value))}
    if value < 48 * 60:
        return _("%(n)s h") % {"n": count_format(round(value / 60))}
    return _("%(n)s days") % {"n": count_format(round(value / 1440))}


def _line(row: SpeedRow, label: str) -> SpeedLine:
    return SpeedLine(
        label=label,
        leads=count_format(row.leads),
        shares=tuple(percent_format(n / row.leads if row.leads else None) for n in _counts(row)),
        median=_minutes(row.median_minutes),
    )


def speed_view(result: SpeedResult, *, names: Mapping[object, str] | None = None) -> SpeedView:
    """``names``: how to call each group key (people's names instead of usernames)."""
    bands = band_labels()
    names = names or {}
    unassigned = _("Unassigned")
    lines = tuple(
        _line(r, unassigned if r.key is None else names.get(r.key, r.label)) for r in result.rows
    )
    figure = go.Figure()
    labels = [line.label for line in lines]
    for index, band in enumerate(bands):
        figure.add_bar(
            y=labels,
            x=[_counts(r)[index] / r.leads * 100 if r.leads else 0 for r in result.rows],
            name=band,
            orientation="h",
            marker={"color": BAND_COLOURS[index]},
            hovertemplate="%{y}: %{x:.0f}%<extra>" + band + "</extra>",
        )
    figure.update_layout(
        barmode="stack",
        height=max(220, 34 * len(lines) + 110),
        margin={"l": 10, "r": 10, "t": 10, "b": 40},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        xaxis={"ticksuffix": "%", "range": [0, 100]},
        yaxis={"automargin": True, "autorange": "reversed"},
        legend={"orientation": "h", "y": -0.15},
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
    )
    return SpeedView(
        bands=bands,
        lines=lines,
        total=_line(result.total, _("All leads")),
        figure=json.loads(figure.to_json()),
        data_as_of=result.data_as_of,
        empty=not result.rows,
    )
