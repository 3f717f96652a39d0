"""API schemas for pipelines, their stages and the lost reasons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ninja import Field, Schema

from accord.api.schemas import Id, InSchema, ListParams
from accord.pipeline.models import ForecastCategory

PIPELINE_ORDERINGS = ("order", "-order", "id", "-id")
STAGE_ORDERINGS = ("order", "-order", "id", "-id")
if TYPE_CHECKING:
    CategoryName = str
else:
    CategoryName = Literal[tuple(ForecastCategory.values)]
Probability = Annotated[Decimal, Field(ge=0, le=1, max_digits=4, decimal_places=3)]
StaleDays = Annotated[int, Field(ge=1, le=3650)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
KeyText = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]


class StageOut(Schema):
    id: int
    pipeline_id: int
    key: str
    name: str
    order: int
    probability: str
    forecast_category: str
    outcome: str
    stale_after_days: int | None

    @staticmethod
    def resolve_probability(obj: Any) -> str:
        return str(obj.probability)


class PipelineOut(Schema):
    id: int
    key: str
    name: str
    order: int
    is_default: bool
    is_archived: bool
    stages: list[StageOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_stages(obj: Any) -> list[Any]:
        return list(obj.stages.all())


class PipelineIn(InSchema):
    name: Name
    key: KeyText | None = Field(None, description="Else made from the name.")


class PipelinePatch(InSchema):
    name: Name | None = None
    is_default: bool | None = None
    is_archived: bool | None = None


class PipelineOrderIn(InSchema):
    pipeline_ids: list[Id] = Field(..., min_length=1, max_length=100)


class PipelineFilters(ListParams):
    ordering: Literal[PIPELINE_ORDERINGS] = "order"  # type: ignore[valid-type]
    include_archived: bool = True


class PipelinePage(Schema):
    items: list[PipelineOut]
    next_cursor: str | None


class StageIn(InSchema):
    name: Name
    probability: Probability
    forecast_category: CategoryName
    stale_after_days: StaleDays | None = None
    key: KeyText | None = Field(None, description="Else made from the name.")


class StagePatch(InSchema):
    name: Name | None = None
    probability: Probability | None = None
    forecast_category: CategoryName | None = None
    stale_after_days: StaleDays | None = Field(None, description="null: never stale.")


class StageFilters(ListParams):
    ordering: Literal[STAGE_ORDERINGS] = "order"  # type: ignore[valid-type]


class StagePage(Schema):
    items: list[StageOut]
    next_cursor: str | None


class StageOrderIn(InSchema):
    stage_ids: list[Id] = Field(..., min_length=1, max_length=100)


class LostReasonOut(Schema):
    id: int
    key: str
    label: str
    order: int
    is_active: bool


class LostReasonIn(InSchema):
    label: Name
    key: Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[a-z0-9_]+$")] | None = None


class LostReasonPatch(InSchema):
    label: Name | None = None
    is_active: bool | None = None


class LostReasonFilters(ListParams):
    ordering: Literal[STAGE_ORDERINGS] = "order"  # type: ignore[valid-type]
    active_only: bool = False


class LostReasonPage(Schema):
    items: list[LostReasonOut]
    next_cursor: str | None
