"""API schemas for accounts, contacts and leads."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from ninja import Field, Schema

from accord.api.schemas import MAX_BATCH, MAX_INT, Id, InSchema, ListParams
from accord.contacts.models import Grade
from accord.core.lifecycle import Stage

TIME_ORDERINGS = ("-created_at", "created_at", "-updated_at", "updated_at", "-id", "id")
# Literal types built from the models' choices: pydantic (and so the OpenAPI document) sees
# each value; mypy cannot evaluate a Literal built at run time, so it sees plain str.
if TYPE_CHECKING:
    StageName = str
    GradeName = str
    Ordering = str
else:
    StageName = Literal[tuple(Stage.values)]
    GradeName = Literal[tuple(["", *Grade.values])]
    Ordering = Literal[TIME_ORDERINGS]


def ExternalId() -> Any:
    return Field(None, min_length=1, max_length=120)


class TransitionIn(InSchema):
    to_stage: StageName
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
