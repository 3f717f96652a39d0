"""The six reports by name: build the runner from plain arguments, flatten its result.

Shared by ``accord report`` and ``/api/v1/reports``, so both answer the same question the
same way. ``attribution`` has its slot here for the attribution runner
(``accord.analytics.runners.attribution``), written on top of ``accord.analytics.attribution``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from accord.analytics.filters import ReportFilters
from accord.analytics.forecast.rows import forecast_rows
from accord.analytics.promotions.rows import promotion_rows
from accord.analytics.runners.base import GROUP_CHANNEL, GROUP_NONE
from accord.analytics.runners.forecast import ForecastQuery, ForecastResult, ForecastRunner
from accord.analytics.runners.funnel import FunnelQuery, FunnelResult, FunnelRunner
from accord.analytics.runners.kpis import KpisQuery, KpisResult, KpisRunner
from accord.analytics.runners.promotions import (
    PromotionsQuery,
    PromotionsResult,
    PromotionsRunner,
)
from accord.analytics.runners.quality import QualityQuery, QualityResult, QualityRunner
from accord.analytics.runners.reps import RepsQuery, RepsResult, RepsRunner
from accord.analytics.runners.velocity import VelocityQuery, VelocityResult, VelocityRunner
from accord.core.errors import InvalidInput
from accord.core.lifecycle import Stage

REPORTS = (
    "funnel", "velocity", "kpis", "attribution", "quality", "reps", "forecast", "promotions",
)  # fmt: skip
#: The forecast's own options (``accord.analytics.runners.forecast.ForecastQuery``).
FORECAST_OPTIONS = ("period", "pipeline", "seed", "simulations", "scope_user_id", "now")
#: The promotion report's own options (``runners.promotions.PromotionsQuery``).
PROMOTION_OPTIONS = ("pipeline", "min_closed")


def report_run(
    name: str,
    filters: ReportFilters,
    *,
    group_by: str | None = None,
    model: str | None = None,
    sla_hours: float | None = None,
    **attribution_options: Any,
) -> Any:
    """Run report ``name``; ``group_by`` defaults per report.

    ``attribution_options`` (conversion, value, lookback_days, half_life_days, markov_order) go to
    the attribution runner; ``None`` values keep its defaults.
    """
    if name == "funnel":
        return FunnelRunner(FunnelQuery(filters, group_by=group_by or GROUP_NONE)).run()
    if name == "kpis":
        return KpisRunner(KpisQuery(filters, group_by=group_by or GROUP_NONE)).run()
    if name == "velocity":
        return VelocityRunner(VelocityQuery(filters, sla_hours=sla_hours)).run()
    if name == "quality":
        return QualityRunner(QualityQuery(filters, group_by=group_by or GROUP_CHANNEL)).run()
    if name == "reps":
        return RepsRunner(RepsQuery(filters, sla_hours=sla_hours)).run()
    if name == "forecast":
        options = {
            k: attribution_options.pop(k)
            for k in FORECAST_OPTIONS
            if attribution_options.get(k) is not None
        }
        return ForecastRunner(ForecastQuery(filters, group_by=group_by or "owner", **options)).run()
    if name == "promotions":
        options = {
            k: attribution_options.pop(k)
            for k in PROMOTION_OPTIONS
            if attribution_options.get(k) is not None
        }
        return PromotionsRunner(PromotionsQuery(filters, **options)).run()
    if name == "attribution":
        try:
            from accord.analytics.runners import attribution  # written on top of attribution/
        except ImportError:
            raise InvalidInput(
                "The attribution report is not available yet.", field="report"
            ) from None
        options = {
            k: v
            for k, v in attribution_options.items()
            if v is not None and k not in FORECAST_OPTIONS and k not in PROMOTION_OPTIONS
        }
        return attribution.report_run(filters, group_by=group_by, model=model, **options)
    raise InvalidInput(f"Unknown report {name!r}; use one of {', '.join(REPORTS)}.", field="report")


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def _num(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _funnel_rows(r: FunnelResult) -> list[dict[str, Any]]:
    rows = []
    for g in r.groups:
        for s in g.steps:
            rows.append(
                {
                    "group": g.label,
                    "stage": s.stage,
                    "count": s.count,
                    "conversion_pct": _pct(s.conversion),
                    "from_leads_pct": _pct(s.from_start),
                }
            )
        # Ad traffic: one row per measure (never three numbers in one cell).
        for stage, count in (
            ("impressions", g.impressions),
            ("clicks", g.clicks),
            ("visits", g.visits),
        ):
            if count is not None:
                rows.append(
                    {
                        "group": g.label,
                        "stage": stage,
                        "count": count,
                        "conversion_pct": None,
                        "from_leads_pct": None,
                    }
                )
    return rows


#: By pipeline only the deals split: their columns, without the leads' and spend's row.
_PIPELINE_KEYS = (
    "group", "won", "lost", "win_rate_pct", "revenue", "average_deal_size",
    "sales_cycle_days", "margin", "margin_pct", "average_discount_pct", "pipeline",
)  # fmt: skip


def _kpi_rows(r: KpisResult) -> list[dict[str, Any]]:
    if r.query.group_by == "pipeline":
        rows = _kpi_all_rows(r)
        return [
            {k: row[k] for k in _PIPELINE_KEYS}
            for row, kpi in zip(rows, r.rows, strict=True)
            if kpi.key is not None
        ]
    return _kpi_all_rows(r)


def _kpi_all_rows(r: KpisResult) -> list[dict[str, Any]]:
    return [
        {
            "group": row.label,
            "spend": _num(row.spend),
            "leads": row.leads,
            "mqls": row.mqls,
            "sqls": row.sqls,
            "opportunities": row.opportunities,
            "won": row.won_deals,
            "revenue": _num(row.revenue),
            "pipeline": _num(row.pipeline),
            "cpl": _num(row.cpl),
            "cac": _num(row.cac),
            "romi": _num(row.romi, 3),
            "roas": _num(row.roas, 3),
            "lost": row.lost_deals,
            "win_rate_pct": _pct(row.win_rate),
            "average_deal_size": _num(row.average_deal_size),
            "sales_cycle_days": _num(row.sales_cycle_days, 1),
            "margin": _num(row.margin),
            "margin_pct": _pct(row.margin_rate),
            "average_discount_pct": _pct(row.average_discount),
        }
        for row in r.rows
    ]


def _stage_label(stage: str) -> str:
    try:
        return str(Stage(stage).label)
    except ValueError:
        return stage


def _velocity_rows(r: VelocityResult) -> list[dict[str, Any]]:
    rows = [
        {
            "measure": _("time in %(stage)s (h)") % {"stage": _stage_label(s.stage)},
            "count": s.hours.count,
            "median": _num(s.hours.median),
            "p90": _num(s.hours.p90),
        }
        for s in r.stages
    ]
    rows.append(
        {
            "measure": _("lead to won (days)"),
            "count": r.cycle_days.count,
            "median": _num(r.cycle_days.median),
            "p90": _num(r.cycle_days.p90),
        }
    )
    fc = r.first_contact
    rows.append(
        {
            "measure": _("first contact after MQL (h)"),
            "count": fc.contacted,
            "median": _num(fc.hours.median),
            "p90": _num(fc.hours.p90),
        }
    )
    rows.append(
        {
            "measure": _("SLA compliance %% (≤ %(hours)s h)") % {"hours": f"{fc.sla_hours:g}"},
            "count": fc.within_sla,
            "median": _pct(fc.sla_compliance),
            "p90": None,
        }
    )
    return rows


def _quality_rows(r: QualityResult) -> list[dict[str, Any]]:
    rows = [
        {
            "group": q.label,
            "mqls": q.mqls,
            "accepted": q.accepted,
            "sqls": q.sqls,
            "rejected": q.rejected,
            "acceptance_pct": _pct(q.acceptance_rate),
            "mql_to_sql_pct": _pct(q.mql_to_sql),
            "ratings": q.ratings,
            "average_rating": _num(q.average_rating),
            # How far the raters agree: trusted, untrusted (a flag on the rating) or too_few.
            "rating_trust": q.agreement.trust if q.agreement else None,
            "quadrant": q.quadrant,
        }
        for q in r.rows
    ]
    rows += [
        {
            "group": f"rejection: {x.reason}",
            "mqls": None,
            "accepted": None,
            "sqls": None,
            "rejected": x.count,
            "acceptance_pct": None,
            "mql_to_sql_pct": None,
            "ratings": None,
            "average_rating": None,
            "rating_trust": None,
            "quadrant": f"{_pct(x.cumulative_share)}% cumulative",
        }
        for x in r.reasons
    ]
    return rows


def _reps_rows(r: RepsResult) -> list[dict[str, Any]]:
    rows = []
    for rep in r.rows:
        row: dict[str, Any] = {
            "rep": rep.username,
            "leads": rep.leads,
            "activities": rep.activities,
            "first_contact_median_h": _num(rep.first_contact.hours.median),
            "sla_pct": _pct(rep.first_contact.sla_compliance),
        }
        for c in rep.conversions:
            row[f"{c.from_stage}_to_{c.to_stage}_pct"] = _pct(c.rate)
        rows.append(row)
    return rows


FLATTENERS: dict[type, Callable[[Any], list[dict[str, Any]]]] = {
    FunnelResult: _funnel_rows,
    KpisResult: _kpi_rows,
    VelocityResult: _velocity_rows,
    QualityResult: _quality_rows,
    RepsResult: _reps_rows,
}


def report_rows(result: Any) -> list[dict[str, Any]]:
    """The result as table rows (what ``--format table|csv`` prints)."""
    if isinstance(result, ForecastResult):
        return forecast_rows(result)
    if isinstance(result, PromotionsResult):
        return promotion_rows(result)
    flatten = FLATTENERS.get(type(result))
    if flatten is not None:
        return flatten(result)
    as_rows = getattr(result, "as_rows", None)
    if as_rows is None:
        raise TypeError(f"No rows for {type(result).__name__}")
    return as_rows()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def report_dict(result: Any) -> dict[str, Any]:
    """The whole result as JSON-ready data (what ``--format json`` and the API return)."""
    return _plain(dataclasses.asdict(result))
