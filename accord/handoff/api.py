"""REST endpoints of the hand-off: agreement versions, business calendars and the sales
actions on a lead. Permission-checked fetch, one service call, a response.

Scopes: ``agreements:read|write``, ``calendars:read|write``, and ``leads:write`` for the
actions. Writes act as a person: the signed-in user, or the user who created the API key
(a key nobody created cannot act). The services then apply the same rules as the pages:
only managers and administrators edit calendars and drafts, each side edits its own
commitments, only the lead's owner or a manager acts on a lead. An approval is a manager's
signature, so it is never given through an API key.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Status

from accord.accounts import policy
from accord.accounts.models import User
from accord.api.auth import Principal, access_require
from accord.api.errors import COMMON_ERRORS, POST_ERRORS
from accord.api.lookups import IdPath, row_or_404
from accord.api.paging import page_of
from accord.contacts.models import Lead
from accord.contacts.schemas import TransitionOut
from accord.contacts.selectors import leads_visible
from accord.core.errors import PermissionDenied
from accord.handoff import rules
from accord.handoff.agreement import services
from accord.handoff.inbox import actions
from accord.handoff.models import AgreementVersion, BusinessCalendar
from accord.handoff.routing import assignment as routing
from accord.handoff.schemas import (
    VERSION_ORDERINGS,
    AgreementDraftIn,
    AgreementDraftPatch,
    AgreementVersionDetail,
    AgreementVersionFilters,
    AgreementVersionPage,
    AssignmentOut,
    AttemptIn,
    CalendarFilters,
    CalendarIn,
    CalendarOut,
    CalendarPage,
    CalendarPatch,
    QualifyIn,
    ReassignIn,
    RejectIn,
)
from accord.pipeline.schemas import ActivityOut

agreements_router = Router(tags=["agreements"])
calendars_router = Router(tags=["calendars"])
lead_actions_router = Router(tags=["leads"])


def _actor(principal: Principal) -> User:
    return policy.person_require(principal)


# --- Agreement ------------------------------------------------------------------------------


def _version_detail(version: AgreementVersion) -> dict[str, Any]:
    base = version.based_on.content if version.based_on_id else {}  # type: ignore[union-attr]
    return {
        **{f.attname: getattr(version, f.attname) for f in AgreementVersion._meta.concrete_fields},
        "content": version.content,
        "changes": [vars(change) for change in rules.version_diff(base, version.content)],
    }


def _version_get(version_id: int) -> AgreementVersion:
    versions = AgreementVersion.objects.select_related("based_on")
    return row_or_404(versions, version_id, label="Agreement version", field="version_id")


@agreements_router.get("", response={200: AgreementVersionPage, **COMMON_ERRORS})
def version_list(request: HttpRequest, filters: Query[AgreementVersionFilters]):
    """Every version of the agreement (newest first by default), without their terms."""
    access_require(request, "agreements", "read")
    versions = AgreementVersion.objects.all()
    if filters.status:
        versions = versions.filter(status=filters.status)
    return page_of(versions, filters, allowed=VERSION_ORDERINGS)


@agreements_router.get("/{version_id}", response={200: AgreementVersionDetail, **COMMON_ERRORS})
def version_get(request: HttpRequest, version_id: int = IdPath):
    """A version with its terms and what it changed against the version it was based on."""
    access_require(request, "agreements", "read")
    return _version_detail(_version_get(version_id))


@agreements_router.post("", response={201: AgreementVersionDetail, **POST_ERRORS})
def version_draft_create(request: HttpRequest, payload: AgreementDraftIn):
    """Open a draft: a copy of the version in force, with ``content`` if sent. One open
    version at a time; each side may change only its own commitments and the shared terms."""
    principal = access_require(request, "agreements", "write")
    user = _actor(principal)
    with transaction.atomic():  # a refused content leaves no draft behind
        version = services.agreement_draft_create(user=user, note=payload.note)
        if payload.content is not None:
            services.agreement_draft_edit(user=user, version_id=version.pk, content=payload.content)
    return Status(201, _version_detail(_version_get(version.pk)))


@agreements_router.patch("/{version_id}", response={200: AgreementVersionDetail, **COMMON_ERRORS})
def version_draft_patch(
    request: HttpRequest, payload: AgreementDraftPatch, version_id: int = IdPath
):
    """Change a draft's terms or note."""
    principal = access_require(request, "agreements", "write")
    user = _actor(principal)
    version = _version_get(version_id)
    services.agreement_draft_edit(
        user=user,
        version_id=version.pk,
        content=payload.content if payload.content is not None else version.content,
        note=payload.note,
    )
    return _version_detail(_version_get(version_id))


@agreements_router.post(
    "/{version_id}/submit", response={200: AgreementVersionDetail, **POST_ERRORS}
)
def version_submit(request: HttpRequest, version_id: int = IdPath):
    """Send a draft for approval; its terms are frozen from then on."""
    principal = access_require(request, "agreements", "write")
    _version_get(version_id)
    services.agreement_submit(user=_actor(principal), version_id=version_id)
    return _version_detail(_version_get(version_id))


@agreements_router.post(
    "/{version_id}/approve", response={200: AgreementVersionDetail, **POST_ERRORS}
)
def version_approve(request: HttpRequest, version_id: int = IdPath):
    """Approve for your side (marketing or sales manager); with both approvals the version
    becomes the one in force. Refused (403, naming why) for anyone else and for API keys."""
    principal = access_require(request, "agreements", "write")
    _version_get(version_id)
    if principal.key is not None:
        raise PermissionDenied(
            "An approval is a manager's signature: sign in to approve; API keys cannot.",
            field="user",
        )
    services.agreement_approve(user=_actor(principal), version_id=version_id)
    return _version_detail(_version_get(version_id))


