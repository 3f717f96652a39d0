"""The hand-off's own records for the simulated year: who got each MQL, its SLA clocks and
the reps' quality ratings, as the inbox would have left them.

The simulator writes the waterfall (stage moves, calls, deals); the hand-off keeps more:
an ``Assignment`` per MQL, the agreement's SLA clocks (started at the hand-off, stopped when
the rep accepted, rejected or first called, breached when that came late) and the ratings
reps give the leads they handle. This module derives them from the loaded waterfall with the
agreement in force and its calendars (``accord.handoff.rules.clocks_plan``), so the numbers on
the SLA and quality pages agree with the leads' timelines.

Clocks of the MQLs still waiting stay running: those past due are breaches *now* (escalated
already when they fell due before today), and one waiting MQL whose deadline is near shows a
warning. Nothing here sends a notification.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from accord.contacts.models import Lead, StageTransition
from accord.core.lifecycle import Stage
from accord.handoff import rules
from accord.handoff.models import (
    Assignment,
    AssignmentKind,
    BusinessCalendar,
    QualityRating,
    SlaClock,
    SlaEvent,
    SlaEventKind,
)
from accord.handoff.sla.clocks import calendar_for, calendar_rules, version_active
from accord.pipeline.models import Activity

#: Share of decided MQLs whose rep rated the lead's quality.
RATED_SHARE = 0.45
#: Ratings by outcome: accepted leads rate well, rejected ones badly.
RATINGS = {True: (3, 4, 4, 5, 5), False: (1, 1, 2, 2, 3)}
_BATCH = 2_000


@dataclass
class HistoryCounts:
    assignments: int = 0
    clocks: int = 0
    running: int = 0
    breached_now: int = 0
    warning_now: int = 0
    ratings: int = 0


@dataclass
class _HandOff:
    lead_id: int
    owner_id: int
    team_id: int | None
    score: int
    at: datetime
    decided_at: datetime | None
    accepted: bool
    attempt_at: datetime | None


def _hand_offs() -> list[_HandOff]:
    """Every MQL hand-off to a rep, with what the rep did about it and when."""
    owners = {
        row[0]: row[1:]
        for row in Lead.objects.filter(owner__isnull=False).values_list(
            "id", "owner_id", "team_id", "score"
        )
    }
    moves: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for lead_id, at, stage in (
        StageTransition.objects.filter(lead_id__in=list(owners))
        .order_by("lead_id", "at", "id")
        .values_list("lead_id", "at", "to_stage")
        .iterator(chunk_size=20_000)
    ):
        moves[lead_id].append((at, stage))
    attempts: dict[int, list[datetime]] = defaultdict(list)
    for lead_id, at in (
        Activity.objects.filter(lead_id__in=list(owners), deal__isnull=True)
        .order_by("lead_id", "at")
        .values_list("lead_id", "at")
        .iterator(chunk_size=20_000)
    ):
        attempts[lead_id].append(at)
    hand_offs = []
    for lead_id, events in moves.items():
        owner_id, team_id, score = owners[lead_id]
        for index, (at, stage) in enumerate(events):
            if stage != Stage.MQL:
                continue
            following = events[index + 1] if index + 1 < len(events) else None
            tries = attempts.get(lead_id, [])
            position = bisect_left(tries, at)
            hand_offs.append(
                _HandOff(
                    lead_id=lead_id,
                    owner_id=owner_id,
                    team_id=team_id,
                    score=score or 0,
                    at=at,
                    decided_at=following[0] if following else None,
                    accepted=bool(following and following[1] == Stage.SAL),
                    attempt_at=tries[position] if position < len(tries) else None,
                )
            )
    return hand_offs


def handoff_history_write(*, now: datetime, seed: int, today: datetime) -> HistoryCounts:
    """Write assignments, SLA clocks (with their events) and ratings for every hand-off.

    ``today`` is the start of the simulated window's last day boundary (the anchor): clocks
    that fell due before it were escalated then; later ones are left for the worker's sweep.
    """
    counts = HistoryCounts()
    version = version_active()
    if version is None:
        return counts
    rand = random.Random(seed * 7_919 + 5)
    calendars: dict[int | None, rules.Calendar] = {}
    calendar_rows: dict[int | None, BusinessCalendar | None] = {}
    assignments: list[Assignment] = []
    clocks: list[SlaClock] = []
    ratings: dict[int, QualityRating] = {}
    hand_offs = _hand_offs()
    for hand_off in hand_offs:
        if hand_off.team_id not in calendars:
            row = calendar_for(team_id=hand_off.team_id)
            calendar_rows[hand_off.team_id] = row
            calendars[hand_off.team_id] = calendar_rules(row)
        assignments.append(
            Assignment(
                lead_id=hand_off.lead_id,
                to_user_id=hand_off.owner_id,
                team_id=hand_off.team_id,
                kind=AssignmentKind.AUTO,
                at=hand_off.at,
                reason="",
            )
        )
        plans = rules.clocks_plan(
            version.content,
            score=hand_off.score,
            start=hand_off.at,
            calendar=calendars[hand_off.team_id],
        )
        for plan in plans:
            clock = _clock(hand_off, plan, version, now=now, today=today)
            clock.calendar = calendar_rows[hand_off.team_id]
            clocks.append(clock)
        decided = hand_off.decided_at
        if decided and decided <= now and rand.random() < RATED_SHARE:
            ratings[hand_off.lead_id] = QualityRating(
                lead_id=hand_off.lead_id,
                rating=rand.choice(RATINGS[hand_off.accepted]),
                by_id=hand_off.owner_id,
                created_at=decided + timedelta(minutes=rand.randint(1, 90)),
            )
    _warning_ensure(clocks, hand_offs, version, calendars, now=now)
    with transaction.atomic():
        Assignment.objects.bulk_create(assignments, batch_size=_BATCH)
        SlaClock.objects.bulk_create(clocks, batch_size=_BATCH)
        SlaEvent.objects.bulk_create(_events(clocks), batch_size=_BATCH)
        QualityRating.objects.bulk_create(ratings.values(), batch_size=_BATCH)
    counts.assignments = len(assignments)
    counts.clocks = len(clocks)
    counts.ratings = len(ratings)
    running = [c for c in clocks if c.stopped_at is None]
    counts.running = len(running)
    counts.breached_now = sum(1 for c in running if c.due_at < now)
    counts.warning_now = sum(
        1 for c in running if c.warn_at is not None and c.warn_at <= now < c.due_at
    )
    return counts


def _clock(hand_off: _HandOff, plan: rules.ClockPlan, version, *, now, today) -> SlaClock:
    """The clock as it stands now: stopped by the rep's action, or still running."""
    if plan.kind == "accept":
        stop, reason = hand_off.decided_at, "accepted" if hand_off.accepted else "rejected"
    else:
        candidates = [t for t in (hand_off.attempt_at, hand_off.decided_at) if t is not None]
        stop = min(candidates) if candidates else None
        reason = "attempt_logged" if stop == hand_off.attempt_at else "rejected"
    if stop is not None and stop > now:
        stop = None
    clock = SlaClock(
        lead_id=hand_off.lead_id,
        kind=plan.kind,
        agreement_version=version,
        owner_id=hand_off.owner_id,
        started_at=hand_off.at,
        due_at=plan.due_at,
        warn_at=plan.warn_at,
        stopped_at=stop,
        stop_reason=reason if stop else "",
    )
    # What the worker's sweep would have recorded by now: warnings and breaches that came
    # before the action (or before today, for a clock still running).
    until = stop or today
    if plan.warn_at is not None and plan.warn_at < until:
        clock.warned_at = clock.warn_queued_at = plan.warn_at
    if plan.due_at < until:
        clock.breached_at = clock.escalated_at = clock.breach_queued_at = plan.due_at
    return clock


