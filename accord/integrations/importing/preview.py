"""What the preview (dry run) says about a file beyond its counts: which column went where,
which blanks got a default, and whether its dates can be trusted. Pure: no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from accord.integrations.importing.validate import ColumnMapping, Record

#: The date fields of each entity that history (cohorts, models, funnel times) depends on.
DATE_FIELDS: dict[str, tuple[str, ...]] = {
    "contacts": ("created_at",),
    "leads": ("created_at", "outcome_at"),
    "deals": ("created_at", "won_at", "lost_at"),
    "touchpoints": ("at",),
}

#: The field whose absence dates every row at the import's time.
CREATION_FIELD: dict[str, str] = {
    "contacts": "created_at",
    "leads": "created_at",
    "deals": "created_at",
}


def mapping_lines(mapping: ColumnMapping) -> list[str]:
    """``"Email" -> email`` for every column, ``(ignored)`` for the unmapped ones."""
    width = max((len(c) for c in mapping.header), default=0)
    return [
        f"{column:<{width}} -> {target or '(ignored)'}"
        for column, target in zip(mapping.header, mapping.targets, strict=True)
    ]


def defaults_notes(defaulted: dict[tuple[str, Any], int]) -> list[str]:
    return [
        f"{count} row(s) had no {name}; it was set to {value!r} (the default)."
        for (name, value), count in sorted(defaulted.items())
    ]


def dates_notes(entity: str, records: Iterable[Record], mapped: set[str]) -> list[str]:
    """Warn when the file has no creation dates, or when every row shares one date."""
    notes: list[str] = []
    creation = CREATION_FIELD.get(entity)
    if creation and creation not in mapped:
        notes.append(
            f"Warning: no {creation} column, so every row is dated at the import time; "
            "cohorts, velocity and predictive scoring need the real dates (map one with "
            f"--map COLUMN={creation})."
        )
    fields = [f for f in DATE_FIELDS.get(entity, ()) if f in mapped]
    if not fields:
        return notes
    days: dict[str, set] = {f: set() for f in fields}
    counts: dict[str, int] = dict.fromkeys(fields, 0)
    for record in records:
        for name in fields:
            value = record.get(name)
            if isinstance(value, datetime) and len(days[name]) < 2:
                days[name].add(value.date())
            counts[name] += value is not None
    for name in fields:
        if counts[name] > 1 and len(days[name]) == 1:
            (day,) = days[name]
            notes.append(
                f"Warning: all {counts[name]} rows share one {name} date ({day}); "
                "is that column the export's date rather than each record's?"
            )
    return notes
