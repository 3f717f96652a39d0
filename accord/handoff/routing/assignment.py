"""Giving MQLs to reps: account owner first, then routing rules → team → round robin.

``lead_route`` decides and writes in ONE short transaction: it locks the lead, then the chosen
team's ``RoutingCursor`` row, reads the members' loads, writes the ``Assignment`` row and the
lead's owner and team, starts the SLA clocks and enqueues the notifications. The team lock is
what makes round robin safe under concurrency (no read-modify-write race giving two leads the
same "next" rep); the lead lock is what stops one lead from being routed twice. Locks are
always taken in the order lead → cursor, so two routings cannot deadlock.

It runs inside the transaction that makes the lead an MQL (``accord.handoff.hooks``), so
its cost is paid while that transaction holds the lead (on SQLite, the database): the
statements it runs for every MQL are compiled once (``routing_statements``).

A lead nobody can take is never dropped: with no matching rule it goes to the fallback queue
(no team, no owner), with a team that has no available rep it waits in that team's queue; both
record a ``RoutingWarning`` for managers and notify them, and ``routing_queue_sweep`` retries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts import policy
from accord.accounts.models import Role, Team, User
from accord.contacts.models import Lead, StageTransition
from accord.core.errors import InvalidInput, NotFound, PermissionDenied
from accord.core.lifecycle import Stage
from accord.core.prepared import row_insert
from accord.handoff.models import (
    Assignment,
    AssignmentKind,
    RoutingCursor,
    RoutingWarning,
    RoutingWarningKind,
)
from accord.handoff.notifications import event_emit, managers_of, notify, notify_many
from accord.handoff.routing import rules, statements
from accord.handoff.sla import clocks

REP_ROLES = statements.REP_ROLES
QUOTA_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class RouteResult:
    lead_id: int
    #: assigned | queued | fallback | skipped
    outcome: str
    user_id: int | None = None
    team_id: int | None = None
    kind: str = ""
    warning: str = ""


# --- Reads --------------------------------------------------------------------------------


def lead_facts(lead: Lead) -> dict[str, Any]:
    """The facts routing conditions test, from a lead with contact, account, channel and
    campaign loaded."""
    contact = lead.contact
    account = contact.account
    facts: dict[str, Any] = {
        "lead.score": lead.score,
        "lead.grade": lead.grade,
        "lead.source_channel": lead.source_channel.slug if lead.source_channel else None,
        "lead.source_campaign": (
            lead.source_campaign.utm_campaign if lead.source_campaign else None
        ),
        "contact.job_title": contact.job_title,
        "contact.email": contact.email,
    }
    account_props = account.properties if account and isinstance(account.properties, dict) else {}
    if account is not None:
        facts.update(
            {
                "account.name": account.name,
                "account.domain": account.domain,
                "account.industry": account.industry,
                "account.employees": account.employees,
                "account.country": account.country,
            }
        )
    contact_props = contact.properties if isinstance(contact.properties, dict) else {}
    lead_props = lead.properties if isinstance(lead.properties, dict) else {}
    facts["lead.country"] = (
        (account.country if account else "")
        or contact_props.get("country")
        or lead_props.get("country")
        or None
    )
    facts["lead.segment"] = (
        rules.segment_for(account.employees if account else None, account_props.get("segment"))
        or None
    )
    for entity, props in (
        ("lead", lead_props),
        ("contact", contact_props),
        ("account", account_props),
    ):
        for key, value in props.items():
            facts[f"{entity}.properties.{key}"] = value
    return facts


def rules_active() -> list[rules.Rule]:
    parsed = []
    for row in statements.rules_active.all():
        try:
            conditions = rules.conditions_parse(row.conditions)
        except ValueError:
            continue  # saved before validation existed; the admin form shows the problem
        parsed.append(
            rules.Rule(
                id=row.pk,
                position=row.position,
                team_id=row.team_id,
                conditions=conditions,
                name=row.name,
            )
        )
    return parsed


def team_loads(*, team_id: int, now: datetime) -> list[rules.RepLoad]:
    """Each rep of a team with what they received in the quota window."""
    return [
        rules.RepLoad(
            user_id=user_id,
            monthly_capacity=capacity,
            received_24h=count,
            last_assigned_at=last,
            is_active=active,
            is_out_of_office=away,
        )
        for user_id, capacity, active, away, count, last in statements.team_loads(
            team_id=team_id, since=now - QUOTA_WINDOW
        )
    ]


def leads_waiting() -> list[int]:
    """MQLs nobody owns (fallback queue and team queues), oldest first."""
    return list(
        Lead.objects.filter(stage=Stage.MQL, owner__isnull=True, is_open=True)
        .order_by("stage_changed_at", "pk")
        .values_list("pk", flat=True)
    )


# --- Writes -------------------------------------------------------------------------------


def _related_load(lead: Lead) -> None:
    """Load what routing reads beyond the lead (contact, account and its owner, channel,
    campaign) into the lead's relation caches: one prepared statement each."""
    contact = statements.contact_by_pk.first(lead.contact_id)
    assert contact is not None  # a lead's contact is a protected foreign key
    if contact.account_id is not None:
        account = statements.account_by_pk.first(contact.account_id)
        assert account is not None  # read in the lead's transaction: it exists
        if account.owner_id is not None:
            account.owner = statements.user_by_pk.first(account.owner_id)
        contact.account = account
    lead.contact = contact
    if lead.source_channel_id is not None:
        lead.source_channel = statements.channel_by_pk.first(lead.source_channel_id)
    if lead.source_campaign_id is not None:
        lead.source_campaign = statements.campaign_by_pk.first(lead.source_campaign_id)


