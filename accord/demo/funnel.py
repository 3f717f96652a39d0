"""One chunk of simulated people: accounts, contacts, leads and their walk down the waterfall.

Stage outcomes are allocated, not flipped coin by coin: at each stage exactly the target share
(``catalog.STAGE_RATES``) of the leads that reach it moves on, chosen by weighted sampling
without replacement, so better-fitting leads from better channels advance more often while
the funnel as a whole matches the published B2B rates. The rest leave the path with a reason
(recycled or disqualified, as ``accord.core.lifecycle.ALLOWED_TRANSITIONS`` allows) or, at the
lead stage, mostly stay in nurture. Timing is then laid on: MQL delays, rep response times
that depend on business hours and on the rep (a few SLA breaches), qualification steps over
days and sales cycles of weeks to months. Anything after the window's end is cut off, so
recent leads are still open, as they would be in a real company.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from accord.core.lifecycle import CLOSED_STAGES
from accord.demo import catalog
from accord.demo.fit import MQL_MIN_SCORE, OFFER_POINTS, default_fit_points
from accord.demo.funnel_rows import ChunkRows, deal_row
from accord.demo.lead_walk import HOUR, HOUR_WEIGHTS_LIST, Fate, lead_walk
from accord.demo.marketing import CHANNELS_BY_SLUG, json_text
from accord.demo.tables import DAY, Batch, IdAllocator, Rows, stamps

if TYPE_CHECKING:
    from accord.demo.simulator import DemoRefs, DemoSpec

CLOSED = {str(stage) for stage in CLOSED_STAGES}
HOUR_WEIGHTS = np.array(HOUR_WEIGHTS_LIST, dtype=float)


@dataclass
class ChunkPeople:
    spec: DemoSpec
    refs: DemoRefs
    counts: np.ndarray  # leads per (day, source) for this chunk's days
    first_day: int
    chunk_index: int
    campaign_ids: tuple[int, ...]
    rng: np.random.Generator = field(init=False)
    rand: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng([self.spec.seed, 1, self.chunk_index])
        self.rand = random.Random(self.spec.seed * 1_000_003 + self.chunk_index)

    @property
    def window(self) -> tuple[int, int]:
        start = self.spec.start + self.first_day * DAY
        return start, start + self.counts.shape[0] * DAY


@dataclass
class Journeys:
    """What the touchpoint generator needs to know about each lead of the chunk."""

    lead_ids: np.ndarray
    contact_ids: np.ndarray
    created: np.ndarray
    source: np.ndarray
    offer: np.ndarray
    depth: np.ndarray  # funnel stages reached after "lead" (0-5)
    ended: np.ndarray  # time of the journey's last stage change


def _allocate(rng: np.random.Generator, reached: np.ndarray, weights: np.ndarray, rate: float):
    """Exactly round(rate * reached) of the reached leads, weighted, without replacement."""
    candidates = np.flatnonzero(reached)
    chosen = np.zeros(reached.shape, dtype=bool)
    take = round(rate * len(candidates))
    if take:
        # Efraimidis-Spirakis: the largest log(u) / w keys form a weighted sample.
        keys = np.log(rng.random(len(candidates))) / weights[candidates]
        chosen[candidates[np.argsort(-keys, kind="stable")[:take]]] = True
    return chosen


@dataclass
class Accounts:
    """The chunk's companies: their rows, and the columns the leads draw from."""

    table: Rows
    ids: np.ndarray
    employees: np.ndarray
    countries: np.ndarray
    names: list[str]
    domains: list[str]
    reps: np.ndarray  # the account owner (a rep id), or -1
    enterprise: np.ndarray
    industries: np.ndarray


