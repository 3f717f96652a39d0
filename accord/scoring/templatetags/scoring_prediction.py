"""``{% lead_prediction lead as prediction %}``: a lead's win probability for its page.

A tag rather than view context so that the lead page (owned by contacts, which scoring
builds on) shows the panel through one ``{% include %}`` without importing scoring.
"""

from __future__ import annotations

from django import template

from accord.contacts.models import Lead
from accord.scoring.predictive.presentation import PredictionShown
from accord.scoring.selectors import lead_prediction_shown

register = template.Library()


@register.simple_tag
def lead_prediction(lead: Lead) -> PredictionShown | None:
    return lead_prediction_shown(lead)
