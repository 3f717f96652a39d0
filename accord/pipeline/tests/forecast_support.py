"""A hand-built sales team for the forecast tests; every number in them is counted here.

Now: 2026-05-15 12:00 UTC (Q2 2026 = April-June; Q1 = January-March). Default pipeline
(qualification 0.10 pipeline, discovery 0.20 pipeline, proposal 0.50 best case,
negotiation 0.75 commit). Team North: reps ``ann`` and ``bob``, head ``max`` (manager).

Deal  owner  history (stage changes; close-date changes)                      now
D1    ann    04-15 proposal 1000, close 06-10                                  open, best case
D2    ann    03-01 qualification 2000, 03-15 negotiation; close 05-30          open, rep: commit
D3    ann    02-01 proposal 3000, close 03-25 → 04-20 (moved 03-20); won 04-20 won 3000
D4    bob    04-02 qualification 4000, close 06-20                             open, rep: commit
D5    bob    01-10 discovery 500, close 04-30; lost 04-10                      lost
D6    bob    01-05 discovery 800, close 03-31 → 06-01 (moved 04-03)            open, rep: omitted
D7    ann    2025-12-01 qualification 1000, 01-10 proposal, close 02-15; won 02-20   won 1000
D8    bob    2025-11-15 qualification 2000, 12-10 negotiation, close 03-20 → 05-10
             (moved 03-25); lost 04-05                                         lost

Quotas Q2: ann 10,000, bob 5,000. Q1 submissions (week of 2026-01-05): ann commit 800, bob
commit 1,500; max adjusted bob's to 500 ("D8 has no budget signed").
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from accord.accounts.models import Department, Role, Team, User
from accord.pipeline.models import (
    Deal,
    DealCloseDateChange,
    DealStageChange,
    ForecastSubmission,
    ManagerAdjustment,
    Pipeline,
    Quota,
    default_pipeline_seed,
)

NOW = datetime(2026, 5, 15, 12, 0)  # naive UTC, as the runner takes it
Q1, Q2 = date(2026, 1, 1), date(2026, 4, 1)


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC)


def _deal(name, owner, pipeline, stages, *, close, category="", closed_at=None, closes=()):
    """stages: [(at, stage, amount)] in order; closes: [(at, old, new)]."""
    first_at = stages[0][0]
    last_at, last_stage, last_amount = stages[-1]
    deal = Deal.objects.create(
        name=name,
        owner=owner,
        pipeline=pipeline,
        stage=last_stage,
        amount=Decimal(last_amount),
        expected_close=close,
        forecast_category=category,
        closed_at=closed_at,
        stage_entered_at=last_at,
        created_at=first_at,
    )
    previous = ""
    for when, stage, value in stages:
        DealStageChange.objects.create(
            deal=deal, pipeline=pipeline, from_stage=previous, to_stage=stage, at=when,
            amount=Decimal(value), source="demo",
        )  # fmt: skip
        previous = stage
    for when, old, new in closes:
        DealCloseDateChange.objects.create(deal=deal, old_date=old, new_date=new, at=when)
    return deal


def forecast_team_seed() -> dict:
    pipeline = Pipeline.objects.filter(is_default=True).first() or default_pipeline_seed()
    north = Team.objects.create(name="North", department=Department.SALES)
    ann = User.objects.create(username="ann", role=Role.SALES, team=north,
                              department=Department.SALES)  # fmt: skip
    bob = User.objects.create(username="bob", role=Role.SALES, team=north,
                              department=Department.SALES)  # fmt: skip
    head = User.objects.create(username="max", role=Role.MANAGER, team=north,
                               department=Department.SALES)  # fmt: skip
    p = pipeline
    deals = {
        "D1": _deal("D1", ann, p, [(at(2026, 4, 15), "proposal", 1000)], close=date(2026, 6, 10)),
        "D2": _deal(
            "D2", ann, p,
            [(at(2026, 3, 1), "qualification", 2000), (at(2026, 3, 15), "negotiation", 2000)],
            close=date(2026, 5, 30), category="commit",
        ),
        "D3": _deal(
            "D3", ann, p, [(at(2026, 2, 1), "proposal", 3000), (at(2026, 4, 20), "won", 3000)],
            close=date(2026, 4, 20), closed_at=at(2026, 4, 20),
            closes=[(at(2026, 3, 20), date(2026, 3, 25), date(2026, 4, 20))],
        ),
        "D4": _deal("D4", bob, p, [(at(2026, 4, 2), "qualification", 4000)],
                    close=date(2026, 6, 20), category="commit"),
        "D5": _deal(
            "D5", bob, p, [(at(2026, 1, 10), "discovery", 500), (at(2026, 4, 10), "lost", 500)],
            close=date(2026, 4, 30), closed_at=at(2026, 4, 10),
        ),
        "D6": _deal(
            "D6", bob, p, [(at(2026, 1, 5), "discovery", 800)], close=date(2026, 6, 1),
            category="omitted", closes=[(at(2026, 4, 3), date(2026, 3, 31), date(2026, 6, 1))],
        ),
        "D7": _deal(
            "D7", ann, p,
            [(at(2025, 12, 1), "qualification", 1000), (at(2026, 1, 10), "proposal", 1000),
             (at(2026, 2, 20), "won", 1000)],
            close=date(2026, 2, 15), closed_at=at(2026, 2, 20),
        ),
        "D8": _deal(
            "D8", bob, p,
            [(at(2025, 11, 15), "qualification", 2000), (at(2025, 12, 10), "negotiation", 2000),
             (at(2026, 4, 5), "lost", 2000)],
            close=date(2026, 5, 10), closed_at=at(2026, 4, 5),
            closes=[(at(2026, 3, 25), date(2026, 3, 20), date(2026, 5, 10))],
        ),
    }  # fmt: skip
    Quota.objects.create(user=ann, period_kind="quarter", period_start=Q2, amount=10000)
    Quota.objects.create(user=bob, period_kind="quarter", period_start=Q2, amount=5000)
    week = date(2026, 1, 5)
    ann_q1 = ForecastSubmission.objects.create(
        user=ann, period_kind="quarter", period_start=Q1, week_start=week,
        submitted_at=at(2026, 1, 5), commit=800, best_case=1200, pipeline=1200,
        stage_weighted=100,
    )  # fmt: skip
    bob_q1 = ForecastSubmission.objects.create(
        user=bob, period_kind="quarter", period_start=Q1, week_start=week,
        submitted_at=at(2026, 1, 5), commit=1500, best_case=1500, pipeline=2000,
        stage_weighted=1500,
    )  # fmt: skip
    ManagerAdjustment.objects.create(
        submission=bob_q1, by=head, at=at(2026, 1, 6), commit=500, best_case=1500,
        reason="D8 has no budget signed",
    )  # fmt: skip
    return {"pipeline": pipeline, "team": north, "ann": ann, "bob": bob, "head": head,
            "deals": deals, "ann_q1": ann_q1, "bob_q1": bob_q1}  # fmt: skip
