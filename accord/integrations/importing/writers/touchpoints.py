"""Touchpoints: linked to a lead or contact, channel by name or slug, or grouped by the
channel rules from their UTM parameters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.text import slugify

from accord.integrations.importing.bulk_insert import (
    rows_insert,
)
from accord.integrations.importing.linking import LeadLinker
from accord.integrations.importing.schemas import (
    LINK_KEYS,
)
from accord.integrations.importing.validate import Record, RowError
from accord.integrations.importing.writers.leads import channel_resolver
from accord.integrations.importing.writers.plan import WritePlan, column
from accord.tracking.models import Campaign, Channel, Touchpoint

# --- touchpoints -----------------------------------------------------------------------------


_UTM = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


def _stored_touch_keys(records: list[Record]) -> set[tuple]:
    """(at, type, contact, visitor, url) of the stored touches in the file's time span: a
    re-imported touch is recognised and left alone."""
    if not records:
        return set()
    start = min(r["at"] for r in records)
    end = max(r["at"] for r in records)
    rows = Touchpoint.objects.filter(at__gte=start, at__lte=end).values_list(
        "at", "type", "contact_id", "visitor_id", "url"
    )
    return {(at, kind, cid, vid or "", url or "") for at, kind, cid, vid, url in rows}


def touchpoints_plan(
    records: list[Record], *, now: datetime, columns: dict[str, str], **_: Any
) -> WritePlan:
    plan = WritePlan()
    linker = LeadLinker(records)
    existing = _stored_touch_keys(records)
    campaigns = {c.utm_campaign.lower(): c.pk for c in Campaign.objects.all()}
    resolver = channel_resolver()
    new_channels: dict[str, Channel] = {}
    by_label = 0
    new: list[Touchpoint] = []
    for record in records:
        at = record["at"]
        lead_id, contact_id, problem = linker.link(record, at=at, need_lead=False)
        if problem:
            link_key = next(k for k in LINK_KEYS if record.get(k))
            plan.errors.append(RowError(record["_row"], column(columns, link_key), problem))
            continue
        key = (
            at,
            record["type"],
            contact_id,
            record.get("visitor_id") or "",
            record.get("url") or "",
        )
        if key in existing:
            plan.unchanged += 1
            continue
        existing.add(key)
        utm = {name: (record.get(name) or "")[:200] for name in _UTM}
        channel: Channel | None = None
        channel_id = record.get("channel_id")
        if record.get("channel_new"):
            channel = _channel_new(new_channels, record["channel_new"])
        elif channel_id is None and resolver is not None:
            channel_id = resolver.resolve(
                source=utm["utm_source"],
                medium=utm["utm_medium"],
                campaign=utm["utm_campaign"],
                referrer=record.get("referrer") or "",
                landing_url=record.get("url") or "",
            ).pk
        by_label += bool(record.get("channel"))
        new.append(
            Touchpoint(
                at=at,
                type=record["type"],
                visitor_id=record.get("visitor_id") or "",
                contact_id=contact_id,
                lead_id=lead_id,
                **({"channel": channel} if channel is not None else {"channel_id": channel_id}),
                campaign_id=campaigns.get(utm["utm_campaign"].lower())
                if utm["utm_campaign"]
                else None,
                url=record.get("url") or "",
                referrer=record.get("referrer") or "",
                channel_given=bool(record.get("channel")),
                **utm,
            )
        )
        plan.created += 1
    plan.notes.append(linker.note("Touches"))
    if by_label:
        plan.notes.append(f"{by_label} touch(es) take their channel from the channel column.")
    if new_channels:
        plan.notes.append(f"{len(new_channels)} new channel(s): {', '.join(sorted(new_channels))}.")

    def apply() -> None:
        for channel in new_channels.values():
            channel.save()
        rows_insert(new)  # takes the new channels' ids

    plan.apply = apply
    return plan


def _channel_new(book: dict[str, Channel], name: str) -> Channel:
    """A channel the file names and nobody has (``--create-channels``), made once per name."""
    key = name.strip()
    if key not in book:
        slug = slugify(key)[:60] or "channel"
        taken = set(Channel.objects.filter(slug__startswith=slug).values_list("slug", flat=True))
        taken |= {c.slug for c in book.values()}
        candidate, n = slug, 2
        while candidate in taken:
            candidate, n = f"{slug[:56]}-{n}", n + 1
        book[key] = Channel(slug=candidate, name=key[:120])
    return book[key]
