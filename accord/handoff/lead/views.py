"""The sales actions panel of the lead page: qualify (BANT), open a deal, rate the lead.

The panel is drawn into the lead page by ``{% lead_actions_panel %}`` and re-drawn by these
views after each action (htmx swaps it in place; a plain form post redirects back to the lead
page). Each view: the lead as the user may see it (else 404), one service call (which checks
who may act: else 403, nothing written), then the panel with the outcome or the error on the
field it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accord.accounts import policy
from accord.accounts.http import PageRequest
from accord.accounts.models import User
from accord.contacts.models import Lead, StageTransition
from accord.contacts.selectors import leads_visible
from accord.core.errors import DomainError, PermissionDenied
from accord.core.lifecycle import Stage
from accord.handoff.inbox import actions
from accord.handoff.inbox.feedback import lead_rate
from accord.handoff.lead.forms import DealForm, QualifyForm, RatingForm
from accord.handoff.models import QualityRating

PANEL_TEMPLATE = "handoff/includes/lead_actions_panel.html"


@dataclass
class LeadPanel:
    """What the panel shows: only the forms this user may use at the lead's stage."""

    lead: Lead
    qualify: forms.Form | None = None
    deal: forms.Form | None = None
    rating: forms.Form | None = None
    ratings_count: int = 0
    ratings_avg: float | None = None
    done: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.qualify or self.deal or self.rating or self.ratings_count or self.done)


def lead_panel(
    *, user: User, lead: Lead, bound: dict[str, forms.Form] | None = None, done: str = ""
) -> LeadPanel:
    """The panel for ``user`` on ``lead``; ``bound`` keeps a submitted form (with its errors)."""
    bound = bound or {}
    can_act = policy.lead_act_allowed(user, lead)
    handed_off = StageTransition.objects.filter(lead_id=lead.pk, to_stage=Stage.MQL).exists()
    ratings = list(QualityRating.objects.filter(lead_id=lead.pk).values("rating", "by_id"))
    panel = LeadPanel(lead=lead, done=done)
    if can_act and lead.stage == Stage.SAL:
        panel.qualify = bound.get("qualify") or QualifyForm()
    if can_act and lead.stage == Stage.SQL:
        panel.deal = bound.get("deal") or DealForm(
            initial={"name": str(lead.contact.account or lead.contact)}
        )
    if can_act and handed_off:
        mine = next((r["rating"] for r in ratings if r["by_id"] == user.pk), None)
        panel.rating = bound.get("rating") or RatingForm(
            initial={"rating": str(mine) if mine else None}
        )
    if ratings:
        panel.ratings_count = len(ratings)
        panel.ratings_avg = round(sum(r["rating"] for r in ratings) / len(ratings), 1)
    return panel


def _lead_visible(user: User, lead_id: int) -> Lead:
    lead = (
        leads_visible(user=policy.rep_scope(user))
        .select_related("contact__account")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise Http404
    return lead


def _panel_action(
    request: PageRequest,
    lead_id: int,
    *,
    name: str,
    form: forms.Form,
    run: Callable[[dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """Ask the policy (404 unseen, 403 may not act) before validating anything; then validate
    ``form``, run the action, answer with the panel (htmx) or a redirect."""
    policy.lead_act_require(request.user, _lead_visible(request.user, lead_id))
    succeeded = False
    if form.is_valid():
        try:
            run(form.cleaned_data)
            succeeded = True
        except PermissionDenied:
            raise
        except DomainError as error:
            target = error.field if error.field in form.fields else None
            form.add_error(target, error.message)
    if not request.htmx:
        if succeeded:
            messages.success(request, done)
        else:
            for errors in form.errors.values():
                for message in errors:
                    messages.error(request, str(message))
        return redirect("leads:lead_detail", lead_id=lead_id)
    lead = _lead_visible(request.user, lead_id)  # again: the action changed it
    panel = lead_panel(
        user=request.user,
        lead=lead,
        bound=None if succeeded else {name: form},
        done=done if succeeded else "",
    )
    return render(request, PANEL_TEMPLATE, {"panel": panel})


@login_required
@require_POST
def lead_qualify(request: PageRequest, lead_id: int) -> HttpResponse:
    return _panel_action(
        request,
        lead_id,
        name="qualify",
        form=QualifyForm(request.POST),
        run=lambda data: actions.lead_qualify(
            lead_id=lead_id,
            by=request.user,
            bant=actions.Bant(**{key: data[key] for key in actions.BANT_FIELDS}),
        ),
        done=_("Qualified: the lead is a sales-qualified lead (SQL)."),
    )


@login_required
@require_POST
def lead_deal(request: PageRequest, lead_id: int) -> HttpResponse:
    return _panel_action(
        request,
        lead_id,
        name="deal",
        form=DealForm(request.POST),
        run=lambda data: actions.lead_deal_open(
            lead_id=lead_id,
            by=request.user,
            name=data["name"],
            amount=data["amount"],
            currency=data["currency"] or None,
            expected_close=data["expected_close"],
        ),
        done=_("Deal opened."),
    )


@login_required
@require_POST
def lead_rate_view(request: PageRequest, lead_id: int) -> HttpResponse:
    return _panel_action(
        request,
        lead_id,
        name="rating",
        form=RatingForm(request.POST),
        run=lambda data: lead_rate(
            lead_id=lead_id, by=request.user, rating=data["rating"], comment=data["comment"]
        ),
        done=_("Thank you: the rating goes to marketing's feedback."),
    )
