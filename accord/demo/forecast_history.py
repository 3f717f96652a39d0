"""The demo's forecast history: what a real sales team's last year looks like.

Written after the company is loaded, from its deals (one vectorised pass per rep and week):

- each deal's stage history (created in the first stage, moving through the pipeline's open
  stages to where it is now, or to won/lost), when the load wrote none;
- slipped close dates: about a third of the deals had an earlier close date moved out, and
  open deals whose close date has passed were pushed into the coming weeks;
- quotas per rep and quarter (last year's pace plus growth);
- every rep's weekly forecast submission for the current and the three previous quarters,
  from their deals as they stood that week: most call their roll-up, some lean optimistic;
  the head of sales adjusts about a quarter of them, saying why.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import transaction

from accord.accounts.models import Role, User
from accord.pipeline.forecast.periods import period_next, period_start, week_start
from accord.pipeline.models import (
    Deal,
    DealCloseDateChange,
    DealStageChange,
    ForecastSubmission,
    ManagerAdjustment,
    PipelineStage,
    Quota,
)

QUARTERS_BACK = 3
ADJUST_REASONS = (
    "Two commits have no signed order form yet.",
    "The largest deal slipped last quarter too; I discount it.",
    "Procurement at the biggest account is slow this month.",
    "Rep is sandbagging: negotiation deals are further along.",
)


@dataclass(frozen=True)
class ForecastHistoryCounts:
    stage_changes: int
    close_changes: int
    quotas: int
    submissions: int
    adjustments: int


def _ts(day: date) -> datetime:
    return datetime.combine(day, time(9), tzinfo=UTC)


class _Deals:
    """The demo's deals as arrays, with each one's entry time into every open stage."""

    def __init__(self, now: datetime, rand: random.Random):
        rows = list(
            Deal.objects.values_list(
                "id", "owner_id", "pipeline_id", "stage", "amount", "created_at", "closed_at",
                "expected_close", "stage_entered_at", "forecast_category",
            ).order_by("id")
        )  # fmt: skip
        self.rows = rows
        stages = PipelineStage.objects.filter(outcome="open").order_by("pipeline_id", "order")
        self.open_stages: dict[int, list[PipelineStage]] = {}
        for open_stage in stages:
            self.open_stages.setdefault(open_stage.pipeline_id, []).append(open_stage)
        self.paths: list[list[tuple[datetime, str]]] = []
        for _id, _o, pipeline_id, step, _a, created, closed, _e, entered, _c in rows:
            stage = str(step)
            keys = [s.key for s in self.open_stages.get(pipeline_id, [])]
            end = closed or entered or now
            if stage in keys:
                reached = keys.index(stage) + 1
            elif stage == "won":
                reached = len(keys)
            else:
                reached = rand.randint(1, max(len(keys) - 1, 1))
            steps = keys[:reached] + ([stage] if stage in ("won", "lost") else [])
            span = max((end - created).total_seconds(), 3600)
            times = [created + timedelta(seconds=span * i / max(len(steps) - 1, 1))
                     for i in range(len(steps))]  # fmt: skip
            if stage not in ("won", "lost") and entered:
                times[-1] = max(entered, times[-2] if len(times) > 1 else created)
            self.paths.append(list(zip(times, steps, strict=True)))


def _stage_history(deals: _Deals) -> int:
    if DealStageChange.objects.exists():
        return 0  # the load wrote one
    changes = []
    for row, path in zip(deals.rows, deals.paths, strict=True):
        previous = ""
        for when, stage in path:
            changes.append(
                DealStageChange(deal_id=row[0], pipeline_id=row[2], from_stage=previous,
                                to_stage=stage, at=when, amount=row[4], source="demo")
            )  # fmt: skip
            previous = stage
    DealStageChange.objects.bulk_create(changes, batch_size=5000)
    return len(changes)


def _slips(deals: _Deals, today: date, rand: random.Random) -> tuple[int, dict[int, date]]:
    """Close-date changes; returns their count and each deal's close date now."""
    changes, closes, moved = [], {}, []
    for row in deals.rows:
        deal_id, created, closed, close = row[0], row[5], row[6], row[7]
        if close is None:
            continue
        if closed is None and close < today:
            new = today + timedelta(days=rand.randint(7, 60))
            changes.append(DealCloseDateChange(
                deal_id=deal_id, old_date=close, new_date=new,
                at=_ts(today - timedelta(days=rand.randint(0, 6))), source="demo"))  # fmt: skip
            closes[deal_id] = new
            moved.append(deal_id)
        elif rand.random() < 0.3:
            old = close - timedelta(days=rand.randint(15, 75))
            end = closed or datetime.now(UTC)
            at = created + (end - created) * rand.uniform(0.3, 0.9)
            changes.append(DealCloseDateChange(deal_id=deal_id, old_date=old, new_date=close,
                                               at=at, source="demo"))  # fmt: skip
    DealCloseDateChange.objects.bulk_create(changes, batch_size=5000)
    for deal_id in moved:
        Deal.objects.filter(pk=deal_id).update(expected_close=closes[deal_id])
    return len(changes), closes


