"""The lead page: who the person is, where the journey stands and why it scores as it does.

Sales reps open their own and unassigned leads (other reps' leads answer 404, as in the API);
every other role opens any lead. It lives in the hand-off because it joins what the apps below
know of a lead: its contact (contacts), touches (tracking), score (scoring) and the hand-off's
own timeline and agreement.

The page reads top to bottom as a rep works: a summary header (owner, stage, score and its
scale, win probability, SLA in business time), the hand-off actions (accept, reject with the
agreement's reasons, log an attempt), the next sales step (qualify, deal, rating), then one
timeline of everything that happened, and the score's basis in people's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language, to_locale

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.accounts.models import User
from accord.contacts.models import Lead
from accord.contacts.selectors import leads_visible
from accord.core.lifecycle import Stage
from accord.core.money import money_format
from accord.handoff.agreement.terms import RejectionReason, rejection_reasons
from accord.handoff.inbox.actions import REJECTABLE
from accord.handoff.inbox.selectors import lead_agreement, lead_timeline
from accord.handoff.lead.basis import fast_track_words, score_basis
from accord.handoff.lead.summary import lead_summary
from accord.handoff.lead.views import lead_panel
from accord.pipeline.models import ActivityKind, ActivityOutcome
from accord.pipeline.selectors import deal_stage_name, deals_visible, stage_names
from accord.pipeline.tasks.panel import record_work
from accord.scoring.models import LeadScore
from accord.scoring.selectors import lead_prediction_shown


@dataclass
class HandoffActions:
    """The hand-off actions this user may take on the lead at its stage (none: not drawn)."""

    can_accept: bool = False
    can_reject: bool = False
    can_attempt: bool = False
    reasons: list[RejectionReason] = field(default_factory=list)
    activity_kinds: list[tuple[str, str]] = field(default_factory=list)
    outcomes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return self.can_accept or self.can_reject or self.can_attempt


def handoff_actions(user: User, lead: Lead) -> HandoffActions:
    if not policy.lead_act_allowed(user, lead):
        return HandoffActions()
    actions = HandoffActions(
        can_accept=lead.stage == Stage.MQL,
        can_reject=lead.stage in REJECTABLE,
        can_attempt=lead.is_open and lead.stage in (Stage.MQL, Stage.SAL, Stage.SQL),
    )
    if actions.can_reject:
        actions.reasons = rejection_reasons()
    if actions.can_attempt:
        actions.activity_kinds = [
            (str(k), str(label)) for k, label in ActivityKind.choices if k != ActivityKind.NOTE
        ]
        actions.outcomes = [(str(o), str(label)) for o, label in ActivityOutcome.choices if o]
    return actions


@dataclass(frozen=True)
class DealLine:
    name: str
    stage: str
    amount: str
    owner: str
    closes: object  # the close date, or the expected one while open (a date or None)
    url: str = ""  # the deal's page


def lead_deals(user: User, lead: Lead) -> list[DealLine]:
    """The lead's deals the reader may see (a rep: their own and unassigned ones)."""
    deals = (
        deals_visible(user=policy.rep_scope(user, "deals"))
        .filter(lead_id=lead.pk)
        .select_related("owner")
        .order_by("-created_at")
    )
    locale = to_locale(get_language() or "en")
    names = stage_names()
    return [
        DealLine(
            name=deal.name,
            stage=deal_stage_name(deal, names),
            amount=money_format(deal.amount, deal.currency, locale),
            owner=str(deal.owner) if deal.owner else "",
            closes=deal.closed_at.date() if deal.closed_at else deal.expected_close,
            url=reverse("deals:deal_detail", args=[deal.pk]),
        )
        for deal in deals
    ]


@login_required
def lead_detail(request: PageRequest, lead_id: int) -> HttpResponse:
    lead = (
        leads_visible(user=policy.rep_scope(request.user))
        .select_related("contact__account", "owner", "source_channel", "source_campaign")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise Http404
    score = LeadScore.objects.filter(lead_id=lead.pk).first()
    agreement = lead_agreement(lead.pk)
    prediction = lead_prediction_shown(lead)
    context = {
        "lead": lead,
        "contact": lead.contact,
        "account": lead.contact.account,
        "score": score,
        "summary": lead_summary(
            lead,
            score=score,
            agreement=agreement,
            win_probability=prediction.percent_text if prediction else "",
        ),
        "basis": score_basis(score.breakdown if score else []),
        "fast_track": fast_track_words(score.fast_track if score else []),
        "timeline": lead_timeline(lead.pk),
        "agreement": agreement,
        "prediction": prediction,
        "handoff": handoff_actions(request.user, lead),
        "panel": lead_panel(user=request.user, lead=lead),
        "deals": lead_deals(request.user, lead),
        # Activities and tasks on the lead (pipeline/tasks/_activities.html).
        "work": record_work(user=request.user, lead_id=lead.pk),
    }
    return render(request, "contacts/lead_detail.html", context)
