"""``accord plan list`` and ``accord plan show ID``: the joint plans from a terminal."""

from __future__ import annotations

import math

import click

from accord.planning import selectors


@click.group("plan")
def plan() -> None:
    """Joint plans: the revenue target worked back through the funnel."""


@plan.command("list")
def plan_list() -> None:
    """Every plan: id, status, period and name."""
    for item in selectors.plans_visible():
        click.echo(f"{item.pk}\t{item.status}\t{item.period_kind} {item.start_month}\t{item.name}")


@plan.command("show")
@click.argument("plan_id", type=int)
def plan_show(plan_id: int) -> None:
    """What each stage needs, month by month (rounded up), and the capacity check."""
    found = selectors.plan_get(plan_id)
    if found is None:
        raise click.ClickException(f"No plan {plan_id}.")
    worked = selectors.plan_worked(found)
    content = found.content
    click.echo(f"{found.name} ({found.status}): {content['revenue_target']:,.0f} {found.currency}")
    months = sorted({m for s in worked.funnel.stages for m in s.by_month})
    click.echo("stage".ljust(12) + "".join(m.rjust(10) for m in months) + "total".rjust(10))
    for stage in reversed(worked.funnel.stages):
        cells = "".join(
            (str(math.ceil(stage.by_month[m] - 1e-9)) if m in stage.by_month else "").rjust(10)
            for m in months
        )
        total = str(math.ceil(stage.total - 1e-9)).rjust(10)
        click.echo(stage.stage.ljust(12) + cells + total)
    capacity = worked.capacity
    verdict = "enough" if capacity.enough else "NOT enough"
    click.echo(
        f"capacity: {capacity.capacity} MQLs a month from {capacity.reps} reps, "
        f"peak need {math.ceil(capacity.mqls_needed_peak - 1e-9)}: {verdict}"
    )
