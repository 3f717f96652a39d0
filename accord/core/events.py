"""The events lower apps emit through ``accord.core.hooks`` (who listens: ``accord.wiring``).

Each is frozen: a handler reads what happened, it cannot change it for the next handler. The
row fields carry the saved model instance where the emitter already holds it, so a handler on
the capture hot path never has to read it again; the types are imported for checking only, so
``core`` keeps no runtime dependency on the apps above it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # type-only: core must not import the apps at run time
    from accord.contacts.models import Lead, StageTransition
    from accord.pipeline.models import Deal


# --- lifecycle ---


@dataclass(frozen=True, slots=True)
class LeadCreated:
    """A lead (one journey of a contact) entered the funnel.

    ``lead`` is the saved row when the emitter holds it; the capture fast path writes rows with
    raw statements and sends only the id, so a handler that needs the row reads it (and only
    when it has something to do: most leads go to no webhook)."""

    lead_id: int
    lead: Lead | None = None


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


@dataclass(frozen=True, slots=True)
class TouchRecorded:
    """A touchpoint was recorded against a lead (behaviour rules may score it differently)."""

    lead_id: int
    touch_id: int


@dataclass(frozen=True, slots=True)
class SubmissionSettled:
    """The worker took up a captured form's follow-up: its lead and touch still exist, and the
    lead is due the scoring every new touch gets (in this transaction, not queued again)."""

    lead_id: int
    touch_id: int


@dataclass(frozen=True, slots=True)
class DealWon:
    """A deal closed as won; ``deal`` is the saved row."""

    deal: Deal


@dataclass(frozen=True, slots=True)
class DealLost:
    """A deal closed as lost (its ``lost_reason`` and ``competitor`` say why)."""

    deal: Deal


@dataclass(frozen=True, slots=True)
class DealStageChanged:
    """A deal moved from one stage to another (``from_stage`` '' never: creation is no move).

    ``change_id`` is the ``DealStageChange`` row recording it: one occurrence per row.
    """

    deal: Deal
    from_stage: str
    to_stage: str
    at: datetime
    change_id: int
    by_id: int | None = None


@dataclass(frozen=True, slots=True)
class Published:
    """Something happened that people outside Accord may subscribe to (``lead.mql``,
    ``sla.breached``, …): the name, its JSON-ready payload, the key naming this occurrence
    (a repeat with the same key is the same occurrence) and when it happened. The app that
    knows the event emits it; delivery (webhooks) subscribes."""

    name: str
    payload: Mapping[str, Any]
    key: str
    at: datetime | None = None


# --- privacy ---
# Events whose consequences belong to ``privacy`` (the audit log, the consent ledger) or to the
# apps above it (``integrations``' delivery logs, ``analytics``' copy). Two of them ask the
# handlers for an answer — how many rows they changed, which rows they hold about a person —
# through a ``dict`` the emitter passes in and reads afterwards: the one thing a handler may
# write on an event, documented on the field.

if TYPE_CHECKING:  # type-only, as above
    from accord.accounts.models import ApiKey, User
    from accord.tracking.capture.sites import SiteSnapshot
    from accord.tracking.capture.validation import LeadSubmission


@dataclass(frozen=True, slots=True)
class UserAccessChanged:
    """A user was created, or their access fields (role, staff, superuser, active) changed.

    ``fields`` names the access fields to report, read from ``user`` as saved; ``actor`` is
    whoever did it (a user, a label such as ``"cli"``, or None)."""

    user: User
    created: bool
    fields: tuple[str, ...]
    actor: object = None


@dataclass(frozen=True, slots=True)
class ApiKeyIssued:
    """An API key was created (``key`` saved; its secret is not here, it is never stored)."""

    key: ApiKey
    actor: object = None


@dataclass(frozen=True, slots=True)
class ApiKeyRevoked:
    """An active API key was revoked (a repeat revocation emits nothing)."""

    key: ApiKey
    actor: object = None


@dataclass(frozen=True, slots=True)
class ConsentSubmitted:
    """A capture submission that ticked at least one consent box was written for
    ``contact_id``, inside the submission's transaction (the grants commit with the lead).
    ``known``: the contact existed before this submission."""

    contact_id: int
    site: SiteSnapshot
    submission: LeadSubmission
    at: datetime
    known: bool


@dataclass(frozen=True, slots=True)
class ChannelsRegrouped:
    """Stored touches moved to another channel (``accord channels regroup``); emitted after
    the move committed. ``touch_ids``: the touches changed in place."""

    touch_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ContactAnonymised:
    """A contact and the rows ``privacy`` reaches were anonymised (erasure on request, or
    retention), inside the erasure's transaction; the contact row is the tombstone now.

    ``identifiers`` are the person's e-mail and phone as they were; ``secrets`` adds their
    names (what to mask wherever it is written). A handler that changes rows of its own adds
    the count to ``changed`` under its table's name: the erasure report and its audit row
    list them."""

    contact_id: int
    lead_ids: tuple[int, ...]
    identifiers: tuple[str, ...]
    secrets: tuple[str, ...]
    changed: dict[str, int]


@dataclass(frozen=True, slots=True)
class PersonDataRequested:
    """A data-subject export is being assembled for these contacts (one person). A handler
    that holds rows about the person adds them to ``tables`` (table name → model instances,
    in order); ``privacy`` writes every table into the export."""

    contact_ids: tuple[int, ...]
    lead_ids: tuple[int, ...]
    identifiers: tuple[str, ...]
    tables: dict[str, list[object]]


@dataclass(frozen=True, slots=True)
class RetentionDue:
    """The retention period of ``data_type`` (``privacy.models.RetentionDataType``), a type
    that ``privacy`` does not hold itself, ran out at ``cutoff``. The handler that holds it
    deletes what is older (or, with ``dry_run``, only counts) and adds the count to
    ``counts`` under the type's name."""

    data_type: str
    cutoff: datetime
    dry_run: bool
    counts: dict[str, int]


@dataclass(frozen=True, slots=True)
class AnonymousTouchesDeleted:
    """Retention deleted the anonymous touches (never linked to a person) from before
    ``before``; emitted after the deletion committed."""

    before: datetime
