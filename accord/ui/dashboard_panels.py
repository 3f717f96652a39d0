"""The dashboard's panels beyond the funnel: the monthly trend, the split by channel, the
hand-off queue's health and the way into each report.

Each panel is computed here from a selector's result (``accord.analytics.selectors`` for
the trend and the channels, ``accord.handoff.sla.health`` for the queue), so the template
only renders, and a test can hold every number against its selector.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import plotly.graph_objects as go
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accord.analytics.runners.kpis import KpisResult
from accord.handoff.sla.health import QueueHealth
from accord.ui import report_labels
from accord.ui.formatting import count_format, percent_format
from accord.ui.report_charts import PALETTE, layout_json
from accord.ui.report_pages import DESCRIPTIONS, TITLES


@dataclass(frozen=True)
class ChannelRow:
    name: str
    leads: str
    mqls: str
    won: str
    lead_to_mql: str
    #: The funnel report of this channel over the same period.
    url: str


@dataclass(frozen=True)
class HealthTile:
    key: str
    label: str
    value: str
    #: "bad", "warn" or "" (how the number is coloured).
    tone: str
    hint: str


@dataclass(frozen=True)
class ReportLink:
    name: str
    title: str
    description: str
    url: str


@dataclass(frozen=True)
class DashboardPanels:
    #: Plotly figure (plain JSON data) of leads, MQLs and won deals per month.
    trend: dict[str, Any] | None
    channels: tuple[ChannelRow, ...]
    health: tuple[HealthTile, ...]
    reports: tuple[ReportLink, ...]


def trend_figure(monthly: KpisResult) -> dict[str, Any] | None:
    rows = [r for r in monthly.rows if r.key is not None]
    if not rows:
        return None
    months = [report_labels.month_label(r.label) for r in rows]
    figure = go.Figure()
    figure.add_trace(
        go.Bar(name=_("Leads"), x=months, y=[r.leads for r in rows], marker={"color": PALETTE[0]})
    )
    figure.add_trace(
        go.Bar(name=_("MQLs"), x=months, y=[r.mqls for r in rows], marker={"color": PALETTE[1]})
    )
    figure.add_trace(
        go.Scatter(
            name=_("Won deals"),
            x=months,
            y=[r.won_deals for r in rows],
            mode="lines+markers",
            line={"color": PALETTE[2], "width": 3},
            yaxis="y2",
        )
    )
    return json.loads(
        layout_json(
            figure,
            height=340,
            barmode="group",
            legend={"orientation": "h", "y": 1.12},
            xaxis={"tickangle": -45},
            yaxis={"title": {"text": _("Leads and MQLs")}},
            yaxis2={
                "title": {"text": _("Won deals")},
                "overlaying": "y",
                "side": "right",
                "rangemode": "tozero",
                # Whole deals: never 2.61 on the axis.
                "dtick": max(1, -(-max(r.won_deals for r in rows) // 4)),
                "tickformat": ",d",
                "showgrid": False,
            },
        )
    )


def channel_rows(by_channel: KpisResult, *, start: date, end: date) -> tuple[ChannelRow, ...]:
    named = report_labels.result_named(by_channel, "channel")
    funnel = reverse("reports:detail", args=["funnel"])
    rows = []
    pairs = sorted(zip(by_channel.rows, named.rows, strict=True), key=lambda p: -p[0].leads)
    for raw, row in pairs:
        query = {"start": start.isoformat(), "end": end.isoformat()}
        if raw.key is not None:
            query["channel"] = raw.label
        rows.append(
            ChannelRow(
                name=row.label,
                leads=count_format(row.leads),
                mqls=count_format(row.mqls),
                won=count_format(row.won_deals),
                lead_to_mql=percent_format(row.mqls / row.leads if row.leads else None),
                url=f"{funnel}?{urlencode(query)}",
            )
        )
    return tuple(rows)


def health_tiles(health: QueueHealth) -> tuple[HealthTile, ...]:
    return (
        HealthTile(
            "waiting",
            _("MQLs waiting for sales"),
            count_format(health.waiting),
            "",
            _("not yet accepted or rejected"),
        ),
        HealthTile(
            "unassigned",
            _("Without an owner"),
            count_format(health.unassigned),
            "warn" if health.unassigned else "",
            _("MQLs routing could not place"),
        ),
        HealthTile(
            "due_soon",
            _("Due soon"),
            count_format(health.due_soon),
            "warn" if health.due_soon else "",
            _("SLA clocks inside their warning window"),
        ),
        HealthTile(
            "breached",
            _("SLA breached"),
            count_format(health.breached),
            "bad" if health.breached else "",
            _("SLA clocks past their deadline"),
        ),
    )


def report_links(*, start: date, end: date) -> tuple[ReportLink, ...]:
    query = urlencode({"start": start.isoformat(), "end": end.isoformat()})
    return tuple(
        ReportLink(
            name=name,
            title=str(title),
            description=str(DESCRIPTIONS[name]),
            url=f"{reverse('reports:detail', args=[name])}?{query}",
        )
        for name, title in TITLES.items()
    )


def dashboard_panels(
    *,
    monthly: KpisResult | None,
    by_channel: KpisResult | None,
    health: QueueHealth,
    start: date,
    end: date,
) -> DashboardPanels:
    return DashboardPanels(
        trend=trend_figure(monthly) if monthly is not None else None,
        channels=channel_rows(by_channel, start=start, end=end) if by_channel else (),
        health=health_tiles(health),
        reports=report_links(start=start, end=end),
    )
