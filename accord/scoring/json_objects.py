"""Stored JSON objects (custom properties) read back in bulk.

A million leads carry far fewer distinct property texts (a form's few fields with a few answers
each), so each distinct text is parsed once per reader and its dict shared by the rows that
hold it. The dicts are read-only to every caller.
"""

from __future__ import annotations

import json
from typing import Any

#: Distinct texts remembered per reader; free-text properties could make each row unique.
_KEPT = 100_000
_EMPTY: dict = {}


class ObjectReader:
    """``read(value)``: the dict a stored JSON object column holds, ``{}`` for anything else
    (NULL, another JSON type, text that is not JSON)."""

    def __init__(self) -> None:
        self._known: dict[str, dict] = {"{}": _EMPTY, "": _EMPTY}

    def read(self, value: Any) -> dict:
        if value.__class__ is str:
            found = self._known.get(value)
            if found is None:
                try:
                    found = json.loads(value)
                except ValueError:
                    found = _EMPTY
                if not isinstance(found, dict):
                    found = _EMPTY
                if len(self._known) < _KEPT:
                    self._known[value] = found
            return found
        return value if isinstance(value, dict) else _EMPTY
