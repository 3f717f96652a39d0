"""``import_run``: one CSV file into one entity, all-or-nothing unless asked otherwise.

Steps: detect the file's format; map its columns; stream and validate every row (only typed
records of valid rows are kept, one per person/deal/... after duplicates collapse); plan the
writes with a few bulk queries; then, unless this is a dry run or anything is invalid, write
everything in one transaction. With ``skip_invalid`` the valid rows are written and the
rejected ones are copied (original cells plus an ``error`` column) to a rejects file.

Usage mistakes (unknown entity, preset, field or column in the mapping, bad time zone) raise
``InvalidInput``; problems in the file come back as row errors in the report.
"""

from __future__ import annotations

import csv
import logging
import time
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accord.accounts.models import User
from accord.core.errors import InvalidInput
from accord.integrations.importing.batches import batches_validated
from accord.integrations.importing.fields import ParseContext
from accord.integrations.importing.pipeline import LeadsPipeline, pipeline_possible
from accord.integrations.importing.presets import PRESETS
from accord.integrations.importing.preview import dates_notes, defaults_notes, mapping_lines
from accord.integrations.importing.reading import CsvSource, FileUnreadable
from accord.integrations.importing.schemas import SCHEMAS, EntitySchema
from accord.integrations.importing.sniff import file_format_detect
from accord.integrations.importing.suppressed import suppressed_rows_refuse
from accord.integrations.importing.validate import (
    ColumnMapping,
    RecordCollapser,
    References,
    RowError,
    RowValidator,
    mapping_check,
    mapping_resolve,
)
from accord.integrations.importing.writers import PLANNERS, WritePlan
from accord.tracking.models import Channel

logger = logging.getLogger(__name__)

#: ``progress(phase, done, total)``: phase "read" counts bytes, "write" counts records.
Progress = Callable[[str, int, int], None]

#: SQLite page cache while an import writes (negative: KiB), 128 MiB; see _bulk_write_settings.
IMPORT_CACHE_KIB = -131_072


@dataclass
class ImportReport:
    entity: str
    path: Path
    encoding: str = ""
    delimiter: str = ","
    rows: int = 0
    valid_rows: int = 0
    duplicates_merged: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: bool = False
    dry_run: bool = False
    skip_invalid: bool = False
    rejects_path: Path | None = None
    timezone: str = "UTC"
    naive_times: int = 0
    notes: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    #: Every column and the field it went to (``(ignored)`` when none), for the preview.
    mapping_lines: list[str] = field(default_factory=list)
    #: Seconds per phase ("read_validate", "plan", "write"), for benches and logs.
    timings: dict[str, float] = field(default_factory=dict)
    #: Whether the file was written in chunks while it was read (``pipeline``).
    pipelined: bool = False

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors


def references_load(*, create_channels: bool = False) -> References:
    owners: dict[str, int] = {}
    for user_id, email in (
        User.objects.filter(is_active=True).exclude(email="").values_list("id", "email")
    ):
        owners.setdefault(email.strip().lower(), user_id)
    channels: dict[str, int] = {}
    for channel_id, slug, name in Channel.objects.values_list("id", "slug", "name"):
        channels[slug.lower()] = channel_id
        channels.setdefault(name.lower(), channel_id)
    return References(owners=owners, channels=channels, create_channels=create_channels)


def timezone_get(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"Unknown time zone {name!r} (use an IANA name such as UTC or Europe/Moscow).",
            field="timezone",
        ) from None


