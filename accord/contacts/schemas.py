"""API schemas for contacts and leads."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class TransitionIn(Schema):
    to_stage: str
    reason: str = ""
    at: datetime | None = None


class TransitionOut(Schema):
    id: int
    lead_id: int
    from_stage: str
    to_stage: str
    at: datetime
    reason: str
    actor_id: int | None
