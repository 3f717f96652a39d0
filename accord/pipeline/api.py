"""REST endpoints for deals and activities: permission-checked fetch, one service call, a
response. Sales reps reach only their own and unassigned deals, and attach deals and
activities only to leads they can see, owned by themselves (``accord.accounts.policy``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from django.http import HttpRequest
from ninja import Query, Router, Status

from accord.accounts import policy
from accord.api.auth import Principal, access_require
from accord.api.batch import batch_results, upserted
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_named, row_or_404
from accord.api.paging import page_of
from accord.api.schemas import BatchOut
from accord.contacts.selectors import leads_visible
from accord.core.errors import NotFound, PermissionDenied
from accord.pipeline import selectors
from accord.pipeline.inputs import ActivityChanges, DealChanges
from accord.pipeline.models import Activity, ChangeSource, Deal
from accord.pipeline.schemas import (
    ACTIVITY_ORDERINGS,
    DEAL_ORDERINGS,
    HISTORY_ORDERINGS,
    ActivityFilters,
    ActivityIn,
    ActivityOut,
    ActivityPage,
    ActivityPatch,
    DealAmountChangePage,
    DealBatchIn,
    DealFilters,
    DealIn,
    DealMoveIn,
    DealOut,
    DealPage,
    DealPatch,
    DealStageChangePage,
    HistoryParams,
)
from accord.pipeline.services import (
    activity_create,
    activity_update,
    deal_create,
    deal_move,
    deal_update,
    deal_upsert,
)

deals_router = Router(tags=["deals"])
activities_router = Router(tags=["activities"])


def _deal_get(principal: Principal, deal_id: int) -> Deal:
    visible = selectors.deals_visible(user=principal.restricted_to("deals"))
    return row_or_404(visible, deal_id, label="Deal", field="deal_id")


def _deals_seen(principal: Principal):
    return selectors.deals_visible(user=policy.rep_scope(principal, "deals"))


def _activity_get(principal: Principal, activity_id: int) -> Activity:
    visible = selectors.activities_visible(user=principal.restricted_to("activities"))
    return row_or_404(visible, activity_id, label="Activity", field="activity_id")


def _deal_links_check(principal: Principal, fields: Mapping[str, Any]) -> None:
    """A deal may point only at a lead the caller sees, owned by someone they may name."""
    if "owner_id" in fields:
        policy.owner_assign_check(principal, fields["owner_id"])
    lead_id = fields.get("lead_id")
    if lead_id is not None:
        _lead_link_check(principal, lead_id)


def _lead_link_check(principal: Principal, lead_id: int) -> None:
    """A deal or activity may name only a lead the caller sees (else 400 on lead_id)."""
    lead = leads_visible(user=policy.rep_scope(principal)).filter(pk=lead_id).first()
    policy.links_check(principal, lead=lead, lead_id=lead_id)


@deals_router.get("", response={200: DealPage, **COMMON_ERRORS})
def deal_list(request: HttpRequest, filters: Query[DealFilters]):
    principal = access_require(request, "deals", "read")
    deals = selectors.deal_list(
        user=principal.restricted_to("deals"),
        stage=filters.stage,
        owner_id=filters.owner_id,
        lead_id=filters.lead_id,
        account_id=filters.account_id,
        pipeline=filters.pipeline,
        closed_after=filters.closed_after,
        expected_close_before=filters.expected_close_before,
    )
    return page_of(deals, filters, allowed=DEAL_ORDERINGS)


@deals_router.post("", response={201: DealOut, **POST_ERRORS})
def deal_create_endpoint(request: HttpRequest, payload: DealIn):
    principal = access_require(request, "deals", "write")
    fields = payload.dict()
    _deal_links_check(principal, fields)
    policy.deal_owner_check(principal, current_owner_id=None, owner_id=fields["owner_id"])
    return Status(201, deal_create(**fields, by=principal.actor, source=ChangeSource.API))


@deals_router.post("/batch", response={200: BatchOut, **POST_ERRORS})
def deal_batch(request: HttpRequest, payload: DealBatchIn):
    """Create or update (by external_id) up to 100 deals; one result per record."""
    principal = access_require(request, "deals", "write")
    restricted = principal.restricted_to("deals")

    def write(record: DealIn) -> tuple[str, int]:
        if restricted is not None and record.external_id:
            # Another rep's deal with this external_id is refused without naming its id.
            known = Deal.objects.filter(external_id=record.external_id)
            if known.exists() and not _deals_seen(principal).filter(external_id=record.external_id):
                raise NotFound(
                    "A deal with this external_id exists and is not yours to change.",
                    field="external_id",
                )
        fields = record.dict()
        _deal_links_check(principal, fields)
        current = Deal.objects.filter(external_id=record.external_id).first()
        policy.deal_owner_check(
            principal,
            current_owner_id=current.owner_id if record.external_id and current else None,
            owner_id=fields["owner_id"],
        )
        return upserted(deal_upsert(**fields))

    return batch_results(payload.records, write)


@deals_router.get("/{deal_id}", response={200: DealOut, **COMMON_ERRORS})
def deal_get(request: HttpRequest, deal_id: int = IdPath):
    principal = access_require(request, "deals", "read")
    return _deal_get(principal, deal_id)


@deals_router.patch("/{deal_id}", response={200: DealOut, **POST_ERRORS})
def deal_patch(request: HttpRequest, payload: DealPatch, deal_id: int = IdPath):
    """Change a deal; moving it to won or lost closes it (won needs an amount and a close
    date, lost a lost_reason). With ``expected_version``, a deal changed since answers 409."""
    principal = access_require(request, "deals", "write")
    deal = _deal_get(principal, deal_id)
    changes = cast(DealChanges, payload.dict(exclude_unset=True))
    expected_version = changes.pop("expected_version", None)  # type: ignore[typeddict-item]
    _deal_links_check(principal, changes)
    if "owner_id" in changes:
        policy.deal_owner_check(
            principal, current_owner_id=deal.owner_id, owner_id=changes["owner_id"]
        )
    return deal_update(
        deal_id=deal_id,
        changes=changes,
        by=principal.actor,
        source=ChangeSource.API,
        expected_version=expected_version,
    )


@deals_router.post("/{deal_id}/move", response={200: DealOut, **POST_ERRORS})
def deal_move_endpoint(request: HttpRequest, payload: DealMoveIn, deal_id: int = IdPath):
    """Move a deal to another stage (of its pipeline, or of ``pipeline_id``).

    ``expected_version`` is the version you saw: if someone moved or changed the deal since,
    the answer is 409 with the deal's current stage and version in ``error.current``.
    """
    principal = access_require(request, "deals", "write")
    _deal_get(principal, deal_id)
    return deal_move(
        deal_id=deal_id,
        to_stage=payload.stage,
        expected_version=payload.expected_version,
        by=principal.actor,
        closed_at=payload.closed_at,
        close_date=payload.close_date,
        lost_reason=payload.lost_reason,
        competitor=payload.competitor,
        source=ChangeSource.API,
        to_pipeline_id=payload.pipeline_id,
    )


@deals_router.get("/{deal_id}/stage-history", response={200: DealStageChangePage, **COMMON_ERRORS})
def deal_stage_history(request: HttpRequest, params: Query[HistoryParams], deal_id: int = IdPath):
    """The deal's stage moves (append-only), each with the time it spent in the stage."""
    principal = access_require(request, "deals", "read")
    _deal_get(principal, deal_id)
    rows = selectors.deal_stage_history(deal_id=deal_id)
    return page_of(rows, params, allowed=HISTORY_ORDERINGS)


