"""What the campaign and spend services take, typed.

Every key is optional (``total=False``): in a change, a missing key is a field the client did
not send and ``None`` a field sent as null — the distinction a PATCH must keep.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Required, TypedDict


class CampaignChanges(TypedDict, total=False):
    name: str | None
    utm_campaign: str | None
    channel_id: int | None
    owner_id: int | None
    budget: Decimal | None
    currency: str | None
    starts_on: dt.date | None
    ends_on: dt.date | None


class SpendChanges(TypedDict, total=False):
    cost: Decimal | None
    currency: str | None
    impressions: int | None
    reach: int | None
    clicks: int | None
    visits: int | None


class Utm(TypedDict, total=False):
    """A touch's UTM parameters (each up to 200 characters; absent: not given)."""

    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_content: str
    utm_term: str


class TouchFields(Utm, total=False):
    """A touch as an API client sends it (``touchpoint_create``), besides the ids it names."""

    type: Required[str]
    at: dt.datetime | None
    visitor_id: str
    url: str
    referrer: str
