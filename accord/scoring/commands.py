"""``accord scoring``: rescore every lead, list profiles (predictive commands attach here too).

Exit codes: 0 done, 2 a usage or domain error (e.g. no active profile).
"""

from __future__ import annotations

import importlib.util
import sys

import click

from accord.core.errors import InvalidInput


@click.group("scoring")
def scoring() -> None:
    """Lead scoring: profiles, rescoring, predictive models."""


@scoring.command("rescore")
@click.option(
    "--chunk-size",
    default=20_000,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Leads scored and written per transaction.",
)
@click.option(
    "--no-qualify",
    is_flag=True,
    help="Only store scores; do not move leads that meet the MQL definition to MQL.",
)
@click.option("--open-only", is_flag=True, help="Rescore open leads only (default: every lead).")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 16),
    help="Processes reading touchpoints (default: 2 from a million touchpoints on, else 1).",
)
def rescore(chunk_size: int, no_qualify: bool, open_only: bool, workers: int | None) -> None:
    """Recompute the score, grade and breakdown of every lead with the active profile."""
    from tqdm import tqdm

    from accord.contacts.models import Lead
    from accord.scoring import batch, selectors

    active = selectors.active_profile()
    if active is None:
        raise InvalidInput("No scoring profile is active; activate one first.", field="profile")
    leads = Lead.objects.filter(is_open=True) if open_only else Lead.objects.all()
    total = leads.count()
    click.echo(f"Rescoring {total:,} leads with profile {active.id} (version {active.version})...")
    with tqdm(
        total=total,
        unit=" leads",
        unit_scale=True,
        file=sys.stderr,
        disable=None,
        dynamic_ncols=True,
    ) as bar:
        result = batch.leads_rescore_all(
            active=active,
            qualify=not no_qualify,
            open_only=open_only,
            chunk_size=chunk_size,
            workers=workers,
            progress=bar.update,
        )
    click.echo(
        f"Scored {result.scored:,} leads: {result.grade_changed:,} changed grade, "
        f"{result.moved_to_mql:,} moved to MQL, {result.warnings:,} with value warnings."
    )


@scoring.command("profiles")
def profiles() -> None:
    """List scoring profiles: the active one is marked with *."""
    from accord.scoring.models import ScoringProfile
    from accord.scoring.selectors import mql_in_force

    rows = list(ScoringProfile.objects.order_by("name"))
    if not rows:
        click.echo("No scoring profiles.")
        return
    for profile in rows:
        click.echo(
            f"{'*' if profile.is_active else ' '} {profile.pk:>4}  {profile.name}  "
            f"({profile.rules.count()} rules, version {profile.version})"
        )
    mql = mql_in_force()
    click.echo(
        f"MQL definition in force (hand-off agreement v{mql.agreement_version or '?'}): "
        f"score >= {mql.min_score}, grade >= {mql.min_grade or 'any'}"
        f"{', fast-track actions qualify' if mql.fast_track else ''}"
        if mql
        else "No MQL definition in force: approve the hand-off agreement."
    )


def _predictive_attach() -> None:
    """Predictive-model commands live in accord.scoring.predictive.commands when present."""
    if importlib.util.find_spec("accord.scoring.predictive") is None:
        return
    if importlib.util.find_spec("accord.scoring.predictive.commands") is None:
        return
    module = importlib.import_module("accord.scoring.predictive.commands")
    commands = getattr(module, "COMMANDS", None)
    if commands is None:  # otherwise every click command the module defines
        commands = [c for c in vars(module).values() if isinstance(c, click.Command)]
    for command in commands:
        if command is not scoring:
            scoring.add_command(command)


_predictive_attach()
