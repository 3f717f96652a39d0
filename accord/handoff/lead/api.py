"""REST endpoints for leads (``/leads``): permission-checked fetch, one service call, a
response. Who may do what: ``accord.accounts.policy``.

A lead here is shown with its win prediction (scoring), so the endpoints sit in the hand-off,
above contacts and scoring, next to the hand-off's own lead actions (``handoff.api``); the
writes are contacts' services.
"""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from ninja import Query, Router, Status

from accord.accounts import policy
from accord.api.auth import Principal, access_require
from accord.api.batch import batch_results
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_or_404
from accord.api.paging import page_of
from accord.api.schemas import BatchOut
from accord.contacts import selectors
from accord.contacts.inputs import LeadChanges
from accord.contacts.models import Lead
from accord.contacts.schemas import TransitionIn, TransitionOut
from accord.contacts.services import lead_transition
from accord.contacts.updates import contact_save, lead_create_for, lead_update
from accord.core.errors import InvalidInput
from accord.handoff.lead.schemas import (
    LEAD_ORDERINGS,
    LeadBatchIn,
    LeadFilters,
    LeadIn,
    LeadOut,
    LeadPage,
    LeadPatch,
)
from accord.scoring.selectors import leads_with_prediction

router = Router(tags=["leads"])

# --- Leads ------------------------------------------------------------------------------


def _lead_get(principal: Principal, lead_id: int) -> Lead:
    visible = selectors.leads_visible(user=principal.restricted_to("leads"))
    return row_or_404(leads_with_prediction(visible), lead_id, label="Lead", field="lead_id")


def _lead_from(principal: Principal, record: LeadIn) -> Lead:
    data: dict[str, Any] = record.dict(exclude={"contact", "contact_id"})
    if record.contact is not None:
        if record.contact_id is not None:
            raise InvalidInput("Send contact_id or contact, not both.", field="contact")
        contact, _created = contact_save(**record.contact.dict())
        contact_id = contact.pk
    elif record.contact_id is not None:
        contact_id = record.contact_id
    else:
        raise InvalidInput("A lead needs contact_id or contact.", field="contact_id")
    policy.owner_assign_check(principal, record.owner_id)
    return lead_create_for(contact_id=contact_id, actor=principal.actor, **data)


@router.get("", response={200: LeadPage, **COMMON_ERRORS})
def lead_list(request: HttpRequest, filters: Query[LeadFilters]):
    principal = access_require(request, "leads", "read")
    leads = selectors.lead_list(
        user=principal.restricted_to("leads"),
        stage=filters.stage,
        owner_id=filters.owner_id,
        contact_id=filters.contact_id,
        source_channel=filters.source_channel,
        is_open=filters.is_open,
        created_after=filters.created_after,
        created_before=filters.created_before,
    )
    leads = leads_with_prediction(leads, min_probability=filters.min_probability)
    return page_of(leads, filters, allowed=LEAD_ORDERINGS)


@router.post("", response={201: LeadOut, **POST_ERRORS})
def lead_create_endpoint(request: HttpRequest, payload: LeadIn):
    principal = access_require(request, "leads", "write")
    if payload.contact is not None:
        access_require(request, "contacts", "write")
    return Status(201, _lead_from(principal, payload))


@router.post("/batch", response={200: BatchOut, **POST_ERRORS})
def lead_batch(request: HttpRequest, payload: LeadBatchIn):
    """Create up to 100 leads; one result per record, each record saved on its own."""
    principal = access_require(request, "leads", "write")
    if any(record.contact is not None for record in payload.records):
        access_require(request, "contacts", "write")

    def write(record: LeadIn) -> tuple[str, int]:
        return "created", _lead_from(principal, record).pk

    return batch_results(payload.records, write)


@router.get("/{lead_id}", response={200: LeadOut, **COMMON_ERRORS})
def lead_get(request: HttpRequest, lead_id: int = IdPath):
    principal = access_require(request, "leads", "read")
    return _lead_get(principal, lead_id)


@router.patch("/{lead_id}", response={200: LeadOut, **COMMON_ERRORS})
def lead_patch(request: HttpRequest, payload: LeadPatch, lead_id: int = IdPath):
    """Change properties or external_id. The owner changes only through
    ``POST /leads/{id}/reassign``, grade and score only through scoring, the stage only through
    transitions and the hand-off actions: a PATCH naming them answers 422 naming the field."""
    principal = access_require(request, "leads", "write")
    changes = cast(LeadChanges, payload.dict(exclude_unset=True))
    _lead_get(principal, lead_id)
    policy.lead_changes_check(changes)
    lead_update(lead_id=lead_id, changes=changes)
    return _lead_get(principal, lead_id)


@router.post("/{lead_id}/transitions", response={201: TransitionOut, **POST_ERRORS})
def lead_transition_create(request: HttpRequest, payload: TransitionIn, lead_id: int = IdPath):
    """Move the lead along the waterfall; a move the waterfall forbids answers 422. A lead at
    MQL or SAL moves only through the hand-off actions (accept, reject, qualify: they stop the
    SLA clocks and emit their events): here such a move answers 403
    ``handoff_action_required``. Marketing moves marketing's part of the waterfall, sales the
    part from SQL on."""
    principal = access_require(request, "leads", "write")
    lead = _lead_get(principal, lead_id)
    policy.lead_transition_require(principal, lead, payload.to_stage)
    transition = lead_transition(
        lead_id=lead_id,
        to_stage=payload.to_stage,
        reason=payload.reason,
        at=payload.at,
        actor=principal.actor,
    )
    return Status(201, transition)
