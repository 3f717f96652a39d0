"""``{% lead_actions_panel %}``: the lead page's sales actions (qualify, open a deal, rate),
for the lead in the page's context and the signed-in user."""

from __future__ import annotations

from django import template

from accord.handoff.views_lead import lead_panel

register = template.Library()


@register.inclusion_tag("handoff/includes/lead_actions_panel.html", takes_context=True)
def lead_actions_panel(context: template.Context) -> dict:
    request = context.get("request")
    lead = context.get("lead")
    user = getattr(request, "user", None)
    if lead is None or user is None or not user.is_authenticated:
        return {"panel": None}
    return {"panel": lead_panel(user=user, lead=lead)}
