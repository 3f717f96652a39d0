"""The simulator's output format: plain rows per table, ready for bulk insertion.

The simulator never touches the database. It emits, per model (``"app_label.Model"``), the
field names (attnames such as ``lead_id``) and a list of tuples of plain values: ints, strings,
``None``, booleans, times as ``YYYY-MM-DD HH:MM:SS`` UTC text and JSON as text. Both SQLite
(Django's own storage format) and PostgreSQL (COPY text input) read those as they are, so the
loader can stream rows without building model instances.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

DAY = 86_400


class Rows(NamedTuple):
    columns: tuple[str, ...]
    rows: list[tuple]


#: One unit of work for the loader: rows per model label, inserted in ``TABLE_ORDER``.
Batch = dict[str, Rows]

#: Insertion order: every table comes after the tables its foreign keys point to.
TABLE_ORDER: tuple[str, ...] = (
    "tracking.Campaign",
    "tracking.SpendEntry",
    "contacts.Account",
    "contacts.Contact",
    "contacts.Lead",
    "contacts.StageTransition",
    "pipeline.Deal",
    "pipeline.Activity",
    "tracking.Touchpoint",
)


class IdAllocator:
    """Hands out primary keys per table, after the largest id already in the database.

    The simulator chooses ids itself so that rows can point at each other before any of them
    is written; that is what lets the loader use plain bulk inserts (and COPY).
    """

    def __init__(self, bases: Mapping[str, int]):
        self._next = {label: int(bases.get(label, 0)) + 1 for label in TABLE_ORDER}

    def take(self, label: str, count: int) -> np.ndarray:
        start = self._next[label]
        self._next[label] = start + count
        return np.arange(start, start + count, dtype=np.int64)


def stamps(seconds: np.ndarray | list[int]) -> list[str]:
    """Unix seconds -> ``YYYY-MM-DD HH:MM:SS`` (UTC), vectorised.

    A space, not ``T``, between date and time: Django stores SQLite datetimes that way and
    compares them as text, so the two forms must never be mixed in one column.
    """
    values = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")
    text = np.datetime_as_string(values, unit="s").astype("S19")
    text.view(np.uint8).reshape(-1, 19)[:, 10] = ord(" ")
    return text.astype("U19").tolist()


def day_stamps(seconds: np.ndarray | list[int]) -> list[str]:
    values = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]").astype("datetime64[D]")
    return np.datetime_as_string(values, unit="D").tolist()


def nullable(ids: np.ndarray) -> list[int | None]:
    """Int ids with ``-1`` meaning "none" -> a list with ``None`` for those."""
    out = ids.astype(object)
    out[ids < 0] = None
    return out.tolist()
