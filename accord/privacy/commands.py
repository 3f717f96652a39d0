"""``accord privacy``: data-subject export and erasure, retention."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def privacy() -> None:
    """Personal data: export or erase a person, apply retention periods."""


@privacy.command("export")
@click.option("--email", default=None, help="The person's e-mail.")
@click.option("--phone", default=None, help="The person's phone (E.164, e.g. +79161234567).")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Where to write the zip (default: person-<time>.zip here).",
)  # fmt: skip
def export_cmd(email: str | None, phone: str | None, output: Path | None) -> None:
    """Everything held about a person, as JSON and CSV files in a zip."""
    from accord.privacy.dsar import person_export

    export = person_export(email=email, phone=phone, actor="cli")
    target = output or Path(export.filename)
    target.write_bytes(export.content)
    click.echo(f"{export.contacts} contact(s), {export.rows} row(s) written to {target}")


@privacy.command("erase")
@click.option("--email", default=None, help="The person's e-mail.")
@click.option("--phone", default=None, help="The person's phone.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_cmd(email: str | None, phone: str | None, yes: bool) -> None:
    """Erase a person everywhere (rows stay anonymised; counts do not change)."""
    from accord.privacy.erasure import person_erase

    if not yes:
        click.confirm(f"Erase {email or phone} everywhere? This cannot be undone", abort=True)
    result = person_erase(email=email, phone=phone, actor="cli")
    if result.nothing_done:
        click.echo("Nothing to erase: already erased, and on the suppression list.")
        return
    changed = ", ".join(f"{k} {v}" for k, v in sorted(result.changed.items()) if v) or "nothing"
    click.echo(
        f"Erased {result.contacts} contact(s); changed: {changed}; "
        f"{result.suppressed} suppression entr{'y' if result.suppressed == 1 else 'ies'} added."
    )


@privacy.command("retention")
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
def retention_cmd(dry_run: bool) -> None:
    """Apply the retention periods (settings, or the admin's retention policies)."""
    from accord.privacy.retention import retention_run

    lines = retention_run(dry_run=dry_run)
    verb = "would" if dry_run else "did"
    for line in lines:
        period = "kept for ever" if line.days is None else f"{line.days} days"
        click.echo(f"{line.label:<28} {period:<16} {verb} {line.action}: {line.count}")
