"""Touchpoints: multi-touch journeys across channels, vectorised (the bulk of the rows).

Per lead of a chunk: anonymous touches before conversion (several channels: an ad seen on
LinkedIn, a search a week later, a direct visit to the pricing page), the converting touch
(demo request, trial sign-up... on the lead's source channel and campaign) and touches after
conversion (nurture emails, pricing and security pages), more of them the further the lead
went. The pre-conversion touches keep their ``visitor_id`` and are stitched to the contact and
lead, as identity stitching does when a form reveals who the visitor was. Visitors who never
convert get touches too, with a visitor id only, so path-based attribution (Markov) sees the
journeys that led nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from accord.demo import catalog
from accord.demo.marketing import CHANNELS_BY_SLUG, source_utm
from accord.demo.tables import DAY, IdAllocator, Rows, nullable, stamps

if TYPE_CHECKING:
    from accord.demo.funnel import ChunkPeople, Journeys

PRE_TOUCHES_MEAN = 7.0
POST_TOUCHES_BASE, POST_TOUCHES_PER_STAGE = 2.5, 2.2
ANONYMOUS_VISITORS_PER_LEAD = 3.4
ANONYMOUS_EXTRA_TOUCHES_MEAN = 1.3
COLUMNS = (
    "id",
    "at",
    "type",
    "visitor_id",
    "contact_id",
    "lead_id",
    "channel_id",
    "campaign_id",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "url",
    "referrer",
)
TEXT_FIELDS = (
    "type",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
    "url",
    "referrer",
)


# Touches the seeded scoring profile gives engagement points (or a fast track) for. A lead
# that never became an MQL has none of them besides its converting touch: otherwise it would
# meet the MQL definition today and become an MQL at the first rescore (``accord.demo.fit``).
ENGAGING_TYPES = frozenset(
    {"webinar", "email_click", "content_download", "demo_request", "trial_signup"}
)
ENGAGING_PATHS = ("/pricing", "/demo")


class Templates:
    """Every kind of touch as a row of a lookup table; touches are indices into it."""

    def __init__(self, people: ChunkPeople):
        refs = people.refs
        self.text: dict[str, list[str]] = {name: [] for name in TEXT_FIELDS}
        self.channel_id: list[int] = []
        self.campaign_id: list[int] = []
        weights: list[float] = []
        channel_index: list[int] = []
        slugs = [channel.slug for channel in catalog.CHANNELS]
        # Landing touches: per source, per landing page of its channel.
        for s, source in enumerate(catalog.SOURCES):
            channel = CHANNELS_BY_SLUG[source.channel]
            for touch_type, path in channel.landings:
                self._add(
                    refs.channel_ids[source.channel],
                    people.campaign_ids[s],
                    touch_type,
                    path,
                    source_utm(source),
                    channel.referrer,
                )
                weights.append(source.lead_share / len(channel.landings))
                channel_index.append(slugs.index(source.channel))
        order = np.argsort(channel_index, kind="stable")
        self._reorder(order)
        self.channel_of = np.asarray(channel_index)[order]
        cumulative = np.cumsum(np.asarray(weights)[order])
        self.cumulative = cumulative
        lows = np.concatenate([[0.0], cumulative])
        self.low = np.array(
            [lows[np.flatnonzero(self.channel_of == c)[0]] for c in range(len(slugs))]
        )
        self.width = (
            np.array(
                [cumulative[np.flatnonzero(self.channel_of == c)[-1]] for c in range(len(slugs))]
            )
            - self.low
        )
        # Converting touches: per source, per offer.
        self.conversion_base = len(self.channel_id)
        for s, source in enumerate(catalog.SOURCES):
            for _offer, touch_type, path, _w in catalog.OFFERS:
                self._add(
                    refs.channel_ids[source.channel],
                    people.campaign_ids[s],
                    touch_type,
                    path,
                    source_utm(source),
                    CHANNELS_BY_SLUG[source.channel].referrer,
                )
        # Follow-up touches after conversion.
        self.follow_up_base = len(self.channel_id)
        nurture = next(
            i for i, s in enumerate(catalog.SOURCES) if s.utm_campaign == "nurture-sequence"
        )
        for slug, touch_type, path, uses_nurture, _w in catalog.FOLLOW_UPS:
            utm = (
                source_utm(catalog.SOURCES[nurture])
                if uses_nurture
                else source_utm(catalog.DemoSource(slug, 0))
            )
            campaign = people.campaign_ids[nurture] if uses_nurture else -1
            self._add(
                refs.channel_ids[slug],
                campaign,
                touch_type,
                path,
                utm,
                CHANNELS_BY_SLUG[slug].referrer if not uses_nurture else "",
            )
        self.follow_up_p = np.array([f[4] for f in catalog.FOLLOW_UPS])
        self.follow_up_p /= self.follow_up_p.sum()
        self.arrays = {name: np.array(values, dtype=object) for name, values in self.text.items()}
        self.channel_array = np.array(self.channel_id, dtype=np.int64)
        self.campaign_array = np.array(self.campaign_id, dtype=np.int64)
        self.engaging = np.array(
            [
                kind in ENGAGING_TYPES or any(path in url for path in ENGAGING_PATHS)
                for kind, url in zip(self.text["type"], self.text["url"], strict=True)
            ]
        )

    def _add(self, channel_id, campaign_id, touch_type, path, utm, referrer) -> None:
        self.channel_id.append(channel_id)
        self.campaign_id.append(campaign_id)
        self.text["type"].append(touch_type)
        self.text["url"].append(f"{catalog.SITE}{path}" if path else "")
        self.text["referrer"].append(referrer)
        for name, value in utm.items():
            self.text[name].append(value)

    def _reorder(self, order: np.ndarray) -> None:
        self.channel_id = [self.channel_id[i] for i in order]
        self.campaign_id = [self.campaign_id[i] for i in order]
        for name in TEXT_FIELDS:
            self.text[name] = [self.text[name][i] for i in order]

    def landing(self, rng: np.random.Generator, channels: np.ndarray) -> np.ndarray:
        """A landing template per touch, within its channel, weighted by campaign share."""
        target = self.low[channels] + rng.random(len(channels)) * self.width[channels]
        picked = np.searchsorted(self.cumulative, target, side="right")
        return np.minimum(
            picked,
            np.searchsorted(
                self.cumulative, self.low[channels] + self.width[channels], side="left"
            ),
        )


def _visitor_ids(rng: np.random.Generator, first_seen: np.ndarray) -> np.ndarray:
    """GA-style client ids: a random number and the first-seen time."""
    numbers = rng.integers(100_000_000, 1_000_000_000, size=len(first_seen))
    return np.array(
        [f"{a}.{b}" for a, b in zip(numbers.tolist(), first_seen.tolist(), strict=True)],
        dtype=object,
    )


@dataclass
class TouchSet:
    """Touches of one kind as numpy columns: which lead (or anonymous visitor) and template."""

    lead: np.ndarray  # index into the chunk's leads, -1 for anonymous visitors
    at: np.ndarray
    template: np.ndarray
    visitor: np.ndarray  # visitor id per touch


def _before_conversion(
    people: ChunkPeople, journeys: Journeys, templates: Templates, source_channel: np.ndarray
) -> tuple[TouchSet, np.ndarray]:
    """Anonymous touches over the weeks before each lead converted, across channels (a third
    from the lead's own source channel). Also returns each lead's visitor id."""
    rng, spec = people.rng, people.spec
    n = len(journeys.lead_ids)
    awareness = np.array([channel.awareness for channel in catalog.CHANNELS])
    awareness /= awareness.sum()
    pre_count = 1 + rng.poisson(PRE_TOUCHES_MEAN - 1, size=n)
    pre_lead = np.repeat(np.arange(n), pre_count)
    pre_channel = rng.choice(len(catalog.CHANNELS), size=len(pre_lead), p=awareness)
    same = rng.random(len(pre_lead)) < 0.35
    pre_channel[same] = source_channel[journeys.source[pre_lead[same]]]
    pre_at = journeys.created[pre_lead] - (
        rng.exponential(10 * DAY, size=len(pre_lead)) + rng.integers(60, 3600, size=len(pre_lead))
    )
    pre_at = np.maximum(pre_at, spec.start).astype(np.int64)
    pre_template = templates.landing(rng, pre_channel)
    first_seen = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first_seen, pre_lead, pre_at)
    visitor = _visitor_ids(rng, first_seen)
    return TouchSet(pre_lead, pre_at, pre_template, visitor[pre_lead]), visitor


def _after_conversion(
    people: ChunkPeople, journeys: Journeys, templates: Templates, visitor: np.ndarray
) -> TouchSet:
    """Follow-ups until a little after the journey's last stage change (more for deeper
    journeys)."""
    rng, spec = people.rng, people.spec
    n = len(journeys.lead_ids)
    post_count = rng.poisson(POST_TOUCHES_BASE + POST_TOUCHES_PER_STAGE * journeys.depth)
    post_lead = np.repeat(np.arange(n), post_count)
    post_template = templates.follow_up_base + rng.choice(
        len(catalog.FOLLOW_UPS), size=len(post_lead), p=templates.follow_up_p
    )
    horizon = np.minimum(journeys.ended + 14 * DAY, spec.end - 1)
    span = np.maximum(horizon - journeys.created, 60)[post_lead]
    post_at = (journeys.created[post_lead] + 60 + (rng.random(len(post_lead)) * span)).astype(
        np.int64
    )
    post_at = np.minimum(post_at, spec.end - 1)
    return TouchSet(post_lead, post_at, post_template, visitor[post_lead])


def _anonymous_visits(
    people: ChunkPeople, leads: int, templates: Templates, channel_slugs: list[str]
) -> TouchSet:
    """Visitors who never convert: a visit or a few, mostly from high-traffic channels."""
    rng, spec = people.rng, people.spec
    visits_weight = np.zeros(len(catalog.CHANNELS))
    for source in catalog.SOURCES:
        channel = CHANNELS_BY_SLUG[source.channel]
        visits_weight[channel_slugs.index(source.channel)] += (
            source.lead_share / channel.visit_to_lead
        )
    visits_weight /= visits_weight.sum()
    visitors = round(ANONYMOUS_VISITORS_PER_LEAD * leads)
    window_start, window_end = people.window
    anon_first = rng.integers(window_start, min(window_end, spec.end), size=visitors)
    anon_count = 1 + rng.poisson(ANONYMOUS_EXTRA_TOUCHES_MEAN, size=visitors)
    anon_visitor = np.repeat(np.arange(visitors), anon_count)
    offsets = np.arange(len(anon_visitor)) - np.repeat(
        np.cumsum(anon_count) - anon_count, anon_count
    )
    anon_at = anon_first[anon_visitor] + (offsets > 0) * rng.exponential(
        3 * DAY, size=len(anon_visitor)
    ).astype(np.int64)
    anon_at = np.minimum(anon_at, spec.end - 1)
    anon_channel = rng.choice(len(catalog.CHANNELS), size=len(anon_visitor), p=visits_weight)
    anon_template = templates.landing(rng, anon_channel)
    anon_ids = _visitor_ids(rng, anon_first)
    return TouchSet(np.full(len(anon_visitor), -1), anon_at, anon_template, anon_ids[anon_visitor])


def _quiet(touches: TouchSet, journeys: Journeys, templates: Templates) -> TouchSet:
    """Without the engaging touches of leads that never became MQLs (see ENGAGING_TYPES)."""
    drop = (journeys.depth[touches.lead] == 0) & templates.engaging[touches.template]
    keep = ~drop
    return TouchSet(
        touches.lead[keep], touches.at[keep], touches.template[keep], touches.visitor[keep]
    )


def touchpoints_build(people: ChunkPeople, journeys: Journeys, ids: IdAllocator) -> Rows:
    templates = Templates(people)
    n = len(journeys.lead_ids)
    channel_slugs = [channel.slug for channel in catalog.CHANNELS]
    source_channel = np.array([channel_slugs.index(s.channel) for s in catalog.SOURCES])
    before, visitor = _before_conversion(people, journeys, templates, source_channel)
    # The converting touch, a minute after the last page view.
    conversion = TouchSet(
        np.arange(n),
        journeys.created,
        templates.conversion_base + journeys.source * len(catalog.OFFERS) + journeys.offer,
        visitor,
    )
    before = _quiet(before, journeys, templates)
    after = _quiet(_after_conversion(people, journeys, templates, visitor), journeys, templates)
    anonymous = _anonymous_visits(people, n, templates, channel_slugs)
    return _touch_rows(journeys, templates, ids, (before, conversion, after, anonymous))


def _touch_rows(
    journeys: Journeys, templates: Templates, ids: IdAllocator, sets: tuple[TouchSet, ...]
) -> Rows:
    """All the chunk's touches in time order, as touchpoint rows."""
    template = np.concatenate([s.template for s in sets])
    at = np.concatenate([s.at for s in sets])
    lead_index = np.concatenate([s.lead for s in sets])
    visitor_ids = np.concatenate([s.visitor for s in sets])
    order = np.argsort(at, kind="stable")
    template, at, lead_index, visitor_ids = (
        template[order],
        at[order],
        lead_index[order],
        visitor_ids[order],
    )
    known = lead_index >= 0
    lead_ids = np.where(known, journeys.lead_ids[np.maximum(lead_index, 0)], -1)
    contact_ids = np.where(known, journeys.contact_ids[np.maximum(lead_index, 0)], -1)
    # An opened email is not a web visit: it carries no browser's visitor id.
    is_email_open = templates.arrays["type"][template] == "email_open"
    visitor_ids[is_email_open & known] = ""

    text = {name: templates.arrays[name][template].tolist() for name in TEXT_FIELDS}
    rows = list(
        zip(
            ids.take("tracking.Touchpoint", len(at)).tolist(),
            stamps(at),
            text["type"],
            visitor_ids.tolist(),
            nullable(contact_ids),
            nullable(lead_ids),
            templates.channel_array[template].tolist(),
            nullable(templates.campaign_array[template]),
            text["utm_source"],
            text["utm_medium"],
            text["utm_campaign"],
            text["utm_content"],
            text["utm_term"],
            text["url"],
            text["referrer"],
            strict=True,
        )
    )
    return Rows(COLUMNS, rows)
