"""What each report page shows: the runner result turned into a table and figures.

One ``ReportPage`` per request; views only parse the form, call ``report_page`` and render.
The table is ``accord.analytics.reports.report_rows`` (what the CLI and CSV export print),
so the page, the export and ``accord report`` always agree.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accord.analytics.filters import ReportFilters
from accord.analytics.forms import MODEL_LABELS
from accord.analytics.reports import report_rows, report_run
from accord.analytics.runners.attribution import AttributionResult
from accord.analytics.runners.funnel import FunnelResult
from accord.analytics.runners.kpis import KpisResult
from accord.analytics.runners.quality import QualityResult
from accord.analytics.runners.reps import RepsResult
from accord.analytics.runners.velocity import VelocityResult
from accord.core.lifecycle import stage_label
from accord.core.money import DEFAULT_CURRENCY
from accord.ui import report_charts, report_columns, report_labels
from accord.ui.charts import funnel_figure_json
from accord.ui.formatting import count_format, percent_format

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
    "kpis": _(
        "Spend, leads, pipeline, revenue, CPL, CAC and ROMI; win rate, deal size, sales cycle, "
        "margin and discount; by channel, campaign, month or pipeline."
    ),
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
    "kpis": ("channel", "campaign", "month", "pipeline", "none"),
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
    #: Spans the whole width (a Sankey needs room for its labels).
    wide: bool = False

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
    #: The period the report covers, as people read it ("1 Jan 2026 - 31 Dec 2026").
    period: str = ""
    #: Set when the rates rest on too few conversions to trust ("Based on 12 conversions…").
    low_conversions: str | None = None
    #: The number of conversions the report's rates rest on (None: no such base).
    conversions: int | None = None

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
            # The credited value: revenue, or margin when the report credits margin.
            record[f"{m.model}_{result.query.value}"] = round(row.revenue, 2) if row else 0.0
        records.append(record)
    return records


def _attribution_figures(result: Any) -> list[Figure]:
    return [
        Figure(
            "revenue",
            _("Credited margin by model")
            if result.query.value == "margin"
            else _("Credited revenue by model"),
            report_charts.attribution_bars_json(result, MODEL_LABELS, revenue=True),
            wide=True,
        ),
        Figure(
            "conversions",
            _("Credited conversions by model"),
            report_charts.attribution_bars_json(result, MODEL_LABELS, revenue=False),
            wide=True,
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
            wide=True,
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
            Figure(
                "reasons",
                _("Why sales rejected MQLs"),
                report_charts.rejection_reasons_json(result),
            ),
        ]
    if name == "velocity":
        return [Figure("velocity", _("Median time in stage"), report_charts.velocity_json(result))]
    if name == "reps":
        return [Figure("reps", _("First contact by rep"), report_charts.reps_json(result))]
    return []


#: Below this many conversions, rates and shares are noise: the page says so.
MIN_CONVERSIONS = 30


def conversions_basis(result: Any) -> int | None:
    """How many conversions the report's rates rest on."""
    if isinstance(result, FunnelResult):
        return result.total.steps[-1].count if result.total.steps else 0
    if isinstance(result, KpisResult):
        return result.total.won_deals
    if isinstance(result, AttributionResult):
        return result.converted
    if isinstance(result, QualityResult):
        return sum(r.accepted + r.rejected for r in result.rows)
    if isinstance(result, VelocityResult):
        return result.cycle_days.count
    if isinstance(result, RepsResult):
        return sum(r.conversions[-1].reached_to for r in result.rows if r.conversions)
    return None


def low_conversions_notice(conversions: int | None) -> str | None:
    if conversions is None or conversions >= MIN_CONVERSIONS:
        return None
    return ngettext(
        "Based on %(count)s conversion — too few to trust the rates.",
        "Based on %(count)s conversions — too few to trust the rates.",
        conversions,
    ) % {"count": count_format(conversions)}


def period_label(filters: ReportFilters) -> str:
    start = formats.date_format(filters.start, "DATE_FORMAT")
    end = formats.date_format(filters.end, "DATE_FORMAT")
    return f"{start} \u2013 {end}"


def _days(hours: float | None) -> float | None:
    return None if hours is None else round(hours / 24, 1)


