"""``accord import ENTITY FILE`` and ``accord export ENTITY``.

Exit codes: 0 imported (or, for a dry run, the file is valid), 1 the file has invalid rows
(every error is listed as ``row N, column "X": message`` in a report file, the first ones on
the console), 2 a usage error (unknown option value, field or column in ``--map``).
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path
from typing import Any

import click

from accord.core.errors import InvalidInput
from accord.integrations.importing.presets import PRESETS
from accord.integrations.importing.schemas import SCHEMAS

CONSOLE_ERRORS = 20


def _mapping_parse(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip():
            raise click.BadParameter(f"{pair!r} is not COLUMN=FIELD.", param_hint="--map")
        mapping[column.strip()] = target.strip()
    return mapping


@click.command("import")
@click.argument("entity", type=click.Choice(list(SCHEMAS)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Map a column to a field (or properties.NAME; empty FIELD ignores it).",
)
@click.option(
    "--preset",
    type=click.Choice(list(PRESETS)),
    help="Column names of a HubSpot or Salesforce export.",
)
@click.option("--dry-run", is_flag=True, help="Validate and count; write nothing.")
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the valid rows; write the rejected ones to a rejects file.",
)
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write rejected rows (default: FILE.rejected.csv beside it).",
)
@click.option(
    "--unknown-to-properties",
    is_flag=True,
    help="Keep unmapped columns as custom properties, stored once: on the lead for a leads "
    "file (map COLUMN=contact_properties.NAME for the contact), on the contact for contacts.",
)
@click.option(
    "--timezone",
    "timezone_name",
    default="UTC",
    show_default=True,
    help="Time zone for times written without an offset.",
)
@click.option("--encoding", help="The file's encoding (detected when not given).")
@click.option("--delimiter", help="The delimiter (detected when not given); 'tab' for tabs.")
@click.option("--phone-region", help="Country (ISO code) for phone numbers without +.")
@click.option(
    "--errors-report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write every error (default: FILE.errors.txt beside it).",
)
@click.option(
    "--no-header",
    is_flag=True,
    help="The file has no header row: its first line is a record (give --columns).",
)
@click.option(
    "--columns",
    "column_names",
    metavar="A,B,C",
    help="Column names for a file without a header row, in order, separated by commas.",
)
@click.option(
    "--create-channels",
    is_flag=True,
    help="Touchpoints: create the channels the channel column names that do not exist yet.",
)
@click.option("--no-progress", is_flag=True, help="Do not show the progress bar.")
def import_command(
    entity: str,
    file: Path,
    maps: tuple[str, ...],
    preset: str | None,
    dry_run: bool,
    skip_invalid: bool,
    rejects: Path | None,
    unknown_to_properties: bool,
    timezone_name: str,
    encoding: str | None,
    delimiter: str | None,
    phone_region: str | None,
    errors_report: Path | None,
    no_header: bool,
    column_names: str | None,
    create_channels: bool,
    no_progress: bool,
) -> None:
    """Import contacts, leads, deals, touchpoints, spend, products or activities from a CSV file.

    Nothing is written unless every row is valid (or --skip-invalid is given). Importing
    the same file again creates nothing new: rows are matched by external id, then email
    or phone (deals and spend by their own keys, products by SKU). Deals and touchpoints
    link to their lead by lead_external_id, contact_external_id, contact email or phone.

    \b
    A leads file's outcome column accepts (any case):
      won:  won, win, yes, y, true, 1, customer, closed won
      lost: lost, no, n, false, 0, disqualified, closed lost

    Deals: stage names of HubSpot (closedwon, closedlost, ...) and Salesforce (Closed Won,
    Closed Lost, ...) map to won/lost, other stages to open ones; won_at and lost_at close
    a deal without a stage column. After deals are imported each lead is placed in the
    funnel with the deals' dates, and the consistency check is printed.
    """
    from accord.integrations.importing.history import import_recorded
    from accord.integrations.importing.service import import_run
    from accord.integrations.models import ImportRecord

    mapping = _mapping_parse(maps)
    names = _column_names(no_header, column_names)
    if delimiter == "tab":
        delimiter = "\t"
    progress = _ProgressBars(quiet=no_progress)
    started = time.perf_counter()
    try:
        report = import_run(
            entity=entity,
            path=file,
            mapping=mapping,
            preset=preset,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            progress=progress,
            timezone_name=timezone_name,
            unknown_to_properties=unknown_to_properties,
            encoding=encoding,
            delimiter=delimiter,
            rejects_path=rejects,
            phone_region=phone_region,
            columns=names,
            create_channels=create_channels,
        )
    except InvalidInput as error:
        # A mistake in the command line (unknown column or field in --map, time zone...).
        raise click.UsageError(error.message) from None
    progress.close()
    import_recorded(report=report, file_name=file, source=ImportRecord.Source.CLI)
    _report_echo(report, file=file, entity=entity, dry_run=dry_run, started=started)
    _errors_echo(report, file=file, errors_report=errors_report)
    if report.imported and report.rejects_path:
        click.echo(f"Imported the valid rows; rejected rows written to {report.rejects_path}.")
    elif report.errors and not report.imported:
        click.secho("Nothing was imported.", fg="red", err=True)
        sys.exit(1)
    elif dry_run:
        click.echo("Dry run: nothing was written.")
    if report.imported and entity in ("leads", "deals"):
        _consistency_echo()


def _column_names(no_header: bool, column_names: str | None) -> list[str] | None:
    if not (no_header or column_names):
        return None
    if not (no_header and column_names):
        raise click.UsageError("--no-header and --columns go together.")
    return column_names.split(",")


class _ProgressBars:
    """One tqdm bar per import phase (reading bytes, writing rows), on stderr."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self.bars: dict[str, Any] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        bar = self.bars.get(phase)
        if bar is None:
            unit = "B" if phase == "read" else " rows"
            bar = self.bars[phase] = tqdm(
                total=total,
                desc="Reading" if phase == "read" else "Writing",
                unit=unit,
                unit_scale=phase == "read",
                file=sys.stderr,
                leave=False,
            )
        bar.update(done - bar.n)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _report_echo(report: Any, *, file: Path, entity: str, dry_run: bool, started: float) -> None:
    """The file's format, the dry run's column table, notes, counts, time and memory."""
    delimiter_name = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(
        report.delimiter, report.delimiter
    )
    click.echo(f"{file.name}: {report.encoding}, {delimiter_name}-separated, {report.rows} rows.")
    if dry_run and report.mapping_lines:
        click.echo("Columns:")
        for line in report.mapping_lines:
            click.echo(f"  {line}")
    for note in report.notes:
        click.echo(note if note.startswith("Warning:") else f"Note: {note}")
    if report.duplicates_merged:
        click.echo(f"{report.duplicates_merged} duplicate row(s) merged into earlier ones.")
    verb = "Would create" if dry_run or not report.imported else "Created"
    click.echo(
        f"{verb} {report.created}, update {report.updated}, "
        f"leave {report.unchanged} unchanged ({entity})."
    )
    seconds = time.perf_counter() - started
    # Peak resident memory of this process (Linux reports KiB), Django included.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    click.echo(
        f"Took {seconds:.1f} s ({report.rows / max(seconds, 1e-6):,.0f} rows/s); "
        f"peak memory {peak_mb:,.0f} MB."
    )