@deals_router.get(
    "/{deal_id}/amount-history", response={200: DealAmountChangePage, **COMMON_ERRORS}
)
def deal_amount_history(request: HttpRequest, params: Query[HistoryParams], deal_id: int = IdPath):
    """The deal's amount changes (append-only)."""
    principal = access_require(request, "deals", "read")
    _deal_get(principal, deal_id)
    rows = selectors.deal_amount_history(deal_id=deal_id)
    return page_of(rows, params, allowed=HISTORY_ORDERINGS)


@activities_router.get("", response={200: ActivityPage, **COMMON_ERRORS})
def activity_list(request: HttpRequest, filters: Query[ActivityFilters]):
    principal = access_require(request, "activities", "read")
    activities = selectors.activity_list(
        user=principal.restricted_to("activities"),
        lead_id=filters.lead_id,
        deal_id=filters.deal_id,
        user_id=filters.user_id,
        kind=filters.kind,
        since=filters.since,
    )
    return page_of(activities, filters, allowed=ACTIVITY_ORDERINGS)


@activities_router.post("", response={201: ActivityOut, **POST_ERRORS})
def activity_create_endpoint(request: HttpRequest, payload: ActivityIn):
    principal = access_require(request, "activities", "write")
    if payload.lead_id is not None:
        _lead_link_check(principal, payload.lead_id)
    if payload.deal_id is not None:
        row_named(_deals_seen(principal), payload.deal_id, label="Deal", field="deal_id")
    return Status(201, activity_create(user=principal.actor, **payload.dict()))


@activities_router.get("/{activity_id}", response={200: ActivityOut, **COMMON_ERRORS})
def activity_get(request: HttpRequest, activity_id: int = IdPath):
    principal = access_require(request, "activities", "read")
    return _activity_get(principal, activity_id)


@activities_router.patch("/{activity_id}", response={200: ActivityOut, **COMMON_ERRORS})
def activity_patch(request: HttpRequest, payload: ActivityPatch, activity_id: int = IdPath):
    principal = access_require(request, "activities", "write")
    activity = _activity_get(principal, activity_id)
    # A rep sees the activities on every lead they see (unassigned ones too) but changes only
    # those nobody else logged: a teammate's call notes on the shared queue are not theirs to
    # rewrite (an integration's, logged by no person, are).
    scope = policy.rep_scope(principal, "activities")
    if scope is not None and activity.user_id not in (None, scope.pk):
        raise PermissionDenied(
            "You can change only the activities you logged; this one is a colleague's.",
            field="activity_id",
        )
    return activity_update(
        activity_id=activity_id, changes=cast(ActivityChanges, payload.dict(exclude_unset=True))
    )
