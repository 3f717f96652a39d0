"""Read and validate a file in batches: here, or for a large file in a forked process while
this one collapses, plans and writes.

Validating a row is pure work (cells in, a typed record or errors out, with the users and
channels loaded beforehand), about half the Python time of an import. A child process forked
after the validator is built reads the file itself and sends the outcomes back in batches of
``BATCH_ROWS`` rows, in file order; this process keeps everything that depends on order
(collapsing duplicates, planning, writing), so the result is the same as reading in-process.

``fork`` rather than ``spawn``: the child needs no Django start-up (spawning costs 1-2 s, the
time the whole validation takes), and it touches no database connection: it only reads the
file and leaves with ``os._exit`` (multiprocessing's way), which closes nothing of the
parent's. Forking a process that runs other threads is unsafe (a lock one of them holds stays
held in the child), so only a single-threaded process forks (the ``accord import`` command,
not a web worker). A child that dies makes the import fail: ``ReadingFailed``.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from accord.integrations.importing.fields import ParseContext
from accord.integrations.importing.reading import CsvSource, FileUnreadable
from accord.integrations.importing.validate import Record, RowError, RowValidator

#: Files smaller than this are read in-process (forking and the pipe cost ~50 ms).
MIN_BYTES = 2_000_000
#: Rows per message from the child: large enough that pickling is cheap per row, small
#: enough that this process starts planning early.
BATCH_ROWS = 5_000


class ReadingFailed(Exception):
    """The reading process died or could not be started."""


@dataclass
class Batch:
    rows: int = 0  # non-blank rows read
    records: list[Record] = field(default_factory=list)  # valid rows, in file order
    errors: list[RowError] = field(default_factory=list)
    bytes_read: int = 0
    naive_times: int = 0  # the child's running total
    #: ``(row, message)`` of a ``FileUnreadable``: the file cannot be read past this point.
    unreadable: tuple[int, str] | None = None


def forked_reading_possible(size: int) -> bool:
    return (
        size >= MIN_BYTES
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and _spare_core()
    )


def _spare_core() -> bool:
    """Whether a core is likely idle (the last minute's load average leaves one free).

    The child only pays when it runs beside this process: on a busy machine the two take
    turns on the same cores, and pickling the records (~0.5 s of CPU per 100,000 rows) is
    then pure cost (measured: 100,000 leads under load 3.5-4.5 on 2 cores, 6.5-7.6 s forked
    against 6.0-6.4 s in-process).
    """
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - not available on this platform
        return False
    return load <= (os.cpu_count() or 1) - 1


def batches_forked(
    source: CsvSource, validator: RowValidator, ctx: ParseContext
) -> Iterator[Batch]:
    """The file's rows after the header, validated in a child process, batch by batch."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_read, args=(source, validator, ctx, sender), name="import-reader", daemon=True
    )
    # The child's garbage collector would write to every object it inherited, copying the
    # parent's whole heap page by page; frozen objects are left alone.
    gc.freeze()
    try:
        process.start()
    finally:
        gc.unfreeze()
    sender.close()  # the child's end: EOF here when the child is gone
    try:
        while True:
            try:
                batch = receiver.recv()
            except EOFError:
                process.join()
                raise ReadingFailed(
                    f"the process reading the file stopped (exit code {process.exitcode})"
                ) from None
            if batch is None:
                break
            yield batch
        process.join()
    finally:
        if process.is_alive():  # this side stopped early (an error while writing)
            process.kill()
            process.join()
        receiver.close()


def batches_validated(
    source: CsvSource, validator: RowValidator, ctx: ParseContext
) -> Iterator[Batch]:
    """The file's rows after the header, validated here, in batches of ``BATCH_ROWS`` rows
    (the child sends these; an in-process import reads them directly)."""
    read = [0]  # bytes read so far, from the reader's calls

    def on_bytes(done: int) -> None:
        read[0] = done

    batch = Batch()
    records = source.records(on_bytes=on_bytes)
    try:
        for row, values in records:
            if row == 1 or not "".join(values).strip():
                continue  # the header; a blank line is not a record
            batch.rows += 1
            record, errors = validator.validate(row, values)
            if errors:
                batch.errors.extend(errors)
            else:
                batch.records.append(record)
            if batch.rows == BATCH_ROWS:
                batch.naive_times, batch.bytes_read = ctx.naive_times, read[0]
                yield batch
                batch = Batch()
    except FileUnreadable as error:
        batch.unreadable = (error.row, error.message)
    finally:
        records.close()
    batch.naive_times, batch.bytes_read = ctx.naive_times, read[0]
    yield batch


def _read(source: CsvSource, validator: RowValidator, ctx: ParseContext, sender) -> None:
    """The child: read, validate, send. Runs in a forked copy of the importing process."""
    for batch in batches_validated(source, validator, ctx):
        sender.send(batch)
    sender.send(None)
    sender.close()