def import_run(
    *,
    entity: str,
    path: Path | str,
    mapping: dict[str, str] | None = None,
    preset: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Progress | None = None,
    timezone_name: str = "UTC",
    unknown_to_properties: bool = False,
    encoding: str | None = None,
    delimiter: str | None = None,
    rejects_path: Path | str | None = None,
    phone_region: str | None = None,
    columns: list[str] | None = None,
    create_channels: bool = False,
) -> ImportReport:
    """``columns``: the names of a file without a header row (its first line is a record).

    Length: the steps are named functions below; what remains is the keyword signature the
    CLI, the import page and the tests share, and the order the steps run in.
    """
    schema = _schema_for(entity, preset)
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"No file at {path}.", field="path")
    ctx = ParseContext(tz=timezone_get(timezone_name), phone_region=phone_region or None)
    fmt = file_format_detect(path, encoding=encoding, delimiter=delimiter)
    report = ImportReport(
        entity=entity,
        path=path,
        encoding=fmt.encoding,
        delimiter=fmt.delimiter,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        timezone=timezone_name,
    )
    source = CsvSource(path=path, format=fmt, columns=_header_names(columns))
    total_bytes = path.stat().st_size
    bytes_read = [0]

    def on_bytes(done: int) -> None:
        bytes_read[0] = done
        if progress:
            progress("read", done, total_bytes)

    records = source.records(on_bytes=on_bytes)
    column_mapping = _mapping_read(
        records, report, schema, mapping, preset=preset, unknown_to_properties=unknown_to_properties
    )
    if column_mapping is None:
        return report
    started = time.perf_counter()
    validator = RowValidator(
        schema, column_mapping, references_load(create_channels=create_channels), ctx
    )
    collapser = RecordCollapser(entity)
    now = timezone.now()
    pipeline = (
        LeadsPipeline(collapser, now=now, total_bytes=total_bytes, settings=_bulk_write_settings)
        if pipeline_possible(entity, total_bytes, dry_run=dry_run)
        else None
    )
    records.close()  # the header is known; the rows are read again, in batches
    skip_invalid = _rows_read(
        batches_validated(source, validator),
        report=report,
        entity=entity,
        validator=validator,
        collapser=collapser,
        pipeline=pipeline,
        skip_invalid=skip_invalid,
        on_bytes=on_bytes,
        bytes_read=bytes_read,
    )
    report.naive_times = ctx.naive_times
    report.duplicates_merged = collapser.merged
    report.notes += _reading_notes(entity, schema, column_mapping, validator, collapser)
    report.timings["read_validate"] = time.perf_counter() - started
    if pipeline is not None:
        if report.errors and not skip_invalid:
            pipeline.abandon()
        else:
            report.timings["read_validate"] -= pipeline.plan_seconds
            if _pipeline_finish(pipeline, report, bytes_read[0], progress, path, entity):
                report.errors.sort()
                report.valid_rows = report.rows - report.rejected_rows
                return _imported(report, source, rejects_path)

    plan = _plan(report, entity=entity, collapser=collapser, now=now, skip_invalid=skip_invalid)
    if report.naive_times:
        report.notes.append(
            f"{report.naive_times} time(s) had no UTC offset and were read as {timezone_name}."
        )
    if dry_run or (report.errors and not skip_invalid):
        return report
    _write(plan, report, path=path, entity=entity, rows=len(collapser.records), progress=progress)
    return _imported(report, source, rejects_path)


def _mapping_read(
    records: Iterator[Any],
    report: ImportReport,
    schema: EntitySchema,
    mapping: dict[str, str] | None,
    *,
    preset: str | None,
    unknown_to_properties: bool,
) -> ColumnMapping | None:
    """The header row mapped to the entity's fields, or None (the report says why)."""
    try:
        _, header = next(records, (1, []))
    except FileUnreadable as error:
        report.errors.append(RowError(error.row, "*", error.message))
        return None
    if not any(cell.strip() for cell in header):
        report.errors.append(RowError(1, "*", "The file is empty: no header row."))
        return None
    column_mapping = mapping_resolve(
        header,
        schema,
        explicit=mapping,
        preset=preset,
        unknown_to_properties=unknown_to_properties,
    )
    report.mapping = column_mapping.as_dict()
    report.mapping_lines = mapping_lines(column_mapping)
    report.errors = mapping_check(column_mapping, schema)
    return None if report.errors else column_mapping


