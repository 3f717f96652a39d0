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
from accord.demo.marketing import CHANNELS_BY_SLUG, json_text
from accord.demo.tables import DAY, Batch, IdAllocator, Rows, day_stamps, stamps

if TYPE_CHECKING:
    from accord.demo.simulator import DemoRefs, DemoSpec

HOUR = 3_600
CLOSED = {str(stage) for stage in CLOSED_STAGES}
# When in the (UTC) day people fill in forms: mostly working hours.
HOUR_WEIGHTS = np.array(
    [1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 11, 10, 9, 7, 5, 4, 3, 2, 2, 1], dtype=float
)
HOUR_WEIGHTS_LIST = HOUR_WEIGHTS.tolist()


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


def _business_open(at: int) -> int:
    """``at`` if within working hours (Mon-Fri 9-18 UTC), else the next opening time."""
    day, second = divmod(at, DAY)
    weekday = (day + 3) % 7
    if weekday < 5 and 9 * HOUR <= second < 18 * HOUR:
        return at
    if weekday < 5 and second < 9 * HOUR:
        return day * DAY + 9 * HOUR
    day += 1
    while (day + 3) % 7 >= 5:
        day += 1
    return day * DAY + 9 * HOUR


def _first_response(rand: random.Random, mql_at: int, slowness: float) -> int:
    """When the rep first reaches out after the hand-off (HBR 2011's spread, roughly)."""
    start = _business_open(mql_at)
    u = rand.random()
    if u < 0.64:
        delay = rand.lognormvariate(math.log(14 * 60), 0.7) * slowness
    elif u < 0.86:
        delay = rand.uniform(1.2 * HOUR, 6 * HOUR) * slowness
    elif u < 0.96:
        delay = rand.uniform(1, 2) * DAY
    else:
        delay = rand.uniform(2, 6) * DAY
    return start + int(delay)


def _engaged_at(rand: random.Random, after: int) -> int:
    """When a nurtured lead's engagement crosses the MQL threshold: days later, in the
    hours people read email and browse (mostly working hours)."""
    day = (after + _days(rand, 0.5, 6)) // DAY
    at = day * DAY + rand.choices(range(24), weights=HOUR_WEIGHTS_LIST)[0] * HOUR
    at += rand.randint(0, HOUR - 1)
    return at if at > after else at + DAY


def _days(rand: random.Random, minimum: float, mean_extra: float) -> int:
    return int((minimum + rand.expovariate(1 / mean_extra)) * DAY)


def _accounts(people: ChunkPeople, ids: IdAllocator, leads: int):
    rng, refs = people.rng, people.refs
    count = max(1, math.ceil(leads / 2.4))
    account_ids = ids.take("contacts.Account", count)
    employees = np.clip(rng.lognormal(math.log(120), 1.4, size=count), 2, 60_000).astype(int)
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
    return table, account_ids, employees, countries, names, domains, reps, enterprise


def _normalised(weights) -> np.ndarray:
    array = np.asarray(weights, dtype=float)
    return array / array.sum()


