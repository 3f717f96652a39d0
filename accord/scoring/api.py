"""REST endpoints for scoring profiles (admins write; anyone who reads leads reads them) and
for a lead's score with its breakdown (visible where the lead is)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from accord.accounts.api_keys import scope_allows
from accord.api.auth import access_require, principal_of
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_or_404
from accord.contacts.selectors import leads_visible
from accord.core.errors import InvalidInput, NotFound, PermissionDenied
from accord.scoring import profiles, qualification, selectors
from accord.scoring.models import LeadScore, ScoringProfile
from accord.scoring.profile_preview import profile_change_preview
from accord.scoring.schemas import LeadScoreOut, PreviewIn, PreviewOut, ProfileIn, ProfileOut

router = Router(tags=["scoring"])


def _admin_require(request: HttpRequest) -> None:
    """Profiles change how every lead is qualified: admins (or a key with ``*:write``) only."""
    principal = principal_of(request)
    if principal.key is not None:
        if not scope_allows(principal.key.scopes, resource="scoring", action="write"):
            raise PermissionDenied(
                "Changing scoring profiles needs an API key with the scope *:write.",
                code="insufficient_scope",
            )
        return
    if principal.user is None or not principal.user.is_admin_role:
        raise PermissionDenied("Only administrators change scoring profiles.")


def _profile_out(profile: ScoringProfile) -> dict[str, Any]:
    mql = selectors.mql_in_force()
    return {
        "id": profile.pk,
        "name": profile.name,
        "description": profile.description,
        "is_active": profile.is_active,
        "version": profile.version,
        "grade_a_min": profile.grade_a_min,
        "grade_b_min": profile.grade_b_min,
        "grade_c_min": profile.grade_c_min,
        "half_life_days": profile.half_life_days,
        "rules": selectors.profile_rules(profile.pk),
        "mql": mql,
        "updated_at": profile.updated_at,
    }


def _profile_get(profile_id: int) -> ScoringProfile:
    return row_or_404(ScoringProfile, profile_id, label="Scoring profile", field="profile_id")


def _spec(payload: ProfileIn) -> profiles.ProfileInput:
    data = payload.dict()
    _mql_unchanged_require(data["mql"])
    return profiles.ProfileInput(
        name=data["name"],
        description=data["description"],
        is_active=data["is_active"],
        grade_a_min=data["grade_a_min"],
        grade_b_min=data["grade_b_min"],
        grade_c_min=data["grade_c_min"],
        half_life_days=data["half_life_days"],
        rules=tuple(data["rules"]),
    )


def _mql_unchanged_require(sent: dict[str, Any] | None) -> None:
    """A client that still sends ``mql`` (or echoes a GET back) passes when it matches the
    definition in force; a different one would silently do nothing, so it is refused."""
    if sent is None or qualification.Terms.of(sent).same_as(selectors.mql_in_force()):
        return
    raise InvalidInput(
        "The MQL definition is a term of the hand-off agreement: change it there (both heads "
        "approve it), or omit mql here.",
        field="mql",
    )


@router.get("/profiles", response={200: list[ProfileOut], **COMMON_ERRORS})
def profile_list(request: HttpRequest):
    access_require(request, "leads", "read")
    return [_profile_out(p) for p in ScoringProfile.objects.order_by("name")]


@router.post("/profiles", response={201: ProfileOut, **POST_ERRORS})
def profile_create(request: HttpRequest, payload: ProfileIn):
    """Create a profile with its rules (validated as a whole)."""
    _admin_require(request)
    profile = profiles.profile_save(spec=_spec(payload), actor=principal_of(request).actor)
    return Status(201, _profile_out(profile))


@router.post("/profiles/preview", response={200: PreviewOut, **POST_ERRORS})
def profile_preview(request: HttpRequest, payload: PreviewIn):
    """How many open leads would change grade or MQL status; nothing is saved."""
    _admin_require(request)
    if payload.profile_id is not None:
        _profile_get(payload.profile_id)
    return profile_change_preview(spec=_spec(payload), profile_id=payload.profile_id)


@router.get("/profiles/{profile_id}", response={200: ProfileOut, **COMMON_ERRORS})
def profile_get(request: HttpRequest, profile_id: int = IdPath):
    access_require(request, "leads", "read")
    return _profile_out(_profile_get(profile_id))


@router.put("/profiles/{profile_id}", response={200: ProfileOut, **COMMON_ERRORS})
def profile_replace(request: HttpRequest, payload: ProfileIn, profile_id: int = IdPath):
    """Replace a profile's settings and rules (the MQL definition is the agreement's)."""
    _admin_require(request)
    _profile_get(profile_id)
    profile = profiles.profile_save(
        spec=_spec(payload), profile_id=profile_id, actor=principal_of(request).actor
    )
    return _profile_out(profile)


@router.post("/profiles/{profile_id}/activate", response={200: ProfileOut, **POST_ERRORS})
def profile_activate(request: HttpRequest, profile_id: int = IdPath):
    _admin_require(request)
    return _profile_out(profiles.profile_activate(profile_id=profile_id))


@router.delete("/profiles/{profile_id}", response={204: None, **COMMON_ERRORS})
def profile_delete(request: HttpRequest, profile_id: int = IdPath):
    _admin_require(request)
    profiles.profile_delete(profile_id=profile_id)
    return Status(204, None)


@router.get("/leads/{lead_id}/score", response={200: LeadScoreOut, **COMMON_ERRORS})
def lead_score_get(request: HttpRequest, lead_id: int = IdPath):
    """The lead's score, grade and every contribution behind them."""
    principal = access_require(request, "leads", "read")
    row_or_404(leads_visible(user=principal.restricted_to("leads")), lead_id, label="Lead")
    row = LeadScore.objects.filter(lead_id=lead_id).first()
    if row is None:
        raise NotFound(f"Lead {lead_id} has not been scored yet.", field="lead_id")
    return row
