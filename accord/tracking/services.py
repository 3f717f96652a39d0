"""Writes on touchpoints, campaigns and spend."""

from __future__ import annotations

from datetime import datetime

from accord.contacts.models import Contact, Lead
from accord.core.errors import InvalidInput
from accord.core.timeutils import aware_required
from accord.tracking.models import Campaign, Channel, Touchpoint, TouchType

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
    **utm: str,
) -> Touchpoint:
    """Append one touch. Its channel is resolved from UTM and referrer unless given.

    Campaigns are matched by ``utm_campaign`` (case-insensitive); unknown campaign names
    stay on the touch as text and can be turned into campaigns later.
    """
    if type not in TouchType.values:
        raise InvalidInput(
            f"Unknown touch type {type!r}; expected one of: {', '.join(TouchType.values)}.",
            field="type",
        )
    unknown = set(utm) - set(_UTM_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown field {sorted(unknown)[0]!r}.", field=sorted(unknown)[0])
    values = {name: (utm.get(name) or "").strip()[:200] for name in _UTM_FIELDS}
    moment = aware_required(at, field="at")
    if channel is None:
        from accord.tracking.channel_grouping import channel_resolve

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
    return Touchpoint.objects.create(
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
