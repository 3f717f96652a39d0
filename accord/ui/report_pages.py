"""What each report page shows: the runner result turned into a table and figures.

One ``ReportPage`` per request; views only parse the form, call ``report_page`` and render.
The table is ``accord.analytics.reports.report_rows`` (what the CLI and CSV export print),
so the page, the export and ``accord report`` always agree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accord.analytics.filters import ReportFilters
from accord.analytics.forms import MODEL_LABELS
from accord.analytics.reports import report_rows, report_run
from accord.analytics.runners.attribution import AttributionResult
from accord.analytics.runners.kpis import KpisResult
from accord.core.money import DEFAULT_CURRENCY
from accord.ui import report_charts, report_columns
from accord.ui.charts import funnel_figure_json

TITLES: dict[str, Promise] = {
    "funnel": _("Funnel"),
    "kpis": _("KPIs"),
    "attribution": _("Attribution"),
    "quality": _("Lead quality"),
    "velocity": _("Velocity"),
    "reps": _("Reps"),
}
DESCRIPTIONS: dict[str, Promise] = {
    "funnel": _(
        "From impressions to customers, by channel, with the flow from channel to outcome."
    ),
    "kpis": _("Spend, leads, pipeline, revenue, CPL, CAC and ROMI by channel, campaign or month."),
    "attribution": _("Which channels earned the conversions, under nine models side by side."),
    "quality": _(
        "How many MQLs sales accepted and turned into SQLs, and why they rejected the rest."
    ),
    "velocity": _("Time in each stage, the sales cycle and first contact after MQL."),
    "reps": _("Leads, activity, first-contact times and conversions per rep."),
}
#: The ``by`` choices of each page (first: the default).
GROUPS: dict[str, tuple[str, ...]] = {
    "funnel": ("channel", "none", "campaign"),
    "kpis": ("channel", "campaign", "month", "none"),
    "attribution": ("channel", "campaign"),
    "quality": ("channel", "campaign"),
    "velocity": (),
    "reps": (),
}
STAGE_LABELS = {
    "lead": _("Lead"),
    "mql": _("MQL"),
    "sal": _("SAL"),
    "sql": _("SQL"),
    "opportunity": _("Opportunity"),
    "customer": _("Customer"),
}


@dataclass(frozen=True)
class Figure:
    key: str
    title: str | Promise
    #: Plotly JSON (a string); the page embeds ``data`` with json_script, which escapes it.
    json: str

    @property
    def data(self) -> dict[str, Any]:
        return json.loads(self.json)

    @property
    def element_id(self) -> str:
        return f"figure-{self.key}"


@dataclass(frozen=True)
class ReportPage:
    name: str
    title: str | Promise
    #: Translated headers of the table (``accord.ui.report_columns``).
    columns: tuple[report_columns.Header, ...]
    #: The cells as people read them: formatted numbers, money with its currency.
    rows: tuple[tuple[report_columns.Cell, ...], ...]
    figures: tuple[Figure, ...]
    data_as_of: datetime | None
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: Plain rows (dicts, unformatted numbers) for CSV export.
    records: tuple[dict[str, Any], ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(h.key for h in self.columns)


def _table(
    result: Any, records: list[dict[str, Any]]
) -> tuple[tuple[report_columns.Header, ...], tuple[tuple[report_columns.Cell, ...], ...]]:
    keys: list[str] = []
    for record in records:
        keys += [c for c in record if c not in keys]
    currency = result.currency if isinstance(result, KpisResult) else DEFAULT_CURRENCY
    specs = [report_columns.column_spec(result, k) for k in keys]
    rows = tuple(
        tuple(
            report_columns.Cell(
                report_columns.cell_format(spec, r.get(k), currency),
                spec.kind in report_columns.NUMERIC,
            )
            for k, spec in zip(keys, specs, strict=True)
        )
        for r in records
    )
    return report_columns.headers(result, tuple(keys)), rows


def _attribution_records(result: AttributionResult) -> list[dict[str, Any]]:
    """The comparison table: one row per channel, credited revenue and conversions per model."""
    labels = sorted({r.label for m in result.models for r in m.rows})
    records = []
    for label in labels:
        record: dict[str, Any] = {"group": label}
        for m in result.models:
            row = next((r for r in m.rows if r.label == label), None)
            record[f"{m.model}_conversions"] = round(row.conversions, 2) if row else 0.0
            record[f"{m.model}_revenue"] = round(row.revenue, 2) if row else 0.0
        records.append(record)
    return records


def _attribution_figures(result: Any) -> list[Figure]:
    return [
        Figure(
            "revenue",
            _("Credited revenue by model"),
            report_charts.attribution_bars_json(result, MODEL_LABELS, revenue=True),
        ),
        Figure(
            "conversions",
            _("Credited conversions by model"),
            report_charts.attribution_bars_json(result, MODEL_LABELS, revenue=False),
        ),
    ]


def _funnel_figures(result: Any) -> list[Figure]:
    total = result.total
    return [
        Figure(
            "funnel",
            _("Funnel"),
            funnel_figure_json(
                [str(STAGE_LABELS.get(s.stage, s.stage)) for s in total.steps],
                [s.count for s in total.steps],
                [f"{s.count:,}" for s in total.steps],
            ),
        ),
        Figure(
            "sankey",
            _("From channel through the stages to the outcome"),
            report_charts.funnel_sankey_json(result.groups, STAGE_LABELS),
        ),
    ]


def _figures(name: str, result: Any, filters: ReportFilters) -> list[Figure]:
    """The charts of report ``name`` (the KPI report adds a monthly series of its own)."""
    if name == "attribution":
        return _attribution_figures(result)
    if name == "funnel":
        return _funnel_figures(result)
    if name == "kpis":
        monthly = report_run("kpis", filters, group_by="month")
        return [
            Figure(
                "series", _("Spend and revenue by month"), report_charts.kpi_series_json(monthly)
            )
        ]
    if name == "quality":
        return [
            Figure(
                "quadrant",
                _("Volume and quality: MQLs against acceptance rate"),
                report_charts.quality_quadrant_json(result),
            ),
            Figure("quality", _("Acceptance by group"), report_charts.quality_json(result)),
        ]
    if name == "velocity":
        return [Figure("velocity", _("Median time in stage"), report_charts.velocity_json(result))]
    if name == "reps":
        return [Figure("reps", _("First contact by rep"), report_charts.reps_json(result))]
    return []


def report_page(
    name: str, filters: ReportFilters, *, group_by: str | None, options: dict[str, Any]
) -> ReportPage:
    """Run report ``name`` and lay it out; raises the runner's errors (InvalidInput, not ready)."""
    result = report_run(name, filters, group_by=group_by, **options)
    records = _attribution_records(result) if name == "attribution" else report_rows(result)
    figures = _figures(name, result, filters)
    columns, rows = _table(result, records)
    return ReportPage(
        name=name,
        title=TITLES[name],
        columns=columns,
        rows=rows,
        figures=tuple(figures),
        data_as_of=result.data_as_of,
        notes=tuple(getattr(result, "notes", ())),
        records=tuple(records),
    )