def _cursor_lock(team_id: int) -> RoutingCursor:
    cursor = statements.cursor_locked.first(team_id)
    if cursor is not None:
        return cursor
    try:
        with transaction.atomic():
            RoutingCursor.objects.create(team_id=team_id)
    except IntegrityError:
        pass  # created concurrently; the lock below waits for that transaction
    return RoutingCursor.objects.select_for_update().get(team_id=team_id)


def _account_owner(lead: Lead) -> tuple[User | None, str]:
    """The account's owner when they can take the lead, else why not (for the log)."""
    account = lead.contact.account
    if account is None or account.owner_id is None:
        return None, ""
    owner = account.owner
    if owner is None:  # owner_id is set, so only a deleted owner gets here
        return None, ""
    if not owner.is_active:
        return None, _("account owner %(user)s is inactive") % {"user": owner}
    if owner.is_out_of_office:
        return None, _("account owner %(user)s is out of office") % {"user": owner}
    return owner, ""


def _owner_kept(lead: Lead) -> User | None:
    """The lead's own owner, when they should keep it as an MQL.

    A rep who already owns a new lead (created or imported it) keeps it, as in HubSpot's and
    Salesforce's default of never overwriting an owner. A lead back from nurture is routed
    afresh instead: its owner is the rep who let it go.
    """
    if lead.owner_id is None:
        return None
    owner = statements.user_by_pk.first(lead.owner_id)
    if owner is None or not owner.is_active or owner.is_out_of_office or owner.role != Role.SALES:
        return None
    came_from = (
        StageTransition.objects.filter(lead_id=lead.pk, to_stage=Stage.MQL)
        .order_by("-at", "-id")
        .values_list("from_stage", flat=True)
        .first()
    )
    return None if came_from == Stage.RECYCLED else owner


def lead_url(lead_id: int) -> str:
    try:
        return reverse("leads:lead_detail", args=[lead_id])
    except Exception:
        return ""


def _sla_start(*, lead: Lead, owner_id: int, team_id: int | None, at: datetime) -> None:
    # The team's calendar applies (else the default); routing holds the lead and knows its
    # score, so the clocks start without re-reading lead and owner.
    clocks.sla_clocks_start_known(
        lead_id=lead.pk, score=lead.score, calendar_team_id=team_id, owner_id=owner_id, at=at
    )


