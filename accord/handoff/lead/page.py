"""The lead page: who the person is, where the journey stands and why it scores as it does.

Sales reps open their own and unassigned leads (other reps' leads answer 404, as in the API);
every other role opens any lead. It lives in the hand-off because it joins what the apps below
know of a lead: its contact (contacts), touches (tracking), score (scoring) and the hand-off's
own timeline and agreement.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.contacts.selectors import leads_visible
from accord.core.lifecycle import stage_label
from accord.handoff.inbox.selectors import lead_agreement, lead_timeline
from accord.handoff.lead.views import lead_panel
from accord.scoring.labels import scoring_name_label
from accord.scoring.models import LeadScore
from accord.scoring.selectors import lead_prediction_shown

LATEST_TOUCHES = 25


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
    contributions = sorted(
        ({**c, "rule": scoring_name_label(c["rule"])} for c in (score.breakdown if score else [])),
        key=lambda c: (-abs(c["points"]), c["rule"]),
    )
    transitions = [
        {
            "t": t,
            "from_label": stage_label(t.from_stage) if t.from_stage else "",
            "to_label": stage_label(t.to_stage),
        }
        for t in lead.transitions.select_related("actor").order_by("at", "id")
    ]
    touches = lead.touchpoints.select_related("channel", "campaign").order_by("-at", "-id")[
        :LATEST_TOUCHES
    ]
    context = {
        "lead": lead,
        "contact": lead.contact,
        "account": lead.contact.account,
        "score": score,
        "contributions": contributions,
        "transitions": transitions,
        "touches": touches,
        "timeline": lead_timeline(lead.pk),
        "agreement": lead_agreement(lead.pk),
        "prediction": lead_prediction_shown(lead),
        "panel": lead_panel(user=request.user, lead=lead),
    }
    return render(request, "contacts/lead_detail.html", context)
