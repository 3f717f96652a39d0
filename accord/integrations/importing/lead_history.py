"""The stage history an imported lead starts with, written by the database in one statement.

Each new lead gets its creation step ("" -> lead), then the main path to its stage
(``STAGE_PATHS``). Files carry the current stage, not its history, so every step is dated at
the lead's creation, except the last one of a historical lead with an outcome (won/lost),
which keeps the outcome's date: that is the lead's ``stage_changed_at``.

A 100,000-lead file makes ~250,000 transitions. They are derived from the just-inserted lead
rows with one ``INSERT ... SELECT`` joined to a small table of steps, instead of building,
adapting and sending 250,000 tuples from Python.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connections

from accord.contacts.models import StageTransition
from accord.core.lifecycle import OFF_PATH_STAGES, Stage

IMPORT_REASON = "Imported at this stage"
IMPORT_DETAILS = {"source": "import"}

# How an imported lead reaches its stage: the main path, then the off-path exit. Every pair
# is an allowed move (a test checks them against the lifecycle table).
STAGE_PATHS: dict[str, tuple[str, ...]] = {
    Stage.LEAD: (Stage.LEAD,),
    Stage.MQL: (Stage.LEAD, Stage.MQL),
    Stage.SAL: (Stage.LEAD, Stage.MQL, Stage.SAL),
    Stage.SQL: (Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL),
    Stage.OPPORTUNITY: (Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY),
    Stage.CUSTOMER: (
        Stage.LEAD,
        Stage.MQL,
        Stage.SAL,
        Stage.SQL,
        Stage.OPPORTUNITY,
        Stage.CUSTOMER,
    ),
    Stage.DISQUALIFIED: (Stage.LEAD, Stage.DISQUALIFIED),
    Stage.RECYCLED: (Stage.LEAD, Stage.MQL, Stage.RECYCLED),
    Stage.LOST: (Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.LOST),
}


def step_dates(
    stage: str, created: datetime, given: dict[str, datetime], outcome_at: datetime | None
) -> list[datetime]:
    """The date of each step of ``STAGE_PATHS[stage]`` for a lead whose file gave some stage
    entry dates (``given``, by stage): a step without one takes the previous step's date;
    the last step takes the outcome's date when there is one; dates never go backwards."""
    dates: list[datetime] = []
    previous = created
    path = STAGE_PATHS[stage]
    for position, step in enumerate(path):
        at = given.get(str(step), previous)
        if position == len(path) - 1 and outcome_at is not None:
            at = outcome_at
        previous = max(at, previous)
        dates.append(previous)
    return dates


def transitions_redate(dated: dict[int, list[datetime]], *, using: str = "default") -> None:
    """Give the just-inserted transitions of leads ``dated`` (lead id -> step dates, in
    path order) their dates; the insert dated every step but the last at creation."""
    ids = list(dated)
    changed: list[StageTransition] = []
    for start in range(0, len(ids), 900):
        rows = (
            StageTransition.objects.using(using)
            .filter(lead_id__in=ids[start : start + 900])
            .order_by("lead_id", "id")
            .values_list("id", "lead_id")
        )
        step: dict[int, int] = {}
        for pk, lead_id in rows:
            position = step.get(lead_id, 0)
            step[lead_id] = position + 1
            changed.append(StageTransition(pk=pk, at=dated[lead_id][position]))
    StageTransition.objects.using(using).bulk_update(changed, ["at"], batch_size=1000)


_COLUMNS = ("lead_id", "from_stage", "to_stage", "at", "actor_id", "reason", "details")


def steps_table() -> list[tuple[str, int, str, str, str, bool]]:
    """``(stage, step, from_stage, to_stage, reason, is_last)`` for every stage's path."""
    rows = []
    for stage, path in STAGE_PATHS.items():
        for step, (before, after) in enumerate(zip(("", *path), path, strict=False)):
            reason = IMPORT_REASON if after in OFF_PATH_STAGES else ""
            rows.append((str(stage), step, before, str(after), reason, step == len(path) - 1))
    return rows


def transitions_count(stages: Sequence[str]) -> int:
    return sum(len(STAGE_PATHS[stage]) for stage in stages)


def transitions_insert(lead_ids: Sequence[int], *, using: str = "default") -> int:
    """Insert the history of the new leads ``lead_ids`` (already inserted); return the count.

    Transitions are numbered lead by lead, step by step, as if inserted one after another.
    """
    if not lead_ids:
        return 0
    connection = connections[using]
    quote = connection.ops.quote_name
    steps = steps_table()
    postgres = connection.vendor == "postgresql"
    values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(steps))
    params: list = [value for row in steps for value in row]
    where_params: list[Any]
    if postgres:
        # Another session may take sequence values between ours: name the ids exactly.
        where, where_params = "l.id = ANY(%s)", [list(lead_ids)]
        details = "CAST(%s AS jsonb)"
    else:
        # Inside the import's IMMEDIATE transaction nobody else inserts leads, and the ids
        # were reserved as one run above the largest (``ids_reserve``).
        where, where_params = "l.id BETWEEN %s AND %s", [min(lead_ids), max(lead_ids)]
        details = "%s"
    table = quote(StageTransition._meta.db_table)
    leads = quote(StageTransition._meta.get_field("lead").related_model._meta.db_table)
    columns = ", ".join(quote(c) for c in _COLUMNS)
    sql = f"""
        WITH steps (stage, step, from_stage, to_stage, reason, is_last) AS (VALUES {values})
        INSERT INTO {table} ({columns})
        SELECT l.id, s.from_stage, s.to_stage,
               CASE WHEN s.is_last THEN l.stage_changed_at ELSE l.created_at END,
               NULL, s.reason, {details}
        FROM {leads} l JOIN steps s ON s.stage = l.stage
        WHERE {where}
        ORDER BY l.id, s.step
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, json.dumps(IMPORT_DETAILS), *where_params])
        return cursor.rowcount
