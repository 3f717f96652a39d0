"""Writes on touchpoints, campaigns and spend."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Unpack, cast

from django.db import transaction

from accord.accounts.models import User
from accord.contacts.models import Contact, Lead
from accord.core.errors import InvalidInput, NotFound
from accord.core.events import TouchRecorded
from accord.core.hooks import emit
from accord.core.money import amount_clean, currency_clean
from accord.core.prepared import row_insert
from accord.core.timeutils import aware_required
from accord.tracking.channels.grouping import channel_resolve
from accord.tracking.inputs import CampaignChanges, SpendChanges, TouchFields, Utm
from accord.tracking.models import Campaign, Channel, SpendEntry, Touchpoint, TouchType

_UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


def touchpoint_record(
    *,
    type: str,
    at: datetime | None = None,
    contact: Contact | None = None,
    lead: Lead | None = None,
    visitor_id: str = "",
    channel: Channel | None = None,
    url: str = "",
    referrer: str = "",
    rescore: bool = True,
    **utm: Unpack[Utm],
) -> Touchpoint:
    """Append one touch. Its channel is resolved from UTM and referrer unless given.

    Campaigns are matched by ``utm_campaign`` (case-insensitive); unknown campaign names
    stay on the touch as text and can be turned into campaigns later. ``rescore=False`` is
    for callers whose own job rescores the lead (the capture follow-up), so a touch with a
    lead does not queue a second job.
    """
    if type not in TouchType.values:
        raise InvalidInput(
            f"Unknown touch type {type!r}; expected one of: {', '.join(TouchType.values)}.",
            field="type",
        )
    unknown = set(utm) - set(_UTM_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown field {sorted(unknown)[0]!r}.", field=sorted(unknown)[0])
    given = cast(dict[str, str], utm)  # every UTM value is text
    values = {name: (given.get(name) or "").strip()[:200] for name in _UTM_FIELDS}
    moment = aware_required(at, field="at")
    if channel is None:
        channel = channel_resolve(
            source=values["utm_source"],
            medium=values["utm_medium"],
            campaign=values["utm_campaign"],
            referrer=referrer,
        )
    campaign = (
        Campaign.objects.filter(utm_campaign__iexact=values["utm_campaign"]).first()
        if values["utm_campaign"]
        else None
    )
    if lead is not None and contact is None:
        contact = lead.contact
    # row_insert: the INSERT save() runs, without compiling it per call (hot on capture).
    touch = row_insert(
        Touchpoint(
            at=moment,
            type=type,
            visitor_id=visitor_id[:64],
            contact=contact,
            lead=lead,
            channel=channel,
            campaign=campaign,
            url=url[:2000],
            referrer=referrer[:2000],
            **values,
        )
    )
    if rescore and touch.lead_id is not None:
        # A new touch can change the lead's score: scoring queues a rescore (accord.wiring).
        emit(TouchRecorded(lead_id=touch.lead_id, touch_id=touch.pk))
    return touch


# --- Campaigns and spend (used by the REST API) -----------------------------------------


def _channel_get(channel_id: int | None, *, required: bool = False) -> Channel | None:
    if channel_id is None:
        if required:
            raise InvalidInput("A channel is required.", field="channel_id")
        return None
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        raise InvalidInput(f"Channel {channel_id} does not exist.", field="channel_id")
    return channel


def _campaign_fields_clean(fields: CampaignChanges, *, exclude_pk: int | None) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "name" in fields:
        name = (fields["name"] or "").strip()
        if not name:
            raise InvalidInput("A campaign needs a name.", field="name")
        clean["name"] = name
    if "utm_campaign" in fields:
        utm = (fields["utm_campaign"] or "").strip()
        if not utm:
            raise InvalidInput("A campaign needs its utm_campaign value.", field="utm_campaign")
        taken = Campaign.objects.filter(utm_campaign__iexact=utm)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            raise InvalidInput(
                f"A campaign with utm_campaign {utm!r} exists.", field="utm_campaign"
            )
        clean["utm_campaign"] = utm
    if "channel_id" in fields:
        clean["channel"] = _channel_get(fields["channel_id"])
    if "owner_id" in fields:
        owner_id = fields["owner_id"]
        owner = User.objects.filter(pk=owner_id).first() if owner_id is not None else None
        if owner_id is not None and owner is None:
            raise InvalidInput(f"User {owner_id} does not exist.", field="owner_id")
        clean["owner"] = owner
    if "budget" in fields:
        budget = fields["budget"]
        clean["budget"] = None if budget is None else amount_clean(budget, field="budget")
    if "currency" in fields:
        clean["currency"] = currency_clean(fields["currency"])
    for day in ("starts_on", "ends_on"):
        if day in fields:
            clean[day] = fields[day]
    return clean


@transaction.atomic
def campaign_create(**fields: Unpack[CampaignChanges]) -> Campaign:
    """Create a campaign from ``name``, ``utm_campaign`` and optional channel, owner, budget,
    currency and dates."""
    fields.setdefault("name", "")
    fields.setdefault("utm_campaign", "")
    clean = _campaign_fields_clean(fields, exclude_pk=None)
    campaign = Campaign(**clean)
    _campaign_dates_check(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def campaign_update(*, campaign_id: int, changes: CampaignChanges) -> Campaign:
    campaign = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(f"Campaign {campaign_id} does not exist.", field="campaign_id")
    for field, value in _campaign_fields_clean(changes, exclude_pk=campaign.pk).items():
        setattr(campaign, field, value)
    _campaign_dates_check(campaign)
    campaign.save()
    return campaign


def _campaign_dates_check(campaign: Campaign) -> None:
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise InvalidInput("The campaign ends before it starts.", field="ends_on")


def _spend_counts_clean(fields: SpendChanges) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "cost" in fields:
        clean["cost"] = amount_clean(fields["cost"], field="cost")
    if "currency" in fields:
        clean["currency"] = currency_clean(fields["currency"])
    for count in ("impressions", "reach", "clicks", "visits"):
        if count in fields:
            value = fields[count]
            if value is None or value < 0:
                raise InvalidInput(f"{count} must be zero or more.", field=count)
            clean[count] = value
    return clean


@transaction.atomic
def spend_record(
    *, date: Any, channel_id: int, campaign_id: int | None = None, **counts: Unpack[SpendChanges]
) -> tuple[SpendEntry, bool]:
    """Set one day's spend of a channel (or campaign): creates the row or replaces its
    figures, since a day's spend is reported again as ad platforms settle it."""
    channel = _channel_get(channel_id, required=True)
    assert channel is not None  # required: a missing channel was refused above
    campaign = None
    if campaign_id is not None:
        campaign = Campaign.objects.filter(pk=campaign_id).first()
        if campaign is None:
            raise InvalidInput(f"Campaign {campaign_id} does not exist.", field="campaign_id")
    clean = _spend_counts_clean(counts)
    entry = (
        SpendEntry.objects.select_for_update()
        .filter(date=date, channel=channel, campaign=campaign)
        .first()
    )
    if entry is None:
        return SpendEntry.objects.create(
            date=date, channel=channel, campaign=campaign, **clean
        ), True
    for field, value in clean.items():
        setattr(entry, field, value)
    entry.save()
    return entry, False


