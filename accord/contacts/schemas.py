"""API schemas for accounts, contacts and leads."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import ObjectDoesNotExist
from ninja import Field, Schema

from accord.contacts.models import Grade
from accord.core.lifecycle import Stage
from accord.integrations.api_schemas import MAX_BATCH, MAX_INT, Id, InSchema, ListParams
from accord.scoring.predictive.presentation import reasons_read

StageName = Literal[tuple(Stage.values)]  # type: ignore[valid-type]
GradeName = Literal[tuple(["", *Grade.values])]  # type: ignore[valid-type]
TIME_ORDERINGS = ("-created_at", "created_at", "-updated_at", "updated_at", "-id", "id")
Ordering = Literal[TIME_ORDERINGS]  # type: ignore[valid-type]
LEAD_ORDERINGS = (*TIME_ORDERINGS, "-win_probability", "win_probability")
LeadOrdering = Literal[LEAD_ORDERINGS]  # type: ignore[valid-type]


def ExternalId() -> Any:
    return Field(None, min_length=1, max_length=120)


class TransitionIn(InSchema):
    to_stage: str = Field(..., max_length=40)
    reason: str = Field("", max_length=500)
    at: datetime | None = None


class TransitionOut(Schema):
    id: int
    lead_id: int
    from_stage: str
    to_stage: str
    at: datetime
    reason: str
    actor_id: int | None


# --- Accounts ---------------------------------------------------------------------------


class AccountOut(Schema):
    id: int
    name: str
    domain: str | None
    industry: str
    employees: int | None
    country: str
    owner_id: int | None
    properties: dict[str, Any]
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class AccountIn(InSchema):
    name: str = Field(..., min_length=1, max_length=200)
    domain: str | None = Field(None, max_length=253)
    industry: str = Field("", max_length=120)
    employees: int | None = Field(None, ge=0, le=MAX_INT)
    country: str = Field("", max_length=2)
    owner_id: Id | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    external_id: str | None = ExternalId()


class AccountPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=200)
    domain: str | None = Field(None, max_length=253)
    industry: str | None = Field(None, max_length=120)
    employees: int | None = Field(None, ge=0, le=MAX_INT)
    country: str | None = Field(None, max_length=2)
    owner_id: Id | None = None
    properties: dict[str, Any] | None = None
    external_id: str | None = ExternalId()


class AccountFilters(ListParams):
    ordering: Ordering = "-created_at"
    name: str | None = Field(None, max_length=200)
    domain: str | None = Field(None, max_length=253)


class AccountPage(Schema):
    items: list[AccountOut]
    next_cursor: str | None


# --- Contacts ---------------------------------------------------------------------------


class ContactOut(Schema):
    id: int
    email: str | None
    phone: str | None
    first_name: str
    last_name: str
    job_title: str
    account_id: int | None
    properties: dict[str, Any]
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class ContactIn(InSchema):
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    phone_region: str | None = Field(
        None, min_length=2, max_length=2, description="ISO country for numbers without +."
    )
    first_name: str = Field("", max_length=120)
    last_name: str = Field("", max_length=120)
    job_title: str = Field("", max_length=160)
    account_id: Id | None = None
    properties: dict[str, Any] = Field(default_factory=dict)
    external_id: str | None = ExternalId()


class ContactPatch(InSchema):
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    phone_region: str | None = Field(None, min_length=2, max_length=2)
    first_name: str | None = Field(None, max_length=120)
    last_name: str | None = Field(None, max_length=120)
    job_title: str | None = Field(None, max_length=160)
    account_id: Id | None = None
    properties: dict[str, Any] | None = None
    external_id: str | None = ExternalId()


class ContactBatchIn(InSchema):
    records: list[ContactIn] = Field(..., min_length=1, max_length=MAX_BATCH)


class ContactFilters(ListParams):
    ordering: Ordering = "-created_at"
    email: str | None = Field(None, max_length=254)
    account_id: Id | None = None
    external_id: str | None = Field(None, max_length=120)
    created_after: datetime | None = None
    created_before: datetime | None = None


class ContactPage(Schema):
    items: list[ContactOut]
    next_cursor: str | None


# --- Leads ------------------------------------------------------------------------------


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
