"""The events lower apps emit through ``accord.core.hooks`` (who listens: ``accord.wiring``).

Each is frozen: a handler reads what happened, it cannot change it for the next handler. The
row fields carry the saved model instance where the emitter already holds it, so a handler on
the capture hot path never has to read it again; the types are imported for checking only, so
``core`` keeps no runtime dependency on the apps above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # type-only: core must not import the apps at run time
    from accord.contacts.models import Lead, StageTransition
    from accord.pipeline.models import Deal


@dataclass(frozen=True, slots=True)
class LeadCreated:
    """A lead (one journey of a contact) entered the funnel; its ``lead`` row is saved."""

    lead: Lead


@dataclass(frozen=True, slots=True)
class StageEntered:
    """``lead_transition`` moved a lead; ``transition`` is the appended log row."""

    transition: StageTransition

    @property
    def lead_id(self) -> int:
        return self.transition.lead_id

    @property
    def to_stage(self) -> str:
        return self.transition.to_stage

    @property
    def at(self) -> datetime:
        return self.transition.at


@dataclass(frozen=True, slots=True)
class LeadChanged:
    """Fields that fit rules read (lead, contact or account fields) changed on these leads."""

    lead_ids: tuple[int, ...]
    cause: str = ""


@dataclass(frozen=True, slots=True)
class TouchRecorded:
    """A touchpoint was recorded against a lead (behaviour rules may now score it differently)."""

    lead_id: int
    touch_id: int


@dataclass(frozen=True, slots=True)
class OwnerChanged:
    """A lead's owner changed (routing, reassignment or an import)."""

    lead_id: int
    from_owner_id: int | None
    to_owner_id: int | None
    actor_id: int | None = None


@dataclass(frozen=True, slots=True)
class DealWon:
    """A deal closed as won; ``deal`` is the saved row."""

    deal: Deal
