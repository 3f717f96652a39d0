"""Writes of batch rescoring: LeadScore rows and the leads' score and grade columns, per chunk.

SQLite: one prepared ``INSERT ... ON CONFLICT DO UPDATE`` run with ``executemany``.
PostgreSQL: ``COPY`` into a temporary table, then one upsert from it. Either way the lead's
columns are updated only where they changed, in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from django.db import connection, transaction

from accord.contacts.models import Lead
from accord.scoring.models import LeadScore

_FIELDS = LeadScore._meta.concrete_fields
_COLUMNS = [f.column for f in _FIELDS if f.column is not None]  # every concrete field has one
_ATTNAMES = [f.attname for f in _FIELDS]
_TEMP = "scoring_batch_rows"


class ScoredRow(NamedTuple):
    """One lead's result: its LeadScore values, its MQL criterion, its old columns."""

    lead_id: int
    score: int
    grade: str
    fit_hundredths: int
    engagement_hundredths: int
    breakdown: str  # JSON text
    fast_track: str  # JSON text
    warnings: tuple[str, ...]
    qualifies: str
    stage: str
    old_score: int
    old_grade: str


def _db_rows(
    rows: Sequence[ScoredRow], profile_id: int, profile_version: int, now: datetime
) -> list[tuple]:
    computed_at = (
        now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
    )
    values: dict[str, Any] = {
        "profile_id": profile_id,
        "profile_version": profile_version,
        "computed_at": computed_at,
    }
    out = []
    for r in rows:
        values.update(
            lead_id=r.lead_id,
            score=r.score,
            grade=r.grade,
            fit_points=r.fit_hundredths / 100,
            engagement_points=r.engagement_hundredths / 100,
            breakdown=r.breakdown,
            fast_track=r.fast_track,
            warnings=json.dumps(list(r.warnings)) if r.warnings else "[]",
            qualifies=r.qualifies,
        )
        out.append(tuple(values[name] for name in _ATTNAMES))
    return out


def rows_prepare(
    rows: Sequence[ScoredRow], *, profile_id: int, profile_version: int, now: datetime
) -> tuple[list[tuple], list[tuple]]:
    """The LeadScore rows as column tuples, and (score, grade, id) of leads whose changed."""
    changed = [
        (r.score, r.grade, r.lead_id)
        for r in rows
        if (r.old_score, r.old_grade) != (r.score, r.grade)
    ]
    return _db_rows(rows, profile_id, profile_version, now), changed


def table_upsert(cursor, table: str, columns: Sequence[str], data: Sequence[tuple], key: str):
    """Insert ``data`` (tuples in ``columns`` order) into ``table``, replacing rows whose
    ``key`` exists: one prepared statement on SQLite, ``COPY`` + one upsert on PostgreSQL.

    Run it inside a transaction; JSON columns take their JSON text.
    """
    names = ", ".join(f'"{c}"' for c in columns)
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c != key)
    if connection.vendor == "postgresql":
        temp = f"{_TEMP}_{table}"
        cursor.execute(
            f'CREATE TEMP TABLE IF NOT EXISTS "{temp}" '
            f'(LIKE "{table}" INCLUDING DEFAULTS) ON COMMIT DELETE ROWS'
        )
        cursor.execute(f'TRUNCATE "{temp}"')
        with cursor.cursor.copy(f'COPY "{temp}" ({names}) FROM STDIN') as copy:
            for row in data:
                copy.write_row(row)
        cursor.execute(
            f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "{temp}" '
            f'ON CONFLICT ("{key}") DO UPDATE SET {updates}'
        )
    else:
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(
            f'INSERT INTO "{table}" ({names}) VALUES ({marks}) '
            f'ON CONFLICT ("{key}") DO UPDATE SET {updates}',
            data,
        )


def rows_store(data: Sequence[tuple], changed: Sequence[tuple]) -> None:
    """Upsert prepared LeadScore rows and copy changed scores and grades onto the leads."""
    if not data:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        table_upsert(cursor, LeadScore._meta.db_table, _COLUMNS, data, "lead_id")
        if changed:
            cursor.executemany(
                f'UPDATE "{Lead._meta.db_table}" SET "score" = %s, "grade" = %s WHERE "id" = %s',
                changed,
            )


def rows_write(
    rows: Sequence[ScoredRow], *, profile_id: int, profile_version: int, now: datetime
) -> None:
    """Upsert the LeadScore rows; copy score and grade onto leads whose values changed."""
    rows_store(*rows_prepare(rows, profile_id=profile_id, profile_version=profile_version, now=now))
