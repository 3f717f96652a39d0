"""Lead endpoints. (The full REST API arrives with the capture and integrations issue.)"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from accord.contacts.schemas import TransitionIn, TransitionOut
from accord.contacts.services import lead_transition

router = Router(tags=["leads"])


@router.post("/{lead_id}/transitions", response={201: TransitionOut})
def lead_transition_create(request: HttpRequest, lead_id: int, payload: TransitionIn):
    transition = lead_transition(
        lead_id=lead_id,
        to_stage=payload.to_stage,
        reason=payload.reason,
        at=payload.at,
        actor=request.user,  # type: ignore[arg-type]
    )
    return 201, transition
