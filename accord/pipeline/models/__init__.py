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
from accord.pipeline.models.forecast import (
    DealCloseDateChange,
    ForecastSubmission,
    ForecastSubmissionDeal,
    ManagerAdjustment,
    PeriodKind,
    Quota,
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

__all__ = [
    "CLOSED_DEAL_STAGES",
    "Activity",
    "ActivityKind",
    "ActivityOutcome",
    "ChangeSource",
    "Deal",
    "DealAmountChange",
    "DealCloseDateChange",
    "DealLostReason",
    "DealStage",
    "DealStageChange",
    "ForecastCategory",
    "ForecastSubmission",
    "ForecastSubmissionDeal",
    "LostReason",
    "ManagerAdjustment",
    "PeriodKind",
    "Pipeline",
    "PipelineStage",
    "Quota",
    "StageOutcome",
    "default_pipeline_seed",
    "pipeline_default_id",
]