def _accounts(people: ChunkPeople, ids: IdAllocator, leads: int) -> Accounts:
    rng, refs = people.rng, people.refs
    count = max(1, math.ceil(leads / 2.4))
    account_ids = ids.take("contacts.Account", count)
    employees = np.clip(rng.lognormal(math.log(45), 1.5, size=count), 2, 60_000).astype(int)
    countries = rng.choice(
        len(catalog.COUNTRIES), size=count, p=_normalised([c[1] for c in catalog.COUNTRIES])
    )
    industries = rng.integers(0, len(catalog.INDUSTRIES), size=count)
    words = rng.integers(0, len(catalog.COMPANY_WORDS), size=count)
    kinds = rng.integers(0, len(catalog.COMPANY_KINDS), size=count)
    enterprise = employees >= 1000
    reps = (
        np.where(
            enterprise,
            rng.choice(refs.enterprise_rep_ids or refs.rep_ids, size=count),
            rng.choice(refs.rep_ids, size=count),
        )
        if refs.rep_ids
        else np.full(count, -1)
    )
    created = stamps([people.window[0]])[0]
    names, domains, rows = [], [], []
    for i, account_id in enumerate(account_ids.tolist()):
        word, kind = catalog.COMPANY_WORDS[words[i]], catalog.COMPANY_KINDS[kinds[i]]
        name = f"{word} {kind}"
        domain = f"{word}{kind}-{account_id}.example".lower()
        names.append(name)
        domains.append(domain)
        rows.append(
            (
                account_id,
                created,
                created,
                name,
                domain,
                catalog.INDUSTRIES[industries[i]],
                int(employees[i]),
                catalog.COUNTRIES[countries[i]][0],
                int(reps[i]) if reps[i] > 0 else None,
                "{}",
                None,
            )
        )
    table = Rows(
        (
            "id",
            "created_at",
            "updated_at",
            "name",
            "domain",
            "industry",
            "employees",
            "country",
            "owner_id",
            "properties",
            "external_id",
        ),
        rows,
    )
    return Accounts(
        table=table,
        ids=account_ids,
        employees=employees,
        countries=countries,
        names=names,
        domains=domains,
        reps=reps,
        enterprise=enterprise,
        industries=industries,
    )


def _normalised(weights) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()


@dataclass
class LeadDraws:
    """The chunk's leads as numpy columns: when each was created, from which source, for which
    account and title, with what quality, and how far down the funnel the allocation lets it."""

    created: np.ndarray
    source: np.ndarray
    accounts: Accounts
    account_of: np.ndarray
    titles: np.ndarray
    title_fit: np.ndarray
    employees: np.ndarray  # of each lead's account
    size_fit: np.ndarray
    offer: np.ndarray
    mql: np.ndarray
    sal: np.ndarray
    sql: np.ndarray
    opportunity: np.ndarray
    won: np.ndarray
    lead_ids: np.ndarray
    contact_ids: np.ndarray
    junk: np.ndarray  # students, consultants, tiny companies: marketing disqualifies more
    instant: np.ndarray  # the seeded profile qualifies the lead on arrival

    def fate(self, i: int) -> Fate:
        return Fate(
            mql=bool(self.mql[i]),
            sal=bool(self.sal[i]),
            sql=bool(self.sql[i]),
            opportunity=bool(self.opportunity[i]),
            won=bool(self.won[i]),
        )


