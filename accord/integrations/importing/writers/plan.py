"""What every planner returns (``WritePlan``), and the campaign book planners share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models.functions import Lower

from accord.integrations.importing.bulk_insert import (
    rows_insert,
)
from accord.integrations.importing.fields import choice_key
from accord.integrations.importing.people import (
    AccountsPlan,
    chunks,
)
from accord.integrations.importing.schemas import (
    LOST_REASON_VALUES,
)
from accord.integrations.importing.validate import RowError
from accord.tracking.models import Campaign


@dataclass
class WritePlan:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    apply: Callable[[], None] = lambda: None
    #: Pipelined imports (leads): ``apply`` without the index deferral, which then wraps the
    #: whole transaction; rows each model receives; the ids of the stored contacts and leads
    #: the plan matched (a row matched by two chunks makes the pipeline fall back).
    write: Callable[[], None] = lambda: None
    incoming: dict[type, int] = field(default_factory=dict)
    matched_contacts: set[int] = field(default_factory=set)
    matched_leads: set[int] = field(default_factory=set)


LOST_REASON_KEYS = {choice_key(k): v for k, v in LOST_REASON_VALUES.items()}


def column(mapping: dict[str, str], name: str) -> str:
    return mapping.get(name, name)


# --- campaigns -------------------------------------------------------------------------------


class CampaignBook:
    """Campaigns by UTM value or name (case-insensitive); unknown ones are planned as new."""

    @classmethod
    def shared(cls, book: CampaignBook | None, names: set[str]) -> CampaignBook:
        """``book`` (an earlier chunk's) with ``names`` looked up too, or a new book."""
        if book is None:
            return cls(names)
        book.lookup(names)
        return book

    def __init__(self, names: set[str]) -> None:
        self.by_key: dict[str, Campaign] = {}
        self.new: list[Campaign] = []
        self.saved = 0  # how many of ``new`` are in the database
        self.lookup(names)

    def lookup(self, names: set[str]) -> None:
        """Read the stored campaigns of ``names`` not met yet (a pipelined import's chunks
        share one book)."""
        lowered = {n.lower() for n in names} - self.by_key.keys()
        for batch in chunks(lowered):
            by_utm = Campaign.objects.annotate(lutm=Lower("utm_campaign")).filter(lutm__in=batch)
            for campaign in by_utm:
                self.by_key[campaign.utm_campaign.lower()] = campaign
            by_name = Campaign.objects.annotate(lname=Lower("name")).filter(lname__in=batch)
            for named in by_name:
                self.by_key.setdefault(named.name.lower(), named)

    def get(self, name: str | None, channel_id: int | None) -> Campaign | None:
        if not name:
            return None
        found = self.by_key.get(name.lower())
        if found is None:
            found = Campaign(name=name[:200], utm_campaign=name[:200], channel_id=channel_id)
            self.by_key[name.lower()] = found
            self.new.append(found)
        return found

    def save(self, upto: int | None = None) -> None:
        """Insert the new campaigns not saved yet (the first ``upto`` of them, if given)."""
        upto = len(self.new) if upto is None else upto
        rows_insert(self.new[self.saved : upto])
        self.saved = max(self.saved, upto)

    def note(self) -> list[str]:
        return (
            [
                f"{len(self.new)} new campaign(s): {', '.join(c.name for c in self.new[:5])}"
                + ("…" if len(self.new) > 5 else "")
            ]
            if self.new
            else []
        )


def accounts_note(accounts: AccountsPlan) -> list[str]:
    return [f"{len(accounts.new)} new account(s)"] if accounts.new else []
