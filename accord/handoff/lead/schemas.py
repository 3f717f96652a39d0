"""API schemas for leads: what the lead endpoints (``handoff.lead_api``) take and return.

A lead as the API shows it carries its win prediction (scoring), which is why these live above
contacts and scoring rather than in contacts.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.core.exceptions import ObjectDoesNotExist
from ninja import Field, Schema

from accord.api.schemas import MAX_BATCH, Id, InSchema, ListParams
from accord.contacts.schemas import TIME_ORDERINGS, ContactIn, ExternalId, GradeName, StageName
from accord.scoring.predictive.presentation import reasons_read

LEAD_ORDERINGS = (*TIME_ORDERINGS, "-win_probability", "win_probability")
# Literal types built from the models' choices: pydantic (and so the OpenAPI document) sees
# each value; mypy cannot evaluate a Literal built at run time, so it sees plain str.
if TYPE_CHECKING:
    LeadOrdering = str
else:
    LeadOrdering = Literal[LEAD_ORDERINGS]


class PredictionReasonOut(Schema):
    feature: str = Field(..., description="The model's feature name, e.g. `touch.type.webinar`.")
    label: str
    value: float | str | None = Field(..., description="The lead's value; null when missing.")
    effect: float = Field(
        ..., description="Change in log-odds of winning; positive pushed the probability up."
    )


class LeadPredictionOut(Schema):
    probability: float = Field(..., ge=0, le=1, description="Probability of winning.")
    reasons: list[PredictionReasonOut]
    model_version: int
    scored_at: datetime


class LeadOut(Schema):
    id: int
    contact_id: int
    stage: str
    stage_changed_at: datetime
    is_open: bool
    score: int
    grade: str
    owner_id: int | None
    team_id: int | None
    source_channel_id: int | None
    source_campaign_id: int | None
    properties: dict[str, Any]
    external_id: str | None
    created_at: datetime
    updated_at: datetime
    prediction: LeadPredictionOut | None = Field(
        ...,
        description="Win probability from the active model and its top reasons; null for "
        "closed leads and leads not scored yet.",
    )

    @staticmethod
    def resolve_prediction(obj: Any) -> dict[str, Any] | None:
        # A probability of winning means something only while the journey is open.
        if not getattr(obj, "is_open", False):
            return None
        try:
            prediction = obj.prediction
        except ObjectDoesNotExist:
            return None
        return {
            "probability": min(1.0, max(0.0, prediction.probability)),
            # Only well-formed stored reasons: one odd row must not turn a list into a 500.
            "reasons": [asdict(reason) for reason in reasons_read(prediction.reasons)],
            "model_version": prediction.model.version,
            "scored_at": prediction.scored_at,
        }


class LeadIn(InSchema):
    contact_id: Id | None = Field(None, description="An existing contact; or send `contact`.")
    contact: ContactIn | None = Field(None, description="Found by email/phone or created.")
    owner_id: Id | None = None
    source_channel_id: Id | None = None
    source_campaign_id: Id | None = None
    grade: GradeName = ""
    properties: dict[str, Any] = Field(default_factory=dict)
    external_id: str | None = ExternalId()
    created_at: datetime | None = None


class LeadPatch(InSchema):
    owner_id: Id | None = Field(
        None, description="Refused (422): the owner changes through POST /leads/{id}/reassign."
    )
    grade: GradeName | None = Field(
        None, description="Refused (422): grade and score are set by scoring only."
    )
    properties: dict[str, Any] | None = None
    external_id: str | None = ExternalId()


class LeadBatchIn(InSchema):
    records: list[LeadIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class LeadFilters(ListParams):
    ordering: LeadOrdering = Field(
        "-created_at",
        description="`win_probability` orders by the current prediction; closed and unscored "
        "leads sort below every scored one.",
    )
    min_probability: float | None = Field(
        None, ge=0, le=1, description="Only open leads predicted to win at least this likely."
    )
    stage: StageName | None = None
    owner_id: Id | None = None
    contact_id: Id | None = None
    source_channel: str | None = Field(None, max_length=60, description="A channel slug.")
    is_open: bool | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


class LeadPage(Schema):
    items: list[LeadOut]
    next_cursor: str | None
