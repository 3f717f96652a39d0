"""Cursor pagination for API lists: stable under inserts, opaque to clients.

A cursor is base64 of ``[ordering, last value, last id]``. The next page is every row after
that position in ``(ordering field, id)`` order (keyset pagination), so rows inserted while a
client pages never shift or repeat what it sees, and deep pages cost what the first does.

Values JSON cannot hold (dates, datetimes, times, decimals, UUIDs) travel as text and are
read back by the ordering field itself (``to_python``), so any field type can order a list;
whatever a tampered cursor holds is refused as a 4xx naming ``cursor``, never a 500.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import connections
from django.db.models import Model, Q, QuerySet

from accord.core.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
_INT64 = 2**63


def cursor_encode(ordering: str, value: Any, pk: int) -> str:
    if isinstance(value, date | datetime | time):
        value = value.isoformat()
    elif isinstance(value, Decimal | uuid.UUID):
        value = str(value)
    raw = json.dumps([ordering, value, pk], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str, *, ordering: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        cursor_ordering, value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("The cursor is not one this API gave out.", field="cursor") from None
    # A hand-made cursor's value must still be one a row could hold (no null, list or object).
    if (
        not isinstance(value, str | int | float)
        or not isinstance(pk, int)
        or isinstance(pk, bool)
        or not -_INT64 <= pk < _INT64  # beyond any id column: the database would raise
    ):
        raise InvalidInput("The cursor is not one this API gave out.", field="cursor")
    if cursor_ordering != ordering:
        raise InvalidInput(
            "The cursor belongs to another ordering; keep the ordering while paging.",
            field="cursor",
        )
    return value, pk


def page(
    queryset: QuerySet[Any],
    *,
    ordering: str,
    allowed: Sequence[str],
    cursor: str | None,
    limit: int,
) -> tuple[list[Model], str | None]:
    """One page of ``queryset`` and the cursor of the next (None on the last page)."""
    if ordering not in allowed:
        raise InvalidInput(
            f"Unknown ordering {ordering!r}; expected one of: {', '.join(allowed)}.",
            field="ordering",
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"The limit must be between 1 and {MAX_LIMIT}.", field="limit")
    descending = ordering.startswith("-")
    field = ordering.lstrip("-")
    if cursor:
        value, pk = cursor_decode(cursor, ordering=ordering)
        if field != "id":
            value = _field_value(queryset, field, value)
        after = "lt" if descending else "gt"
        if field == "id":
            queryset = queryset.filter(**{f"pk__{after}": pk})
        else:
            queryset = queryset.filter(
                Q(**{f"{field}__{after}": value}) | Q(**{field: value, f"pk__{after}": pk})
            )
    sign = "-" if descending else ""
    order = [f"{sign}pk"] if field == "id" else [f"{sign}{field}", f"{sign}pk"]
    rows = list(queryset.order_by(*order)[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, cursor_encode(
        ordering, getattr(last, field) if field != "id" else last.pk, last.pk
    )


def _field_value(queryset: QuerySet[Any], field: str, raw: Any) -> Any:
    """The cursor's value as the ordering field's type (a model field or an annotation)."""
    annotation = queryset.query.annotations.get(field)
    model_field = (
        annotation.output_field if annotation is not None else queryset.model._meta.get_field(field)
    )
    try:
        value = model_field.to_python(raw)  # type: ignore[union-attr]
        # A value the database cannot compare with the column (NaN, infinity, overflow).
        model_field.get_db_prep_value(value, connection=connections[queryset.db])  # type: ignore[union-attr]
    except Exception:  # a tampered cursor: whatever the field refuses
        raise InvalidInput("The cursor is not one this API gave out.", field="cursor") from None
    if (
        value is None
        or (isinstance(value, float) and not math.isfinite(value))
        or (isinstance(value, int) and not -_INT64 <= value < _INT64)
    ):
        raise InvalidInput("The cursor is not one this API gave out.", field="cursor")
    return value


def page_of(queryset: QuerySet[Any], params: Any, *, allowed: Sequence[str]) -> dict[str, Any]:
    """The response body of a list endpoint for ``params`` (cursor, limit, ordering)."""
    items, next_cursor = page(
        queryset,
        ordering=params.ordering,
        allowed=allowed,
        cursor=params.cursor,
        limit=params.limit,
    )
    return {"items": items, "next_cursor": next_cursor}
