"""Reads of campaigns, spend and touchpoints, shared by the API, the UI and the CLI."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import QuerySet

from accord.tracking.models import Campaign, SpendEntry, Touchpoint


def campaign_list(
    *, channel: str | None = None, utm_campaign: str | None = None
) -> QuerySet[Campaign]:
    campaigns = Campaign.objects.select_related("channel")
    if channel:
        campaigns = campaigns.filter(channel__slug=channel)
    if utm_campaign:
        campaigns = campaigns.filter(utm_campaign__iexact=utm_campaign)
    return campaigns


def spend_list(
    *,
    channel: str | None = None,
    campaign_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[SpendEntry]:
    entries = SpendEntry.objects.select_related("channel")
    if channel:
        entries = entries.filter(channel__slug=channel)
    if campaign_id is not None:
        entries = entries.filter(campaign_id=campaign_id)
    if since:
        entries = entries.filter(date__gte=since)
    if until:
        entries = entries.filter(date__lte=until)
    return entries


def touchpoint_list(
    *,
    lead_id: int | None = None,
    contact_id: int | None = None,
    channel: str | None = None,
    type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Touchpoint]:
    touches = Touchpoint.objects.select_related("channel")
    if lead_id is not None:
        touches = touches.filter(lead_id=lead_id)
    if contact_id is not None:
        touches = touches.filter(contact_id=contact_id)
    if channel:
        touches = touches.filter(channel__slug=channel)
    if type:
        touches = touches.filter(type=type)
    if since:
        touches = touches.filter(at__gte=since)
    if until:
        touches = touches.filter(at__lt=until)
    return touches