@transaction.atomic
def forecast_history_write(*, seed: int, today: date) -> ForecastHistoryCounts:
    rand = random.Random(seed * 7919 + 15)
    now = _ts(today)
    deals = _Deals(now, rand)
    stage_changes = _stage_history(deals)
    close_changes, _closes = _slips(deals, today, rand)
    reps = list(User.objects.filter(role=Role.SALES, is_active=True).order_by("pk"))
    head = User.objects.filter(role=Role.MANAGER, department="sales").order_by("pk").first()
    current = period_start(today, "quarter")
    quarters = [current]
    for _step in range(QUARTERS_BACK):
        quarters.insert(0, period_start(quarters[0] - timedelta(days=1), "quarter"))
    frame = _frame(deals)
    quotas = _quotas(frame, reps, [*quarters, period_next(current, "quarter")])
    submissions, adjustments = _submissions(frame, reps, quarters, today, head, rand)
    return ForecastHistoryCounts(stage_changes, close_changes, quotas, submissions, adjustments)


def _frame(deals: _Deals) -> dict[str, Any]:
    """Per deal: owner, amount, created/closed epoch, outcome, and per-stage entry epochs."""
    probability = {(s.pipeline_id, s.key): float(s.probability)
                   for stages in deals.open_stages.values() for s in stages}  # fmt: skip
    category = {(s.pipeline_id, s.key): s.forecast_category
                for stages in deals.open_stages.values() for s in stages}  # fmt: skip
    epoch = lambda d: d.timestamp() if d else np.nan  # noqa: E731
    # For each week the stage is read off the path: the last step at or before it.
    return {
        "owner": np.array([r[1] or 0 for r in deals.rows]),
        "amount": np.array([float(r[4]) for r in deals.rows]),
        "closed": np.array([epoch(r[6]) for r in deals.rows]),
        "won": np.array([r[3] == "won" for r in deals.rows]),
        "close": np.array([_ts(r[7]).timestamp() if r[7] else np.nan for r in deals.rows]),
        "rep_category": np.array([r[9] or "" for r in deals.rows], dtype=object),
        "path_times": [np.array([t.timestamp() for t, _s in p]) for p in deals.paths],
        "path_p": [
            np.array([probability.get((r[2], s), 0.0) for _t, s in p])
            for r, p in zip(deals.rows, deals.paths, strict=True)
        ],
        "path_category": [
            [category.get((r[2], s), "pipeline") for _t, s in p]
            for r, p in zip(deals.rows, deals.paths, strict=True)
        ],
        "created": np.array([epoch(r[5]) for r in deals.rows]),
    }


