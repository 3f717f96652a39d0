"""The pipeline app's models, one module per area (re-exported here)."""

from accord.pipeline.models.activities import Activity, ActivityKind, ActivityOutcome
from accord.pipeline.models.deals import (
    CLOSED_DEAL_STAGES,
    ChangeSource,
    Deal,
    DealAmountChange,
    DealStage,
    DealStageChange,
    LostReason,
)
from accord.pipeline.models.pipelines import (
    DealLostReason,
    ForecastCategory,
    Pipeline,
    PipelineStage,
    StageOutcome,
    default_pipeline_seed,
    pipeline_default_id,
)
from accord.pipeline.models.tasks import DealStalePeriod, Task, TaskKind

__all__ = [
    "CLOSED_DEAL_STAGES",
    "Activity",
    "ActivityKind",
    "ActivityOutcome",
    "ChangeSource",
    "Deal",
    "DealAmountChange",
    "DealLostReason",
    "DealStage",
    "DealStageChange",
    "DealStalePeriod",
    "ForecastCategory",
    "LostReason",
    "Pipeline",
    "PipelineStage",
    "StageOutcome",
    "Task",
    "TaskKind",
    "default_pipeline_seed",
    "pipeline_default_id",
]
