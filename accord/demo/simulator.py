"""The simulated company: twelve months of marketing and sales, generated from a seed.

Pure and deterministic: the same ``DemoSpec`` and ``DemoRefs`` always give the same rows (no
clock, no database, no global random state; numpy's ``default_rng`` and ``random.Random``
seeded from the spec only). ``simulate`` yields ``Batch`` es: first the campaigns and a year of
daily spend, then the leads in chunks of consecutive days, each chunk complete in itself
(accounts, contacts, leads, stage transitions, deals, activities, touchpoints), so that even a
million leads are generated and written with bounded memory.

How it works, in three steps:

1. *Plan*: exactly ``spec.leads`` leads are spread over (day, source) cells by a multinomial
   draw, weighted by each source's share, weekdays, seasons and growth over the year.
2. *Marketing* (``accord.demo.marketing``): campaigns and daily spend, impressions, reach,
   clicks and visits per channel, consistent with each channel's visit-to-lead rate.
3. *Chunks* (``accord.demo.funnel`` and ``accord.demo.journeys``): the people, their journeys
   through the waterfall and every touch before and after they became a lead.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from accord.demo import catalog
from accord.demo.funnel import ChunkPeople, funnel_build
from accord.demo.journeys import touchpoints_build
from accord.demo.marketing import marketing_build
from accord.demo.tables import DAY, Batch, IdAllocator

SIZES: dict[str, int] = {"small": 3_000, "medium": 30_000, "large": 1_000_000}
DEFAULT_CHUNK_LEADS = 20_000


@dataclass(frozen=True)
class DemoSpec:
    seed: int
    leads: int
    anchor: date  # the window ends at this date's UTC midnight (exclusive)
    days: int = 365
    chunk_leads: int = DEFAULT_CHUNK_LEADS

    @property
    def end(self) -> int:
        return calendar.timegm(self.anchor.timetuple())

    @property
    def start(self) -> int:
        return self.end - self.days * DAY


@dataclass(frozen=True)
class DemoRefs:
    """What the simulated rows point at that already exists in the database."""

    channel_ids: Mapping[str, int]
    rep_ids: tuple[int, ...]
    enterprise_rep_ids: tuple[int, ...]
    smb_team_id: int | None
    enterprise_team_id: int | None
    marketer_id: int | None
    #: The pipeline the simulated deals are in (the default one).
    pipeline_id: int | None = None
    id_bases: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class LeadPlan:
    """How many leads each source brings each day (``counts[day, source]``)."""

    counts: np.ndarray
    expected: np.ndarray  # the smooth expectation the counts were drawn from


def plan_build(spec: DemoSpec) -> LeadPlan:
    rng = np.random.default_rng([spec.seed, 0])
    day_index = np.arange(spec.days)
    day_starts = spec.start + day_index * DAY
    weekday = ((day_starts // DAY) + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    weekday_factor = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.35, 0.28))
    month = day_starts.astype("datetime64[s]").astype("datetime64[M]").astype(int) % 12 + 1
    season = np.select(
        [month == 8, month == 12, month == 1, month == 9], [0.8, 0.75, 0.9, 1.1], 1.0
    )
    growth = 0.85 + 0.30 * day_index / max(spec.days - 1, 1)  # the company grows over the year
    day_weight = weekday_factor * season * growth

    shares = np.array([source.lead_share for source in catalog.SOURCES])
    # Each source drifts a little week to week (campaign flights, algorithm changes).
    weeks = spec.days // 7 + 1
    drift = rng.lognormal(0.0, 0.12, size=(weeks, len(shares)))[day_index // 7]
    weights = day_weight[:, None] * shares[None, :] * drift
    probabilities = weights / weights.sum()
    counts = rng.multinomial(spec.leads, probabilities.ravel()).reshape(probabilities.shape)
    return LeadPlan(counts=counts, expected=probabilities * spec.leads)


def chunks_plan(counts: np.ndarray, chunk_leads: int) -> list[tuple[int, int]]:
    """Split the year into runs of whole days holding about ``chunk_leads`` leads each."""
    per_day = counts.sum(axis=1)
    ranges: list[tuple[int, int]] = []
    first, total = 0, 0
    for day, leads in enumerate(per_day):
        total += int(leads)
        if total >= chunk_leads:
            ranges.append((first, day + 1))
            first, total = day + 1, 0
    if first < len(per_day):
        ranges.append((first, len(per_day)))
    return ranges


def simulate(spec: DemoSpec, refs: DemoRefs) -> Iterator[Batch]:
    """Yield the simulated company batch by batch (see the module docstring)."""
    if spec.leads < 1:
        raise ValueError("A simulated company needs at least one lead.")
    missing = {source.channel for source in catalog.SOURCES} - set(refs.channel_ids)
    if missing:
        raise ValueError(f"Channels missing from the database: {', '.join(sorted(missing))}.")
    plan = plan_build(spec)
    ids = IdAllocator(refs.id_bases)
    marketing = marketing_build(spec=spec, refs=refs, plan=plan, ids=ids)
    yield marketing.batch
    for index, (first_day, last_day) in enumerate(chunks_plan(plan.counts, spec.chunk_leads)):
        people = ChunkPeople(
            spec=spec,
            refs=refs,
            counts=plan.counts[first_day:last_day],
            first_day=first_day,
            chunk_index=index,
            campaign_ids=marketing.campaign_ids,
        )
        batch, journeys = funnel_build(people, ids)
        batch["tracking.Touchpoint"] = touchpoints_build(people, journeys, ids)
        yield batch
