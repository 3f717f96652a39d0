"""View models of the pipeline settings pages: rows ready to render, computed here."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count

from accord.pipeline.models import Deal, Pipeline, PipelineStage
from accord.pipeline.selectors import stage_deal_counts, stage_label


@dataclass(frozen=True)
class PipelineRow:
    pipeline: Pipeline
    stages: int
    deals: int
    first: bool
    last: bool


@dataclass(frozen=True)
class StageRow:
    stage: PipelineStage
    name: str
    percent: Decimal
    deals: int
    is_open: bool
    first: bool  # among the open stages (the ones that move)
    last: bool


def _percent(probability: Decimal) -> Decimal:
    """0.755 → 75.5, 0.500 → 50 (a whole percentage shows without decimals)."""
    value = (Decimal(probability) * 100).quantize(Decimal("0.1"))
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def pipeline_rows() -> list[PipelineRow]:
    pipelines = list(Pipeline.objects.annotate(n_stages=Count("stages")).order_by("order", "pk"))
    deals = dict(
        Deal.objects.values("pipeline_id").annotate(n=Count("pk")).values_list("pipeline_id", "n")
    )
    return [
        PipelineRow(
            pipeline=p,
            stages=p.n_stages,  # type: ignore[attr-defined]
            deals=deals.get(p.pk, 0),
            first=i == 0,
            last=i == len(pipelines) - 1,
        )
        for i, p in enumerate(pipelines)
    ]


def stage_rows(pipeline: Pipeline) -> list[StageRow]:
    counts = stage_deal_counts(pipeline_id=pipeline.pk)
    stages = list(pipeline.stages.order_by("order", "pk"))
    open_ids = [s.pk for s in stages if s.outcome == "open"]
    return [
        StageRow(
            stage=s,
            name=stage_label(s.key, s.name),
            percent=_percent(s.probability),
            deals=counts.get(s.key, 0),
            is_open=s.outcome == "open",
            first=bool(open_ids) and s.pk == open_ids[0],
            last=bool(open_ids) and s.pk == open_ids[-1],
        )
        for s in stages
    ]