def _reading_notes(
    entity: str,
    schema: EntitySchema,
    column_mapping: ColumnMapping,
    validator: RowValidator,
    collapser: RecordCollapser,
) -> list[str]:
    """What the reading found worth saying: defaulted values, and how dates were read."""
    notes = defaults_notes(
        {(name, dict(schema.defaults)[name]): n for name, n in validator.defaulted.items()}
    )
    mapped = {target for target in column_mapping.targets if target is not None}
    return [*notes, *dates_notes(entity, collapser.records, mapped)]


def _schema_for(entity: str, preset: str | None) -> EntitySchema:
    schema = SCHEMAS.get(entity)
    if schema is None:
        raise InvalidInput(
            f"Unknown entity {entity!r}; expected one of: {', '.join(SCHEMAS)}.", field="entity"
        )
    if preset is not None and preset not in PRESETS:
        raise InvalidInput(
            f"Unknown preset {preset!r}; expected one of: {', '.join(PRESETS)}.", field="preset"
        )
    return schema


def _header_names(columns: list[str] | None) -> tuple[str, ...] | None:
    """The column names given for a file without a header row (None: the file has one)."""
    if columns is None:
        return None
    names = [c.strip() for c in columns]
    if not any(names) or len(set(names)) != len(names):
        raise InvalidInput(
            "--columns needs distinct names, one per column, separated by commas.",
            field="columns",
        )
    return tuple(names)


def _rows_read(
    batches: Iterable[Any],
    *,
    report: ImportReport,
    entity: str,
    validator: RowValidator,
    collapser: RecordCollapser,
    pipeline: LeadsPipeline | None,
    skip_invalid: bool,
    on_bytes: Callable[[int], None],
    bytes_read: list[int],
) -> bool:
    """Read and validate every row into ``collapser`` (feeding the pipeline as it goes);
    errors go to the report. Returns ``skip_invalid``, false once the file is unreadable:
    an unreadable file is never imported in part."""
    try:
        for batch in batches:
            # Erased or unsubscribed people are refused, row by row (suppressed.py).
            suppressed_rows_refuse(batch, entity=entity, columns=validator.column_of)
            report.rows += batch.rows
            on_bytes(batch.bytes_read)
            if batch.errors:
                report.errors.extend(batch.errors)
                if pipeline is not None and not skip_invalid and not pipeline.broken:
                    pipeline.abandon()  # nothing will be written
            for record in batch.records:
                collapser.add(record)
                if pipeline is not None:
                    pipeline.feed(bytes_read[0])
            if batch.unreadable:
                raise FileUnreadable(batch.unreadable[1], row=batch.unreadable[0])
    except FileUnreadable as error:
        report.errors.append(RowError(error.row, "*", error.message))
        return False
    except BaseException:
        if pipeline is not None:
            pipeline.abandon()
        raise
    return skip_invalid


def _plan(
    report: ImportReport,
    *,
    entity: str,
    collapser: RecordCollapser,
    now: datetime,
    skip_invalid: bool,
) -> WritePlan:
    """Plan the writes; with ``skip_invalid``, plan again without the rows planning refused."""
    column_of_target = {target: column for column, target in reversed(report.mapping.items())}
    started = time.perf_counter()
    plan = PLANNERS[entity](collapser.records, now=now, columns=column_of_target)
    if plan.errors:
        report.errors.extend(plan.errors)
        if skip_invalid:
            collapser.discard_rows({e.row for e in plan.errors})
            plan = PLANNERS[entity](collapser.records, now=now, columns=column_of_target)
    report.timings["plan"] = time.perf_counter() - started
    report.errors.sort()
    report.valid_rows = report.rows - report.rejected_rows
    report.created, report.updated, report.unchanged = plan.created, plan.updated, plan.unchanged
    report.notes.extend(plan.notes)
    return plan


