"""API schemas for scoring profiles, their rules and lead scores."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from ninja import Field, Schema

from accord.api.schemas import InSchema
from accord.scoring.rules import GRADES, KINDS, OPERATORS
from accord.tracking.models import TouchType

# Literal types built from the models' choices: pydantic (and so the OpenAPI document) sees
# each value; mypy cannot evaluate a Literal built at run time, so it sees plain str.
if TYPE_CHECKING:
    RuleKind = str
    OperatorName = str
    TouchTypeName = str
    MinGrade = str
else:
    RuleKind = Literal[KINDS]
    OperatorName = Literal[tuple(["", *OPERATORS])]
    TouchTypeName = Literal[tuple(["", *TouchType.values])]
    MinGrade = Literal[tuple(["", *GRADES])]

POINTS = 100_000  # far beyond any sensible rule, well inside an integer column
DAYS = 36_500


class RuleIn(InSchema):
    kind: RuleKind
    name: str = Field(..., max_length=120)
    field: str = Field("", max_length=200, description="Fit: e.g. contact.job_title")
    operator: OperatorName = Field("", description="Fit rules only")
    value: Any = Field(None, description="Fit: a value, a list (in), or {min, max} (range)")
    touch_type: TouchTypeName = ""
    channel: str = Field("", max_length=60, description="A channel's slug")
    campaign: str = Field("", max_length=200, description="A UTM campaign")
    url_pattern: str = Field("", max_length=500, description="/pricing, or a glob like /blog/*")
    points: int = Field(0, ge=-POINTS, le=POINTS)
    cap: int | None = Field(None, ge=-POINTS, le=POINTS)
    half_life_days: float | None = Field(None, ge=-DAYS, le=DAYS)
    min_count: int = Field(1, ge=-POINTS, le=POINTS)
    within_days: float | None = Field(None, ge=-DAYS, le=DAYS)


class MqlIn(InSchema):
    min_score: int = Field(..., ge=-POINTS, le=POINTS)
    min_grade: MinGrade = ""
    required_fields: list[str] = Field(default_factory=list, max_length=50)
    fast_track: bool = True


class ProfileIn(InSchema):
    name: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=5000)
    is_active: bool = False
    grade_a_min: int = Field(60, ge=-POINTS, le=POINTS)
    grade_b_min: int = Field(35, ge=-POINTS, le=POINTS)
    grade_c_min: int = Field(15, ge=-POINTS, le=POINTS)
    half_life_days: float | None = Field(30.0, ge=-DAYS, le=DAYS)
    rules: list[RuleIn] = Field(default_factory=list, max_length=200)
    mql: MqlIn | None = Field(
        None,
        description=(
            "Deprecated: the hand-off agreement holds the MQL definition. Omit it, or send the "
            "definition in force (as GET returns it); a different one is refused."
        ),
    )


class RuleOut(Schema):
    id: int
    kind: str
    name: str
    field: str
    operator: str
    value: Any = None
    touch_type: str
    channel: str
    campaign: str
    url_pattern: str
    points: int
    cap: int | None
    half_life_days: float | None
    min_count: int
    within_days: float | None


class MqlOut(Schema):
    version: int
    min_score: int
    min_grade: str
    required_fields: list[str]
    fast_track: bool
    agreement_version: int | None = Field(
        None, description="The hand-off agreement version that put this definition in force"
    )
    created_at: dt.datetime


class ProfileOut(Schema):
    id: int
    name: str
    description: str
    is_active: bool
    version: int
    grade_a_min: int
    grade_b_min: int
    grade_c_min: int
    half_life_days: float | None
    rules: list[RuleOut]
    mql: MqlOut | None
    updated_at: dt.datetime


class PreviewIn(ProfileIn):
    profile_id: int | None = Field(
        None, ge=1, le=2**53, description="The profile it would replace (default: the active one)"
    )


class PreviewOut(Schema):
    leads_compared: int
    grade_changes: int
    mql_gained: int
    mql_lost: int


class ContributionOut(Schema):
    rule_id: int
    rule: str
    kind: str
    points: float
    source: str
    ref: str
    detail: str


class LeadScoreOut(Schema):
    lead_id: int
    score: int
    grade: str
    fit_points: float
    engagement_points: float
    breakdown: list[ContributionOut]
    fast_track: list[dict[str, Any]]
    warnings: list[str]
    qualifies: str
    profile_id: int | None
    profile_version: int
    computed_at: dt.datetime