# --- Calendars ------------------------------------------------------------------------------


def _calendar_get(calendar_id: int) -> BusinessCalendar:
    return row_or_404(BusinessCalendar, calendar_id, label="Calendar", field="calendar_id")


@calendars_router.get("", response={200: CalendarPage, **COMMON_ERRORS})
def calendar_list(request: HttpRequest, filters: Query[CalendarFilters]):
    access_require(request, "calendars", "read")
    calendars = BusinessCalendar.objects.all()
    if filters.team_id:
        calendars = calendars.filter(team_id=filters.team_id)
    return page_of(calendars, filters, allowed=VERSION_ORDERINGS)


@calendars_router.get("/{calendar_id}", response={200: CalendarOut, **COMMON_ERRORS})
def calendar_get(request: HttpRequest, calendar_id: int = IdPath):
    access_require(request, "calendars", "read")
    return _calendar_get(calendar_id)


@calendars_router.post("", response={201: CalendarOut, **POST_ERRORS})
def calendar_create(request: HttpRequest, payload: CalendarIn):
    """Create a calendar. Overlapping intervals, a week without hours, a malformed time or
    an unknown time zone answer 422 naming the field; nothing is saved."""
    principal = access_require(request, "calendars", "write")
    calendar = services.calendar_create(user=_actor(principal), **payload.dict())
    return Status(201, calendar)


@calendars_router.patch("/{calendar_id}", response={200: CalendarOut, **COMMON_ERRORS})
def calendar_patch(request: HttpRequest, payload: CalendarPatch, calendar_id: int = IdPath):
    """Change a calendar (fields left out or null keep their value; a null ``team_id``
    takes it off its team), with the same checks as creating one. Clocks already running
    keep the deadlines they started with."""
    principal = access_require(request, "calendars", "write")
    calendar = _calendar_get(calendar_id)
    fields: dict[str, Any] = {
        "name": calendar.name,
        "time_zone": calendar.time_zone,
        "working_hours": calendar.working_hours,
        "holidays": calendar.holidays,
        "team_id": calendar.team_id,
        "is_default": calendar.is_default,
    }
    # null keeps a field as it is, except team_id, where it takes the calendar off its team.
    sent = payload.dict(exclude_unset=True)
    fields.update({k: v for k, v in sent.items() if v is not None or k == "team_id"})
    return services.calendar_update(user=_actor(principal), calendar_id=calendar.pk, **fields)


# --- Sales actions on a lead ----------------------------------------------------------------


def _lead_for_action(request: HttpRequest, lead_id: int) -> tuple[Lead, User]:
    """The lead as the caller may see it (else 404) and the person acting (a key acting for
    nobody: 403). Whether that person may act on it, the action asks the policy."""
    principal = access_require(request, "leads", "write")
    visible = leads_visible(user=policy.rep_scope(principal))
    return row_or_404(visible, lead_id, label="Lead", field="lead_id"), _actor(principal)


@lead_actions_router.post(
    "/{lead_id}/accept", response={201: TransitionOut, **POST_ERRORS}, tags=["handoff"]
)
def lead_accept(request: HttpRequest, lead_id: int = IdPath):
    """Accept the lead for follow-up (MQL → SAL); stops the accept clock."""
    lead, user = _lead_for_action(request, lead_id)
    return Status(201, actions.lead_accept(lead_id=lead.pk, by=user))


@lead_actions_router.post(
    "/{lead_id}/reject", response={201: TransitionOut, **POST_ERRORS}, tags=["handoff"]
)
def lead_reject(request: HttpRequest, payload: RejectIn, lead_id: int = IdPath):
    """Reject with one of the agreement's reasons (and a comment): back to nurture
    (recycled) or out (disqualified). A reason the agreement does not list answers 422."""
    lead, user = _lead_for_action(request, lead_id)
    return Status(201, actions.lead_reject(lead_id=lead.pk, by=user, **payload.dict()))


@lead_actions_router.post(
    "/{lead_id}/attempts", response={201: ActivityOut, **POST_ERRORS}, tags=["handoff"]
)
def lead_attempt(request: HttpRequest, payload: AttemptIn, lead_id: int = IdPath):
    """Log a contact attempt with its outcome; stops the first-attempt clock."""
    lead, user = _lead_for_action(request, lead_id)
    return Status(201, actions.lead_attempt_log(lead_id=lead.pk, by=user, **payload.dict()))


@lead_actions_router.post(
    "/{lead_id}/qualify", response={201: TransitionOut, **POST_ERRORS}, tags=["handoff"]
)
def lead_qualify(request: HttpRequest, payload: QualifyIn, lead_id: int = IdPath):
    """Qualify an accepted lead (SAL → SQL) with its budget, authority, need and timeline."""
    lead, user = _lead_for_action(request, lead_id)
    bant = actions.Bant(**payload.dict())
    return Status(201, actions.lead_qualify(lead_id=lead.pk, by=user, bant=bant))


@lead_actions_router.post(
    "/{lead_id}/reassign", response={201: AssignmentOut, **POST_ERRORS}, tags=["handoff"]
)
def lead_reassign(request: HttpRequest, payload: ReassignIn, lead_id: int = IdPath):
    """Give the lead to another person, saying why: the one way to change a lead's owner
    (writes the assignment record, moves the SLA clocks, notifies, emits ``lead.assigned``).
    A sales manager within the teams they manage, or an administrator."""
    lead, user = _lead_for_action(request, lead_id)
    assignment = routing.lead_reassign(
        lead_id=lead.pk, to_user_id=payload.to_user_id, by=user, reason=payload.reason
    )
    return Status(201, assignment)