def _assigned(
    *,
    lead: Lead,
    to_user_id: int,
    team_id: int | None,
    kind: str,
    at: datetime,
    by: User | None = None,
    reason: str = "",
    rule_id: int | None = None,
    cursor_id: int | None = None,
) -> Assignment:
    """Record an assignment and everything that follows from it (same transaction); with
    ``cursor_id`` (round robin), the team's cursor advances too."""
    assignment = row_insert(
        Assignment(
            lead=lead,
            from_user_id=lead.owner_id,
            to_user_id=to_user_id,
            team_id=team_id,
            rule_id=rule_id,
            kind=kind,
            at=at,
            by=by,
            reason=reason,
        )
    )
    statements.assigned_writes(
        lead_id=lead.pk, owner_id=to_user_id, team_id=team_id, at=at, cursor_id=cursor_id
    )
    _sla_start(lead=lead, owner_id=to_user_id, team_id=team_id, at=at)
    name = str(lead.contact)
    notify(
        user_id=to_user_id,
        kind="lead.assigned",
        title=_("New lead for you: %(name)s") % {"name": name},
        body=reason,
        url=lead_url(lead.pk),
        key=f"assigned:{assignment.pk}",
    )
    event_emit(
        event="lead.assigned",
        payload={
            "lead_id": lead.pk,
            "owner_id": to_user_id,
            "previous_owner_id": assignment.from_user_id,
            "team_id": team_id,
            "kind": kind,
            "reason": reason,
            "at": at,
        },
        key=str(assignment.pk),
        at=at,
    )
    return assignment


def _waiting(
    *, lead: Lead, team_id: int | None, warning: str, at: datetime, rule_id: int | None
) -> RouteResult:
    """Leave the lead unowned in a queue, visibly: log, warning row, managers told."""
    kind = AssignmentKind.FALLBACK if team_id is None else AssignmentKind.QUEUED
    label = RoutingWarningKind(warning).label
    Assignment.objects.create(
        lead=lead,
        from_user_id=lead.owner_id,
        to_user=None,
        team_id=team_id,
        rule_id=rule_id,
        kind=kind,
        at=at,
        reason=str(label),
    )
    Lead.objects.filter(pk=lead.pk).update(owner=None, team_id=team_id, updated_at=at)
    existing = RoutingWarning.objects.filter(lead=lead, resolved_at__isnull=True).first()
    if existing is None or existing.kind != warning or existing.team_id != team_id:
        RoutingWarning.objects.filter(lead=lead, resolved_at__isnull=True).update(resolved_at=at)
        created = RoutingWarning.objects.create(
            lead=lead, team_id=team_id, kind=warning, created_at=at
        )
        notify_many(
            user_ids=managers_of(team_id),
            kind="routing.warning",
            title=_("Lead %(name)s is waiting: %(why)s") % {"name": lead.contact, "why": label},
            url=lead_url(lead.pk),
            key=f"routing-warning:{created.pk}",
        )
        event_emit(
            event="lead.assigned",
            payload={"lead_id": lead.pk, "owner_id": None, "team_id": team_id, "kind": kind,
                     "reason": warning, "at": at},
            key=f"w{created.pk}",
            at=at,
        )  # fmt: skip
    return RouteResult(
        lead.pk, "fallback" if team_id is None else "queued", None, team_id, kind, warning
    )


def lead_route(*, lead_id: int, now: datetime | None = None) -> RouteResult:
    """Give an MQL to a rep (or a queue); a lead already owned since it became MQL is left
    alone, so running this twice is harmless."""
    at = now or timezone.now()
    # No savepoint: every caller gives up its transaction (or savepoint) when routing raises
    # (accord.handoff.hooks has one around this), and on PostgreSQL each is two round trips.
    with transaction.atomic(savepoint=False):
        lead = statements.lead_locked.first(lead_id)
        if lead is None:
            raise NotFound(f"Lead {lead_id} does not exist.", field="lead_id")
        if lead.stage != Stage.MQL or not lead.is_open:
            return RouteResult(lead.pk, "skipped")
        if (
            lead.owner_id is not None
            and Assignment.objects.filter(
                lead=lead, at__gte=lead.stage_changed_at, to_user__isnull=False
            ).exists()
        ):
            return RouteResult(lead.pk, "skipped", lead.owner_id, lead.team_id)
        _related_load(lead)

        kept = _owner_kept(lead)
        if kept is not None:
            _assigned(
                lead=lead,
                to_user_id=kept.pk,
                team_id=kept.team_id,
                kind=AssignmentKind.OWNER_KEPT,
                at=at,
                reason=_("already the lead's owner"),
            )
            return RouteResult(
                lead.pk, "assigned", kept.pk, kept.team_id, AssignmentKind.OWNER_KEPT
            )

        owner, why_not_owner = _account_owner(lead)
        if owner is not None:
            _assigned(
                lead=lead,
                to_user_id=owner.pk,
                team_id=owner.team_id,
                kind=AssignmentKind.ACCOUNT_OWNER,
                at=at,
                reason=_("owner of account %(account)s") % {"account": lead.contact.account},
            )
            return RouteResult(
                lead.pk, "assigned", owner.pk, owner.team_id, AssignmentKind.ACCOUNT_OWNER
            )

        rule = rules.rule_first_match(rules_active(), lead_facts(lead))
        if rule is None:
            return _waiting(
                lead=lead, team_id=None, warning=RoutingWarningKind.NO_RULE, at=at, rule_id=None
            )

        cursor = _cursor_lock(rule.team_id)
        choice = rules.rep_choose(team_loads(team_id=rule.team_id, now=at))
        if choice.user_id is None:
            return _waiting(
                lead=lead, team_id=rule.team_id, warning=choice.reason, at=at, rule_id=rule.id
            )
        reason = _("rule %(rule)s") % {"rule": rule.name or rule.id}
        if why_not_owner:
            reason = f"{reason}; {why_not_owner}"
        _assigned(
            lead=lead,
            to_user_id=choice.user_id,
            team_id=rule.team_id,
            kind=AssignmentKind.AUTO,
            at=at,
            reason=reason,
            rule_id=rule.id,
            cursor_id=cursor.pk,
        )
        return RouteResult(lead.pk, "assigned", choice.user_id, rule.team_id, AssignmentKind.AUTO)


