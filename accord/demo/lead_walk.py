"""One lead's walk down the waterfall once its stage outcomes are allocated: when it becomes
an MQL, how fast its rep responds (business hours, the rep's own pace), the qualification
steps, the deal and its close, the rejections and the nurture that brings some back.

The walk draws from the chunk's ``random.Random`` in a fixed order; the same seed gives the
same company, so any change here changes every demo (and the tests that read one).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from accord.demo import catalog
from accord.demo.marketing import json_text
from accord.demo.tables import DAY
from accord.handoff.defaults import CONTENT as AGREEMENT_CONTENT

REJECTION_LABELS: dict[str, str] = {
    r["code"]: r["label"] for r in AGREEMENT_CONTENT["rejection_reasons"]
}

HOUR = 3_600
# When in the (UTC) day people fill in forms: mostly working hours.
HOUR_WEIGHTS_LIST = [1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 11, 10, 9, 7, 5, 4, 3, 2, 2, 1]

#: (stage, at, actor, reason, details as JSON text)
Event = tuple[str, int, int | None, str, str]
#: (deal id or None, user, kind, outcome, at, duration in seconds, notes)
ActivityDraft = tuple[int | None, int | None, str, str, int, int, str]


@dataclass(frozen=True)
class Fate:
    """How far the allocation lets this lead go (each implies the previous)."""

    mql: bool
    sal: bool
    sql: bool
    opportunity: bool
    won: bool


@dataclass
class Walk:
    """A lead's stage events, its reps' activities and its deal (if it reached one)."""

    rep: int | None
    events: list[Event]
    activities: list[ActivityDraft] = field(default_factory=list)
    deal: dict | None = None

    def act(
        self,
        kind: str,
        outcome: str,
        at: int,
        duration: int,
        notes: str,
        deal_id: int | None = None,
    ) -> None:
        self.activities.append((deal_id, self.rep, kind, outcome, at, duration, notes))

    def reject(self, rand: random.Random, stage: str, at: int) -> bool:
        """Sales turns the lead down at ``stage``; True when it goes back to nurture.

        MQLs and SALs are rejected as the inbox does it: with one of the seeded agreement's
        reasons (its label as the transition's reason, its code in the details)."""
        if stage in catalog.AGREEMENT_REJECTIONS:
            code = rand.choice(catalog.AGREEMENT_REJECTIONS[stage])
            recycle = code not in catalog.DISQUALIFYING_REJECTIONS
            details = json_text({"rejection_reason": code, "comment": "", "rejected_from": stage})
            self.events.append(
                (
                    "recycled" if recycle else "disqualified",
                    at,
                    self.rep,
                    REJECTION_LABELS[code],
                    details,
                )
            )
            return recycle
        reason, recycle = rand.choice(catalog.SALES_REJECTIONS[stage])
        self.events.append(("recycled" if recycle else "disqualified", at, self.rep, reason, "{}"))
        return recycle


def business_open(at: int) -> int:
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


def first_response(rand: random.Random, mql_at: int, slowness: float) -> int:
    """When the rep first reaches out after the hand-off (HBR 2011's spread, roughly)."""
    start = business_open(mql_at)
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


def engaged_at(rand: random.Random, after: int) -> int:
    """When a nurtured lead's engagement crosses the MQL threshold: days later, in the
    hours people read email and browse (mostly working hours)."""
    day = (after + days(rand, 0.5, 6)) // DAY
    at = day * DAY + rand.choices(range(24), weights=HOUR_WEIGHTS_LIST)[0] * HOUR
    at += rand.randint(0, HOUR - 1)
    return at if at > after else at + DAY


def days(rand: random.Random, minimum: float, mean_extra: float) -> int:
    return int((minimum + rand.expovariate(1 / mean_extra)) * DAY)


def weighted(rand: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    return rand.choices([c[0] for c in choices], weights=[c[1] for c in choices])[0]


def lead_walk(
    rand: random.Random,
    *,
    created: int,
    fate: Fate,
    rep: int | None,
    slowness: float,
    enterprise: bool,
    marketer_id: int | None,
    junk: bool = False,
    instant: bool = False,
) -> Walk:
    """The lead's events from its creation at ``created`` (int seconds), as ``fate`` allows."""
    walk = Walk(rep=rep, events=[("lead", created, None, "", "{}")])
    if fate.mql:
        _handed_off(
            rand,
            walk,
            created=created,
            fate=fate,
            slowness=slowness,
            enterprise=enterprise,
            instant=instant,
        )
    elif rand.random() < (0.45 if junk else 0.06):
        reason = rand.choice(catalog.MARKETING_REJECTIONS)
        walk.events.append(
            ("disqualified", created + days(rand, 0.05, 2), marketer_id, reason, "{}")
        )
    return walk


def _handed_off(
    rand: random.Random,
    walk: Walk,
    *,
    created: int,
    fate: Fate,
    slowness: float,
    enterprise: bool,
    instant: bool = False,
) -> None:
    """MQL, the rep's first response, then SAL, SQL and the deal as far as ``fate`` goes."""
    rep = walk.rep
    # Demo requests, trials and good fits qualify at once; others after some nurture.
    fast = rand.random() < 0.4 or instant
    t = created + rand.randint(60, 900) if fast else engaged_at(rand, created)
    score = rand.randint(60, 100)
    walk.events.append(("mql", t, None, "", json_text({"rule": "score >= 60", "score": score})))
    responded = first_response(rand, t, slowness)
    connected = rand.random() < 0.45
    walk.act(
        "call",
        "connected" if connected else rand.choice(("no_answer", "voicemail")),
        responded,
        rand.randint(180, 900) if connected else rand.randint(0, 40),
        "First call after hand-off.",
    )
    if not connected:
        walk.act("email", "sent", responded + 300, 0, "Intro email with booking link.")
    # Most reps accept or reject within the agreement's four business hours (a look at the
    # lead, often before the first call); some MQLs wait days (the SLA breaches).
    opened = business_open(t)
    if rand.random() < 0.78:
        decided = opened + int(rand.lognormvariate(math.log(40 * 60), 0.8) * slowness)
    else:
        decided = business_open(opened + int(rand.uniform(0.5, 6) * DAY * slowness))
    if not fate.sal:
        recycled = walk.reject(rand, "mql", decided)
    else:
        walk.events.append(("sal", decided, rep, "", "{}"))
        t = max(decided, responded) + days(rand, 4, 10)  # discovery takes a couple of weeks
        walk.act("meeting", "held", decided + (t - decided) // 2, 1800, "Discovery meeting.")
        if not fate.sql:
            recycled = walk.reject(rand, "sal", t)
        else:
            walk.events.append(("sql", t, rep, "", "{}"))
            t_opp = t + days(rand, 5, 10)
            recycled = False
            if fate.opportunity:
                _opportunity(rand, walk, opened=t_opp, won=fate.won, enterprise=enterprise)
            else:
                recycled = walk.reject(rand, "sql", t_opp)
    if recycled and rand.random() < 0.12:
        # Nurture brings some back months later as a fresh MQL.
        back = walk.events[-1][1] + days(rand, 30, 60)
        walk.events.append(("mql", back, None, "", json_text({"rule": "re-engaged"})))
        again = first_response(rand, back, 1.0) + HOUR
        if rand.random() < 0.6:
            # Accepted again, but the second look ends like the first (a SAL never waits
            # for ever in a rep's inbox).
            walk.events.append(("sal", again, rep, "", "{}"))
            walk.reject(rand, "sal", again + days(rand, 2, 8))
        else:
            walk.events.append(
                (
                    "recycled",
                    again,
                    rep,
                    REJECTION_LABELS["bad_timing"],
                    json_text(
                        {"rejection_reason": "bad_timing", "comment": "", "rejected_from": "mql"}
                    ),
                )
            )


def _opportunity(
    rand: random.Random, walk: Walk, *, opened: int, won: bool, enterprise: bool
) -> None:
    """The deal: a sales cycle of weeks to months (longer for enterprises), won or lost."""
    rep = walk.rep
    walk.events.append(("opportunity", opened, rep, "", "{}"))
    deal: dict = {"at": opened, "enterprise": enterprise}
    cycle = (14 + rand.lognormvariate(math.log(35), 0.6)) * DAY
    cycle *= 1.8 if deal["enterprise"] else 1.0
    deal["planned"] = opened + int(min(cycle, 300 * DAY))
    close = deal["planned"] + int(rand.gauss(0, 5) * DAY)
    close = max(close, opened + 7 * DAY)
    if won:
        walk.events.append(("customer", close, rep, "", "{}"))
    else:
        reason = weighted(rand, catalog.LOST_REASONS)
        deal["lost_reason"] = reason
        walk.events.append(("lost", close, rep, reason.replace("_", " "), "{}"))
    deal["close"] = close
    walk.deal = deal
