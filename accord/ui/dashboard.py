"""What the dashboard shows, computed from the funnel summary in the active language.

The summary comes from the analytics copy (``accord.analytics.selectors.funnel_summary``),
so the page also says how fresh it is, or that the copy is not built yet.

The view calls ``dashboard_view_model``; the template renders its fields as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accord.analytics.selectors import FunnelSummary
from accord.core.lifecycle import stage_label
from accord.ui.charts import funnel_figure_json
from accord.ui.formatting import amount_whole_format, count_format, percent_format


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    value: str
    hint: str


@dataclass(frozen=True)
class FunnelRow:
    stage: str
    label: str
    count: str
    conversion: str
    share_of_leads: str


@dataclass(frozen=True)
class DashboardViewModel:
    headlines: tuple[Headline, ...]
    rows: tuple[FunnelRow, ...]
    overall_conversion: str
    #: Plotly figure as plain JSON data (rendered with json_script, so it is escaped).
    figure: dict[str, Any] | None
    notes: tuple[str, ...]
    is_empty: bool
    #: When the analytics copy was last synced (aware UTC); None before the first sync.
    data_as_of: datetime | None
    #: False before the first sync of the analytics copy.
    ready: bool


def _headlines(summary: FunnelSummary) -> tuple[Headline, ...]:
    return (
        Headline("leads", _("Leads"), count_format(summary.leads), _("created in the period")),
        Headline("mqls", _("MQLs"), count_format(summary.mqls), _("of those leads")),
        Headline("won", _("Won deals"), count_format(summary.won_deals), _("closed in the period")),
        Headline(
            "revenue",
            _("Revenue"),
            amount_whole_format(summary.revenue, summary.revenue_currency),
            _("from deals won in the period"),
        ),
        Headline(
            "spend",
            _("Spend"),
            amount_whole_format(summary.spend, summary.spend_currency),
            _("on all channels in the period"),
        ),
    )


def _notes(summary: FunnelSummary) -> tuple[str, ...]:
    notes = []
    if summary.revenue_deals_other_currency:
        n = summary.revenue_deals_other_currency
        notes.append(
            ngettext(
                "%(count)s won deal in another currency is not included in revenue.",
                "%(count)s won deals in other currencies are not included in revenue.",
                n,
            )
            % {"count": count_format(n)}
        )
    if summary.spend_entries_other_currency:
        n = summary.spend_entries_other_currency
        notes.append(
            ngettext(
                "%(count)s spend entry in another currency is not included in spend.",
                "%(count)s spend entries in other currencies are not included in spend.",
                n,
            )
            % {"count": count_format(n)}
        )
    return tuple(notes)


def dashboard_view_model(summary: FunnelSummary) -> DashboardViewModel:
    first = summary.steps[0].count
    rows = tuple(
        FunnelRow(
            stage=step.stage,
            label=stage_label(step.stage),
            count=count_format(step.count),
            conversion=percent_format(step.conversion),
            share_of_leads=percent_format(step.count / first if first else None),
        )
        for step in summary.steps
    )
    figure = None
    if first:
        texts = [
            row.count if step.conversion is None else f"{row.count} · {row.conversion}"
            for row, step in zip(rows, summary.steps, strict=True)
        ]
        figure = json.loads(
            funnel_figure_json(
                [row.label for row in rows], [step.count for step in summary.steps], texts
            )
        )
    return DashboardViewModel(
        headlines=_headlines(summary),
        rows=rows,
        overall_conversion=percent_format(summary.overall_conversion),
        figure=figure,
        notes=_notes(summary),
        is_empty=summary.is_empty,
        data_as_of=summary.data_as_of,
        ready=summary.ready,
    )
