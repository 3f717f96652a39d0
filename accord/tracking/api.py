"""REST endpoints for campaigns, spend and touchpoints: permission-checked fetch, one
service call, a response. Touchpoints are append-only: they have no update."""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest
from ninja import Query, Router, Status

from accord.api.auth import access_require
from accord.api.batch import batch_results, upserted
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_or_404
from accord.api.paging import page_of
from accord.api.schemas import BatchOut
from accord.tracking import selectors
from accord.tracking.inputs import CampaignChanges, SpendChanges
from accord.tracking.models import Campaign, SpendEntry, Touchpoint
from accord.tracking.schemas import (
    CAMPAIGN_ORDERINGS,
    SPEND_ORDERINGS,
    TOUCH_ORDERINGS,
    CampaignFilters,
    CampaignIn,
    CampaignOut,
    CampaignPage,
    CampaignPatch,
    SpendBatchIn,
    SpendFilters,
    SpendIn,
    SpendOut,
    SpendPage,
    SpendPatch,
    TouchpointBatchIn,
    TouchpointFilters,
    TouchpointIn,
    TouchpointOut,
    TouchpointPage,
)
from accord.tracking.services import (
    campaign_create,
    campaign_update,
    spend_record,
    spend_update,
    touchpoint_create,
)

campaigns_router = Router(tags=["campaigns"])
spend_router = Router(tags=["spend"])
touchpoints_router = Router(tags=["touchpoints"])

# --- Campaigns --------------------------------------------------------------------------


@campaigns_router.get("", response={200: CampaignPage, **COMMON_ERRORS})
def campaign_list(request: HttpRequest, filters: Query[CampaignFilters]):
    access_require(request, "campaigns", "read")
    campaigns = selectors.campaign_list(channel=filters.channel, utm_campaign=filters.utm_campaign)
    return page_of(campaigns, filters, allowed=CAMPAIGN_ORDERINGS)


@campaigns_router.post("", response={201: CampaignOut, **POST_ERRORS})
def campaign_create_endpoint(request: HttpRequest, payload: CampaignIn):
    access_require(request, "campaigns", "write")
    return Status(201, campaign_create(**payload.dict()))


@campaigns_router.get("/{campaign_id}", response={200: CampaignOut, **COMMON_ERRORS})
def campaign_get(request: HttpRequest, campaign_id: int = IdPath):
    access_require(request, "campaigns", "read")
    return row_or_404(Campaign, campaign_id, label="Campaign")


@campaigns_router.patch("/{campaign_id}", response={200: CampaignOut, **COMMON_ERRORS})
def campaign_patch(request: HttpRequest, payload: CampaignPatch, campaign_id: int = IdPath):
    access_require(request, "campaigns", "write")
    row_or_404(Campaign, campaign_id, label="Campaign")
    return campaign_update(
        campaign_id=campaign_id, changes=cast(CampaignChanges, payload.dict(exclude_unset=True))
    )


# --- Spend ------------------------------------------------------------------------------


@spend_router.get("", response={200: SpendPage, **COMMON_ERRORS})
def spend_list(request: HttpRequest, filters: Query[SpendFilters]):
    access_require(request, "spend", "read")
    entries = selectors.spend_list(
        channel=filters.channel,
        campaign_id=filters.campaign_id,
        since=filters.since,
        until=filters.until,
    )
    return page_of(entries, filters, allowed=SPEND_ORDERINGS)


@spend_router.post("", response={200: SpendOut, 201: SpendOut, **POST_ERRORS})
def spend_create(request: HttpRequest, payload: SpendIn):
    """Set one day's spend of a channel or campaign: 201 when new, 200 when it replaced the
    figures already recorded for that day."""
    access_require(request, "spend", "write")
    entry, created = spend_record(**payload.dict())
    return Status(201 if created else 200, entry)


@spend_router.post("/batch", response={200: BatchOut, **POST_ERRORS})
def spend_batch(request: HttpRequest, payload: SpendBatchIn):
    """Set up to 100 days of spend; one result per record, each record saved on its own."""
    access_require(request, "spend", "write")

    def write(record: SpendIn) -> tuple[str, int]:
        return upserted(spend_record(**record.dict()))

    return batch_results(payload.records, write)


@spend_router.get("/{spend_id}", response={200: SpendOut, **COMMON_ERRORS})
def spend_get(request: HttpRequest, spend_id: int = IdPath):
    access_require(request, "spend", "read")
    return row_or_404(SpendEntry, spend_id, label="Spend entry")


@spend_router.patch("/{spend_id}", response={200: SpendOut, **COMMON_ERRORS})
def spend_patch(request: HttpRequest, payload: SpendPatch, spend_id: int = IdPath):
    access_require(request, "spend", "write")
    row_or_404(SpendEntry, spend_id, label="Spend entry")
    return spend_update(
        entry_id=spend_id, changes=cast(SpendChanges, payload.dict(exclude_unset=True))
    )


# --- Touchpoints ------------------------------------------------------------------------


@touchpoints_router.get("", response={200: TouchpointPage, **COMMON_ERRORS})
def touchpoint_list(request: HttpRequest, filters: Query[TouchpointFilters]):
    access_require(request, "touchpoints", "read")
    touches = selectors.touchpoint_list(
        lead_id=filters.lead_id,
        contact_id=filters.contact_id,
        channel=filters.channel,
        type=filters.type,
        since=filters.since,
        until=filters.until,
    )
    return page_of(touches, filters, allowed=TOUCH_ORDERINGS)


@touchpoints_router.post("", response={201: TouchpointOut, **POST_ERRORS})
def touchpoint_create_endpoint(request: HttpRequest, payload: TouchpointIn):
    access_require(request, "touchpoints", "write")
    return Status(201, touchpoint_create(**payload.dict()))


@touchpoints_router.post("/batch", response={200: BatchOut, **POST_ERRORS})
def touchpoint_batch(request: HttpRequest, payload: TouchpointBatchIn):
    """Append up to 100 touches; one result per record, each record saved on its own."""
    access_require(request, "touchpoints", "write")

    def write(record: TouchpointIn) -> tuple[str, int]:
        return "created", touchpoint_create(**record.dict()).pk

    return batch_results(payload.records, write)


@touchpoints_router.get("/{touchpoint_id}", response={200: TouchpointOut, **COMMON_ERRORS})
def touchpoint_get(request: HttpRequest, touchpoint_id: int = IdPath):
    access_require(request, "touchpoints", "read")
    return row_or_404(Touchpoint, touchpoint_id, label="Touchpoint")
