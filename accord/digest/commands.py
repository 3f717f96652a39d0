"""``accord digest build [--week YYYY-Www]``: the weekly joint digest on demand."""

from __future__ import annotations

import click
from django.utils import timezone

from accord.core.errors import DomainError
from accord.digest.content import last_full_week, week_label, week_parse
from accord.digest.services import digest_build


@click.group("digest")
def digest() -> None:
    """The weekly joint digest of the heads of marketing and sales."""


@digest.command("build")
@click.option(
    "--week",
    metavar="YYYY-Www",
    help="The ISO week to build (default: the last full week).",
)
def digest_build_command(week: str | None) -> None:
    """Build a week's digest and mail it to the heads. A week has one digest: when it exists
    already, it is left as it was (a snapshot) and its id printed."""
    try:
        monday = week_parse(week) if week else last_full_week(timezone.localdate())
        built, created = digest_build(week=monday)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    state = "built" if created else "exists already"
    click.echo(f"digest {built.pk} for {week_label(monday)}: {state}")