def funnel_build(people: ChunkPeople, ids: IdAllocator) -> tuple[Batch, Journeys]:
    spec, refs, rng, rand = people.spec, people.refs, people.rng, people.rand
    end = spec.end
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

    (
        account_table,
        account_ids,
        employees,
        countries,
        account_names,
        domains,
        account_reps,
        enterprise,
    ) = _accounts(people, ids, n)
    account_of = rng.integers(0, len(account_ids), size=n)
    titles = rng.choice(
        len(catalog.JOB_TITLES), size=n, p=_normalised([t[2] for t in catalog.JOB_TITLES])
    )
    title_fit = np.array([t[1] for t in catalog.JOB_TITLES])[titles]
    emp = employees[account_of]
    size_fit = np.where((emp >= 20) & (emp <= 5000), 1.2, 0.7)
    channel_quality = np.array([CHANNELS_BY_SLUG[s.channel].quality for s in catalog.SOURCES])
    quality = channel_quality[source] * title_fit * size_fit * rng.lognormal(0, 0.3, size=n)
    offer = rng.choice(len(catalog.OFFERS), size=n, p=_normalised([o[3] for o in catalog.OFFERS]))

    rates = catalog.STAGE_RATES
    all_leads = np.ones(n, dtype=bool)
    mql = _allocate(rng, all_leads, quality, rates[("lead", "mql")])
    sal = _allocate(rng, mql, quality, rates[("mql", "sal")])
    sql = _allocate(rng, sal, quality, rates[("sal", "sql")])
    opp = _allocate(rng, sql, quality, rates[("sql", "opportunity")])
    won = _allocate(rng, opp, quality, rates[("opportunity", "customer")])

    lead_ids = ids.take("contacts.Lead", n)
    contact_ids = ids.take("contacts.Contact", n)
    slowness = {rep: rand.choice((0.6, 0.8, 1.0, 1.0, 1.3, 2.5)) for rep in refs.rep_ids}
    team_of_rep = {
        rep: refs.enterprise_team_id if rep in refs.enterprise_rep_ids else refs.smb_team_id
        for rep in refs.rep_ids
    }

    trans: dict[str, list] = {
        k: [] for k in ("lead", "from", "to", "at", "actor", "reason", "details")
    }
    acts: dict[str, list] = {
        k: [] for k in ("lead", "deal", "user", "kind", "outcome", "at", "duration", "notes")
    }
    deal_rows: list[tuple] = []
    lead_rows: list[tuple] = []
    contact_rows: list[tuple] = []
    depth = np.zeros(n, dtype=np.int64)
    ended = created.copy()
    emails_seen: set[str] = set()
    stage_depth = {"lead": 0, "mql": 1, "sal": 2, "sql": 3, "opportunity": 4, "customer": 5}

    for i in range(n):
        lead_id, t0 = int(lead_ids[i]), int(created[i])
        a = int(account_of[i])
        rep = int(account_reps[a]) if account_reps[a] > 0 else None
        events: list[tuple[str, int, int | None, str, str]] = [("lead", t0, None, "", "{}")]
        activities: list[tuple] = []
        deal: dict | None = None

        def act(
            kind: str,
            outcome: str,
            at: int,
            duration: int,
            notes: str,
            deal_id: int | None = None,
            activities=activities,
            rep=rep,
        ) -> None:
            activities.append((deal_id, rep, kind, outcome, at, duration, notes))

        def reject(stage: str, at: int, events=events, rep=rep) -> bool:
            reason, recycle = rand.choice(catalog.SALES_REJECTIONS[stage])
            events.append(("recycled" if recycle else "disqualified", at, rep, reason, "{}"))
            return recycle

        if mql[i]:
            fast = rand.random() < 0.4  # demo requests from good fits qualify at once
            t = t0 + rand.randint(60, 900) if fast else _engaged_at(rand, t0)
            score = rand.randint(60, 100)
            events.append(("mql", t, None, "", json_text({"rule": "score >= 60", "score": score})))
            responded = _first_response(rand, t, slowness.get(rep, 1.0) if rep else 1.0)
            connected = rand.random() < 0.45
            act(
                "call",
                "connected" if connected else rand.choice(("no_answer", "voicemail")),
                responded,
                rand.randint(180, 900) if connected else rand.randint(0, 40),
                "First call after hand-off.",
            )
            if not connected:
                act("email", "sent", responded + 300, 0, "Intro email with booking link.")
            decided = responded + int(rand.expovariate(1 / (10 * HOUR)))
            recycled = False
            if sal[i]:
                events.append(("sal", decided, rep, "", "{}"))
                t = decided + _days(rand, 2, 6)
                act("meeting", "held", decided + (t - decided) // 2, 1800, "Discovery meeting.")
                if sql[i]:
                    events.append(("sql", t, rep, "", "{}"))
                    t_opp = t + _days(rand, 3, 7)
                    if opp[i]:
                        events.append(("opportunity", t_opp, rep, "", "{}"))
                        deal = {"at": t_opp, "enterprise": bool(enterprise[a])}
                        cycle = (14 + rand.lognormvariate(math.log(35), 0.6)) * DAY
                        cycle *= 1.8 if deal["enterprise"] else 1.0
                        deal["planned"] = t_opp + int(min(cycle, 300 * DAY))
                        close = deal["planned"] + int(rand.gauss(0, 5) * DAY)
                        close = max(close, t_opp + 7 * DAY)
                        if won[i]:
                            events.append(("customer", close, rep, "", "{}"))
                        else:
                            reason = _weighted(rand, catalog.LOST_REASONS)
                            deal["lost_reason"] = reason
                            events.append(("lost", close, rep, reason.replace("_", " "), "{}"))
                        deal["close"] = close
                    else:
                        recycled = reject("sql", t_opp)
                else:
                    recycled = reject("sal", t)
            else:
                recycled = reject("mql", decided)
            if recycled and rand.random() < 0.12:
                # Nurture brings some back months later as a fresh MQL.
                back = events[-1][1] + _days(rand, 30, 60)
                events.append(("mql", back, None, "", json_text({"rule": "re-engaged"})))
                again = _first_response(rand, back, 1.0) + HOUR
                if rand.random() < 0.6:
                    events.append(("sal", again, rep, "", "{}"))
                else:
                    events.append(("disqualified", again, rep, "not reachable", "{}"))
        elif rand.random() < 0.2:
            reason = rand.choice(catalog.MARKETING_REJECTIONS)
            events.append(
                ("disqualified", t0 + _days(rand, 0.05, 2), refs.marketer_id, reason, "{}")
            )

        kept = [event for event in events if event[1] < end]
        previous = ""
        for stage, at, actor, reason, details in kept:
            trans["lead"].append(lead_id)
            trans["from"].append(previous)
            trans["to"].append(stage)
            trans["at"].append(at)
            trans["actor"].append(actor)
            trans["reason"].append(reason)
            trans["details"].append(details)
            previous = stage
            depth[i] = max(depth[i], stage_depth.get(stage, 0))
        last_stage, last_at = kept[-1][0], kept[-1][1]
        ended[i] = last_at
        handed_off = len(kept) > 1 and any(e[0] == "mql" for e in kept)

        deal_id = None
        if deal and depth[i] >= 4:
            deal_id = _deal_row(
                rand,
                ids,
                deal_rows,
                deal,
                lead_id,
                int(account_ids[a]),
                account_names[a],
                int(emp[i]),
                rep,
                end,
            )
            act("meeting", "held", deal["at"] + 2 * DAY, 3600, "Product demo.", deal_id)
            act("email", "sent", (deal["at"] + deal["planned"]) // 2, 0, "Proposal sent.", deal_id)
            act("call", "connected", deal["close"] - 3 * DAY, 1200, "Negotiation call.", deal_id)
        for deal_ref, user, kind, outcome, at, duration, notes in activities:
            if at < end and handed_off:
                acts["lead"].append(lead_id)
                acts["deal"].append(deal_ref)
                acts["user"].append(user)
                acts["kind"].append(kind)
                acts["outcome"].append(outcome)
                acts["at"].append(at)
                acts["duration"].append(duration)
                acts["notes"].append(notes)

        score = rand.randint(60, 100) if handed_off else int(59 * rand.random() ** 1.3)
        fit = title_fit[i] * size_fit[i]
        grade = "A" if fit >= 1.5 else "B" if fit >= 1.1 else "C" if fit >= 0.6 else "D"
        properties = json_text(
            {
                "budget_range": catalog.BUDGET_RANGES[
                    min(3, int(math.log10(max(emp[i], 1)) * 1.2))
                ],
                "use_case": rand.choice(catalog.USE_CASES),
                "company_size": catalog.size_band(int(emp[i])),
                "offer": catalog.OFFERS[offer[i]][0],
            }
        )
        owner = rep if handed_off else None
        lead_rows.append(
            (
                lead_id,
                t0,
                last_at,
                int(contact_ids[i]),
                last_stage,
                last_at,
                last_stage not in CLOSED,
                score,
                grade,
                owner,
                team_of_rep.get(rep) if owner else None,
                people.refs.channel_ids[catalog.SOURCES[source[i]].channel],
                people.campaign_ids[source[i]] if people.campaign_ids[source[i]] > 0 else None,
                properties,
                None,
            )
        )
        first = rand.choice(catalog.FIRST_NAMES)
        last = rand.choice(catalog.LAST_NAMES)
        email = f"{first}.{last}@{domains[a]}".lower()
        if email in emails_seen:
            email = f"{first}.{last}{contact_ids[i]}@{domains[a]}".lower()
        emails_seen.add(email)
        phone = None
        if rand.random() < 0.45:
            _, _, prefix, digits = catalog.COUNTRIES[countries[a]]
            low = 2 * 10 ** (digits - 1)
            phone = f"{prefix}{low + int(contact_ids[i]) % (8 * 10 ** (digits - 1))}"
        contact_rows.append(
            (
                int(contact_ids[i]),
                t0,
                last_at,
                email,
                phone,
                first,
                last,
                catalog.JOB_TITLES[titles[i]][0],
                int(account_ids[a]),
                "{}",
                None,
            )
        )

    batch = {
        "contacts.Account": account_table,
        "contacts.Contact": _stamped(
            (
                "id",
                "created_at",
                "updated_at",
                "email",
                "phone",
                "first_name",
                "last_name",
                "job_title",
                "account_id",
                "properties",
                "external_id",
            ),
            contact_rows,
            (1, 2),
        ),
        "contacts.Lead": _stamped(
            (
                "id",
                "created_at",
                "updated_at",
                "contact_id",
                "stage",
                "stage_changed_at",
                "is_open",
                "score",
                "grade",
                "owner_id",
                "team_id",
                "source_channel_id",
                "source_campaign_id",
                "properties",
                "external_id",
            ),
            lead_rows,
            (1, 2, 5),
        ),
        "contacts.StageTransition": Rows(
            ("id", "lead_id", "from_stage", "to_stage", "at", "actor_id", "reason", "details"),
            list(
                zip(
                    ids.take("contacts.StageTransition", len(trans["at"])).tolist(),
                    trans["lead"],
                    trans["from"],
                    trans["to"],
                    stamps(trans["at"]),
                    trans["actor"],
                    trans["reason"],
                    trans["details"],
                    strict=True,
                )
            ),
        ),
        "pipeline.Deal": _stamped(
            (
                "id",
                "created_at",
                "updated_at",
                "lead_id",
                "account_id",
                "name",
                "pipeline",
                "stage",
                "amount",
                "currency",
                "discount_amount",
                "is_promotion",
                "promotion_code",
                "expected_close",
                "closed_at",
                "won_reason",
                "lost_reason",
                "owner_id",
                "external_id",
            ),
            deal_rows,
            (1, 2, 14),
        ),
        "pipeline.Activity": Rows(
            (
                "id",
                "lead_id",
                "deal_id",
                "user_id",
                "kind",
                "outcome",
                "at",
                "duration_seconds",
                "notes",
            ),
            list(
                zip(
                    ids.take("pipeline.Activity", len(acts["at"])).tolist(),
                    acts["lead"],
                    acts["deal"],
                    acts["user"],
                    acts["kind"],
                    acts["outcome"],
                    stamps(acts["at"]),
                    acts["duration"],
                    acts["notes"],
                    strict=True,
                )
            ),
        ),
    }
    journeys = Journeys(lead_ids, contact_ids, created, source, offer, depth, ended)
    return batch, journeys


def _weighted(rand: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    return rand.choices([c[0] for c in choices], weights=[c[1] for c in choices])[0]


def _deal_row(
    rand, ids, deal_rows, deal, lead_id, account_id, account_name, employees, rep, end
) -> int:
    deal_id = int(ids.take("pipeline.Deal", 1)[0])
    # Annual contracts: ~$20k for a 100-person company, so a year of marketing pays back
    # (ROMI above zero) as it does for a healthy B2B SaaS company.
    amount = max(2400, round(14_000 * (employees / 50) ** 0.45 * rand.lognormvariate(0, 0.35), -2))
    plan = catalog.PLANS[0 if amount < 20_000 else 1 if amount < 80_000 else 2]
    promotion = rand.random() < 0.12
    discount = 0.0
    if promotion or rand.random() < 0.3:
        discount = round(amount * rand.uniform(0.05, 0.2), -1)
    closed = deal["close"] < end
    if closed:
        stage = "lost" if "lost_reason" in deal else "won"
    else:
        elapsed = (end - deal["at"]) / max(deal["planned"] - deal["at"], 1)
        stages = ("qualification", "discovery", "proposal", "negotiation")
        stage = stages[min(3, int(elapsed * 4))]
    deal_rows.append(
        (
            deal_id,
            deal["at"],
            deal["close"] if closed else end - 1,
            lead_id,
            account_id,
            f"{account_name}: {plan}",
            "default",
            stage,
            f"{amount:.2f}",
            "USD",
            f"{discount:.2f}",
            promotion,
            rand.choice(catalog.PROMOTION_CODES) if promotion else "",
            day_stamps([deal["planned"]])[0],
            deal["close"] if closed else None,
            rand.choice(catalog.WON_REASONS) if stage == "won" else "",
            deal.get("lost_reason", "") if stage == "lost" else "",
            rep,
            None,
        )
    )
    return deal_id


def _stamped(columns: tuple[str, ...], rows: list[tuple], positions: tuple[int, ...]) -> Rows:
    """Turn the int-second times at ``positions`` into text, one vectorised pass per column."""
    if not rows:
        return Rows(columns, [])
    columns_data = list(zip(*rows, strict=True))
    for position in positions:
        values = columns_data[position]
        present = [v for v in values if v is not None]
        texts = iter(stamps(present)) if present else iter(())
        columns_data[position] = tuple(None if v is None else next(texts) for v in values)
    return Rows(columns, list(zip(*columns_data, strict=True)))
