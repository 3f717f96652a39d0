"""Contacts: people matched or created, accounts with them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accord.contacts.models import Contact
from accord.integrations.importing.index_deferral import indexes_deferred
from accord.integrations.importing.people import (
    PeoplePlan,
    people_plan,
    people_save,
)
from accord.integrations.importing.validate import Record
from accord.integrations.importing.writers.plan import WritePlan, accounts_note

# --- contacts --------------------------------------------------------------------------------


def contacts_plan(records: list[Record], *, now: datetime, **_: Any) -> WritePlan:
    people, _contacts, changed = people_plan(records, match_external_id=True, now=now)
    created = len(people.new)
    updated = sum(1 for flag in changed if flag) - created
    return WritePlan(
        created=created,
        updated=max(updated, 0),
        unchanged=len(records) - created - max(updated, 0),
        notes=accounts_note(people.accounts),
        apply=lambda: _people_write(people, now=now),
    )


def _people_write(people: PeoplePlan, *, now: datetime) -> None:
    with indexes_deferred({Contact: len(people.new)}):
        people_save(people, now=now)