def _write(
    plan: WritePlan,
    report: ImportReport,
    *,
    path: Path,
    entity: str,
    rows: int,
    progress: Progress | None,
) -> None:
    """Apply the plan in one transaction (all rows or none)."""
    if progress:
        progress("write", 0, rows)
    started = time.perf_counter()
    try:
        with _bulk_write_settings(), transaction.atomic():
            plan.apply()
    except DatabaseError as error:
        _refused(error, path, entity)
    report.timings["write"] = time.perf_counter() - started
    if progress:
        progress("write", rows, rows)


def _pipeline_finish(
    pipeline: LeadsPipeline,
    report: ImportReport,
    bytes_read: int,
    progress: Progress | None,
    path: Path,
    entity: str,
) -> bool:
    """Write the rest of a pipelined import and commit; False to plan in one piece instead."""
    records = len(pipeline.collapser.records)
    if progress:
        progress("write", 0, records)
    started = time.perf_counter()
    try:
        plan_before = pipeline.plan_seconds
        committed = pipeline.finish(bytes_read)
    except DatabaseError as error:
        _refused(error, path, entity)
    if not committed:
        return False
    last_plan = pipeline.plan_seconds - plan_before
    report.timings["plan"] = pipeline.plan_seconds
    # Only the wait after the last row: the rest of the writing overlapped the reading.
    report.timings["write"] = time.perf_counter() - started - last_plan
    report.pipelined = True
    report.created, report.updated = pipeline.created, pipeline.updated
    report.unchanged = pipeline.unchanged
    report.notes.extend(pipeline.notes())
    if report.naive_times:
        report.notes.append(
            f"{report.naive_times} time(s) had no UTC offset and were read as {report.timezone}."
        )
    if progress:
        progress("write", records, records)
    return True


def _refused(error: DatabaseError, path: Path, entity: str) -> NoReturn:
    logger.exception("Import of %s into %s failed; rolled back.", path, entity)
    raise InvalidInput(
        f"The database refused the import ({error}); nothing was written.", field="path"
    ) from error


def _imported(
    report: ImportReport, source: CsvSource, rejects_path: Path | str | None
) -> ImportReport:
    path, entity = report.path, report.entity
    report.imported = True
    if report.errors:
        report.rejects_path = rejects_write(
            source,
            report.errors,
            Path(rejects_path) if rejects_path else path.with_name(f"{path.stem}.rejected.csv"),
        )
    logger.info(
        "Imported %s into %s: %s created, %s updated, %s unchanged, %s rows rejected.",
        path.name,
        entity,
        report.created,
        report.updated,
        report.unchanged,
        report.rejected_rows,
    )
    return report


@contextmanager
def _bulk_write_settings() -> Iterator[None]:
    """SQLite: a larger page cache while the import writes, then the usual one again.

    With the default 2 MB cache, inserting hundreds of thousands of rows into tables with
    several indexes spills B-tree pages to disk mid-transaction and re-reads them. The setting
    is per connection and changes nothing about durability or locking. It is set around the
    transaction, not inside it, so that restoring it never runs in a failed transaction.
    """
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {IMPORT_CACHE_KIB:d}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous):d}")


def rejects_write(source: CsvSource, errors: list[RowError], target: Path) -> Path:
    """Copy the rejected rows (original cells, plus an ``error`` column) to ``target``.

    The file is read again rather than kept in memory; it is UTF-8 with a BOM (spreadsheets
    open it correctly) and keeps the input's delimiter, so it can be fixed and re-imported.
    """
    messages: dict[int, list[str]] = {}
    for error in errors:
        messages.setdefault(error.row, []).append(f"{error.column}: {error.message}")
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=source.format.delimiter)
        for row, values in source.records():
            if row == source.header_row:
                writer.writerow([*values, "error"])
            elif row in messages:
                writer.writerow([*values, "; ".join(messages[row])])
    return target