def _velocity_records(result: VelocityResult) -> list[dict[str, Any]]:
    """Durations in days, one measure per column (first contact goes to the notes)."""
    rows = [
        {
            "measure": gettext("Time in %(stage)s") % {"stage": stage_label(s.stage)},
            "count": s.hours.count,
            "median_days": _days(s.hours.median),
            "p90_days": _days(s.hours.p90),
        }
        for s in result.stages
    ]
    cycle = result.cycle_days
    rows.append(
        {
            "measure": gettext("Lead to won deal"),
            "count": cycle.count,
            "median_days": None if cycle.median is None else round(cycle.median, 1),
            "p90_days": None if cycle.p90 is None else round(cycle.p90, 1),
        }
    )
    return rows


def _kpi_notes(result: KpisResult) -> list[str]:
    """The KPI runner's notes in the reader's language."""
    notes = []
    if result.query.filters.has_lead_dimensions:
        notes.append(
            gettext("Spend cannot be split by team, rep or segment; cost metrics are empty.")
        )
    elif result.query.group_by == "pipeline":
        notes.append(
            gettext("Leads and spend are not split by pipeline: only the deals' figures are.")
        )
    unlined = result.total.won_without_lines
    if unlined:
        notes.append(
            ngettext(
                "%(count)s won deal has no line items: its cost is unknown, so it is left out "
                "of the margin.",
                "%(count)s won deals have no line items: their cost is unknown, so they are "
                "left out of the margin.",
                unlined,
            )
            % {"count": count_format(unlined)}
        )
    return notes


def _velocity_notes(result: VelocityResult) -> list[str]:
    fc = result.first_contact
    if not fc.mqls:
        return []
    hours = "—" if fc.hours.median is None else formats.number_format(fc.hours.median, 1)
    return [
        gettext(
            "First contact after MQL: median %(hours)s h; %(share)s of contacted MQLs within "
            "the %(sla)s h SLA (%(within)s of %(contacted)s)."
        )
        % {
            "hours": hours,
            "share": percent_format(fc.sla_compliance),
            "sla": f"{fc.sla_hours:g}",
            "within": count_format(fc.within_sla),
            "contacted": count_format(fc.contacted),
        }
    ]


def _quality_records(result: QualityResult) -> list[dict[str, Any]]:
    """One row per group (the rejection reasons have their own chart)."""
    return [r for r in report_rows(result) if r.get("mqls") is not None]


def _funnel_records(result: FunnelResult) -> list[dict[str, Any]]:
    """One row per group: traffic, then each stage's count, then lead-to-customer."""
    records = []
    for g in result.groups:
        record: dict[str, Any] = {
            "group": g.label,
            "impressions": g.impressions,
            "clicks": g.clicks,
            "visits": g.visits,
        }
        for step in g.steps:
            record[f"stage_{step.stage}"] = step.count
        record["overall_pct"] = (
            None if g.overall_conversion is None else round(g.overall_conversion * 100, 1)
        )
        records.append(record)
    return records


def _records(name: str, result: Any) -> list[dict[str, Any]]:
    if name == "funnel":
        return _funnel_records(result)
    if name == "attribution":
        return _attribution_records(result)
    if name == "velocity":
        return _velocity_records(result)
    if name == "quality":
        return _quality_records(result)
    return report_rows(result)


def report_page(
    name: str, filters: ReportFilters, *, group_by: str | None, options: dict[str, Any]
) -> ReportPage:
    """Run report ``name`` and lay it out; raises the runner's errors (InvalidInput, not ready)."""
    result = report_labels.result_named(
        report_run(name, filters, group_by=group_by, **options), group_by
    )
    records = _records(name, result)
    figures = _figures(name, result, filters)
    if len(figures) == 1:
        # A lone chart takes the whole width rather than leave half the row empty.
        figures = [dataclasses.replace(figures[0], wide=True)]
    columns, rows = _table(result, records)
    notes = list(getattr(result, "notes", ()))
    if isinstance(result, KpisResult):
        notes = _kpi_notes(result)
    if isinstance(result, VelocityResult):
        notes += _velocity_notes(result)
    conversions = conversions_basis(result)
    return ReportPage(
        name=name,
        title=TITLES[name],
        columns=columns,
        rows=rows,
        figures=tuple(figures),
        data_as_of=result.data_as_of,
        notes=tuple(notes),
        records=tuple(records),
        period=period_label(filters),
        low_conversions=low_conversions_notice(conversions),
        conversions=conversions,
    )