def _leads_drawn(people: ChunkPeople, ids: IdAllocator) -> LeadDraws:
    """Creation times (by day, source and the hour people fill in forms), accounts, titles,
    quality, offers, then the stage outcomes allocated stage by stage.

    Length: one vectorised draw per column, in the order later columns depend on (fit
    decides the offer, both decide the outcomes); split, every step would pass the same
    dozen arrays along.
    """
    rng = people.rng
    day_count, source_count = people.counts.shape
    cells = people.counts.ravel()
    n = int(cells.sum())
    day_of_lead = np.repeat(np.repeat(np.arange(day_count), source_count), cells)
    source = np.repeat(np.tile(np.arange(source_count), day_count), cells)
    hour = rng.choice(24, size=n, p=_normalised(HOUR_WEIGHTS))
    created = (
        people.window[0] + day_of_lead * DAY + hour * HOUR + rng.integers(0, HOUR, size=n)
    ).astype(np.int64)
    order = np.argsort(created, kind="stable")
    created, source = created[order], source[order]

    accounts = _accounts(people, ids, n)
    account_of = rng.integers(0, len(accounts.ids), size=n)
    titles = rng.choice(
        len(catalog.JOB_TITLES), size=n, p=_normalised([t[2] for t in catalog.JOB_TITLES])
    )
    title_fit = np.array([t[1] for t in catalog.JOB_TITLES])[titles]
    emp = accounts.employees[account_of]
    industry = accounts.industries[account_of]
    size_fit = np.where((emp >= 20) & (emp <= 5000), 1.2, 0.7)
    channel_quality = np.array([CHANNELS_BY_SLUG[s.channel].quality for s in catalog.SOURCES])
    offer = rng.choice(len(catalog.OFFERS), size=n, p=_normalised([o[3] for o in catalog.OFFERS]))
    offer_type = np.array([o[1] for o in catalog.OFFERS])[offer]
    intent = np.array([catalog.OFFER_INTENT[o[1]] for o in catalog.OFFERS])[offer]
    target_industry = np.isin(
        np.array(catalog.INDUSTRIES)[industry],
        ["Software", "Professional services", "Financial services", "Telecommunications"],
    )
    # Who buys depends on who they are and what they asked for, clearly enough that a
    # predictive model can learn it (title, size, industry, offer and channel).
    quality = (
        channel_quality[source]
        * title_fit**2
        * size_fit**2
        * np.where(target_industry, 1.5, 0.8)
        * intent
        * rng.lognormal(0, 0.35, size=n)
    )

    # The seeded profile makes some leads MQLs on arrival (a demo request, a trial, or a fit
    # and first touch worth the threshold): those are MQLs here too, and the rest of the
    # target share is drawn from the leads that engage later.
    fit = default_fit_points(titles=titles, employees=emp, industries=industry)
    points = np.array([OFFER_POINTS.get(t, 0) for t in offer_type.tolist()])
    forced = np.isin(offer_type, list(catalog.FAST_TRACK_OFFERS)) | (
        fit + points >= MQL_MIN_SCORE - 5
    )
    rates = catalog.STAGE_RATES
    wanted = rates[("lead", "mql")] * n
    rest = ~forced
    extra = max(0.0, wanted - forced.sum()) / max(int(rest.sum()), 1)
    mql = forced | _allocate(rng, rest, quality, min(extra, 1.0))
    sal = _allocate(rng, mql, quality, rates[("mql", "sal")])
    sql = _allocate(rng, sal, quality, rates[("sal", "sql")])
    opp = _allocate(rng, sql, quality, rates[("sql", "opportunity")])
    won = _allocate(rng, opp, quality**2, rates[("opportunity", "customer")])
    junk = (title_fit <= 0.5) | (emp < 10)
    return LeadDraws(
        created=created,
        source=source,
        accounts=accounts,
        account_of=account_of,
        titles=titles,
        title_fit=title_fit,
        employees=emp,
        size_fit=size_fit,
        offer=offer,
        mql=mql,
        sal=sal,
        sql=sql,
        opportunity=opp,
        won=won,
        lead_ids=ids.take("contacts.Lead", n),
        contact_ids=ids.take("contacts.Contact", n),
        junk=junk,
        instant=forced,
    )


STAGE_DEPTH = {"lead": 0, "mql": 1, "sal": 2, "sql": 3, "opportunity": 4, "customer": 5}


