"""The rows one chunk of the funnel writes: the columns of each table, a deal's row, and the
assembly of the chunk's batch (int-second times turned into text in one pass per column)."""

from __future__ import annotations

import random

from accord.demo import catalog
from accord.demo.lead_walk import ActivityDraft
from accord.demo.tables import Batch, IdAllocator, Rows, day_stamps, stamps

CONTACT_COLUMNS = (
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
)
LEAD_COLUMNS = (
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
)
TRANSITION_COLUMNS = (
    "id",
    "lead_id",
    "from_stage",
    "to_stage",
    "at",
    "actor_id",
    "reason",
    "details",
)
DEAL_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "lead_id",
    "account_id",
    "name",
    "pipeline_id",
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
    "stage_entered_at",
    "version",
    "competitor",
    "forecast_category",
    "handoff_grade",
)
ACTIVITY_COLUMNS = (
    "id",
    "lead_id",
    "deal_id",
    "user_id",
    "kind",
    "outcome",
    "at",
    "duration_seconds",
    "notes",
)


class ChunkRows:
    """The rows of one chunk as the walk produces them, times still int seconds."""

    def __init__(self) -> None:
        #: (lead, from, to, at, actor, reason, details)
        self.transitions: list[tuple] = []
        #: (lead, deal, user, kind, outcome, at, duration, notes)
        self.activities: list[tuple] = []
        self.deals: list[tuple] = []
        self.leads: list[tuple] = []
        self.contacts: list[tuple] = []

    def activities_add(self, lead_id: int, drafts: list[ActivityDraft], *, before: int) -> None:
        for deal_ref, user, kind, outcome, at, duration, notes in drafts:
            if at < before:
                self.activities.append(
                    (lead_id, deal_ref, user, kind, outcome, at, duration, notes)
                )

    def batch(self, ids: IdAllocator, accounts: Rows) -> Batch:
        transitions = list(zip(*self.transitions, strict=True)) or [()] * 7
        activities = list(zip(*self.activities, strict=True)) or [()] * 8
        return {
            "contacts.Account": accounts,
            "contacts.Contact": _stamped(CONTACT_COLUMNS, self.contacts, (1, 2)),
            "contacts.Lead": _stamped(LEAD_COLUMNS, self.leads, (1, 2, 5)),
            "contacts.StageTransition": Rows(
                TRANSITION_COLUMNS,
                list(
                    zip(
                        ids.take("contacts.StageTransition", len(self.transitions)).tolist(),
                        *transitions[:3],
                        stamps(list(transitions[3])),
                        *transitions[4:],
                        strict=True,
                    )
                ),
            ),
            "pipeline.Deal": _stamped(DEAL_COLUMNS, self.deals, (1, 2, 14, 19)),
            "pipeline.Activity": Rows(
                ACTIVITY_COLUMNS,
                list(
                    zip(
                        ids.take("pipeline.Activity", len(self.activities)).tolist(),
                        *activities[:5],
                        stamps(list(activities[5])),
                        *activities[6:],
                        strict=True,
                    )
                ),
            ),
        }


def deal_row(
    rand: random.Random,
    ids: IdAllocator,
    deal: dict,
    *,
    lead_id: int,
    account_id: int,
    account_name: str,
    employees: int,
    rep: int | None,
    end: int,
    pipeline_id: int | None,
    handoff_grade: str,
) -> tuple:
    """The deal's row: amount by company size, plan, discount or promotion, and its stage at
    ``end`` (closed, or as far along its planned cycle as time has gone)."""
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
        entered = deal["close"]
    else:
        cycle = max(deal["planned"] - deal["at"], 1)
        reached = min(3, int((end - deal["at"]) / cycle * 4))
        stage = ("qualification", "discovery", "proposal", "negotiation")[reached]
        entered = deal["at"] + cycle * reached // 4
    return (
        deal_id,
        deal["at"],
        deal["close"] if closed else end - 1,
        lead_id,
        account_id,
        f"{account_name}: {plan}",
        pipeline_id,
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
        entered,
        1,
        "",
        "",
        handoff_grade,
    )


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