def _quotas(frame: dict, reps: list[User], quarters: list[date]) -> int:
    rows = []
    for rep in reps:
        mine = (frame["owner"] == rep.pk) & frame["won"]
        won = frame["amount"][mine].sum()
        span_days = max((np.nanmax(frame["closed"]) - np.nanmin(frame["created"])) / 86400, 90)
        pace = won / span_days * 91 if won else 50_000
        for i, start in enumerate(quarters):
            amount = round(pace * (1.0 + 0.04 * i) / 1000) * 1000 or 10_000
            rows.append(Quota(user=rep, period_kind="quarter", period_start=start,
                              amount=Decimal(amount)))  # fmt: skip
    Quota.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _as_of(frame: dict, mine: np.ndarray, t: float, start: float, after: float):
    """The rep's closed amount and (commit, best case, pipeline, stage-weighted) at ``t``."""
    closed = float(frame["amount"][mine & frame["won"] & (frame["closed"] >= start)
                                   & (frame["closed"] < t)].sum())  # fmt: skip
    live = mine & (frame["created"] <= t) & ~(frame["closed"] < t) & (frame["close"] >= start) \
        & (frame["close"] < after)  # fmt: skip
    sums = {"commit": 0.0, "best_case": 0.0, "pipeline": 0.0}
    weighted = 0.0
    for i in np.flatnonzero(live):
        times = frame["path_times"][i]
        k = int(np.searchsorted(times, t, side="right")) - 1
        if k < 0:
            continue
        amount = frame["amount"][i]
        category = frame["rep_category"][i] or frame["path_category"][i][k]
        if category in sums:
            sums[category] += amount
        weighted += amount * frame["path_p"][i][k]
    return closed, sums, weighted


def _submissions(frame, reps, quarters, today, head, rand) -> tuple[int, int]:
    count = adjusted = 0
    optimism = {rep.pk: rand.choice((1.0, 1.0, 1.1, 1.25, 0.9)) for rep in reps}
    for quarter in quarters:
        after = period_next(quarter, "quarter")
        start_ts, after_ts = _ts(quarter).timestamp(), _ts(after).timestamp()
        week = week_start(quarter) + timedelta(days=7 if quarter.weekday() else 0)
        while week < after and week <= today:
            t = _ts(week).timestamp()
            for rep in reps:
                mine = frame["owner"] == rep.pk
                closed, sums, weighted = _as_of(frame, mine, t, start_ts, after_ts)
                # Reps count on new business too: last quarter's deals created and won in it,
                # for the part of this quarter still ahead.
                ahead = max(after_ts - t, 0) / (after_ts - start_ts)
                new_business = _new_business(frame, mine, start_ts) * ahead * rand.uniform(0.6, 1)
                commit = (closed + sums["commit"] + new_business) * optimism[rep.pk]
                best = max(commit, closed + sums["commit"] + sums["best_case"])
                pipeline = max(best, closed + sum(sums.values()))
                sub = ForecastSubmission.objects.create(
                    user=rep, period_kind="quarter", period_start=quarter, week_start=week,
                    submitted_at=_ts(week) + timedelta(hours=rand.randint(0, 30)),
                    closed=_money(closed), commit=_money(commit), best_case=_money(best),
                    pipeline=_money(pipeline), stage_weighted=_money(closed + weighted),
                )  # fmt: skip
                count += 1
                if head is not None and commit > 0 and rand.random() < 0.25:
                    factor = 0.85 if optimism[rep.pk] >= 1 else 1.1
                    ManagerAdjustment.objects.create(
                        submission=sub, by=head, at=sub.submitted_at + timedelta(hours=20),
                        commit=_money(commit * factor),
                        best_case=_money(max(best, commit * factor)),
                        reason=rand.choice(ADJUST_REASONS),
                    )  # fmt: skip
                    adjusted += 1
            week += timedelta(days=7)
    return count, adjusted


def _new_business(frame: dict, mine: np.ndarray, start: float) -> float:
    """The rep's deals created and won in the quarter before ``start``."""
    before = start - 91 * 86400
    made = mine & frame["won"] & (frame["created"] >= before) & (frame["closed"] < start)
    return float(frame["amount"][made].sum())


def _money(value: float) -> Decimal:
    return Decimal(str(round(float(value), 2)))
