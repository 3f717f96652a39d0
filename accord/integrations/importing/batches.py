"""Read and validate a file in batches of ``BATCH_ROWS`` rows, in file order.

The importer collapses, plans and (for a large leads file, ``pipeline``) writes each batch's
records while the next rows are read, so batches bound how much is held before work starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from accord.integrations.importing.reading import CsvSource, FileUnreadable
from accord.integrations.importing.validate import Record, RowError, RowValidator

#: Rows per batch: the importer starts planning after this many.
BATCH_ROWS = 5_000


@dataclass
class Batch:
    rows: int = 0  # non-blank rows read
    records: list[Record] = field(default_factory=list)  # valid rows, in file order
    errors: list[RowError] = field(default_factory=list)
    bytes_read: int = 0
    #: ``(row, message)`` of a ``FileUnreadable``: the file cannot be read past this point.
    unreadable: tuple[int, str] | None = None


def batches_validated(source: CsvSource, validator: RowValidator) -> Iterator[Batch]:
    """The file's rows after the header, validated, in batches of ``BATCH_ROWS`` rows."""
    read = [0]  # bytes read so far, from the reader's calls

    def on_bytes(done: int) -> None:
        read[0] = done

    batch = Batch()
    records = source.records(on_bytes=on_bytes)
    header_row = source.header_row
    try:
        for row, values in records:
            if row == header_row or not "".join(values).strip():
                continue  # the header; a blank line is not a record
            batch.rows += 1
            record, errors = validator.validate(row, values)
            if record is None:
                batch.errors.extend(errors)
            else:
                batch.records.append(record)
            if batch.rows == BATCH_ROWS:
                batch.bytes_read = read[0]
                yield batch
                batch = Batch()
    except FileUnreadable as error:
        batch.unreadable = (error.row, error.message)
    finally:
        records.close()
    batch.bytes_read = read[0]
    yield batch
