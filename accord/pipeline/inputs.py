"""What the deal and activity services take, typed.

Every key is optional (``total=False``): in a change, a missing key is a field the client did
not send and ``None`` a field sent as null — the distinction a PATCH must keep. The API
builds them once from its validated schemas.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TypedDict


class DealExtras(TypedDict, total=False):
    """A deal's fields besides its name, amount and external id."""

    currency: str | None
    discount_amount: Decimal | None
    lead_id: int | None
    account_id: int | None
    owner_id: int | None
    #: The pipeline by key, or by id (else the deal's own; a new deal: the default one).
    pipeline: str | None
    pipeline_id: int | None
    #: A stage key of the deal's pipeline.
    stage: str | None
    is_promotion: bool | None
    promotion_code: str | None
    expected_close: dt.date | None
    #: When a deal is closed by this write (now when not given).
    closed_at: dt.datetime | None
    #: A won deal's close date (else the date of ``closed_at``, else ``expected_close``).
    close_date: dt.date | None
    won_reason: str | None
    lost_reason: str | None
    competitor: str | None
    #: The rep's forecast category ('' follows the stage's).
    forecast_category: str | None


class DealFields(DealExtras, total=False):
    """A deal as a client sends it for create-or-update (``deal_upsert``)."""

    name: str | None
    amount: Decimal | None


class DealChanges(DealFields, total=False):
    external_id: str | None


class ActivityExtras(TypedDict, total=False):
    outcome: str | None
    duration_seconds: int | None
    notes: str | None


class ActivityChanges(ActivityExtras, total=False):
    kind: str | None
    at: dt.datetime | None