def _warning_ensure(clocks, hand_offs, version, calendars, *, now) -> None:
    """Make the newest waiting hand-off's clocks start so that its deadline is near now (the
    routing retry gave it to its rep then), unless some running clock already warns."""
    running = [c for c in clocks if c.stopped_at is None]
    if any(c.warn_at is not None and c.warn_at <= now < c.due_at for c in running):
        return
    waiting = {c.lead_id for c in running if c.kind == "accept"}
    latest = max(
        (h for h in hand_offs if h.lead_id in waiting and h.decided_at is None),
        key=lambda h: h.at,
        default=None,
    )
    if latest is None:
        return
    calendar = calendars[latest.team_id]
    start = now
    for _ in range(7 * 24 * 12):  # look back up to a week, five minutes at a time
        plans = rules.clocks_plan(
            version.content, score=latest.score, start=start, calendar=calendar
        )
        accept = next((p for p in plans if p.kind == "accept"), None)
        if accept and accept.warn_at is not None and accept.warn_at <= now < accept.due_at:
            break
        start -= timedelta(minutes=5)
    else:
        return
    for clock in running:
        if clock.lead_id == latest.lead_id:
            plan = next(p for p in plans if p.kind == clock.kind)
            clock.started_at, clock.due_at, clock.warn_at = start, plan.due_at, plan.warn_at
            clock.warned_at = clock.warn_queued_at = None
            clock.breached_at = clock.escalated_at = clock.breach_queued_at = None


def _events(clocks: list[SlaClock]) -> list[SlaEvent]:
    events = []
    for clock in clocks:
        details = {"owner_id": clock.owner_id, "version": clock.agreement_version.number}
        events.append(
            SlaEvent(clock=clock, kind=SlaEventKind.STARTED, at=clock.started_at, details=details)
        )
        if clock.warned_at:
            events.append(SlaEvent(clock=clock, kind=SlaEventKind.WARNED, at=clock.warned_at))
        if clock.breached_at:
            events.append(SlaEvent(clock=clock, kind=SlaEventKind.BREACHED, at=clock.breached_at))
            events.append(SlaEvent(clock=clock, kind=SlaEventKind.ESCALATED, at=clock.breached_at))
        if clock.stopped_at:
            events.append(
                SlaEvent(
                    clock=clock,
                    kind=SlaEventKind.STOPPED,
                    at=clock.stopped_at,
                    details={
                        "reason": clock.stop_reason,
                        "late": clock.stopped_at > clock.due_at,
                    },
                )
            )
    return events
