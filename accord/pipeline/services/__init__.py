"""Every write of the pipeline app: deals and their moves, activities, pipelines and stages.

One module per area; the functions are re-exported here (``from accord.pipeline.services
import deal_move``).
"""

from accord.pipeline.services.activities import activity_create, activity_update
from accord.pipeline.services.deals import deal_create, deal_update, deal_upsert
from accord.pipeline.services.moves import deal_move
from accord.pipeline.services.pipelines import (
    lost_reason_create,
    lost_reason_update,
    pipeline_create,
    pipeline_delete,
    pipeline_update,
    pipelines_reorder,
    stage_create,
    stage_delete,
    stage_update,
    stages_reorder,
)

__all__ = [
    "activity_create",
    "activity_update",
    "deal_create",
    "deal_move",
    "deal_update",
    "deal_upsert",
    "lost_reason_create",
    "lost_reason_update",
    "pipeline_create",
    "pipeline_delete",
    "pipeline_update",
    "pipelines_reorder",
    "stage_create",
    "stage_delete",
    "stage_update",
    "stages_reorder",
]
