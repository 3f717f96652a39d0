"""Schemas of ``/api/v1/reports``: the filters in; the runners' frozen results out (pydantic
reads the dataclasses directly, so the OpenAPI document follows the runners' types)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Schema
from pydantic import Field

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2200, 12, 31)


class ReportFiltersIn(Schema):
    # Bounded like every other date in the API, so date arithmetic never overflows.
    start: date | None = Field(
        None,
        ge=EARLIEST_DATE,
        le=LATEST_DATE,
        description="First day (default: 89 days before end), 1900-01-01 to 2200-12-31.",
    )
    end: date | None = Field(
        None,
        ge=EARLIEST_DATE,
        le=LATEST_DATE,
        description="Last day (default: today), 1900-01-01 to 2200-12-31.",
    )
    mode: Literal["cohort", "period"] = "cohort"
    channel: str | None = Field(None, max_length=60)
    campaign: str | None = Field(None, max_length=200)
    team: str | None = Field(None, max_length=120)
    rep: str | None = Field(None, max_length=150)
    segment: str | None = Field(None, max_length=200)


class FunnelIn(ReportFiltersIn):
    by: Literal["none", "channel", "campaign"] = "none"


class KpisIn(ReportFiltersIn):
    by: Literal["none", "channel", "campaign", "month", "pipeline"] = "none"


class QualityIn(ReportFiltersIn):
    by: Literal["channel", "campaign"] = "channel"


class SlaIn(ReportFiltersIn):
    sla_hours: float | None = Field(None, gt=0, le=24 * 365)


class AttributionIn(ReportFiltersIn):
    by: Literal["channel", "campaign"] = "channel"
    model: (
        Literal[
            "first_touch",
            "last_touch",
            "linear",
            "time_decay",
            "u_shaped",
            "w_shaped",
            "full_path",
            "markov",
            "shapley",
        ]
        | None
    ) = Field(None, description="One model (default: all nine side by side).")
    conversion: Literal["won", "mql", "sql", "opportunity"] = "won"
    value: Literal["revenue", "margin"] = Field(
        "revenue", description="What the models credit: won revenue or the won deals' margin."
    )
    lookback_days: float = Field(90, gt=0, le=3650)
    half_life_days: float = Field(7, gt=0, le=3650)
    markov_order: int = Field(1, ge=1, le=4)
