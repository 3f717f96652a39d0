"""What the task services take, typed (every key optional: see ``accord.pipeline.inputs``)."""

from __future__ import annotations

import datetime as dt
from typing import TypedDict


class TaskExtras(TypedDict, total=False):
    """A task's fields besides its title, kind, due time and owner."""

    remind_at: dt.datetime | None
    lead_id: int | None
    deal_id: int | None
    notes: str | None
    external_id: str | None


class TaskChanges(TaskExtras, total=False):
    title: str | None
    kind: str | None
    due_at: dt.datetime | None
    owner_id: int | None
