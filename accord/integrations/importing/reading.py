"""Stream a CSV file's records with their row numbers, as a spreadsheet would number them.

Row 1 is the header; the first record after it is row 2 (a file without a header has its
names given, as row 0, and its first record is row 1). A quoted value spanning several lines
is one record, so row numbers count records, not physical lines. Nothing is held in memory
beyond the record being read.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable, Generator
from dataclasses import dataclass
from pathlib import Path

from accord.integrations.importing.sniff import FileFormat

# One cell may legitimately be long (notes, JSON); the default 128 KiB limit is too tight.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class FileUnreadable(Exception):
    """The file cannot be parsed at all (undecodable bytes, broken quoting)."""

    def __init__(self, message: str, *, row: int):
        super().__init__(message)
        self.message = message
        self.row = row


@dataclass
class CsvSource:
    path: Path
    format: FileFormat
    #: The column names of a file without a header row (``--no-header --columns a,b,c``):
    #: they come first as "row 0", and the file's first line is row 1, a record.
    columns: tuple[str, ...] | None = None

    @property
    def header_row(self) -> int:
        return 0 if self.columns is not None else 1

    def header(self) -> list[str]:
        for _, record in self.records():
            return record
        return []

    def records(
        self, *, on_bytes: Callable[[int], None] | None = None
    ) -> Generator[tuple[int, list[str]], None, None]:
        """Yield ``(row_number, values)``; ``on_bytes`` is told the bytes read so far."""
        if self.columns is not None:
            yield 0, list(self.columns)
        with self.path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=self.format.encoding, newline="")
            reader = csv.reader(text, delimiter=self.format.delimiter, strict=False)
            row = 0
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    if on_bytes is not None:
                        on_bytes(raw.tell())
                    return
                except UnicodeDecodeError as error:
                    raise FileUnreadable(
                        f"The file is not valid {self.format.encoding} after row {row} "
                        f"({error.reason}); save it as UTF-8 or give its encoding.",
                        row=row + 1,
                    ) from None
                except csv.Error as error:
                    raise FileUnreadable(f"Cannot read the CSV: {error}.", row=row + 1) from None
                row += 1
                if row == 1 and record and record[0].startswith("\ufeff"):
                    record[0] = record[0][1:]
                if on_bytes is not None and row % 2000 == 0:
                    on_bytes(raw.tell())
                yield row, record
