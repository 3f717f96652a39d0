"""The filters of ``/api/v1/reports/promotions``."""

from __future__ import annotations

from ninja import Field

from accord.analytics.schemas import ReportFiltersIn


class PromotionsIn(ReportFiltersIn):
    pipeline: str | None = Field(None, max_length=40, description="A pipeline key.")
    min_closed: int = Field(
        30, ge=1, le=10_000, description="Groups with fewer closed deals are too small."
    )