def lead_reassign(*, lead_id: int, to_user_id: int, by: User, reason: str) -> Assignment:
    """A manager gives a lead to another person, saying why. Refused: nothing written.

    Who may move which lead to whom is ``policy.lead_reassign_require`` (a sales manager
    within the teams they manage, an administrator anywhere)."""
    if not policy.is_manager(by):
        raise PermissionDenied(_("Only a sales manager or an administrator can reassign leads."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say why the lead is reassigned."), field="reason")
    if len(reason) > 500:
        raise InvalidInput(_("The reason is longer than 500 characters."), field="reason")
    to_user = User.objects.filter(pk=to_user_id).first()
    if to_user is None or not to_user.is_active:
        raise InvalidInput(_("Choose an active person to give the lead to."), field="to_user_id")
    if to_user.role not in (Role.SALES, Role.MANAGER):
        raise InvalidInput(_("Leads go to sales reps or managers."), field="to_user_id")
    at = timezone.now()
    with transaction.atomic():
        lead = (
            Lead.objects.select_for_update(of=("self",))
            .select_related("contact")
            .filter(pk=lead_id)
            .first()
        )
        if lead is None:
            raise NotFound(f"Lead {lead_id} does not exist.", field="lead_id")
        policy.lead_reassign_require(by, lead, to_user)
        if not lead.is_open:
            raise InvalidInput(_("This lead's journey is closed."), field="lead_id")
        if lead.owner_id == to_user.pk:
            raise InvalidInput(_("The lead already belongs to this person."), field="to_user_id")
        previous_owner_id = lead.owner_id
        team_id = to_user.team_id or lead.team_id
        assignment = Assignment.objects.create(
            lead=lead, from_user_id=previous_owner_id, to_user=to_user, team_id=team_id,
            kind=AssignmentKind.MANUAL, at=at, by=by, reason=reason,
        )  # fmt: skip
        Lead.objects.filter(pk=lead.pk).update(owner=to_user, team_id=team_id, updated_at=at)
        RoutingWarning.objects.filter(lead=lead, resolved_at__isnull=True).update(resolved_at=at)
        # The previous owner's clocks stop (reassigned); the new owner gets full time.
        clocks.sla_clocks_start(lead_id=lead.pk, owner_id=to_user.pk, at=at)
        notify(
            user_id=to_user.pk,
            kind="lead.assigned",
            title=_("%(manager)s gave you lead %(name)s") % {"manager": by, "name": lead.contact},
            body=reason,
            url=lead_url(lead.pk),
            key=f"assigned:{assignment.pk}",
        )
        event_emit(
            event="lead.assigned",
            payload={"lead_id": lead.pk, "owner_id": to_user.pk,
                     "previous_owner_id": previous_owner_id, "team_id": team_id,
                     "kind": AssignmentKind.MANUAL, "reason": reason, "at": at,
                     "by_id": by.pk},
            key=str(assignment.pk),
            at=at,
        )  # fmt: skip
    return assignment


def team_of(team_id: int | None) -> Team | None:
    return Team.objects.filter(pk=team_id).first() if team_id else None