class _ChunkWalk:
    """Walks each lead of the chunk in creation order and collects its rows."""

    def __init__(self, people: ChunkPeople, ids: IdAllocator, draws: LeadDraws) -> None:
        self.people, self.ids, self.draws = people, ids, draws
        self.rand, self.end = people.rand, people.spec.end
        refs = people.refs
        self.slowness = {
            rep: self.rand.choice((0.6, 0.8, 1.0, 1.0, 1.3, 2.5)) for rep in refs.rep_ids
        }
        self.team_of_rep = {
            rep: refs.enterprise_team_id if rep in refs.enterprise_rep_ids else refs.smb_team_id
            for rep in refs.rep_ids
        }
        self.rows = ChunkRows()
        n = len(draws.created)
        self.depth = np.zeros(n, dtype=np.int64)
        self.ended = draws.created.copy()
        self.emails_seen: set[str] = set()

    def lead(self, i: int) -> None:
        draws, rand = self.draws, self.rand
        lead_id, t0 = int(draws.lead_ids[i]), int(draws.created[i])
        a = int(draws.account_of[i])
        rep = int(draws.accounts.reps[a]) if draws.accounts.reps[a] > 0 else None
        walk = lead_walk(
            rand,
            created=t0,
            fate=draws.fate(i),
            rep=rep,
            slowness=self.slowness.get(rep, 1.0) if rep else 1.0,
            enterprise=bool(draws.accounts.enterprise[a]),
            marketer_id=self.people.refs.marketer_id,
            junk=bool(draws.junk[i]),
            instant=bool(draws.instant[i]),
        )
        kept = [event for event in walk.events if event[1] < self.end]
        self._transitions(i, lead_id, kept)
        last_stage, last_at = kept[-1][0], kept[-1][1]
        self.ended[i] = last_at
        handed_off = len(kept) > 1 and any(e[0] == "mql" for e in kept)
        if walk.deal and self.depth[i] >= 4:
            deal = walk.deal
            row = deal_row(
                rand,
                self.ids,
                deal,
                lead_id=lead_id,
                account_id=int(draws.accounts.ids[a]),
                account_name=draws.accounts.names[a],
                employees=int(draws.employees[i]),
                rep=rep,
                end=self.end,
                pipeline_id=self.people.refs.pipeline_id,
                handoff_grade=self._grade(i),
            )
            self.rows.deals.append(row)
            deal_id = row[0]
            walk.act("meeting", "held", deal["at"] + 2 * DAY, 3600, "Product demo.", deal_id)
            walk.act(
                "email", "sent", (deal["at"] + deal["planned"]) // 2, 0, "Proposal sent.", deal_id
            )
            walk.act(
                "call", "connected", deal["close"] - 3 * DAY, 1200, "Negotiation call.", deal_id
            )
        if handed_off:
            self.rows.activities_add(lead_id, walk.activities, before=self.end)
        self._lead_row(i, lead_id, rep, handed_off, last_stage, last_at)
        self._contact_row(i, a, t0, last_at)

    def _grade(self, i: int) -> str:
        """The lead's fit grade (title and company size); it stays what it was at hand-off."""
        fit = self.draws.title_fit[i] * self.draws.size_fit[i]
        return "A" if fit >= 1.5 else "B" if fit >= 1.1 else "C" if fit >= 0.6 else "D"

    def _transitions(self, i: int, lead_id: int, kept: list) -> None:
        previous = ""
        for stage, at, actor, reason, details in kept:
            self.rows.transitions.append((lead_id, previous, stage, at, actor, reason, details))
            previous = stage
            self.depth[i] = max(self.depth[i], STAGE_DEPTH.get(stage, 0))

    def _lead_row(
        self, i: int, lead_id: int, rep: int | None, handed_off: bool, last_stage: str, last_at: int
    ) -> None:
        draws, rand, people = self.draws, self.rand, self.people
        score = rand.randint(60, 100) if handed_off else int(59 * rand.random() ** 1.3)
        grade = self._grade(i)
        employees = draws.employees[i]
        properties = json_text(
            {
                "budget_range": catalog.BUDGET_RANGES[
                    min(3, int(math.log10(max(employees, 1)) * 1.2))
                ],
                "use_case": rand.choice(catalog.USE_CASES),
                "company_size": catalog.size_band(int(employees)),
                "offer": catalog.OFFERS[draws.offer[i]][0],
            }
        )
        owner = rep if handed_off else None
        source = draws.source[i]
        campaign_id = people.campaign_ids[source]
        self.rows.leads.append(
            (
                lead_id,
                int(draws.created[i]),
                last_at,
                int(draws.contact_ids[i]),
                last_stage,
                last_at,
                last_stage not in CLOSED,
                score,
                grade,
                owner,
                self.team_of_rep.get(owner) if owner else None,
                people.refs.channel_ids[catalog.SOURCES[source].channel],
                campaign_id if campaign_id > 0 else None,
                properties,
                None,
            )
        )

    def _contact_row(self, i: int, a: int, t0: int, last_at: int) -> None:
        draws, rand = self.draws, self.rand
        domain, contact_id = draws.accounts.domains[a], draws.contact_ids[i]
        first = rand.choice(catalog.FIRST_NAMES)
        last = rand.choice(catalog.LAST_NAMES)
        email = f"{first}.{last}@{domain}".lower()
        if email in self.emails_seen:
            email = f"{first}.{last}{contact_id}@{domain}".lower()
        self.emails_seen.add(email)
        phone = None
        if rand.random() < 0.45:
            _, _, prefix, digits = catalog.COUNTRIES[draws.accounts.countries[a]]
            low = 2 * 10 ** (digits - 1)
            phone = f"{prefix}{low + int(contact_id) % (8 * 10 ** (digits - 1))}"
        self.rows.contacts.append(
            (
                int(contact_id),
                t0,
                last_at,
                email,
                phone,
                first,
                last,
                catalog.JOB_TITLES[draws.titles[i]][0],
                int(draws.accounts.ids[a]),
                "{}",
                None,
            )
        )


def funnel_build(people: ChunkPeople, ids: IdAllocator) -> tuple[Batch, Journeys]:
    draws = _leads_drawn(people, ids)
    chunk = _ChunkWalk(people, ids, draws)
    for i in range(len(draws.created)):
        chunk.lead(i)
    batch = chunk.rows.batch(ids, draws.accounts.table)
    journeys = Journeys(
        draws.lead_ids,
        draws.contact_ids,
        draws.created,
        draws.source,
        draws.offer,
        chunk.depth,
        chunk.ended,
    )
    return batch, journeys
