"""API schemas of the consent ledger."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from accord.api.schemas import InSchema
from accord.privacy.models import LawfulBasis, Purpose


class ConsentEventOut(Schema):
    id: int
    purpose: str
    lawful_basis: str
    channel: str
    granted: bool
    at: datetime
    text_version: str
    text_hash: str
    language: str
    actor_id: int | None


class ConsentsOut(Schema):
    #: Each purpose's current answer (the latest event); None: never asked.
    current: dict[str, bool | None]
    events: list[ConsentEventOut]
    #: The person's signed unsubscribe link, for the e-mails another system sends them.
    unsubscribe_url: str


class ConsentIn(InSchema):
    purpose: Purpose
    granted: bool
    lawful_basis: LawfulBasis = LawfulBasis.CONSENT
    version: str = Field("", max_length=64)
    language: str = Field("", max_length=8)
