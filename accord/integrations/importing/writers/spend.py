"""Spend: one row per day, channel and campaign; the file's values replace stored ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accord.core.money import DEFAULT_CURRENCY
from accord.integrations.importing.bulk_insert import (
    rows_insert,
)
from accord.integrations.importing.people import (
    BATCH,
)
from accord.integrations.importing.validate import Record
from accord.integrations.importing.writers.plan import CampaignBook, WritePlan
from accord.tracking.models import SpendEntry

# --- spend -----------------------------------------------------------------------------------


_SPEND_VALUES = ("cost", "currency", "impressions", "reach", "clicks", "visits")


def spend_plan(records: list[Record], *, now: datetime, **_: Any) -> WritePlan:
    plan = WritePlan()
    campaigns = CampaignBook({r["campaign"] for r in records if r.get("campaign")})
    existing: dict[tuple, SpendEntry] = {}
    if records:
        rows = SpendEntry.objects.filter(
            date__gte=min(r["date"] for r in records),
            date__lte=max(r["date"] for r in records),
            channel_id__in={r["channel_id"] for r in records},
        )
        existing = {(e.date, e.channel_id, e.campaign_id): e for e in rows}
    new: list[SpendEntry] = []
    changed: list[SpendEntry] = []
    for record in records:
        campaign = campaigns.get(record.get("campaign"), record["channel_id"])
        values = {name: record.get(name) for name in _SPEND_VALUES if record.get(name) is not None}
        entry = existing.get(
            (record["date"], record["channel_id"], campaign.pk if campaign else None)
        )
        if campaign is not None and campaign.pk is None:
            entry = None
        if entry is None:
            values.setdefault("currency", DEFAULT_CURRENCY)
            new.append(
                SpendEntry(
                    date=record["date"],
                    channel_id=record["channel_id"],
                    campaign=campaign,
                    **values,
                )
            )
            plan.created += 1
            continue
        dirty = [name for name, value in values.items() if getattr(entry, name) != value]
        for name in dirty:
            setattr(entry, name, values[name])
        if dirty:
            changed.append(entry)
            plan.updated += 1
        else:
            plan.unchanged += 1
    plan.notes += campaigns.note()

    def apply() -> None:
        campaigns.save()
        rows_insert(new)
        if changed:
            SpendEntry.objects.bulk_update(changed, list(_SPEND_VALUES), batch_size=BATCH)

    plan.apply = apply
    return plan
