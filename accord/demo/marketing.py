"""Campaigns and a year of daily spend: the top of the simulated funnel.

Visits per source and day are the plan's expected leads divided by the channel's
visit-to-lead rate (1-5%, REFERENCE.md), with day-to-day noise; clicks, impressions, reach
and cost follow from each campaign's click-through, frequency and cost per click. Organic
channels get rows too, at zero cost, so that every channel's visits are known.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from accord.demo import catalog
from accord.demo.tables import DAY, Batch, IdAllocator, Rows, day_stamps, stamps

if TYPE_CHECKING:
    from accord.demo.simulator import DemoRefs, DemoSpec, LeadPlan

CHANNELS_BY_SLUG = {channel.slug: channel for channel in catalog.CHANNELS}
PAID_CLICK_TO_VISIT = 0.88  # some ad clicks never finish loading the landing page


@dataclass(frozen=True)
class Marketing:
    batch: Batch
    campaign_ids: tuple[int, ...]  # per source in catalog.SOURCES; -1 for no campaign


SPEND_COLUMNS = (
    "id",
    "date",
    "channel_id",
    "campaign_id",
    "cost",
    "currency",
    "impressions",
    "reach",
    "clicks",
    "visits",
)
CAMPAIGN_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "name",
    "utm_campaign",
    "channel_id",
    "owner_id",
    "budget",
    "currency",
    "starts_on",
    "ends_on",
)


def _daily_figures(
    rng: np.random.Generator, source: catalog.DemoSource, s: int, plan: LeadPlan
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A source's visits, clicks, impressions, reach and cost per day: visits follow the
    planned leads; paid sources pay per click or per lead, organic ones pay nothing."""
    days = plan.counts.shape[0]
    channel = CHANNELS_BY_SLUG[source.channel]
    noise = rng.lognormal(0.0, 0.15, size=days)
    visits = np.maximum(np.rint(plan.expected[:, s] / channel.visit_to_lead * noise), 0)
    is_paid = bool(source.cost_per_click or source.cost_per_lead)
    if is_paid:
        clicks = np.rint(visits / PAID_CLICK_TO_VISIT)
        impressions = np.rint(clicks / source.click_through) if source.click_through else clicks
        reach = np.rint(impressions / source.frequency) if source.frequency else impressions
        if source.cost_per_lead:
            cost = plan.counts[:, s] * source.cost_per_lead
        else:
            cost = clicks * source.cost_per_click * rng.lognormal(0.0, 0.08, size=days)
    else:
        click_through = catalog.ORGANIC_CLICK_THROUGH.get(source.channel, 0.0)
        clicks = visits if source.channel != "direct" else np.zeros(days)
        impressions = np.rint(clicks / click_through) if click_through else np.zeros(days)
        reach = np.rint(impressions / 1.6)
        cost = np.zeros(days)
    return visits, clicks, impressions, reach, cost


def _campaign_rows(
    *, spec: DemoSpec, refs: DemoRefs, campaign_ids: list[int], yearly_cost: list[float]
) -> list[tuple]:
    created = stamps([spec.start - 30 * DAY])[0]
    starts_on = day_stamps([spec.start])[0]
    rows = []
    for s, source in enumerate(catalog.SOURCES):
        if not source.utm_campaign:
            continue
        # Budgets are planned in round thousands, a little above what was spent.
        budget = np.ceil(yearly_cost[s] * 1.1 / 1000) * 1000
        rows.append(
            (
                campaign_ids[s],
                created,
                created,
                source.name,
                source.utm_campaign,
                refs.channel_ids[source.channel],
                refs.marketer_id,
                f"{budget:.2f}",
                "USD",
                starts_on,
                None,
            )
        )
    return rows


def marketing_build(
    *, spec: DemoSpec, refs: DemoRefs, plan: LeadPlan, ids: IdAllocator
) -> Marketing:
    rng = np.random.default_rng([spec.seed, 2])
    sources = catalog.SOURCES
    with_campaign = [i for i, source in enumerate(sources) if source.utm_campaign]
    allocated = ids.take("tracking.Campaign", len(with_campaign))
    campaign_ids = [-1] * len(sources)
    for i, campaign_id in zip(with_campaign, allocated.tolist(), strict=True):
        campaign_ids[i] = campaign_id

    days = plan.counts.shape[0]
    dates = day_stamps(spec.start + np.arange(days) * DAY)
    spend_rows: list[tuple] = []
    yearly_cost = [0.0] * len(sources)
    for s, source in enumerate(sources):
        visits, clicks, impressions, reach, cost = _daily_figures(rng, source, s, plan)
        yearly_cost[s] = float(cost.sum())
        ids_for_rows = ids.take("tracking.SpendEntry", days).tolist()
        campaign_id = campaign_ids[s] if campaign_ids[s] > 0 else None
        channel_id = refs.channel_ids[source.channel]
        spend_rows.extend(
            (
                ids_for_rows[d],
                dates[d],
                channel_id,
                campaign_id,
                f"{cost[d]:.2f}",
                "USD",
                int(impressions[d]),
                int(reach[d]),
                int(clicks[d]),
                int(visits[d]),
            )
            for d in range(days)
        )
    campaign_rows = _campaign_rows(
        spec=spec, refs=refs, campaign_ids=campaign_ids, yearly_cost=yearly_cost
    )
    batch: Batch = {
        "tracking.Campaign": Rows(CAMPAIGN_COLUMNS, campaign_rows),
        "tracking.SpendEntry": Rows(SPEND_COLUMNS, spend_rows),
    }
    return Marketing(batch=batch, campaign_ids=tuple(campaign_ids))


def source_utm(source: catalog.DemoSource) -> dict[str, str]:
    """The UTM parameters a link of this source carries (none for organic sources)."""
    if not source.utm_campaign:
        return {
            "utm_source": "",
            "utm_medium": "",
            "utm_campaign": "",
            "utm_content": "",
            "utm_term": "",
        }
    channel = CHANNELS_BY_SLUG[source.channel]
    return {
        "utm_source": source.utm_source or channel.utm_source,
        "utm_medium": source.utm_medium or channel.utm_medium,
        "utm_campaign": source.utm_campaign,
        "utm_content": source.utm_content,
        "utm_term": source.utm_term,
    }


def json_text(value: dict) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
