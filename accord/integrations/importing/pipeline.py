"""Pipelined write of a large leads import: the database writes one chunk while the next is read.

An import used to read and validate the whole file, plan it, then write it: the database sat
idle while Python worked and the other way round. Here the file is planned in chunks of
``CHUNK_RECORDS`` records as it is read, and a writer thread with its own connection writes
each planned chunk inside the import's one transaction. SQLite's and psycopg's C code release
the GIL while a statement runs (and PostgreSQL's server is another process), so the database's
work overlaps the validation and planning of the following rows.

Nothing about the outcome changes:

- The transaction is committed only after the last chunk; an invalid row (unless skipping
  invalid rows), an unreadable file, a database error or a killed process rolls it all back.
- The planner's lookups run on the reading thread's connection, outside the transaction, so
  they see the database as it was before the import, as the one-piece plan does.
- Chunks share the accounts and campaigns plans, so a company or campaign is created once and
  ids come out in the same order. Records of different chunks otherwise never meet, because
  duplicates collapse into one record before planning. When they would meet after all (a
  later row merges into a record already planned, or two chunks match the same stored contact
  or lead), the pipeline rolls back and the whole file is planned and written in one piece.

Only for files of at least ``MIN_BYTES`` (a thread and a second connection cost little, but
small files gain nothing) and never inside a caller's transaction (the writer's connection
could not see it).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from django.db import connections, transaction

from accord.integrations.importing.index_deferral import indexes_deferred
from accord.integrations.importing.people import AccountsPlan
from accord.integrations.importing.validate import RecordCollapser
from accord.integrations.importing.writers import CampaignBook, WritePlan, leads_plan

#: Records per planned chunk: small enough for the writer to start early, large enough that
#: the per-chunk queries (a dozen) cost nothing.
CHUNK_RECORDS = 10_000
#: Files smaller than this (~15,000 rows of a typical export) are written in one piece.
MIN_BYTES = 2_000_000
#: Planned chunks waiting for the writer (bounds the memory of tuples not yet written).
QUEUE_CHUNKS = 2

_DONE = object()
_ABORT = object()


class _Aborted(Exception):
    """The reading side gave up on the pipeline: roll back."""


def pipeline_possible(entity: str, size: int, *, dry_run: bool, using: str = "default") -> bool:
    connection = connections[using]
    return (
        entity == "leads"
        and not dry_run
        and size >= MIN_BYTES
        and connection.vendor in ("sqlite", "postgresql")
        and not connection.in_atomic_block
    )


class ChunkWriter(threading.Thread):
    """Writes planned chunks in one transaction on its own connection; commits at ``_DONE``."""

    def __init__(
        self,
        incoming: dict[type, int],
        settings: Callable[[], AbstractContextManager[None]],
    ) -> None:
        super().__init__(name="import-writer", daemon=True)
        self.chunks: queue.Queue = queue.Queue(maxsize=QUEUE_CHUNKS)
        self.incoming = incoming
        self.settings = settings
        self.error: BaseException | None = None
        self.committed = False

    def run(self) -> None:
        try:
            with self.settings(), transaction.atomic(), indexes_deferred(self.incoming):
                _constraints_immediate()
                while (item := self.chunks.get()) is not _DONE:
                    if item is _ABORT:
                        raise _Aborted
                    item()
            self.committed = True
        except _Aborted:
            pass
        except BaseException as error:  # handed to the reading thread, which raises it
            self.error = error
        finally:
            connections.close_all()  # this thread's connections only

    def send(self, item: object) -> bool:
        """Queue ``item``; False when the writer has stopped (it failed)."""
        while self.is_alive():
            try:
                self.chunks.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False


def _constraints_immediate() -> None:
    """PostgreSQL: check foreign keys as each chunk's statements end, not all at the commit.

    Django declares them ``DEFERRABLE INITIALLY DEFERRED``; deferred, ~1.1 million checks of a
    100,000-lead import queue up and run at the commit, after the last row, where nothing
    overlaps them. Each chunk inserts what it points at before what points at it, so the
    checks pass as they go; a failing one still rolls everything back.
    """
    connection = connections["default"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class LeadsPipeline:
    """Plans the collapsed records in chunks as they arrive and hands them to a writer."""

    def __init__(
        self,
        collapser: RecordCollapser,
        *,
        now: datetime,
        total_bytes: int,
        settings: Callable[[], AbstractContextManager[None]],
    ) -> None:
        self.collapser = collapser
        self.now = now
        self.total_bytes = total_bytes
        self.settings = settings
        self.accounts = AccountsPlan()
        self.campaigns = CampaignBook(set())
        self.matched_contacts: set[int] = set()
        self.matched_leads: set[int] = set()
        self.created = self.updated = self.unchanged = 0
        self.writer: ChunkWriter | None = None
        self.broken = False
        self.plan_seconds = 0.0
        self.chunks = 0

    def feed(self, bytes_read: int) -> None:
        """Called after each row: plan and send a chunk when one is full."""
        if self.broken:
            return
        if self.collapser.late:
            self.abandon()
        elif len(self.collapser.records) - self.collapser.frozen >= CHUNK_RECORDS:
            self._flush(bytes_read)

    def _flush(self, bytes_read: int) -> None:
        collapser = self.collapser
        started = time.perf_counter()
        chunk = collapser.records[collapser.frozen :]
        plan = leads_plan(chunk, now=self.now, accounts=self.accounts, campaigns=self.campaigns)
        self.plan_seconds += time.perf_counter() - started
        if (
            plan.errors
            or not plan.matched_contacts.isdisjoint(self.matched_contacts)
            or not plan.matched_leads.isdisjoint(self.matched_leads)
        ):
            self.abandon()  # chunks would meet: plan the file in one piece
            return
        self.matched_contacts |= plan.matched_contacts
        self.matched_leads |= plan.matched_leads
        collapser.frozen = len(collapser.records)
        self.created += plan.created
        self.updated += plan.updated
        self.unchanged += plan.unchanged
        self.chunks += 1
        if self.writer is None:
            self.writer = ChunkWriter(self._incoming_estimate(plan, bytes_read), self.settings)
            self.writer.start()
        if not self.writer.send(plan.write):
            self.broken = True  # the writer failed; ``finish`` raises its error

    def _incoming_estimate(self, plan: WritePlan, bytes_read: int) -> dict[type, int]:
        """Rows per table for the whole file, from the first chunk (the index deferral's
        decision is taken when the transaction starts, before the file is read)."""
        scale = self.total_bytes / max(bytes_read, 1)
        return {model: int(count * scale) for model, count in plan.incoming.items()}

    def abandon(self) -> None:
        """Roll back whatever was written and stop planning in chunks (a writer's error is
        kept for ``finish``)."""
        self.broken = True
        if self.writer is not None:
            self.writer.send(_ABORT)
            self.writer.join()

    def finish(self, bytes_read: int) -> bool:
        """Plan the rest and commit; False when the file must be planned in one piece instead.

        Raises the writer's error (the transaction was rolled back: nothing is written).
        """
        if not self.broken and self.collapser.late:
            self.abandon()
        if not self.broken and len(self.collapser.records) > self.collapser.frozen:
            self._flush(bytes_read)
        if self.writer is None:  # nothing was sent
            self.broken = True
            return False
        if not self.broken:
            self.writer.send(_DONE)
        self.writer.join()
        if self.writer.error is not None:
            raise self.writer.error
        return self.writer.committed

    def notes(self) -> list[str]:
        notes = [f"{len(self.accounts.new)} new account(s)"] if self.accounts.new else []
        return notes + self.campaigns.note()
