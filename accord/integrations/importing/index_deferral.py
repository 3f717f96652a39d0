"""SQLite: build a table's secondary indexes after a large insert instead of during it.

Inserting rows in an order that is random for an index (a lead's ``created_at``, a
transition's ``(to_stage, at)``) costs a B-tree descent and often a page split per entry;
``CREATE INDEX`` sorts once and writes packed pages, several times cheaper per entry and with
far fewer pages for the WAL and the commit. So when an import adds at least as many rows as a
table already holds (a first import, a fresh database), its plain indexes are dropped and
re-created from their own ``CREATE INDEX`` text around the inserts.

It all happens inside the import's one transaction: SQLite's DDL is transactional, so a failure
or a kill rolls the indexes back with the rows, and readers (WAL) keep seeing the old table
with its indexes. UNIQUE indexes (and the constraints behind them) are never touched: they
must reject duplicates as rows arrive. PostgreSQL is left alone: ``DROP INDEX`` would lock the
table against readers until the commit, and ``COPY`` keeps its index upkeep in the server.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from django.db import connections, models

#: Below this many new rows the saving is small; DDL also makes other connections re-prepare.
MIN_ROWS = 20_000
#: Rebuilding sorts every row; it pays while the table holds at most this many rows per new one.
MAX_EXISTING_PER_NEW = 1


@contextmanager
def indexes_deferred(
    incoming: Mapping[type[models.Model], int], *, using: str = "default"
) -> Iterator[list[str]]:
    """Drop, then re-create, the plain indexes of the tables about to receive many rows.

    ``incoming`` is the number of rows each model is about to receive. Yields the names of
    the indexes deferred (for tests and logs). Must run inside ``transaction.atomic()``.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield []
        return
    saved: list[tuple[str, str]] = []
    with connection.cursor() as cursor:
        for model, count in incoming.items():
            if count < MIN_ROWS:
                continue
            table = model._meta.db_table
            cursor.execute(f'SELECT MAX(rowid) FROM "{table}"')  # an upper bound of its rows
            if (cursor.fetchone()[0] or 0) > count * MAX_EXISTING_PER_NEW:
                continue
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%'",
                [table],
            )
            saved.extend(cursor.fetchall())
        for name, _ in saved:
            cursor.execute(f'DROP INDEX "{name}"')
    yield [name for name, _ in saved]
    # Not in a ``finally``: after an error the transaction rolls back and restores them.
    with connection.cursor() as cursor:
        for _, sql in saved:
            cursor.execute(sql)
