"""What sales does with a handed-off lead: accept, reject with a reason, log a contact
attempt, qualify (BANT), open a deal.

Each action is one transaction: it locks the lead and asks the policy who may act
(``accord.accounts.policy.lead_act_require``: the lead's owner, a sales manager of its team,
an administrator; anyone else gets ``PermissionDenied`` before any input is validated),
moves the lead through the lifecycle service (``lead_transition``, so the stage log stays
the single truth), stops the SLA clocks the action satisfies, and emits its events. A
refused or invalid action writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts import policy
from accord.accounts.models import User
from accord.contacts.models import Lead, StageTransition
from accord.contacts.services import lead_transition
from accord.core.errors import InvalidInput, NotFound
from accord.core.lifecycle import Stage
from accord.handoff.agreement.terms import rejection_reason_get
from accord.handoff.inbox.feedback import campaign_rejections_check
from accord.handoff.models import ClockKind
from accord.handoff.notifications import event_emit
from accord.handoff.sla.clocks import sla_clocks_stop
from accord.pipeline.models import Activity, Deal
from accord.pipeline.services import activity_create, deal_create

ALL_CLOCKS = (ClockKind.ACCEPT, ClockKind.FIRST_ATTEMPT)
#: Stages from which sales may still reject a lead (after SQL it is a deal matter).
REJECTABLE = (Stage.MQL, Stage.SAL)
REJECT_OUTCOMES = (Stage.RECYCLED, Stage.DISQUALIFIED)
COMMENT_MAX = 400
BANT_FIELDS = ("budget", "authority", "need", "timeline")


def _lead_locked(lead_id: int, by: User) -> Lead:
    lead = (
        Lead.objects.select_for_update(of=("self",))
        .select_related("contact")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise NotFound(f"Lead {lead_id} does not exist.", field="lead_id")
    # Visibility first (another rep's lead does not exist for a rep), then the right to act.
    policy.object_require(by, lead, label=f"Lead {lead_id}", field="lead_id")
    policy.lead_act_require(by, lead)
    return lead


def _event_payload(lead: Lead, transition: StageTransition, by: User) -> dict[str, Any]:
    return {
        "lead_id": lead.pk,
        "from_stage": transition.from_stage,
        "to_stage": transition.to_stage,
        "owner_id": lead.owner_id,
        "by_id": by.pk,
        "at": transition.at,
    }


def lead_accept(*, lead_id: int, by: User) -> StageTransition:
    """Sales accepts the lead for follow-up: MQL → SAL; stops the accept clock."""
    with transaction.atomic():
        lead = _lead_locked(lead_id, by)
        transition = lead_transition(lead_id=lead.pk, to_stage=Stage.SAL, actor=by)
        sla_clocks_stop(lead_id=lead.pk, at=transition.at, reason="accepted")
        event_emit(
            event="lead.accepted",
            payload=_event_payload(lead, transition, by),
            key=str(transition.pk),
            at=transition.at,
        )
    return transition


def lead_reject(
    *, lead_id: int, by: User, reason_code: str, comment: str = "", outcome: str | None = None
) -> StageTransition:
    """Sales rejects the lead with one of the agreement's reasons (plus a comment): back to
    nurture (recycled) or out (disqualified). Stops every running clock."""
    comment = (comment or "").strip()
    with transaction.atomic():
        lead = _lead_locked(lead_id, by)
        if len(comment) > COMMENT_MAX:
            raise InvalidInput(
                _("The comment is longer than %(n)s characters.") % {"n": COMMENT_MAX},
                field="comment",
            )
        reason = rejection_reason_get(reason_code)
        target = outcome or reason.outcome
        if target not in REJECT_OUTCOMES:
            raise InvalidInput(
                _("A rejected lead goes to recycled or disqualified."), field="outcome"
            )
        if lead.stage not in REJECTABLE:
            raise InvalidInput(
                _("Only a lead waiting for acceptance or accepted can be rejected."),
                field="lead_id",
            )
        text = reason.label if not comment else f"{reason.label}: {comment}"
        transition = lead_transition(
            lead_id=lead.pk,
            to_stage=target,
            actor=by,
            reason=text[:500],
            details={
                "rejection_reason": reason.code,
                "comment": comment,
                "rejected_from": lead.stage,
                "agreement_version_id": reason.version_id,
            },
        )
        sla_clocks_stop(lead_id=lead.pk, at=transition.at, reason="rejected")
        payload = {
            **_event_payload(lead, transition, by),
            "reason": reason.code,
            "comment": comment,
        }
        event_emit(event="lead.rejected", payload=payload, key=str(transition.pk), at=transition.at)
        if target == Stage.RECYCLED:
            event_emit(
                event="lead.recycled", payload=payload, key=str(transition.pk), at=transition.at
            )
        if lead.source_campaign_id:
            campaign_rejections_check(campaign_id=lead.source_campaign_id)
    return transition


def lead_attempt_log(
    *, lead_id: int, by: User, kind: str = "call", outcome: str = "", notes: str = ""
) -> Activity:
    """A contact attempt (call, email…) with its outcome; stops the first-attempt clock."""
    with transaction.atomic():
        lead = _lead_locked(lead_id, by)
        if not lead.is_open:
            raise InvalidInput(_("This lead's journey is closed."), field="lead_id")
        activity = activity_create(
            kind=kind, user=by, lead_id=lead.pk, outcome=outcome, notes=notes.strip()
        )
        sla_clocks_stop(lead_id=lead.pk, at=activity.at, reason="attempt_logged")
    return activity


@dataclass(frozen=True)
class Bant:
    budget: str = ""
    authority: str = ""
    need: str = ""
    timeline: str = ""

    def as_dict(self) -> dict[str, str]:
        return {name: getattr(self, name).strip() for name in BANT_FIELDS}


def lead_qualify(*, lead_id: int, by: User, bant: Bant) -> StageTransition:
    """SAL → SQL with the BANT answers; kept on the lead and in the stage log."""
    answers = bant.as_dict()
    with transaction.atomic():
        lead = _lead_locked(lead_id, by)
        if not answers["need"]:
            raise InvalidInput(_("Describe the need that qualifies the lead."), field="need")
        for name, value in answers.items():
            if len(value) > 200:
                raise InvalidInput(_("Keep each answer under 200 characters."), field=name)
        if lead.stage != Stage.SAL:
            raise InvalidInput(_("Only an accepted lead (SAL) can be qualified."), field="lead_id")
        transition = lead_transition(
            lead_id=lead.pk, to_stage=Stage.SQL, actor=by, details={"bant": answers}
        )
        properties = dict(lead.properties or {})
        properties["bant"] = answers
        Lead.objects.filter(pk=lead.pk).update(properties=properties)
        sla_clocks_stop(lead_id=lead.pk, kinds=ALL_CLOCKS, at=transition.at, reason="qualified")
    return transition


def lead_deal_open(
    *,
    lead_id: int,
    by: User,
    name: str,
    amount: Decimal | str | int,
    currency: str | None = None,
    expected_close: date | None = None,
) -> Deal:
    """SQL → opportunity: open a deal for the lead, owned by the lead's owner."""
    with transaction.atomic():
        lead = _lead_locked(lead_id, by)
        if lead.stage != Stage.SQL:
            raise InvalidInput(_("Qualify the lead (SQL) before opening a deal."), field="lead_id")
        fields: dict[str, Any] = {
            "lead_id": lead.pk,
            "account_id": lead.contact.account_id,
            "owner_id": lead.owner_id or by.pk,
            "expected_close": expected_close,
        }
        if currency:
            fields["currency"] = currency
        deal = deal_create(name=name, amount=amount, **fields)
        lead_transition(
            lead_id=lead.pk,
            to_stage=Stage.OPPORTUNITY,
            actor=by,
            at=max(timezone.now(), lead.stage_changed_at),
            details={"deal_id": deal.pk},
        )
    return deal
