"""A deals file's pipelines and the stage history its writes append.

A file may name each deal's pipeline (HubSpot's "Pipeline" column) by key or name; without
one a deal goes to the default pipeline (HubSpot's own "default" / "Sales Pipeline" mean it
too). The stage, already mapped from HubSpot's or Salesforce's names to our keys, must be one
of that pipeline's. Every new deal starts its stage history where the file puts it, and an
updated deal whose stage changed gets the move appended (source ``import``).
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from accord.integrations.importing.fields import choice_key
from accord.integrations.importing.validate import Record
from accord.pipeline.models import (
    ChangeSource,
    Deal,
    DealStageChange,
    Pipeline,
    pipeline_default_id,
)

#: What exports call the pipeline a CRM starts with.
_DEFAULT_NAMES = ("default", "salespipeline", "newbusiness")


class DealPipelines:
    def __init__(self) -> None:
        self.default_id = pipeline_default_id()
        self.stages: dict[int, set[str]] = {}
        self.by_name: dict[str, int] = {name: self.default_id for name in _DEFAULT_NAMES}
        for pipeline in Pipeline.objects.prefetch_related("stages"):
            self.stages[pipeline.pk] = {s.key for s in pipeline.stages.all()}
            if not pipeline.is_archived:
                self.by_name[choice_key(pipeline.key)] = pipeline.pk
                self.by_name[choice_key(pipeline.name)] = pipeline.pk
        self.moves: list[tuple[Deal, str, datetime]] = []

    def resolve(self, record: Record, stage: str) -> tuple[int, str, str]:
        """``(pipeline id, field at fault, problem)``; no problem: ``""``."""
        name = record.get("pipeline")
        pipeline_id = self.by_name.get(choice_key(name)) if name else self.default_id
        if pipeline_id is None:
            return (
                0,
                "pipeline",
                (
                    f"Unknown (or archived) pipeline {name!r}: create it under Settings → "
                    "Pipelines first, or leave the column out to use the default pipeline."
                ),
            )
        if stage not in self.stages.get(pipeline_id, {stage}):
            return pipeline_id, "stage", f"The pipeline has no stage {stage!r}."
        return pipeline_id, "", ""

    def moved(self, deal: Deal, from_stage: str, at: datetime) -> None:
        deal.stage_entered_at = at
        deal.version += 1
        self.moves.append((deal, from_stage, at))

    def history_write(self, new: list[Deal]) -> None:
        """The first stage of each new deal, and the moves of updated ones."""
        rows = [(deal, "", deal.stage_entered_at) for deal in new] + self.moves
        DealStageChange.objects.bulk_create(
            (
                DealStageChange(
                    deal_id=deal.pk,
                    pipeline_id=cast(int, deal.pipeline_id),
                    from_stage=from_stage,
                    to_stage=deal.stage,
                    at=at,
                    amount=deal.amount,
                    source=ChangeSource.IMPORT,
                )
                for deal, from_stage, at in rows
            ),
            batch_size=1000,
        )
