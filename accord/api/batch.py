"""Batch endpoints: up to 100 records, one result per record.

Each record runs in its own transaction (a savepoint when the caller holds one), so one bad
record does not undo the others; CSV import, by contrast, is all-or-nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DatabaseError, transaction

from accord.core.errors import DomainError

logger = logging.getLogger(__name__)


def batch_apply(
    records: Sequence[Any], write: Callable[[Any], tuple[str, int]]
) -> list[dict[str, Any]]:
    """Run ``write`` (returning ``(status, id)``) on each record; collect per-record results."""
    results: list[dict[str, Any]] = []
    for index, record in enumerate(records):
        try:
            with transaction.atomic():
                status, pk = write(record)
        except DomainError as error:
            results.append({"index": index, "status": "error", "error": error.as_dict()})
        except DatabaseError:  # a constraint that lost a race: report it, keep going
            logger.warning("batch record %s failed on a database constraint", index, exc_info=True)
            results.append(
                {
                    "index": index,
                    "status": "error",
                    "error": {
                        "code": "conflict",
                        "message": "The record conflicts with existing data.",
                        "field": None,
                    },
                }
            )
        else:
            results.append({"index": index, "status": status, "id": pk})
    return results


def batch_results(
    records: Sequence[Any], write: Callable[[Any], tuple[str, int]]
) -> dict[str, list[dict[str, Any]]]:
    """The response of a ``/batch`` endpoint: ``batch_apply``'s results under ``results``."""
    return {"results": batch_apply(records, write)}


def upserted(saved: tuple[Any, bool]) -> tuple[str, int]:
    """A create-or-update's ``(row, created)`` as a batch result's ``(status, id)``."""
    row, created = saved
    return ("created" if created else "updated"), row.pk
