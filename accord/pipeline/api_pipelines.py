"""REST endpoints for pipelines, their stages and the lost reasons.

Everyone signed in reads them (a board, a form or an integration needs the stage keys);
administrators and heads of sales (the ``pipelines`` write scope) change them. A pipeline
or stage that holds deals is not deleted: the 422 says how many and what to do instead.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Status

from accord.api.auth import access_require
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_or_404
from accord.api.paging import page_of
from accord.pipeline import selectors, services
from accord.pipeline.models import PipelineStage
from accord.pipeline.pipeline_schemas import (
    PIPELINE_ORDERINGS,
    STAGE_ORDERINGS,
    LostReasonFilters,
    LostReasonIn,
    LostReasonOut,
    LostReasonPage,
    LostReasonPatch,
    PipelineFilters,
    PipelineIn,
    PipelineOrderIn,
    PipelineOut,
    PipelinePage,
    PipelinePatch,
    StageFilters,
    StageIn,
    StageOrderIn,
    StageOut,
    StagePage,
    StagePatch,
)

router = Router(tags=["pipelines"])


def _pipeline(pipeline_id: int):
    return row_or_404(
        selectors.pipelines_visible().prefetch_related("stages"),
        pipeline_id,
        label="Pipeline",
        field="pipeline_id",
    )


@router.get("", response={200: PipelinePage, **COMMON_ERRORS})
def pipeline_list(request: HttpRequest, filters: Query[PipelineFilters]):
    access_require(request, "pipelines", "read")
    rows = selectors.pipelines_visible(include_archived=filters.include_archived)
    return page_of(rows.prefetch_related("stages"), filters, allowed=PIPELINE_ORDERINGS)


@router.post("", response={201: PipelineOut, **POST_ERRORS})
def pipeline_create(request: HttpRequest, payload: PipelineIn):
    """A new pipeline, starting with the default pipeline's stages (edit them after)."""
    access_require(request, "pipelines", "write")
    pipeline = services.pipeline_create(name=payload.name, key=payload.key)
    return Status(201, _pipeline(pipeline.pk))


@router.post("/reorder", response={200: PipelinePage, **POST_ERRORS})
def pipelines_reorder(request: HttpRequest, payload: PipelineOrderIn):
    access_require(request, "pipelines", "write")
    services.pipelines_reorder(pipeline_ids=payload.pipeline_ids)
    rows = selectors.pipelines_visible().prefetch_related("stages")
    return {"items": list(rows), "next_cursor": None}


@router.get("/lost-reasons", response={200: LostReasonPage, **COMMON_ERRORS})
def lost_reason_list(request: HttpRequest, filters: Query[LostReasonFilters]):
    access_require(request, "pipelines", "read")
    rows = selectors.lost_reasons(active_only=filters.active_only)
    return page_of(rows, filters, allowed=STAGE_ORDERINGS)


@router.post("/lost-reasons", response={201: LostReasonOut, **POST_ERRORS})
def lost_reason_create(request: HttpRequest, payload: LostReasonIn):
    access_require(request, "pipelines", "write")
    return Status(201, services.lost_reason_create(label=payload.label, key=payload.key))


@router.patch("/lost-reasons/{reason_id}", response={200: LostReasonOut, **COMMON_ERRORS})
def lost_reason_patch(request: HttpRequest, payload: LostReasonPatch, reason_id: int = IdPath):
    """Rename or retire (``is_active: false``) a lost reason; deals keep theirs."""
    access_require(request, "pipelines", "write")
    return services.lost_reason_update(
        reason_id=reason_id, label=payload.label, is_active=payload.is_active
    )


@router.get("/{pipeline_id}", response={200: PipelineOut, **COMMON_ERRORS})
def pipeline_get(request: HttpRequest, pipeline_id: int = IdPath):
    access_require(request, "pipelines", "read")
    return _pipeline(pipeline_id)


@router.patch("/{pipeline_id}", response={200: PipelineOut, **COMMON_ERRORS})
def pipeline_patch(request: HttpRequest, payload: PipelinePatch, pipeline_id: int = IdPath):
    """Rename, make the default, archive (it then takes no new deals) or restore."""
    access_require(request, "pipelines", "write")
    _pipeline(pipeline_id)
    services.pipeline_update(pipeline_id=pipeline_id, **payload.dict(exclude_unset=True))
    return _pipeline(pipeline_id)


@router.delete("/{pipeline_id}", response={204: None, **COMMON_ERRORS})
def pipeline_delete(request: HttpRequest, pipeline_id: int = IdPath):
    """Delete a pipeline that never held a deal (else 422: archive it instead)."""
    access_require(request, "pipelines", "write")
    _pipeline(pipeline_id)
    services.pipeline_delete(pipeline_id=pipeline_id)
    return Status(204, None)


@router.get("/{pipeline_id}/stages", response={200: StagePage, **COMMON_ERRORS})
def stage_list(request: HttpRequest, filters: Query[StageFilters], pipeline_id: int = IdPath):
    access_require(request, "pipelines", "read")
    pipeline = _pipeline(pipeline_id)
    return page_of(pipeline.stages.all(), filters, allowed=STAGE_ORDERINGS)


@router.post("/{pipeline_id}/stages", response={201: StageOut, **POST_ERRORS})
def stage_create(request: HttpRequest, payload: StageIn, pipeline_id: int = IdPath):
    """A new open stage, placed after the other open stages (won and lost stay last)."""
    access_require(request, "pipelines", "write")
    _pipeline(pipeline_id)
    return Status(201, services.stage_create(pipeline_id=pipeline_id, **payload.dict()))


@router.post("/{pipeline_id}/stages/reorder", response={200: StagePage, **POST_ERRORS})
def stages_reorder(request: HttpRequest, payload: StageOrderIn, pipeline_id: int = IdPath):
    """Order the open stages (every one, once); won and lost stay last."""
    access_require(request, "pipelines", "write")
    _pipeline(pipeline_id)
    services.stages_reorder(pipeline_id=pipeline_id, stage_ids=payload.stage_ids)
    return {"items": list(_pipeline(pipeline_id).stages.all()), "next_cursor": None}


def _stage(pipeline_id: int, stage_id: int) -> PipelineStage:
    stages = PipelineStage.objects.filter(pipeline_id=pipeline_id)
    return row_or_404(stages, stage_id, label="Stage", field="stage_id")


@router.get("/{pipeline_id}/stages/{stage_id}", response={200: StageOut, **COMMON_ERRORS})
def stage_get(request: HttpRequest, pipeline_id: int = IdPath, stage_id: int = IdPath):
    access_require(request, "pipelines", "read")
    return _stage(pipeline_id, stage_id)


@router.patch("/{pipeline_id}/stages/{stage_id}", response={200: StageOut, **COMMON_ERRORS})
def stage_patch(
    request: HttpRequest, payload: StagePatch, pipeline_id: int = IdPath, stage_id: int = IdPath
):
    access_require(request, "pipelines", "write")
    _stage(pipeline_id, stage_id)
    return services.stage_update(
        stage_id=stage_id, pipeline_id=pipeline_id, **payload.dict(exclude_unset=True)
    )


@router.delete("/{pipeline_id}/stages/{stage_id}", response={204: None, **COMMON_ERRORS})
def stage_delete(request: HttpRequest, pipeline_id: int = IdPath, stage_id: int = IdPath):
    """Delete an open stage that holds no deals (else 422: how many, and where to move them)."""
    access_require(request, "pipelines", "write")
    _stage(pipeline_id, stage_id)
    services.stage_delete(stage_id=stage_id, pipeline_id=pipeline_id)
    return Status(204, None)
