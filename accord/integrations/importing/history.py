"""The import history: a line per import run for real, from the page or the command line."""

from __future__ import annotations

from pathlib import Path

from accord.accounts.models import User
from accord.integrations.importing.service import ImportReport
from accord.integrations.models import ImportRecord


def import_recorded(
    *, report: ImportReport, file_name: str | Path, source: str, user: User | None = None
) -> ImportRecord | None:
    """Record ``report`` unless it was a dry run (a preview changes nothing to remember)."""
    if report.dry_run:
        return None
    problem = "" if report.imported or not report.errors else str(report.errors[0])
    # A refused file wrote nothing, whatever its plan counted.
    written = report.imported
    return ImportRecord.objects.create(
        entity=report.entity,
        file_name=Path(file_name).name[:255],
        source=source,
        user=user,
        imported=report.imported,
        rows=report.rows,
        created=report.created if written else 0,
        updated=report.updated if written else 0,
        unchanged=report.unchanged if written else 0,
        rejected=report.rejected_rows,
        problem=problem[:2000],
    )
