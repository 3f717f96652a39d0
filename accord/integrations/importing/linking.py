"""Which lead a deal or touch row belongs to: by lead external id, contact external id, e-mail
or phone, whichever of them the row carries and matches first.

Source CRMs key their exports by their own record ids; a touch or deal file rarely carries an
e-mail. So each link key is tried in ``LINK_KEYS`` order and the first one that finds a stored
row wins. A record id is looked up where its column says (lead or contact external id) and,
failing that, in the other one: the same CRM record id may have become a lead's external id
(a leads file) or a contact's (a contacts file, or a lead with nothing but an id).

A contact found this way links to its journey (lead) under way at the row's time (the first
journey for rows before it); without a time, to its newest one.

Planning only: a few bulk ``IN`` queries per file, nothing written. ``counts`` says how many
rows linked by which key, ``unlinked`` how many carried no key or a key nothing matched.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from datetime import datetime
from typing import Any

from accord.contacts.models import Contact, Lead
from accord.integrations.importing.people import chunks
from accord.integrations.importing.schemas import LINK_KEYS

#: How the preview names each key.
KEY_LABELS = {
    "lead_external_id": "lead external id",
    "contact_external_id": "contact external id",
    "contact_email": "e-mail",
    "contact_phone": "phone",
}


def _values(records: list[dict[str, Any]], *names: str) -> set[str]:
    return {r[name] for r in records for name in names if r.get(name)}


class LeadLinker:
    """Bulk-loaded lookups for one file's link keys; ``link`` answers one record."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        ids = _values(records, "lead_external_id", "contact_external_id")
        self.lead_by_ext: dict[str, tuple[int, int]] = {}
        self.contact_by: dict[str, dict[str, int]] = {"ext": {}, "email": {}, "phone": {}}
        for batch in chunks(ids):
            for ext, lead_id, contact_id in Lead.objects.filter(external_id__in=batch).values_list(
                "external_id", "id", "contact_id"
            ):
                self.lead_by_ext[str(ext)] = (lead_id, contact_id)  # matched: not NULL
        for column, key, values in (
            ("external_id", "ext", ids),
            ("email", "email", _values(records, "contact_email")),
            ("phone", "phone", _values(records, "contact_phone")),
        ):
            for batch in chunks(values):
                rows = Contact.objects.filter(**{f"{column}__in": batch}).values_list(column, "id")
                self.contact_by[key].update(rows)
        contacts = {c for table in self.contact_by.values() for c in table.values()}
        #: contact id -> its journeys as (created_at, lead id), oldest first.
        self.journeys: dict[int, list[tuple[datetime, int]]] = {}
        for batch in chunks(contacts):
            for contact_id, created, lead_id in (
                Lead.objects.filter(contact_id__in=batch)
                .order_by("created_at", "id")
                .values_list("contact_id", "created_at", "id")
            ):
                self.journeys.setdefault(contact_id, []).append((created, lead_id))
        self.counts: Counter[str] = Counter()
        self.unlinked = 0

    def _lead_of_contact(self, contact_id: int, at: datetime | None) -> int | None:
        journeys = self.journeys.get(contact_id)
        if not journeys:
            return None
        if at is None:
            return journeys[-1][1]
        position = bisect_right([created for created, _ in journeys], at)
        return journeys[max(position - 1, 0)][1]

    def _find(self, key: str, value: str, at: datetime | None) -> tuple[int | None, int | None]:
        """``(lead id, contact id)`` for one key's value; ``(None, None)`` when nothing."""
        if key in ("lead_external_id", "contact_external_id"):
            # The key's own table first, then the other (see the module docstring).
            lead_first = key == "lead_external_id"
            for table in ("lead", "contact") if lead_first else ("contact", "lead"):
                if table == "lead" and value in self.lead_by_ext:
                    return self.lead_by_ext[value]
                contact_id = self.contact_by["ext"].get(value) if table == "contact" else None
                if contact_id is not None:
                    return self._lead_of_contact(contact_id, at), contact_id
            return None, None
        contact_id = self.contact_by["email" if key == "contact_email" else "phone"].get(value)
        if contact_id is None:
            return None, None
        return self._lead_of_contact(contact_id, at), contact_id

    def link(
        self, record: dict[str, Any], *, at: datetime | None, need_lead: bool
    ) -> tuple[int | None, int | None, str | None]:
        """``(lead id, contact id, problem)`` for a record.

        ``problem`` names the first key the row carries when none of its keys matched (a
        row error for the caller); a row with no key at all is simply unlinked.
        ``need_lead``: a contact without any lead does not count as a link (deals).
        """
        first_given: str | None = None
        for key in LINK_KEYS:
            value = record.get(key)
            if not value:
                continue
            first_given = first_given or key
            lead_id, contact_id = self._find(key, value, at)
            if lead_id is not None or (contact_id is not None and not need_lead):
                self.counts[key] += 1
                return lead_id, contact_id, None
        self.unlinked += 1
        if first_given is None:
            return None, None, None
        what = "lead" if need_lead else "lead or contact"
        label = KEY_LABELS[first_given]
        return None, None, f"No {what} has the {label} {record[first_given]!r}."

    def note(self, noun: str) -> str:
        """The preview line: how many rows linked by which key, how many to nothing."""
        parts = [f"{KEY_LABELS[k]} {self.counts[k]}" for k in LINK_KEYS if self.counts[k]]
        linked = f"by {', '.join(parts)}" if parts else "none"
        return f"{noun} linked to a lead {linked}; linked to nothing: {self.unlinked}."