@transaction.atomic
def spend_update(*, entry_id: int, changes: SpendChanges) -> SpendEntry:
    entry = SpendEntry.objects.select_for_update().filter(pk=entry_id).first()
    if entry is None:
        raise NotFound(f"Spend entry {entry_id} does not exist.", field="spend_id")
    for field, value in _spend_counts_clean(changes).items():
        setattr(entry, field, value)
    entry.save()
    return entry


def touchpoint_create(
    *,
    contact_id: int | None = None,
    lead_id: int | None = None,
    channel_id: int | None = None,
    **fields: Unpack[TouchFields],
) -> Touchpoint:
    """``touchpoint_record`` for an API client: checks the ids it was given first."""
    contact = lead = None
    if contact_id is not None:
        contact = Contact.objects.filter(pk=contact_id).first()
        if contact is None:
            raise InvalidInput(f"Contact {contact_id} does not exist.", field="contact_id")
    if lead_id is not None:
        lead = Lead.objects.select_related("contact").filter(pk=lead_id).first()
        if lead is None:
            raise InvalidInput(f"Lead {lead_id} does not exist.", field="lead_id")
        if contact is not None and lead.contact_id != contact.pk:
            raise InvalidInput("The lead belongs to another contact.", field="lead_id")
    if contact is None and lead is None and not (fields.get("visitor_id") or "").strip():
        raise InvalidInput("A touch needs contact_id, lead_id or visitor_id.", field="contact_id")
    return touchpoint_record(contact=contact, lead=lead, channel=_channel_get(channel_id), **fields)
