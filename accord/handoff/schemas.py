"""API schemas of the hand-off: agreement versions, business calendars, sales actions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from ninja import Field, Schema

from accord.api.schemas import Id, InSchema, ListParams
from accord.handoff.inbox.actions import COMMENT_MAX, REJECT_OUTCOMES
from accord.handoff.models import VersionStatus
from accord.pipeline.schemas import OutcomeName

VERSION_ORDERINGS = ("-id", "id")
# Literal types built from the models' choices: pydantic (and so the OpenAPI document) sees
# each value; mypy cannot evaluate a Literal built at run time, so it sees plain str.
if TYPE_CHECKING:
    StatusName = str
    OutcomeStage = str
else:
    StatusName = Literal[tuple(VersionStatus.values)]
    OutcomeStage = Literal[tuple(str(stage) for stage in REJECT_OUTCOMES)]
AttemptKind = Literal["call", "email", "meeting"]

# --- Agreement ------------------------------------------------------------------------------


class AgreementVersionOut(Schema):
    id: int
    agreement_id: int
    number: int
    status: str
    note: str
    based_on_id: int | None
    created_by_id: int | None
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    marketing_approved_by_id: int | None
    marketing_approved_at: dt.datetime | None
    sales_approved_by_id: int | None
    sales_approved_at: dt.datetime | None
    activated_at: dt.datetime | None
    superseded_at: dt.datetime | None


class ChangeOut(Schema):
    path: str
    old: Any = None
    new: Any = None


class AgreementVersionDetail(AgreementVersionOut):
    content: dict[str, Any] = Field(
        ...,
        description="The terms: mql_definition, sales and marketing commitments (marketing "
        "includes the campaign rejection alert), rejection_reasons, escalation.",
    )
    changes: list[ChangeOut] = Field(..., description="What differs from the version before.")


class AgreementVersionPage(Schema):
    items: list[AgreementVersionOut]
    next_cursor: str | None


class AgreementVersionFilters(ListParams):
    ordering: Literal[VERSION_ORDERINGS] = "-id"  # type: ignore[valid-type]
    status: StatusName | None = None


class AgreementDraftIn(InSchema):
    content: dict[str, Any] | None = Field(
        None, description="The new terms; left out, the draft copies the version in force."
    )
    note: str = Field("", max_length=2000)


class AgreementDraftPatch(InSchema):
    content: dict[str, Any] | None = None
    note: str | None = Field(None, max_length=2000)


# --- Calendars ------------------------------------------------------------------------------

WorkingHours = dict[str, list[list[str]]]
WORKING_HOURS_HELP = (
    'Weekday (mon…sun) → intervals ["HH:MM", "HH:MM"] in the calendar\'s time zone; a missing '
    "weekday is a day off. Intervals of a day may not overlap; at least one day has hours."
)


class CalendarOut(Schema):
    id: int
    name: str
    time_zone: str
    working_hours: dict[str, list[list[str]]]
    holidays: list[str]
    team_id: int | None
    is_default: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class CalendarIn(InSchema):
    name: str = Field(..., min_length=1, max_length=120)
    time_zone: str = Field(..., min_length=1, max_length=64, description="An IANA name.")
    working_hours: WorkingHours = Field(..., description=WORKING_HOURS_HELP)
    holidays: list[dt.date] = Field(default_factory=list, max_length=1000)
    team_id: Id | None = None
    is_default: bool = False


class CalendarPatch(InSchema):
    name: str | None = Field(None, min_length=1, max_length=120)
    time_zone: str | None = Field(None, min_length=1, max_length=64)
    working_hours: WorkingHours | None = Field(None, description=WORKING_HOURS_HELP)
    holidays: list[dt.date] | None = Field(None, max_length=1000)
    team_id: Id | None = None
    is_default: bool | None = None


class CalendarFilters(ListParams):
    ordering: Literal[VERSION_ORDERINGS] = "id"  # type: ignore[valid-type]
    team_id: Id | None = None


class CalendarPage(Schema):
    items: list[CalendarOut]
    next_cursor: str | None


# --- Sales actions on a lead ----------------------------------------------------------------


class RejectIn(InSchema):
    reason_code: str = Field(
        ..., max_length=40, description="A code of the agreement's rejection reasons."
    )
    comment: str = Field("", max_length=COMMENT_MAX)
    outcome: OutcomeStage | None = Field(
        None, description="recycled or disqualified; left out, the reason's own outcome."
    )


class AttemptIn(InSchema):
    kind: AttemptKind = "call"
    outcome: OutcomeName = ""
    notes: str = Field("", max_length=2000)


class QualifyIn(InSchema):
    budget: str = Field("", max_length=200)
    authority: str = Field("", max_length=200)
    need: str = Field(..., max_length=200)
    timeline: str = Field("", max_length=200)


class ReassignIn(InSchema):
    to_user_id: Id = Field(..., description="The person who gets the lead (a rep or a manager).")
    reason: str = Field(..., min_length=1, max_length=500, description="Why; shown to them.")


class AssignmentOut(Schema):
    id: int
    lead_id: int
    from_user_id: int | None
    to_user_id: int | None
    team_id: int | None
    kind: str
    at: dt.datetime
    by_id: int | None
    reason: str