def _errors_echo(report: Any, *, file: Path, errors_report: Path | None) -> None:
    """The first errors on the console, all of them in a file next to the CSV."""
    if not report.errors:
        return
    shown = report.errors[:CONSOLE_ERRORS]
    for row_error in shown:
        click.secho(str(row_error), fg="red", err=True)
    target = errors_report or file.with_name(f"{file.stem}.errors.txt")
    target.write_text("".join(f"{e}\n" for e in report.errors), encoding="utf-8")
    more = len(report.errors) - len(shown)
    if more:
        click.secho(f"… and {more} more error(s).", fg="red", err=True)
    click.echo(
        f"{len(report.errors)} error(s) in {report.rejected_rows} row(s); all listed in {target}.",
        err=True,
    )


def _consistency_echo() -> None:
    from accord.integrations.importing.consistency import consistency_check

    result = consistency_check()
    click.echo("Consistency check:")
    for line in result.lines():
        click.echo(f"  {line}")


@click.group("check")
def check() -> None:
    """Checks of the stored data."""


@check.command("consistency")
def check_consistency() -> None:
    """Does the funnel agree with the deals? (won deals vs customers, stage history.)

    Exits 1 when it does not.
    """
    from accord.integrations.importing.consistency import consistency_check

    result = consistency_check()
    for line in result.lines():
        click.echo(line)
    if not result.ok:
        sys.exit(1)


@click.command("export")
@click.argument("entity", type=click.Choice(["contacts", "leads", "deals"]))
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The file to write.",
)
def export_command(entity: str, fmt: str, output: Path) -> None:
    """Export contacts, leads or deals as CSV or XLSX (cells safe to open in spreadsheets)."""
    from accord.integrations.export_lists import EXPORT_LISTS
    from accord.integrations.exporting import export_rows
    from accord.privacy.audit import audit_record
    from accord.privacy.transfer import export_rows_for_transfer

    columns, rows = EXPORT_LISTS[entity]
    # 152-FZ: an export to another system is a transfer (masked without consent, if required).
    email_key = "contact_email" if entity == "deals" else "email"
    output.write_bytes(
        export_rows(export_rows_for_transfer(rows(), email_key=email_key), columns, fmt)
    )
    audit_record(action="export.written", actor="cli", target=entity, details={"format": fmt})
    click.echo(f"Wrote {output}.")
